# examples/static-service's mimalloc variant: kvd linked fully static with musl, mimalloc (built
# from Debian's source package) and heapfold, by the example's own Makefile (make kvd-mimalloc)
# against heapfold installed into a scratch prefix. Its malloc is mimalloc's, and the same
# session gives exactly the trace of example_service.sh (the leak, the temporary hot spot, the
# pool, symbols without the binary, the run without /proc): heapfold sees every call of the
# program and of libc, whichever allocator serves them.
. tests/lib/hftest.sh
mi=$B/deps/mimalloc/lib/libmimalloc.a
[[ -e $B/examples/static-service/kvd-mimalloc && -e $mi ]] ||
	skip "kvd-mimalloc not built (no musl-gcc, or mimalloc could not be built)"
command -v pkg-config >/dev/null || skip "pkg-config not installed: the example's Makefile needs it"
[[ -z ${SANITIZE:-} ]] || skip "SANITIZE=$SANITIZE: the recorder libraries are not installed"
prefix=$HF_TEST_TMP/prefix
make --no-print-directory B="$B" install PREFIX="$prefix" >"$HF_TEST_TMP/install.log" 2>&1 ||
	{ tail "$HF_TEST_TMP/install.log"; echo "FAIL make install"; exit 1; }
cp -r examples/static-service "$HF_TEST_TMP/example"
if ! PKG_CONFIG_PATH=$prefix/lib/pkgconfig make -C "$HF_TEST_TMP/example" kvd-mimalloc MIMALLOC="$mi" \
	>"$HF_TEST_TMP/make.log" 2>&1; then
	cat "$HF_TEST_TMP/make.log"
	echo "FAIL make kvd-mimalloc"
	exit 1
fi
HF_KVD=$HF_TEST_TMP/example/kvd-mimalloc
# mimalloc's definitions are aliases of its mi_ functions: the same address.
addr() { nm "$HF_KVD" | awk -v s="$1" '$3 == s { print $1 }'; }
expect_true "kvd-mimalloc's malloc is mimalloc's" test -n "$(addr mi_malloc)" -a "$(addr malloc)" = "$(addr mi_malloc)"
expect_true "kvd-mimalloc's free is mimalloc's" test -n "$(addr mi_free)" -a "$(addr free)" = "$(addr mi_free)"
expect_true "kvd-mimalloc's malloc is wrapped" test -n "$(addr __wrap_malloc)"
# The metrics count usable sizes: musl's allocator gives blocks the size asked for, mimalloc
# rounds up to its size classes, 8 bytes for the leaked values of 3 and 4 bytes: 100 x 8.
HF_KVD_USABLE=800
. tests/integration/example_service.sh
