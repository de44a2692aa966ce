# A block's address freed by another thread, reused there and handed back: the thread that
# allocated that address last frees a different block, and the trace must say so (a one-byte
# "free of my last block" record here would invent a leak and a free of an unknown block).
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_pingpong" "$B/lib/libheapfold.so"
t=$HF_TEST_TMP/pingpong.gz
out=$("$HF_LAUNCHER" -q -o "$t" "$HF_PROGS/gt_pingpong")
echo "$out"
check_consistent "$t"
expect_eq "a_alloc allocs" "$(stack_field "$t" malloc a_alloc allocs)" 1000
expect_eq "b_alloc allocs" "$(stack_field "$t" malloc b_alloc allocs)" 1000
expect_eq "a_alloc leaked" "$(stack_field "$t" malloc a_alloc leaked_blocks)" 0
expect_eq "b_alloc leaked" "$(stack_field "$t" malloc b_alloc leaked_blocks)" 0
expect_eq "a_alloc temporary (all freed by B)" "$(stack_field "$t" malloc a_alloc temporary)" 0
expect_eq "b_alloc temporary (all freed by A)" "$(stack_field "$t" malloc b_alloc temporary)" 0
finish
