# hf_stats with threads and cross-thread frees (tests/link/link_stats_mt.c checks the numbers
# itself), in the three link modes, recording and not.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
for m in "${LINK_MODES[@]}"; do
	p=$(link_bin "$m" link_stats_mt)
	for rec in 1 0; do
		set +e
		if [[ $rec == 1 ]]; then
			out=$(HEAPFOLD_OUTPUT=$HF_TEST_TMP/stats-$m.gz "$p" 2>&1)
		else
			out=$(HEAPFOLD_DISABLE=1 "$p" 2>&1)
		fi
		st=$?
		set -e
		expect_eq "$m, recording $rec: exit status" "$st" 0
		expect_eq "$m, recording $rec: output" "$out" "link_stats_mt: ok"
	done
	check_consistent "$HF_TEST_TMP/stats-$m.gz"
done
finish
