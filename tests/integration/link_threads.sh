# 33 threads created and exiting throughout, half the blocks freed by another thread, in
# programs linked with heapfold (static glibc, static musl, dynamic): exact per-stack counts and
# leaks, nothing lost, nothing freed before it was allocated (rec_threads.sh: under LD_PRELOAD);
# heapfold_print's stacks start at the thread's start routine.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HF_DUMP"
for m in "${LINK_MODES[@]}"; do
	t=$HF_TEST_TMP/threads-$m.gz
	linked st out "$HF_TEST_TMP/err" "$t" "$(link_bin "$m" gt_threads)"
	expect_eq "$m: exit status" "$st" 0
	expect_eq "$m: output" "$out" "gt_threads: ok"
	check_consistent "$t"
	expect_eq "$m: worker allocs" "$(stack_field "$t" malloc worker_alloc allocs)" 16000
	expect_eq "$m: worker bytes" "$(stack_field "$t" malloc worker_alloc bytes)" 1152000
	expect_eq "$m: worker leaked blocks" "$(stack_field "$t" malloc worker_alloc leaked_blocks)" 96
	expect_eq "$m: worker leaked bytes" "$(stack_field "$t" malloc worker_alloc leaked_bytes)" 6912
	threads=$(summary "$t" threads)
	expect_true "$m: at least 33 thread streams ($threads)" test "$threads" -ge 33
	# heapfold_print cuts a thread's stack at its start routine on every libc (static musl:
	# below its pthread_create.c's start, which has no unwind tables).
	"$HP" --no-progress "$t" -F "$HF_TEST_TMP/threads-$m.txt" 2>/dev/null
	expect_eq "$m: folded: worker;worker_alloc" \
		"$(awk '$1 == "worker;worker_alloc" { print $2 }' "$HF_TEST_TMP/threads-$m.txt")" 16000
done
finish
