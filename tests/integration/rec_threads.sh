# 33 threads created and exiting throughout, half the blocks freed by another thread, buffers
# grown by realloc (in place: REALLOC_LAST, or moved) while other threads free: exact per-stack
# counts, temporary allocations and leaks, nothing lost, nothing freed before it was allocated.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_threads" "$B/lib/libheapfold.so"
for unwind in libunwind fp; do
	t=$HF_TEST_TMP/threads-$unwind.gz
	traced st out "$HF_TEST_TMP/threads-$unwind.err" "$t" --unwind "$unwind" "$HF_PROGS/gt_threads"
	expect_eq "$unwind: exit status" "$st" 0
	expect_eq "$unwind: output" "$out" "gt_threads: ok"
	check_consistent "$t"
	expect_eq "$unwind: worker allocs" "$(stack_field "$t" malloc worker_alloc allocs)" 16000
	expect_eq "$unwind: worker bytes" "$(stack_field "$t" malloc worker_alloc bytes)" 1152000
	expect_eq "$unwind: worker leaked blocks" "$(stack_field "$t" malloc worker_alloc leaked_blocks)" 96
	expect_eq "$unwind: worker leaked bytes" "$(stack_field "$t" malloc worker_alloc leaked_bytes)" 6912
	expect_eq "$unwind: grown, calloc" "$(stack_field "$t" calloc worker_grow allocs) $(stack_field "$t" calloc worker_grow bytes) $(stack_field "$t" calloc worker_grow temporary) $(stack_field "$t" calloc worker_grow leaked_blocks)" "3200 76800 3200 0"
	expect_eq "$unwind: grown, realloc" "$(stack_field "$t" realloc worker_grow allocs) $(stack_field "$t" realloc worker_grow bytes) $(stack_field "$t" realloc worker_grow temporary) $(stack_field "$t" realloc worker_grow leaked_blocks)" "12800 2304000 11712 0"
	threads=$(summary "$t" threads)
	expect_true "$unwind: at least 33 thread streams ($threads)" test "$threads" -ge 33
done
finish
