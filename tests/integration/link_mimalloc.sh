# Static musl programs on mimalloc (built from Debian's source package, tools/dev/build-deps.sh)
# linked with heapfold's archive: mimalloc serves every block, and heapfold records exactly
# what it records with musl's own allocator. Each program is built both ways (tests/link/musl/
# and tests/link/mimalloc/); per program:
#   - mimalloc is the allocator that runs (MIMALLOC_VERBOSE=1 makes it say so at start);
#   - the exact figures of link_libc.sh (libc's own allocations: strdup, fopen, getline, and
#     atexit's through musl's internal __libc_calloc), link_api.sh's (hf_stats against the
#     usable sizes mimalloc gives, which link_api checks itself) and rec_threads.sh's;
#   - every stack's counts, bytes, leaks and temporaries equal the musl build's.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HF_DUMP"
M=$B/tests/link/mimalloc
[[ -d $M ]] || skip "$M not built (no musl-gcc, or mimalloc could not be built)"
need "$M/link_libc" "$M/link_api" "$M/gt_threads"
T=$HF_TEST_TMP
printf 'first line of the file\nsecond line\n' >"$T/text"

# run VARIANT PROGRAM ARGS...: the program of that build (musl or mimalloc) into $T/PROGRAM-VARIANT.gz
run() {
	local v=$1 p=$2
	shift 2
	linked st out "$T/err" "$T/$p-$v.gz" "$B/tests/link/$v/$p" "$@"
	expect_eq "$p $v: exit status" "$st" 0
	expect_eq "$p $v: last line" "$(tail -n 1 <<<"$out")" "$p: ok"
	check_consistent "$T/$p-$v.gz"
}

for v in musl mimalloc; do
	run "$v" link_libc "$T/text"
	printf '%s\n' "$out" >"$T/libc-$v.out"
	run "$v" link_api "$T/window-$v.gz" "$T/missing/dir.gz"
	run "$v" gt_threads
done

# The allocator that ran: mimalloc announces itself when asked, musl's allocator has no voice.
set +e
MIMALLOC_VERBOSE=1 HEAPFOLD_OUTPUT="$T/verbose.gz" "$M/gt_threads" >/dev/null 2>"$T/verbose.err"
set -e
expect_true "mimalloc build: mimalloc initialised" grep -q '^mimalloc: process init' "$T/verbose.err"
set +e
MIMALLOC_VERBOSE=1 HEAPFOLD_OUTPUT="$T/verbose-musl.gz" "$B/tests/link/musl/gt_threads" >/dev/null 2>"$T/verbose-musl.err"
set -e
expect_eq "musl build: no mimalloc" "$(grep -c mimalloc "$T/verbose-musl.err" || true)" 0

# Exact figures (link_libc.sh, rec_threads.sh hold their derivations).
t=$T/link_libc-mimalloc.gz
stat() { awk -v f="$1" '$1 == f { print $2, $3, $4 }' "$T/libc-mimalloc.out"; }
expect_eq "hf_stats strdup" "$(stat strdup)" "8 8 128"
expect_eq "hf_stats fopen" "$(stat fopen)" "1 1 1264"
expect_eq "hf_stats getline" "$(stat getline)" "3 3 1292"
expect_eq "hf_stats atexit (3 x struct fl)" "$(stat atexit)" "3 0 1560"
expect_eq "trace strdup" "$(stack_field "$t" malloc strdup allocs) $(stack_field "$t" malloc strdup bytes)" "8 128"
expect_eq "trace fopen + fdopen" "$(stack_field "$t" malloc __fdopen allocs) $(stack_field "$t" malloc __fdopen bytes)" "2 2528"
expect_eq "trace getdelim" "$(stack_field "$t" realloc getdelim allocs) $(stack_field "$t" realloc getdelim bytes)" "2 28"
expect_eq "trace atexit, through __libc_calloc" "$(stack_field "$t" calloc __cxa_atexit allocs) $(stack_field "$t" calloc __cxa_atexit bytes)" "3 1560"
expect_eq "link_libc allocations" "$(summary "$t" allocations)" 15
w=$T/window-mimalloc.gz
expect_eq "link_api window: allocations, bytes, frees" \
	"$(summary "$w" allocations) $(summary "$w" bytes) $(summary "$w" frees)" "25 1200 30"
t=$T/gt_threads-mimalloc.gz
expect_eq "gt_threads worker allocs" "$(stack_field "$t" malloc worker_alloc allocs)" 16000
expect_eq "gt_threads worker bytes" "$(stack_field "$t" malloc worker_alloc bytes)" 1152000
expect_eq "gt_threads worker leaked blocks" "$(stack_field "$t" malloc worker_alloc leaked_blocks)" 96
expect_eq "gt_threads worker leaked bytes" "$(stack_field "$t" malloc worker_alloc leaked_bytes)" 6912

# The same trace as on musl's allocator, stack by stack.
expect_eq "link_libc: hf_stats as on musl's allocator" "$(cat "$T/libc-mimalloc.out")" "$(cat "$T/libc-musl.out")"
for f in link_libc link_api window gt_threads; do
	a=$T/$f-musl.gz b=$T/$f-mimalloc.gz
	expect_eq "$(basename "$b"): every stack as on musl's allocator" "$(stacks "$b")" "$(stacks "$a")"
done
finish
