# --diff BASE (tools/print/emit/hfp_diff.c) on two variants of tests/progs/print_diff.c with
# known counts per site: -F writes "stack base new" lines, the union of both runs' stacks in
# byte order (the input flamegraph.pl draws as a differential flame graph); the report starts
# with the totals and the biggest increases and decreases; the filters and the cost type apply
# to both runs; a missing base is a data error.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_diff" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
for v in a b; do
	traced st out "$T/err" "$T/$v.gz" "$HF_PROGS/print_diff" "$v"
	expect_eq "variant $v: exit status" "$st" 0
done

"$HP" --no-progress "$T/b.gz" --diff "$T/a.gz" -F "$T/diff.txt"
expect_eq "-F: stack base new" "$(cat "$T/diff.txt")" "main;site_gone;alloc_n 15 0
main;site_grow;alloc_n 50 80
main;site_new;alloc_n 0 25
main;site_same;alloc_n 100 100
main;site_shrink;alloc_n 40 10"
expect_true "-F: difffolded.pl's grammar (stack, two counts, sorted)" env LC_ALL=C awk '
	$0 !~ /^[^; ][^;]*(;[^;]+)* [0-9]+ [0-9]+$/ { bad = 1 }
	{ s = $0; sub(/ [0-9]+ [0-9]+$/, "", s); if (NR > 1 && !(prev < s)) bad = 1; prev = s }
	END { exit bad }' "$T/diff.txt"

"$HP" --no-progress "$T/b.gz" -d "$T/a.gz" -o "$T/report" -n 2
expect_eq "report: the differences first" "$(sed -n '/^DIFFERENCES/,/^MOST CALLS/p' "$T/report" | sed '$d')" \
"DIFFERENCES against $T/a.gz (cost allocations; stacks matched by function names)
total: 205 -> 215 (+10)

BIGGEST INCREASES
+30 (50 -> 80) main;site_grow;alloc_n
+25 (0 -> 25) main;site_new;alloc_n

BIGGEST DECREASES
-30 (40 -> 10) main;site_shrink;alloc_n
-15 (15 -> 0) main;site_gone;alloc_n"
# The cost type and the filters apply to both runs (16 bytes a block).
"$HP" --no-progress "$T/b.gz" -d "$T/a.gz" -F "$T/bytes.txt" --flamegraph-cost-type bytes \
	--filter-bt-function site_grow
expect_eq "bytes, one function" "$(cat "$T/bytes.txt")" "main;site_grow;alloc_n 800 1280"
# --svg: the new run's picture coloured by the change (flamegraph.pl's differential colours:
# red grew, blue shrank, the deepest for the largest change, here 30; white-grey unchanged); a
# stack only in the base has no frame.
"$HP" --no-progress "$T/b.gz" -d "$T/a.gz" --svg "$T/diff.svg"
frame() { sed -n "s|^<title>$1 (\([^)]*\))</title><rect .* fill=\"\([^\"]*\)\".*|\1 \2|p" "$T/diff.svg"; }
expect_eq "svg: site_grow" "$(frame site_grow)" "80 allocations, 37.21%; +30 from 50 rgb(255,0,0)"
expect_eq "svg: site_shrink" "$(frame site_shrink)" "10 allocations, 4.65%; -30 from 40 rgb(0,0,255)"
expect_eq "svg: site_new" "$(frame site_new)" "25 allocations, 11.63%; +25 from 0 rgb(255,35,35)"
expect_eq "svg: site_same" "$(frame site_same)" "100 allocations, 46.51%; +0 from 100 rgb(250,250,250)"
expect_eq "svg: main" "$(frame main)" "215 allocations, 100.00%; +10 from 205 rgb(255,140,140)"
expect_eq "svg: site_gone has no frame" "$(frame site_gone)" ""
expect_true "svg: the colours explained" grep -q '<text id="subtitle"[^>]*>red grew, blue shrank against ' "$T/diff.svg"
set +e
"$HP" --no-progress "$T/b.gz" -d "$T/none.gz" -F "$T/x.txt" 2>"$T/err"
st=$?
set -e
expect_eq "missing base: exit status" "$st" 1
expect_true "missing base: named" grep -q "none.gz" "$T/err"
finish
