# 33 threads created and exiting throughout, half the blocks freed by another thread: exact
# per-stack counts and leaks, nothing lost, nothing freed before it was allocated.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_threads" "$B/lib/libheapfold.so"
for unwind in libunwind fp; do
	t=$HF_TEST_TMP/threads-$unwind.gz
	set +e
	out=$("$HF_LAUNCHER" -q --unwind "$unwind" -o "$t" "$HF_PROGS/gt_threads")
	st=$?
	set -e
	expect_eq "$unwind: exit status" "$st" 0
	expect_eq "$unwind: output" "$out" "gt_threads: ok"
	check_consistent "$t"
	expect_eq "$unwind: worker allocs" "$(stack_field "$t" malloc worker_alloc allocs)" 16000
	expect_eq "$unwind: worker bytes" "$(stack_field "$t" malloc worker_alloc bytes)" 1152000
	expect_eq "$unwind: worker leaked blocks" "$(stack_field "$t" malloc worker_alloc leaked_blocks)" 96
	expect_eq "$unwind: worker leaked bytes" "$(stack_field "$t" malloc worker_alloc leaked_bytes)" 6912
	threads=$(summary "$t" threads)
	expect_true "$unwind: at least 33 thread streams ($threads)" test "$threads" -ge 33
done
finish
