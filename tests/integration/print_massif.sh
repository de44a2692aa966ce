# -M/--print-massif (tools/print/emit/hfp_massif.c) read by its real client, Valgrind's
# ms_print, on tests/progs/print_costs.c's trace (peak 221,265 bytes: big_leak 200,000, sized
# 11,265, mid_alloc 10,000): ms_print's peak snapshot is ours, byte for byte, and its tree gives
# each stack's share; --massif-threshold sums the small ones into one line.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_costs" "$B/lib/libheapfold.so"
command -v ms_print >/dev/null || skip "ms_print is not installed (Debian's valgrind)"
T=$HF_TEST_TMP
traced st out "$T/err" "$T/costs.gz" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0
"$HP" --no-progress "$T/costs.gz" -M "$T/massif.out"
expect_true "ms_print reads it" ms_print "$T/massif.out" >"$T/ms.txt"
peak=$(awk '/Detailed snapshots:.*\(peak\)/ { match($0, /[0-9]+ \(peak\)/); n = substr($0, RSTART, RLENGTH); sub(/ .*/, "", n); print n }' "$T/ms.txt")
expect_true "a peak snapshot ($peak)" test -n "$peak"
expect_eq "the peak snapshot's total" "$(awk -v n="$peak" '$1 == n && NF == 6 { print $3 }' "$T/ms.txt")" 221,265
expect_eq "the tree: big_leak" "$(grep -c '^->90.39% (200,000B) 0x0: big_leak (tests/progs/print_costs.c:[0-9]*)$' "$T/ms.txt")" 1
expect_eq "the tree: sized" "$(grep -c '^->05.09% (11,265B) 0x0: sized ' "$T/ms.txt")" 1
expect_eq "the tree: mid_alloc" "$(grep -c '^->04.52% (10,000B) 0x0: mid_alloc ' "$T/ms.txt")" 1
# A threshold of 6%: sized and mid_alloc go into one line.
"$HP" --no-progress "$T/costs.gz" -M "$T/t6.out" --massif-threshold 6
ms_print "$T/t6.out" >"$T/t6.txt"
expect_true "threshold 6%: 21,265 bytes in 2 places" grep -q '^->09.61% (21,265B) in 2 places, below massif.s threshold (6.00%)' "$T/t6.txt"
set +e
"$HP" --no-progress "$T/costs.gz" -M "$T/x.out" --massif-threshold 200 2>"$T/err"
st=$?
set -e
expect_eq "threshold 200: refused" "$st" 2
finish
