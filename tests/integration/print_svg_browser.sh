# The SVG flame graph in a real browser (headless Chromium, Debian's chromium, installed by the
# deps step): loaded as heap.svg?s=REGEX, its script runs the search on load: the frames whose
# name matches turn magenta, the others keep their colour, and "Matched: P%" equals the matching
# stacks' share of the folded totals; no script error on the console.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_costs" "$B/lib/libheapfold.so"
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n $browser ]] || skip "chromium is not installed (tools/dev/deps.sh installs it)"
T=$HF_TEST_TMP
traced st out "$T/err" "$T/costs.gz" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0
"$HP" --no-progress "$T/costs.gz" --flamegraph-cost-type bytes --svg "$T/heap.svg" -F "$T/heap.txt"

# dump DOM [QUERY]: the SVG's DOM after its scripts ran, in headless Chromium (console on stderr)
dump() {
	HOME=$T timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/profile" --enable-logging=stderr --v=0 \
		--dump-dom "file://$T/heap.svg$1" >"$T/dom" 2>"$T/console"
}

pattern=big_
want=$(awk -v re="(^|;)$pattern" '{ v = $NF; s = $0; sub(/ [0-9]+$/, "", s); t += v; if (s ~ re) m += v }
	END { printf "%.1f", 100 * m / t }' "$T/heap.txt")
dump "?s=$pattern"
expect_true "the DOM came back" grep -q '<g id="frames">' "$T/dom"
got=$(sed -n 's/.*<text id="matched"[^>]*>Matched: \([0-9.]*\)%<\/text>.*/\1/p' "$T/dom")
expect_true "Matched: $got% (folded stacks: $want%)" awk -v a="$got" -v b="$want" \
	'BEGIN { exit !(a != "" && a - b <= 0.2 && b - a <= 0.2) }'
hits=$(grep -c 'fill="rgb(230,0,230)"' "$T/dom" || true)
names=$(awk '/<title>/ { sub(/.*<title>/, ""); sub(/ \(.*/, ""); print }' "$T/dom" | grep -c "^$pattern" || true)
expect_true "frames highlighted: $hits, frames named $pattern*: $names" test "$hits" -ge 1 -a "$hits" -eq "$names"
expect_true "the search is shown" grep -q '<text id="search"[^>]*>Search: big_</text>' "$T/dom"
expect_eq "no script error" "$(grep -c -i -e 'Uncaught' -e 'SyntaxError' "$T/console" || true)" 0

# Without a search: nothing highlighted, no Matched line.
dump ""
expect_eq "no search: nothing highlighted" "$(grep -c 'fill="rgb(230,0,230)"' "$T/dom" || true)" 0
expect_true "no search: Matched empty" grep -Eq '<text id="matched"[^>]*(/>|></text>)' "$T/dom"
finish
