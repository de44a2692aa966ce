#!/usr/bin/env bash
# make demo: profile examples/preload/wordcount under heapfold and leave a trace, a report,
# folded stacks, flame graphs, an HTML report and a diff against a smaller run in build/demo/
# (one of each README example), then print a summary that fits on a screen. With Chromium
# there, also a screenshot of the HTML report (docs/report.png is one).
set -euo pipefail
B=${B:-build}
out=$B/demo
mkdir -p "$out"
cc -O1 -g -fno-omit-frame-pointer examples/preload/wordcount.c -o "$out/wordcount"
rm -f "$out"/heapfold.wordcount.*.gz "$out"/base.gz
(cd "$out" && ../bin/heapfold -q -o base.gz ./wordcount 100000 >/dev/null)
(cd "$out" && ../bin/heapfold -q -o heapfold.wordcount.%p.gz ./wordcount 300000 >/dev/null)
trace=$(ls -t "$out"/heapfold.wordcount.*.gz | head -n 1)
print=$B/bin/heapfold_print
p() { "$print" --no-progress "$trace" "$@"; }
p -l 1 -o "$out/report.txt"
p -F "$out/stacks.txt"
p --temporary --min-size 1K -F "$out/stacks-temporary-1k.txt"
p --flamegraph-cost-type leaked --svg "$out/heap-leaked.svg"
p --svg "$out/heap.svg"
p --pprof "$out/heap.pb.gz"
p --html "$out/report.html"
p --diff "$out/base.gz" -F "$out/diff.txt" --svg "$out/diff.svg"
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -n $browser ]]; then
	HOME=$out timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$out/.chromium" --window-size=1300,1150 --screenshot="$out/report.png" \
		"file://$(cd "$out" && pwd)/report.html#cost=bytes" >/dev/null 2>&1 || true
fi

echo
echo "heapfold demo: ./wordcount 300000 under heapfold"
echo
p -a 1 -p 1 -T 0 -l 0 -n 2 -s 0 2>/dev/null | sed -n '/^MOST CALLS/,$p' | grep -v '^  in ' | cat -s
echo
echo "Files in $out/:"
echo "  $(basename "$trace")   the trace: heapfold_print $trace"
echo "  report.txt                 the whole report, with leaks (-l 1)"
echo "  stacks.txt                 folded stacks: flamegraph.pl --colors mem stacks.txt > heap.svg"
echo "  stacks-temporary-1k.txt    temporary allocations of 1 KiB or more"
echo "  heap.svg, heap-leaked.svg  flame graphs of allocations and of leaked bytes"
echo "  heap.pb.gz                 the same as a pprof profile: go tool pprof -top heap.pb.gz"
echo "  report.html                to explore in a browser: heap over time, flame graphs, sites"
echo "  diff.txt, diff.svg         against base.gz (./wordcount 100000): red grew, blue shrank"
