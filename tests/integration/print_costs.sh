# heapfold_print on a program with known ground truth (tests/progs/print_costs.c): exact per-stack
# values for every cost type, the size and temporary filters, report totals, histogram, SVG.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_costs" "$HF_PROGS/print_peak_time" "$B/lib/libheapfold.so"

# fold NAME OPTIONS...: folded stacks of the trace into $HF_TEST_TMP/NAME.txt, checked
fold() {
	local name=$1
	shift
	folded "$t" "$HF_TEST_TMP/$name.txt" "$@"
}

# count NAME STACK: the count of that exact stack in NAME.txt, 0 if absent
count() {
	count_of "$HF_TEST_TMP/$1.txt" "$2"
}

# expect_stacks NAME small outer inner sized mid big: the counts of the program's six sites
expect_stacks() {
	local name=$1
	shift
	local want=("$@")
	local sites=("main;small_temp" "main;thresh;alloc_outer" "main;thresh;alloc_inner" "main;sized"
		"main;mid_alloc" "main;big_leak")
	for i in "${!sites[@]}"; do
		expect_eq "$name: ${sites[$i]}" "$(count "$name" "${sites[$i]}")" "${want[$i]}"
	done
}

t=$HF_TEST_TMP/costs.gz
traced st out "$HF_TEST_TMP/err" "$t" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0
expect_eq "output" "$out" "print_costs: ok"

#                                              small outer inner sized   mid    big
fold alloc;                         expect_stacks alloc   100 5 5 5 10 2
fold bytes --flamegraph-cost-type bytes;         expect_stacks bytes   1600 160 40 11265 10000 200000
fold temp --flamegraph-cost-type temporary;      expect_stacks temp    100 0 5 0 0 0
fold temp1 --flamegraph-cost-type temporary --temporary-threshold 1
expect_stacks temp1 100 5 5 0 0 0
fold leaked --flamegraph-cost-type leaked;       expect_stacks leaked  0 0 0 0 0 200000
fold peak --flamegraph-cost-type peak;           expect_stacks peak    0 0 0 11265 10000 200000

# Filters select exactly, for every output.
fold tonly --temporary;                          expect_stacks tonly   100 0 5 0 0 0
fold tbytes --temporary --flamegraph-cost-type bytes; expect_stacks tbytes 1600 0 40 0 0 0
# the largest total of live temporary blocks: one block of small_temp
fold tpeak --temporary --flamegraph-cost-type peak;   expect_stacks tpeak  16 0 0 0 0 0
fold range --min-size 1K --max-size 4K;          expect_stacks range   0 0 0 3 0 0
fold above --min-size 1025 --flamegraph-cost-type bytes; expect_stacks above 0 0 0 9218 0 200000
fold below --max-size 1023;                      expect_stacks below   100 5 5 1 10 0
fold fn --filter-bt-function thresh
expect_eq "filter thresh: lines" "$(wc -l <"$HF_TEST_TMP/fn.txt")" 2
expect_stacks fn 0 5 5 0 0 0
fold alloc_shown --show-allocator
expect_eq "--show-allocator" "$(count alloc_shown "main;big_leak;malloc")" 2

# The report: totals over main's stacks, and the filters named at the top.
r=$HF_TEST_TMP/report.txt
"$HP" --no-progress "$t" --filter-bt-function main -l -o "$r" -H "$HF_TEST_TMP/hist.txt"
expect_true "report names the filter" grep -q '^FILTERS ACTIVE: --filter-bt-function main' "$r"
expect_eq "calls" "$(sed -n 's/^calls to allocation functions: \([0-9]*\) .*/\1/p' "$r")" 127
expect_eq "temporary" "$(sed -n 's/^temporary memory allocations: \([0-9]*\) .*/\1/p' "$r")" 105
expect_eq "peak" "$(sed -n 's/^peak heap memory consumption: \([^ ]*\) .*/\1/p' "$r")" 216.08K
expect_eq "leaked" "$(sed -n 's/^total memory leaked: //p' "$r")" 195.31K
expect_true "peak RSS line" grep -Eq '^peak RSS \(including heapfold overhead\): ([0-9.]+[BKMG]|unknown \(no samples in the trace\))$' "$r"
expect_true "most calls: small_temp first" \
	grep -A1 -q '^100 calls to allocation functions with 0B peak consumption from$' "$r"
expect_true "peak consumers: big_leak first" \
	grep -A1 -q '^195.31K peak memory consumed over 2 calls from$' "$r"
expect_true "leaks section" grep -q '^195.31K leaked over 2 calls from$' "$r"
expect_true "temporary section" \
	grep -q '^100 temporary allocations of 100 allocations in total (100.00%) from$' "$r"
"$HP" --no-progress "$t" --filter-bt-function sized -o /dev/null -H "$HF_TEST_TMP/hist.txt"
expect_eq "histogram of sized()" "$(tr '\t\n' ' ;' <"$HF_TEST_TMP/hist.txt")" \
	"1023 1;1024 1;1025 1;4096 1;4097 1;"

# --flamegraph goes to standard output and moves the report out of the way.
expect_eq "--flamegraph on stdout" "$("$HP" --no-progress "$t" --flamegraph | grep -c '^main;')" 6

# The SVG is valid XML with the cost type's title and unit.
s=$HF_TEST_TMP/heap.svg
"$HP" --no-progress "$t" -o /dev/null --svg "$s" --flamegraph-cost-type bytes
expect_true "SVG title" grep -q '>Heap bytes allocated</text>' "$s"
expect_true "SVG tooltip" grep -q '<title>big_leak (200,000 bytes, ' "$s"
if command -v python3 >/dev/null; then
	expect_true "SVG parses as XML" python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$s"
fi

# The peak's time is the event's own (tests/progs/print_peak_time.c: 50 MiB after a 25 ms
# sleep), not the background thread's 10 ms clock, which read 0.020s or even 0.000s there.
pt=$HF_TEST_TMP/peak_time.gz
traced st out "$HF_TEST_TMP/err" "$pt" "$HF_PROGS/print_peak_time"
expect_eq "peak time: exit status" "$st" 0
elapsed_ms=$(( ${out#elapsed_us=} / 1000 ))
line=$("$HP" --no-progress "$pt" -a 0 -p 0 -T 0 | grep '^peak heap memory consumption:')
expect_true "peak time: '$line' is 50.00M at a time of at least ${elapsed_ms} ms" \
	awk -v l="$line" -v min="$elapsed_ms" 'BEGIN { n = split(l, w, " "); t = w[n]; sub(/s$/, "", t)
		exit !(w[5] == "50.00M" && t * 1000 >= min && t * 1000 < min + 1000) }'
finish
