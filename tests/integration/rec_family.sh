# The malloc family on glibc under LD_PRELOAD: exact counts per function and in total, results
# and errno as without heapfold (gt_family checks those itself), exit status passed through.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_family" "$B/lib/libheapfold.so"
t=$HF_TEST_TMP/family.gz
traced st out "$HF_TEST_TMP/err" "$t" "$HF_PROGS/gt_family"
expect_eq "exit status" "$st" 7
expect_eq "program output" "$out" "gt_family: ok"
expect_eq "stderr" "$(cat "$HF_TEST_TMP/err")" ""
check_consistent "$t"

f() { stack_field "$t" "$@"; }
expect_eq "malloc allocs" "$(f malloc from_malloc allocs)" 100
expect_eq "malloc bytes" "$(f malloc from_malloc bytes)" 10000
expect_eq "malloc leaked blocks" "$(f malloc from_malloc leaked_blocks)" 40
expect_eq "malloc leaked bytes" "$(f malloc from_malloc leaked_bytes)" 4000
expect_eq "malloc temporary" "$(f malloc from_malloc temporary)" 0
expect_eq "calloc allocs" "$(f calloc from_calloc allocs)" 50
expect_eq "calloc bytes" "$(f calloc from_calloc bytes)" 5000
expect_eq "calloc temporary" "$(f calloc from_calloc temporary)" 50
expect_eq "realloc allocs" "$(f realloc from_realloc allocs)" 60
expect_eq "realloc bytes" "$(f realloc from_realloc bytes)" 5760
expect_eq "realloc leaked" "$(f realloc from_realloc leaked_blocks)" 0
expect_eq "realloc temporary" "$(f realloc from_realloc temporary)" 60
expect_eq "reallocarray allocs" "$(f reallocarray from_reallocarray allocs)" 20
expect_eq "reallocarray leaked bytes" "$(f reallocarray from_reallocarray leaked_bytes)" 1600
expect_eq "posix_memalign bytes" "$(f posix_memalign from_posix_memalign bytes)" 2000
expect_eq "aligned_alloc bytes" "$(f aligned_alloc from_aligned_alloc bytes)" 2560
expect_eq "memalign bytes" "$(f memalign from_memalign bytes)" 960
expect_eq "valloc bytes" "$(f valloc from_valloc bytes)" 5000
expect_eq "pvalloc bytes" "$(f pvalloc from_pvalloc bytes)" 5000
expect_eq "edge malloc allocs (3 x 0 + 1 x 48)" "$(f malloc edge_cases allocs)" 4
expect_eq "edge malloc bytes" "$(f malloc edge_cases bytes)" 48
expect_eq "edge realloc(p, 0) allocates nothing on glibc" "$(f realloc edge_cases allocs)" 0

# Nothing else allocates in this program: the totals are exactly the sums above.
expect_eq "allocations" "$(summary "$t" allocations)" 274
expect_eq "bytes" "$(summary "$t" bytes)" 37928
expect_eq "frees (free(NULL) not counted)" "$(summary "$t" frees)" 214
expect_eq "failed (2 overflows, 1 bad alignment)" "$(summary "$t" failed)" 3
expect_eq "temporary" "$(summary "$t" temporary)" 154
expect_eq "leaked blocks" "$(summary "$t" leaked_blocks)" 60
expect_eq "leaked bytes" "$(summary "$t" leaked_bytes)" 5600
expect_eq "peak bytes (100 x 100 live in from_malloc)" "$(summary "$t" peak_bytes)" 10000
expect_eq "threads" "$(summary "$t" threads)" 1
finish
