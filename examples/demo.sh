#!/usr/bin/env bash
# make demo: profile examples/preload/wordcount under heapfold and leave a trace, a report,
# folded stacks and a flame graph in build/demo/.
set -euo pipefail
B=${B:-build}
out=$B/demo
mkdir -p "$out"
cc -O1 -g -fno-omit-frame-pointer examples/preload/wordcount.c -o "$out/wordcount"
rm -f "$out"/heapfold.wordcount.*.gz
(cd "$out" && ../bin/heapfold -q -o heapfold.wordcount.%p.gz ./wordcount 300000)
trace=$(ls -t "$out"/heapfold.wordcount.*.gz | head -n 1)
print=$B/bin/heapfold_print
"$print" "$trace" >"$out/report.txt"
"$print" "$trace" -F "$out/stacks.txt"
"$print" "$trace" --temporary -F "$out/stacks-temporary.txt"
"$print" "$trace" --flamegraph-cost-type leaked --svg "$out/heap-leaked.svg"
"$print" "$trace" --svg "$out/heap.svg"
echo
sed -n '1,25p' "$out/report.txt"
echo "..."
echo
echo "heapfold demo: in $out/"
echo "  trace             $(basename "$trace")   (heapfold_print $trace)"
echo "  report            report.txt"
echo "  folded stacks     stacks.txt, stacks-temporary.txt   (flamegraph.pl stacks.txt > heap.svg)"
echo "  flame graphs      heap.svg (allocations), heap-leaked.svg (leaked bytes)"
