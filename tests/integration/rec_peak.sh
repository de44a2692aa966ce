# When the heap's peak is tracked (lib/record/hf_stats.c): under LD_PRELOAD, only if something in the
# process imports hf_stats or hf_stats_reset_peak, or HEAPFOLD_PEAK=1. gt_peak finds hf_stats
# with dlsym (no import): the peak reads HF_STATS_NO_PEAK unless HEAPFOLD_PEAK=1, and every
# other number is exact either way; gt_peak_weak, which imports them through weak references,
# gets the exact peak. glibc and musl preload libraries.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$B/tests/progs/gt_peak" "$B/tests/progs/gt_peak_weak"
dirs=("$B/tests/progs")
[[ -f $B/lib/musl/libheapfold.so && -e $B/tests/progs-musl/gt_peak ]] &&
	dirs+=("$B/tests/progs-musl")
for d in "${dirs[@]}"; do
	p=$d/gt_peak
	lc=glibc
	[[ $d == */progs-musl ]] && lc=musl
	traced st out "$HF_TEST_TMP/err" "$HF_TEST_TMP/off-$lc.gz" "$p" off
	expect_eq "$lc, no import: exit status" "$st" 0
	expect_eq "$lc, no import: no peak, the rest exact" "$out" "gt_peak: ok"
	HEAPFOLD_PEAK=1 traced st out "$HF_TEST_TMP/err" "$HF_TEST_TMP/on-$lc.gz" "$p" on
	expect_eq "$lc, HEAPFOLD_PEAK=1: exit status" "$st" 0
	expect_eq "$lc, HEAPFOLD_PEAK=1: exact peak" "$out" "gt_peak: ok"
	check_consistent "$HF_TEST_TMP/on-$lc.gz"
	traced st out "$HF_TEST_TMP/err" "$HF_TEST_TMP/weak-$lc.gz" "$d/gt_peak_weak"
	expect_eq "$lc, weak imports: exit status" "$st" 0
	expect_eq "$lc, weak imports: exact peak" "$out" "gt_peak_weak: ok"
done
finish
