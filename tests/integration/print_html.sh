# heapfold_print --html: one self-contained page (nothing fetched), its figures exact on
# tests/progs/print_costs.c's ground truth (sites, costs, peak, sizes), its flame graph drawn by
# its script in a real browser (headless Chromium, installed by the deps step) with exact
# values, cost types switched, a search that highlights and a click that zooms (driven by the
# address's fragment), no script error on the console; a screenshot is kept for people to look
# at in $B/tests/print_html.png. A report of 16,384 distinct stacks stays under 5 MB.
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
	errors=$((errors + $(grep -c -i -e 'Uncaught' -e 'SyntaxError' "$T/console" || true)))
}
errors=0
# frame NAME: "title width fill" of the drawn frame NAME
frame() { grep -o "<g data-i=\"[0-9]*\"><title>$1 ([^<]*</title><rect [^>]*>" "$T/dom" |
	sed 's|.*<title>\([^<]*\)</title><rect .* width="\([^"]*\)" .* fill="\([^"]*\)".*|\1 \2 \3|'; }
first_site() { sed -n '/<tbody>/,$p' "$T/dom" | grep -o '<tr><td>[a-z_]*' | head -1 | sed 's/<tr><td>//'; }
dump ""
expect_true "the DOM came back" grep -q '<table id="sites">' "$T/dom"
expect_eq "default cost: the top function drawn, exact" "$(frame small_temp | cut -d" " -f1-4)" \
	"small_temp (100 allocations, 78.74%)"
expect_eq "default: all" "$(frame all | cut -d' ' -f1-5)" "all (127 allocations, 100.00%) 1180.0"
expect_eq "default: sorted by allocations" "$(first_site)" small_temp
dump "#cost=bytes&sort=leaked"
expect_eq "#cost=bytes: big_leak" "$(frame big_leak | cut -d' ' -f1-4)" "big_leak (200,000 bytes, 89.66%)"
expect_eq "#cost=bytes: the selector says so" "$(grep -c '<select id="cost"' "$T/dom")" 1
expect_eq "#sort=leaked: big_leak first" "$(first_site)" big_leak
expect_true "#sort=leaked: its header marked" grep -q '<th data-col="leaked" class="sorted">' "$T/dom"
dump "#cost=leaked"
expect_eq "#cost=leaked: only main;big_leak leaks" "$(grep -o '<g data-i="[0-9]*"><title>[a-z_]*' "$T/dom" | sed 's/.*<title>//' | sort | paste -sd' ')" \
	"all big_leak main"
dump "#cost=bytes&search=big_"
expect_eq "search: the share matched" "$(sed -n 's|.*<span id="matched">\([^<]*\)</span>.*|\1|p' "$T/dom")" "Matched: 89.7%"
expect_eq "search: big_leak highlighted" "$(frame big_leak | awk '{ print $NF }')" "rgb(230,0,230)"
expect_eq "search: one frame highlighted" "$(grep -o 'fill="rgb(230,0,230)"' "$T/dom" | wc -l)" 1
dump "#cost=bytes&zoom=mid_alloc"
expect_true "a click on mid_alloc zoomed" grep -q '<span id="zoomed">Zoomed to mid_alloc' "$T/dom"
expect_eq "zoomed: mid_alloc full width" "$(frame mid_alloc | awk '{ print $(NF-1) }')" "1180.0"
expect_eq "zoomed: its caller too" "$(frame main | awk '{ print $(NF-1) }')" "1180.0"
expect_eq "zoomed: big_leak out of view" "$(frame big_leak)" ""
expect_eq "no script error" "$errors" 0
mkdir -p "$B/tests"
HOME=$T timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" \
	--window-size=1300,1100 --screenshot="$B/tests/print_html.png" "file://$T/r.html#cost=bytes" >/dev/null 2>&1
expect_true "a screenshot kept: $B/tests/print_html.png" test -s "$B/tests/print_html.png"

# Many distinct stacks: 16,384 (print_many.c), every one drawn from data of about 1 MB.
traced st out "$T/err" "$T/many.gz" "$HF_PROGS/print_many" 14
"$HP" --no-progress "$T/many.gz" --html "$T/many.html" -F "$T/many.txt"
expect_eq "16,384 distinct stacks" "$(wc -l <"$T/many.txt")" 16384
expect_true "their page under 5 MB ($(stat -c %s "$T/many.html") bytes)" test "$(stat -c %s "$T/many.html")" -lt 5000000
cp "$T/many.html" "$T/r.html"
dump "#search=^leaf"
expect_eq "16,384 stacks: all the leaves matched, too narrow to draw or not" \
	"$(sed -n 's|.*<span id="matched">\([^<]*\)</span>.*|\1|p' "$T/dom")" "Matched: 100.0%"
expect_eq "16,384 stacks: no script error" "$errors" 0
finish
