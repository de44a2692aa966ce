# Deep stacks: 100 recursion levels are kept whole; the maximum depth cuts a stack and marks it.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_deep" "$B/lib/libheapfold.so"
count_deep() { tr ';' '\n' <<<"$1" | grep -c '^deep$' || true; }

t=$HF_TEST_TMP/deep.gz
"$HF_LAUNCHER" -q -o "$t" "$HF_PROGS/gt_deep" 100 >/dev/null
check_consistent "$t"
fr=$(frames_of "$t" malloc deep)
expect_eq "101 deep frames" "$(count_deep "$fr")" 101
expect_eq "main is the caller of the outermost deep" "$(tr ';' '\n' <<<"$fr" | grep -B1 -m1 '^deep$' | head -n 1)" main
expect_eq "not truncated" "$(grep -c truncated <<<"$fr" || true)" 0
expect_eq "the leaf allocation from main" "$(stack_field "$t" malloc main leaked_bytes)" 555

for unwind in libunwind fp; do
	t=$HF_TEST_TMP/deep20-$unwind.gz
	"$HF_LAUNCHER" -q --unwind "$unwind" --max-depth 20 -o "$t" "$HF_PROGS/gt_deep" 100 >/dev/null
	check_consistent "$t"
	fr=$(frames_of "$t" malloc deep)
	expect_eq "$unwind: 20 frames kept" "$(count_deep "$fr")" 20
	expect_eq "$unwind: marked truncated at the root" "${fr%%;*}" "[truncated]"
done

t=$HF_TEST_TMP/deep300.gz
"$HF_LAUNCHER" -q -o "$t" "$HF_PROGS/gt_deep" 300 >/dev/null
fr=$(frames_of "$t" malloc deep)
expect_eq "default max depth 128" "$(count_deep "$fr")" 128
expect_eq "default depth marked truncated" "${fr%%;*}" "[truncated]"
finish
