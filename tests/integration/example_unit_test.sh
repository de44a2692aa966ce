# examples/unit-test: the cmocka unit test that asserts "no leak" and a peak bound with hf_stats
# passes, with recording disabled (statistics only) and with a trace written; its trace holds
# the test's allocations.
. tests/lib/hftest.sh
u=$B/examples/unit-test/test_strbuf
need "$u" "$HF_DUMP"
set +e
out=$(cd "$HF_TEST_TMP" && HEAPFOLD_DISABLE=1 "$u" 2>&1)
st=$?
set -e
expect_eq "statistics only: exit status" "$st" 0
expect_true "statistics only: 4 tests passed" grep -q 'PASSED.*4 test' <<<"$out"
expect_eq "statistics only: no trace" "$(ls "$HF_TEST_TMP" | wc -l)" 0
set +e
out=$(HEAPFOLD_OUTPUT=$HF_TEST_TMP/unit.gz "$u" 2>&1)
st=$?
set -e
expect_eq "recording: exit status" "$st" 0
check_consistent "$HF_TEST_TMP/unit.gz"
expect_true "recording: strbuf's reallocations are in the trace" \
	test "$(stack_via "$HF_TEST_TMP/unit.gz" realloc strbuf_append allocs)" -ge 20
finish
