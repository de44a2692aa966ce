# Limits for CI (--fail-if, --fail-on-leak) on tests/progs/print_costs.c's trace, whose totals
# are known: peak 221,265 bytes, leaked 200,000 (big_leak, 2 x 100,000). A limit exactly at the
# value holds, one below it breaks: exit status 4 and one line per broken limit naming the
# biggest contributing stack; the filters apply; a bad limit is a usage error.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_DUMP" "$HF_PROGS/print_costs" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
traced st out "$T/err" "$T/costs.gz" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0
n=$(summary "$T/costs.gz" allocations)

limits() { # WANT_STATUS WHAT OPTIONS...: runs heapfold_print with OPTIONS, stderr into $T/lim
	local want=$1 what=$2 st=0
	shift 2
	"$HP" --no-progress "$T/costs.gz" -o /dev/null "$@" 2>"$T/lim" || st=$?
	expect_eq "$what: exit status" "$st" "$want"
}

limits 4 "--fail-on-leak" --fail-on-leak
expect_eq "--fail-on-leak: the line" "$(cat "$T/lim")" \
	"heapfold_print: limit broken: leaked 195.31K (200,000 bytes) > 0B (0 bytes); most from main;big_leak: 195.31K (200,000 bytes)"
limits 0 "leaked>200000" --fail-if 'leaked>200000'
expect_eq "leaked>200000: nothing said" "$(cat "$T/lim")" ""
limits 0 "peak>221265" --fail-if 'peak>221265'
limits 4 "peak>221264" --fail-if 'peak>221264'
expect_true "peak>221264: the line names big_leak" \
	grep -qx 'heapfold_print: limit broken: peak 216.08K (221,265 bytes) > 216.08K (221,264 bytes); most from main;big_leak: .*' "$T/lim"
limits 0 "allocations>$n" --fail-if "allocations>$n"
limits 4 "allocations>$((n - 1)), and leaked" --fail-if "allocations>$((n - 1))" --fail-on-leak
expect_eq "two limits broken: two lines" "$(wc -l <"$T/lim")" 2
# The filters apply: without the blocks of 50,000 bytes or more, nothing leaks.
limits 0 "--max-size 50000 --fail-on-leak" --max-size 50000 --fail-on-leak
limits 4 "--min-size 100000 --fail-if peak>199999" --min-size 100000 --fail-if 'peak>199999'
limits 2 "a bad limit" --fail-if 'heap>1M'
expect_true "a bad limit: why" grep -q "'heap>1M' is not a limit" "$T/lim"
finish
