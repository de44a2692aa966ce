# The dependency build survives an archive that does not serve the version apt prefers
# (tools/dev/fetch-sources.sh): a private apt configuration lists, ahead of a good repository,
# one whose index names newer versions whose files are missing, and one whose files do not
# match the index. Both are file: repositories made here from the sources the build fetched,
# so the test needs no network and the failure happens every time, not when a mirror misbehaves.
# Then the same with only the bad repositories: one clear error, a non-zero exit, nothing left.
. tests/lib/hftest.sh
dl=$B/deps/dl/src
for p in zlib libdeflate libunwind; do
	[[ -f $dl/$p/fetched ]] || skip "the build's $p sources are not in $dl (fetched by make)"
done
command -v dpkg-scansources >/dev/null || skip "dpkg-scansources (dpkg-dev) missing"
T=$HF_TEST_TMP
mkdir -p "$T/good" "$T/missing" "$T/tampered"

# good: the sources the build fetched, indexed by dpkg-scansources
for p in zlib libdeflate libunwind; do
	cp "$dl/$p/"*.dsc "$dl/$p/"*.tar.* "$T/good/"
done
(cd "$T/good" && dpkg-scansources . >Sources 2>/dev/null)
want_zlib=$(cut -d' ' -f1 "$dl/zlib/fetched")
want_unwind=$(cut -d' ' -f1 "$dl/libunwind/fetched")

# missing: newest versions whose files are not there (a security pocket that answers 404)
cat >"$T/missing/Sources" <<'EOF'
Package: zlib
Version: 9:9.9-1
Directory: .
Checksums-Sha256:
 0000000000000000000000000000000000000000000000000000000000000000 100 zlib_9.9-1.dsc

Package: libunwind
Version: 9.9-1
Directory: .
Checksums-Sha256:
 0000000000000000000000000000000000000000000000000000000000000000 100 libunwind_9.9-1.dsc
EOF
# tampered: the next versions, whose file is there but not the one the index vouches for
printf 'Format: 3.0 (quilt)\nSource: zlib\n' >"$T/tampered/zlib_8.0-1.dsc"
cat >"$T/tampered/Sources" <<'EOF'
Package: zlib
Version: 8:8.0-1
Directory: .
Checksums-Sha256:
 1111111111111111111111111111111111111111111111111111111111111111 29 zlib_8.0-1.dsc
EOF
bad="deb-src [trusted=yes] file:$T/missing ./
deb-src [trusted=yes] file:$T/tampered ./"
printf '%s\ndeb-src [trusted=yes] file:%s/good ./\n' "$bad" "$T" >"$T/sources"
printf '%s\n' "$bad" >"$T/sources-bad"

# 1. The fetch falls back: newest first, past the missing and the tampered versions.
set +e
HEAPFOLD_DEPS_SOURCES=$T/sources tools/dev/fetch-sources.sh "$T/dl" zlib libunwind 2>"$T/err1"
st=$?
set -e
cat "$T/err1"
expect_eq "fallback: exit status" "$st" 0
expect_eq "fallback: zlib version" "$(cut -d' ' -f1 "$T/dl/src/zlib/fetched" 2>/dev/null)" "$want_zlib"
expect_eq "fallback: libunwind version" "$(cut -d' ' -f1 "$T/dl/src/libunwind/fetched" 2>/dev/null)" "$want_unwind"
expect_true "fallback: zlib says what it tried first, in order" \
	grep -q "^heapfold: zlib $want_zlib from file:$T/good ./ (tried before it: 9:9.9-1 from file:$T/missing ./: .*not found.*; 8:8.0-1 from file:$T/tampered ./: Hash Sum mismatch" "$T/err1"
expect_true "fallback: libunwind says what it tried first" \
	grep -q "^heapfold: libunwind $want_unwind from file:$T/good ./ (tried before it: 9.9-1 from file:$T/missing ./" "$T/err1"
expect_true "fallback: no scratch folder left" test -z "$(find "$T/dl/src" -name '.try-*')"

# 2. The whole dependency build with those sources: zlib, libdeflate and libunwind built,
# patched, checked.
set +e
HEAPFOLD_DEPS_SOURCES=$T/sources tools/dev/build-deps.sh "$T/b" host 2>"$T/err2"
st=$?
set -e
cat "$T/err2"
expect_eq "build: exit status" "$st" 0
expect_true "build: libunwind.a, libdeflate.a and libz.a" test -f "$T/b/deps/host/lib/libunwind.a" \
	-a -f "$T/b/deps/host/lib/libdeflate.a" -a -f "$T/b/deps/host/lib/libz.a"
expect_true "build: the stamp names the versions" grep -qx "zlib $want_zlib" "$T/b/deps/host/.stamp"

# 3. Nothing works: one line per package naming every version and pocket tried, exit 1, and
# nothing that a later run could take for a fetched package.
set +e
HEAPFOLD_DEPS_SOURCES=$T/sources-bad tools/dev/fetch-sources.sh "$T/dl-bad" zlib libunwind 2>"$T/err3"
st=$?
set -e
cat "$T/err3"
expect_eq "no source works: exit status" "$st" 1
expect_true "no source works: zlib's line names both tries" \
	grep -q "^heapfold: could not fetch the source package zlib; tried 9:9.9-1 from file:$T/missing ./: .*; 8:8.0-1 from file:$T/tampered ./: Hash Sum mismatch" "$T/err3"
expect_true "no source works: libunwind's line" \
	grep -q "^heapfold: could not fetch the source package libunwind; tried 9.9-1 from file:$T/missing ./" "$T/err3"
expect_true "no source works: says how to retry" grep -q "to retry, run the same make command again" "$T/err3"
expect_eq "no source works: nothing left in src/" "$(ls -A "$T/dl-bad/src")" ""
set +e
HEAPFOLD_DEPS_SOURCES=$T/sources-bad tools/dev/build-deps.sh "$T/b-bad" host 2>"$T/err4"
st=$?
set -e
expect_true "no source works: the dependency build fails" test "$st" -ne 0
expect_true "no source works: no stamp" test ! -e "$T/b-bad/deps/host/.stamp"
expect_true "no source works: the build's last line quotes the cause" \
	grep -q "could not fetch the source package" <(tail -n 3 "$T/err4")
finish
