# The malloc family and threads on musl (dynamically linked) under the musl preload library.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$B/tests/progs-musl/gt_family" "$B/tests/progs-musl/gt_threads"
[[ -f $B/lib/musl/libheapfold.so ]] || skip "musl libheapfold.so not built"
t=$HF_TEST_TMP/family.gz
traced st out "$HF_TEST_TMP/err" "$t" "$B/tests/progs-musl/gt_family"
expect_eq "exit status" "$st" 7
expect_eq "exit status in the trace (main returned 7)" "$(summary "$t" exit_status)" 7
expect_eq "program output" "$out" "gt_family: ok"
check_consistent "$t"
f() { stack_field "$t" "$@"; }
expect_eq "malloc allocs" "$(f malloc from_malloc allocs)" 100
expect_eq "malloc leaked bytes" "$(f malloc from_malloc leaked_bytes)" 4000
expect_eq "calloc bytes" "$(f calloc from_calloc bytes)" 5000
expect_eq "realloc bytes" "$(f realloc from_realloc bytes)" 5760
expect_eq "reallocarray leaked bytes" "$(f reallocarray from_reallocarray leaked_bytes)" 1600
expect_eq "posix_memalign bytes" "$(f posix_memalign from_posix_memalign bytes)" 2000
expect_eq "aligned_alloc bytes" "$(f aligned_alloc from_aligned_alloc bytes)" 2560
expect_eq "memalign bytes" "$(f memalign from_memalign bytes)" 960
expect_eq "valloc bytes" "$(f valloc from_valloc bytes)" 5000
expect_eq "edge realloc(p, 0) returns a block on musl" "$(f realloc edge_cases allocs)" 1
# musl has no pvalloc; realloc(p, 0) gives a 0-byte block that is then freed.
expect_eq "allocations" "$(summary "$t" allocations)" 270
expect_eq "bytes" "$(summary "$t" bytes)" 32928
expect_eq "frees" "$(summary "$t" frees)" 210
expect_eq "failed" "$(summary "$t" failed)" 3
expect_eq "temporary" "$(summary "$t" temporary)" 150
expect_eq "leaked bytes" "$(summary "$t" leaked_bytes)" 5600
expect_eq "peak bytes" "$(summary "$t" peak_bytes)" 10000

t=$HF_TEST_TMP/threads.gz
traced st out "$HF_TEST_TMP/err" "$t" "$B/tests/progs-musl/gt_threads"
expect_eq "threads: exit status" "$st" 0
check_consistent "$t"
expect_eq "threads: worker allocs" "$(stack_field "$t" malloc worker_alloc allocs)" 16000
expect_eq "threads: worker bytes" "$(stack_field "$t" malloc worker_alloc bytes)" 1152000
expect_eq "threads: worker leaked bytes" "$(stack_field "$t" malloc worker_alloc leaked_bytes)" 6912
# exit(3) called by the program itself, after an allocation it never frees.
if command -v "${MUSL_CC:-musl-gcc}" >/dev/null; then
	printf '%s\n' '#include <stdlib.h>' 'int main(void)' '{' '	volatile char *p = malloc(40);' \
		'	p[0] = 1;' '	exit(3);' '}' >"$HF_TEST_TMP/exit3.c"
	"${MUSL_CC:-musl-gcc}" -O1 -o "$HF_TEST_TMP/exit3" "$HF_TEST_TMP/exit3.c"
	t=$HF_TEST_TMP/exit3.gz
	traced st out "$HF_TEST_TMP/err" "$t" "$HF_TEST_TMP/exit3"
	expect_eq "exit(3): exit status" "$st" 3
	expect_eq "exit(3): exit status in the trace" "$(summary "$t" exit_status)" 3
	expect_eq "exit(3): leaked bytes" "$(summary "$t" leaked_bytes)" 40
fi
finish
