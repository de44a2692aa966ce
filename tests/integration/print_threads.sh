# Temporary allocations are counted per thread (tests/progs/print_threads.c): two threads
# interleave 20000 malloc/free pairs each, and all 40000 pairs are temporary; thread stacks stop
# at the thread's start routine; a start routine (or main) that allocates itself is a site with
# no callers, and the report says so (tests/progs/print_root.c).
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_threads" "$HF_PROGS/print_root" "$B/lib/libheapfold.so"

t=$HF_TEST_TMP/threads.gz
traced st out "$HF_TEST_TMP/err" "$t" "$HF_PROGS/print_threads"
expect_eq "exit status" "$st" 0
expect_eq "output" "$out" "print_threads: ok"

f=$HF_TEST_TMP/temp.txt
folded "$t" "$f" --flamegraph-cost-type temporary --filter-bt-function temp_pair
expect_eq "temporary pairs" "$(sum_matching "$f" 'pair_worker;temp_pair$')" 40000
folded "$t" "$f" --filter-bt-function temp_pair
expect_eq "allocations" "$(sum_matching "$f" 'pair_worker;temp_pair$')" 40000
folded "$t" "$f" --temporary --flamegraph-cost-type bytes --filter-bt-function temp_pair
expect_eq "temporary bytes" "$(sum_matching "$f" 'pair_worker;temp_pair$')" 960000

# With libc's symbols (its debug files, or a libc with a symbol table) start_thread has a
# name, and the stack stops below it: the start routine is the root.
folded "$t" "$HF_TEST_TMP/above.txt" --print-above-main --filter-bt-function temp_pair
if grep -q 'start_thread' "$HF_TEST_TMP/above.txt"; then
	expect_eq "start routine is the root" "$(cut -d' ' -f1 "$f")" "pair_worker;temp_pair"
else
	echo "note: libc's start_thread has no name here (no libc debug files): root check skipped"
fi

r=$HF_TEST_TMP/root.gz
traced st out "$HF_TEST_TMP/err" "$r" "$HF_PROGS/print_root"
expect_eq "print_root: exit status" "$st" 0
folded "$r" "$HF_TEST_TMP/root.txt"
expect_eq "start routine as the site" "$(count_of "$HF_TEST_TMP/root.txt" root_worker)" 10
expect_eq "main as the site" "$(count_of "$HF_TEST_TMP/root.txt" main)" 3
"$HP" --no-progress "$r" -p 0 -T 0 -o "$HF_TEST_TMP/root.report"
site_starts() { # NAME COUNT: the report's backtrace line for site NAME says it has no callers
	grep -A3 -x "$1" "$HF_TEST_TMP/root.report" |
		grep -qx "$2 calls with .* peak consumption, where the stack starts"
}
expect_true "report: root_worker is a site where the stack starts" site_starts root_worker 10
expect_true "report: main is a site where the stack starts" site_starts main 3
finish
