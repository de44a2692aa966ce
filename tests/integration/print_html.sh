# heapfold_print --html: one self-contained page (nothing fetched), its figures exact on
# tests/progs/print_costs.c's ground truth (sites, costs, peak, sizes), and its script run in a
# real browser (headless Chromium, installed by the deps step): the address's fragment chooses
# the flame graph shown and the sites' order, with no script error on the console.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_costs" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
traced st out "$T/err" "$T/costs.gz" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0
"$HP" --no-progress "$T/costs.gz" --html "$T/r.html"
expect_eq "--html alone writes no report" "$("$HP" --no-progress "$T/costs.gz" --html "$T/r2.html")" ""

# Self-contained: no attribute loads anything; the only URLs are XML namespace and DTD names
# (never fetched) and the flame graphs' credit line in a comment.
expect_eq "nothing fetched (src=, href=, url(http)" \
	"$(grep -Eoc '(src|href)="|url\(http|@import' "$T/r.html" || true)" 0
expect_eq "no URL but names" "$(grep -Eo 'https?://[^"&]*' "$T/r.html" |
	grep -Evc '^http://www.w3.org/|^https://github.com/brendangregg/FlameGraph' || true)" 0

# site NAME: "allocations bytes temporary leaked peak" of the sites table's row of NAME
site() {
	sed -n "s|^<tr><td>$1 <small>.*</small></td>\(.*\)</tr>\$|\1|p" "$T/r.html" |
		grep -Eo 'data-v="[0-9]+"' | tr -dc '0-9\n' | paste -sd' '
}
expect_eq "small_temp" "$(site small_temp)" "100 1600 100 0 0"
expect_eq "alloc_outer" "$(site alloc_outer)" "5 160 0 0 0"
expect_eq "alloc_inner" "$(site alloc_inner)" "5 40 5 0 0"
expect_eq "sized" "$(site sized)" "5 11265 0 0 11265"
expect_eq "mid_alloc" "$(site mid_alloc)" "10 10000 0 0 10000"
expect_eq "big_leak" "$(site big_leak)" "2 200000 0 200000 200000"
expect_eq "six sites" "$(grep -c '^<tr><td>.* <small>' "$T/r.html")" 6
expect_true "the peak marked: 221265 bytes" grep -q '<g id="peak" data-bytes="221265">' "$T/r.html"
expect_true "the heap over time drawn" grep -q '<polyline id="heap"' "$T/r.html"
expect_true "totals" grep -q '<p id="totals">127 allocations, ' "$T/r.html"
expect_true "no filters" grep -q '<p id="filters">Filters: none</p>' "$T/r.html"
# Sizes by powers of two: 8 x5, 16 x100, 32 x5, 1000 x10 and 1023, 1024 and 1025, 4096 and
# 4097, 100000 x2.
expect_eq "sizes" "$(sed -n 's|^<tr><td>\([0-9]* to [0-9]*\)</td><td>\([0-9]*\)</td>.*|\1: \2|p' "$T/r.html" | paste -sd,)" \
	"8 to 15: 5,16 to 31: 100,32 to 63: 5,512 to 1023: 11,1024 to 2047: 2,4096 to 8191: 2,65536 to 131071: 2"
expect_eq "a flame graph per cost type" \
	"$(grep -o '<iframe class="flame" data-cost="[a-z]*"' "$T/r.html" | sed 's/.*="//; s/"//' | paste -sd' ')" \
	"allocations bytes temporary leaked peak"
expect_true "the bytes graph's total" grep -q 'Total: 223,065 bytes' "$T/r.html"
"$HP" --no-progress "$T/costs.gz" --min-size 1K --html "$T/f.html"
expect_true "filters shown" grep -q '<p id="filters">Filters: .*min-size' "$T/f.html"
expect_true "filters: sites kept" test "$(grep -c '^<tr><td>.* <small>' "$T/f.html")" -eq 2

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
	echo "SKIP the browser half: chromium is not installed (tools/dev/deps.sh installs it)"
	finish
fi
# dump FRAGMENT: the page's DOM after its script ran (console on stderr)
dump() {
	HOME=$T timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/profile" --enable-logging=stderr --v=0 \
		--dump-dom "file://$T/r.html$1" >"$T/dom" 2>"$T/console"
}
shown() { grep -o '<iframe class="flame" data-cost="[a-z]*" title="[a-z]*" style="[^"]*"' "$T/dom" | grep -v 'display: none' |
	sed 's/.*data-cost="\([a-z]*\)".*/\1/' | paste -sd' '; }
first_site() { sed -n '/<tbody>/,$p' "$T/dom" | grep -o '<tr><td>[a-z_]*' | head -1 | sed 's/<tr><td>//'; }
dump ""
expect_true "the DOM came back" grep -q '<table id="sites">' "$T/dom"
expect_eq "default: the allocations graph alone" "$(shown)" allocations
expect_eq "default: sorted by allocations" "$(first_site)" small_temp
dump "#cost=bytes&sort=leaked"
expect_eq "#cost=bytes: the bytes graph alone" "$(shown)" bytes
expect_eq "#sort=leaked: big_leak first" "$(first_site)" big_leak
expect_true "#sort=leaked: its header marked" grep -q '<th data-col="leaked" class="sorted">' "$T/dom"
dump "#cost=peak&sort=site"
expect_eq "#cost=peak" "$(shown)" peak
expect_eq "#sort=site: by name" "$(first_site)" alloc_inner
expect_eq "no script error" "$(grep -c -i -e 'Uncaught' -e 'SyntaxError' "$T/console" || true)" 0
finish
