# The flush protocol under stress: with a 10 ms flush interval the background thread takes idle
# threads' buffers while they wake up and allocate again, and thread objects are recycled under
# it. Whatever the interleaving, the trace must hold exactly what rec_protocol says it did.
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/rec_protocol" "$B/lib/libheapfold.so"
for unwind in libunwind fp; do
	t=$HF_TEST_TMP/protocol-$unwind.gz
	expected=$(LD_PRELOAD=$B/lib/libheapfold.so HEAPFOLD_FLUSH_MS=10 HEAPFOLD_TICK_MS=1 \
		HEAPFOLD_UNWIND=$unwind HEAPFOLD_OUTPUT=$t "$HF_PROGS/rec_protocol" 3 8)
	check_consistent "$t"
	for field in allocs bytes leaked_blocks leaked_bytes; do
		want=$(sed -n "s/^$field=//p" <<<"$expected")
		expect_eq "$unwind: work_alloc $field" "$(stack_field "$t" malloc work_alloc "$field")" "$want"
	done
done
finish
