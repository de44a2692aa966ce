# The hooks write no line that other threads share while each thread allocates and frees its own
# blocks: tests/progs/gt_private.c, 2 threads x (100,000 malloc/free + 20,000 buffers grown by
# realloc). The recorder's one shared counter that hooks write is the free epoch (format.md 3);
# the trace bounds how many times it was written (hf_dump's free_epochs: its highest value, each
# write raising it by one or more). Here only the threads' own
# start and exit may take it (glibc frees blocks there that another thread allocated): 0 to 5 in
# 20 runs with both cores busy, so the bound of 32 in 400,000 frees leaves room for scheduling,
# not for a per-event write. The counts are exact too.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_private" "$B/lib/libheapfold.so"
for unwind in libunwind fp; do
	t=$HF_TEST_TMP/private-$unwind.gz
	traced st out "$HF_TEST_TMP/private-$unwind.err" "$t" --unwind "$unwind" "$HF_PROGS/gt_private"
	expect_eq "$unwind: runs" "$st $out" "0 gt_private: ok"
	check_consistent "$t"
	expect_eq "$unwind: frees" "$(summary "$t" frees)" 400000
	epochs=$(summary "$t" free_epochs)
	expect_true "$unwind: the shared counter written $epochs times (at most 32)" test "$epochs" -le 32
	expect_eq "$unwind: malloc loop" "$(stack_field "$t" malloc worker_alloc allocs) $(stack_field "$t" malloc worker_alloc temporary)" "200000 200000"
	expect_eq "$unwind: grown, calloc" "$(stack_field "$t" calloc worker_grow allocs) $(stack_field "$t" calloc worker_grow temporary)" "40000 40000"
	expect_eq "$unwind: grown, realloc" "$(stack_field "$t" realloc worker_grow allocs) $(stack_field "$t" realloc worker_grow temporary) $(stack_field "$t" realloc worker_grow leaked_blocks)" "160000 160000 0"
done
finish
