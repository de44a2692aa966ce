# The pkg-config files, for real: make install into a scratch prefix, then build programs the way
# docs/linking.md tells users to, with PKG_CONFIG_PATH pointing there:
#   cc app.c $(pkg-config --cflags --libs heapfold)                          dynamic
#   cc -static app.c $(pkg-config --cflags --static --libs heapfold-static)  static glibc
#   musl-gcc -static app.c $(pkg-config --cflags --static --libs heapfold-musl)
# with and without -flto, and a program that never calls malloc itself. Each runs without
# LD_PRELOAD, writes a trace (by default heapfold.NAME.PID.gz in the current directory) whose
# HEADER has the right link mode, and none with HEAPFOLD_OUTPUT= or HEAPFOLD_DISABLE=1.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
command -v pkg-config >/dev/null || skip "pkg-config not installed"
# make install under SANITIZE installs no recorder (it is never built with sanitizers).
[[ -z ${SANITIZE:-} ]] || skip "SANITIZE=$SANITIZE: the recorder libraries are not installed"
need "$HF_DUMP" "$HP" "$B/lib/libheapfold.a"
prefix=$HF_TEST_TMP/prefix
make --no-print-directory B="$B" install PREFIX="$prefix" >"$HF_TEST_TMP/install.log" 2>&1 ||
	{ tail "$HF_TEST_TMP/install.log"; echo "FAIL make install"; exit 1; }
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
for f in lib/libheapfold.a lib/heapfold.wrap lib/libheapfold.so include/heapfold.h \
	lib/pkgconfig/heapfold.pc lib/pkgconfig/heapfold-static.pc lib/pkgconfig/heapfold-musl.pc; do
	expect_true "installed $f" test -f "$prefix/$f"
done
musl=0
if [[ -f $prefix/lib/musl/libheapfold.a ]] && command -v "${MUSL_CC:-musl-gcc}" >/dev/null; then
	musl=1
	expect_true "installed lib/musl/heapfold.wrap" test -f "$prefix/lib/musl/heapfold.wrap"
fi
expect_true "no build path in the .pc files" bash -c "! grep -q '$B' '$prefix'/lib/pkgconfig/*.pc"

src=tests/progs/gt_family.c
cflags=(-std=gnu11 -O2 -g -D_GNU_SOURCE -Itests/progs)
build() { # NAME CC [FLAGS...] -- PKG [--static]
	local name=$1 cc=$2 flags=() pkg
	shift 2
	while [[ $1 != -- ]]; do flags+=("$1"); shift; done
	shift
	pkg=("$@")
	# shellcheck disable=SC2046
	if ! "$cc" "${flags[@]}" "$src" $(pkg-config --cflags --libs "${pkg[@]}") -o "$HF_TEST_TMP/$name" \
		>"$HF_TEST_TMP/$name.log" 2>&1; then
		echo "FAIL building $name:"; sed 's/^/    /' "$HF_TEST_TMP/$name.log"
		hf_failures=$((hf_failures + 1))
		return 1
	fi
}
check_family() { # NAME MODE
	local p=$HF_TEST_TMP/$1 t=$HF_TEST_TMP/$1.gz
	expect_linkage "$2" "$p"
	linked st out "$HF_TEST_TMP/err" "$t" "$p"
	expect_eq "$1: exit status" "$st" 7
	expect_eq "$1: link mode" "$(link_mode "$t")" "$(mode_name "$2")"
	check_consistent "$t"
	expect_eq "$1: from_malloc allocs" "$(stack_field "$t" malloc from_malloc allocs)" 100
	expect_eq "$1: from_calloc bytes" "$(stack_field "$t" calloc from_calloc bytes)" 5000
	expect_eq "$1: from_realloc bytes" "$(stack_field "$t" realloc from_realloc bytes)" 5760
	expect_eq "$1: from_valloc bytes" "$(stack_field "$t" valloc from_valloc bytes)" 5000
}

build dyn cc "${cflags[@]}" -- heapfold && check_family dyn dynamic
build st cc -static "${cflags[@]}" -- heapfold-static --static && check_family st static
build st-lto cc -static -flto "${cflags[@]}" -- heapfold-static --static && check_family st-lto static
if [[ $musl == 1 ]]; then
	build mu "${MUSL_CC:-musl-gcc}" -static "${cflags[@]}" -- heapfold-musl --static && check_family mu musl
	build mu-lto "${MUSL_CC:-musl-gcc}" -static -flto "${cflags[@]}" -- heapfold-musl --static &&
		check_family mu-lto musl
fi

# C++: operator new and delete reach the wrappers through malloc and free.
if command -v "${CXX:-g++}" >/dev/null; then
	src=tests/progs/gt_cxx.cpp
	cflags=(-O1 -g -Itests/progs)
	if build cxx-st "${CXX:-g++}" -static "${cflags[@]}" -- heapfold-static --static; then
		t=$HF_TEST_TMP/cxx-st.gz
		linked st out "$HF_TEST_TMP/err" "$t" "$HF_TEST_TMP/cxx-st"
		expect_eq "cxx-st: output" "$out" "gt_cxx: ok"
		check_consistent "$t"
		expect_eq "cxx-st: new int[100] x 10" "$(stack_via "$t" malloc _ZL9new_arrayv allocs)" 10
	fi
fi

# A program that calls no allocation function itself still links (libc's fclose refers to
# __wrap_free) and still records what libc allocates for it.
src=$HF_TEST_TMP/quiet.c
printf '#include <stdio.h>\nint main(void) { return puts("quiet") < 0; }\n' >"$src"
cflags=(-O2)
build quiet-st cc -static -- heapfold-static --static
[[ $musl == 1 ]] && build quiet-mu "${MUSL_CC:-musl-gcc}" -static -- heapfold-musl --static
build quiet-dyn cc -- heapfold
for q in quiet-st quiet-mu quiet-dyn; do
	[[ -x $HF_TEST_TMP/$q ]] || continue
	d=$HF_TEST_TMP/run-$q
	mkdir -p "$d"
	# Run the binary: the trace appears in the current directory, named after the program.
	out=$(cd "$d" && env -u HEAPFOLD_OUTPUT "$HF_TEST_TMP/$q")
	expect_eq "$q: output" "$out" "quiet"
	traces=("$d"/heapfold."$q".*.gz)
	expect_true "$q: default trace heapfold.$q.PID.gz" test -f "${traces[0]}"
	[[ -f ${traces[0]} ]] && check_consistent "${traces[0]}"
	rm -f "$d"/*
	(cd "$d" && HEAPFOLD_OUTPUT= "$HF_TEST_TMP/$q" >/dev/null)
	expect_eq "$q: HEAPFOLD_OUTPUT= writes nothing" "$(ls "$d" | wc -l)" 0
	(cd "$d" && HEAPFOLD_DISABLE=1 "$HF_TEST_TMP/$q" >/dev/null)
	expect_eq "$q: HEAPFOLD_DISABLE=1 writes nothing" "$(ls "$d" | wc -l)" 0
done

# The reader's archive, linked as its .pc file says (it carries its inflater inside): a program
# counting a trace's allocations agrees with hf_dump.
if [[ -f $HF_TEST_TMP/dyn.gz ]]; then
	cat >"$HF_TEST_TMP/count.c" <<'EOC'
#include <stdio.h>
#include "heapfold_trace.h"
int main(int argc, char **argv)
{
	hf_trace *t;
	struct hf_event ev;
	unsigned long n = 0;
	int rc;
	if (argc != 2 || hf_trace_open(argv[1], &t) != HF_TRACE_OK)
		return 1;
	while ((rc = hf_trace_next(t, &ev)) == HF_TRACE_OK)
		n += ev.type == HF_EV_ALLOC;
	hf_trace_close(t);
	printf("%lu\n", n);
	return rc == HF_TRACE_END ? 0 : 1;
}
EOC
	# shellcheck disable=SC2046
	if cc -std=gnu11 "$HF_TEST_TMP/count.c" $(pkg-config --cflags --libs heapfold-trace) \
		-o "$HF_TEST_TMP/count" >"$HF_TEST_TMP/count.log" 2>&1; then
		expect_eq "reader via pkg-config: allocations" "$("$HF_TEST_TMP/count" "$HF_TEST_TMP/dyn.gz")" \
			"$(summary "$HF_TEST_TMP/dyn.gz" allocations)"
	else
		echo "FAIL building a reader program with pkg-config heapfold-trace:"
		sed 's/^/    /' "$HF_TEST_TMP/count.log"
		hf_failures=$((hf_failures + 1))
	fi
fi
finish
