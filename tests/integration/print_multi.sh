# Several traces in one call (tools/print/accum/hfp_merge.c, core/hfp_inputs.c): three processes
# of known ground truth, given as a directory that also holds a file that is not a trace and a
# trace cut before its first chunk:
#   print_diff a  205 blocks of 16 bytes, each freed at once: peak 16, nothing leaked
#   print_diff b  215 blocks of 16 bytes, the same
#   print_costs   127 blocks, peak 221,265, leaked 200,000 (tests/progs/print_costs.c)
# One report over all (547 calls, leaked 200,000, peak 221,297: the sum of the three peaks), the
# stacks of the two print_diff runs merged by function, a table of the processes, --pid and
# --exe selecting, the summed heap over time peaking where print_costs peaked (the processes ran
# one after another), massif and pprof read by their clients, the HTML page's table.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_diff" "$HF_PROGS/print_costs" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
D=$T/traces
mkdir -p "$D"
traced st out "$T/err" "$D/a.gz" "$HF_PROGS/print_diff" a
expect_eq "print_diff a: exit status" "$st" 0
traced st out "$T/err" "$D/b.gz" "$HF_PROGS/print_diff" b
expect_eq "print_diff b: exit status" "$st" 0
traced st out "$T/err" "$D/c.gz" "$HF_PROGS/print_costs"
expect_eq "print_costs: exit status" "$st" 0
pid_of() { "$HP" --no-progress "$1" | sed -n 's/^process \([0-9]*\),.*/\1/p'; }
pa=$(pid_of "$D/a.gz") pb=$(pid_of "$D/b.gz") pc=$(pid_of "$D/c.gz")
echo "not a trace" >"$D/notes.txt"
head -c 40 "$D/a.gz" >"$D/cut.gz" # a chunk's header, no chunk

"$HP" --no-progress "$D" >"$T/report.txt" 2>"$T/err"
expect_eq "the directory: exit status" "$?" 0
expect_eq "the cut trace: one warning, left out" "$(grep -c "cut.gz: no complete chunk.*left out" "$T/err")" 1
expect_eq "the title" "$(head -1 "$T/report.txt")" "heapfold_print report for 3 traces"
table=$(sed -n '/^PROCESSES (3;/,/^$/p' "$T/report.txt")
expect_eq "the table: largest peak first, pids" "$(awk 'NR > 2 && NF { print $1 }' <<<"$table" | paste -sd' ')" \
	"$pc $(sort -n <<<"$pa
$pb" | paste -sd' ')"
expect_eq "the table: print_costs' calls, peak, leaked" \
	"$(awk -v p="$pc" '$1 == p { print $2, $4, $5 }' <<<"$table")" "127 216.08K 195.31K"
expect_eq "the table: print_diff b's calls" "$(awk -v p="$pb" '$1 == p { print $2 }' <<<"$table")" 215
expect_true "calls: 547" grep -q '^calls to allocation functions: 547 ' "$T/report.txt"
expect_true "the peak: the sum of each one's own; the summed heap peaked at print_costs' peak" \
	grep -q "^peak heap memory consumption: 216.11K (the sum of each process's own peak; their heaps together peaked at about 216.08K, " "$T/report.txt"
# Exact figures, from the limits (exit 4 when broken) and the folded stacks.
lim() { "$HP" --no-progress "$D" -o /dev/null --fail-if "$1" 2>/dev/null; echo $?; }
expect_eq "peak: 221,297 exactly" "$(lim 'peak>221296') $(lim 'peak>221297')" "4 0"
expect_eq "leaked: 200,000 exactly" "$(lim 'leaked>199999') $(lim 'leaked>200000')" "4 0"
folded "$D" "$T/all.txt" 2>/dev/null
expect_eq "merged by function: site_same 100 + 100" "$(count_of "$T/all.txt" 'main;site_same;alloc_n')" 200
expect_eq "merged by function: site_grow 50 + 80" "$(count_of "$T/all.txt" 'main;site_grow;alloc_n')" 130
expect_eq "site_gone: only in a" "$(count_of "$T/all.txt" 'main;site_gone;alloc_n')" 15
expect_eq "all stacks: 547" "$(sum_matching "$T/all.txt" '.')" 547
folded "$D" "$T/peak.txt" --flamegraph-cost-type peak 2>/dev/null
expect_eq "peak cost: the sum of each stack's peak in each process" "$(sum_matching "$T/peak.txt" '.')" 221297
# Files given one by one read the same as their directory.
"$HP" --no-progress "$D/a.gz" "$D/b.gz" "$D/c.gz" -F "$T/files.txt" -o /dev/null
expect_true "files = directory" cmp -s "$T/files.txt" "$T/all.txt"

# --pid: the one trace, exactly as if given alone; --exe: both print_diff runs.
"$HP" --no-progress --pid "$pc" "$D" >"$T/pid.txt" 2>/dev/null
"$HP" --no-progress "$D/c.gz" >"$T/alone.txt"
expect_true "--pid: the same report as the trace alone" cmp -s "$T/pid.txt" "$T/alone.txt"
folded "$D" "$T/exe.txt" --exe print_diff 2>/dev/null
expect_eq "--exe print_diff: 205 + 215" "$(sum_matching "$T/exe.txt" '.')" 420
folded "$D" "$T/exe2.txt" --exe "$HF_PROGS/print_costs" 2>/dev/null
expect_eq "--exe by full path" "$(sum_matching "$T/exe2.txt" '.')" 127
set +e
"$HP" --no-progress --pid 1 "$D" >/dev/null 2>"$T/err"
st=$?
set -e
expect_eq "--pid matching nothing: exit 2" "$st" 2
expect_eq "... and says so" "$(grep -c 'none of the 4 traces given is of a process --pid or --exe selects' "$T/err")" 1
mkdir "$T/empty"
set +e
"$HP" --no-progress "$T/empty" >/dev/null 2>"$T/err"
st=$?
set -e
expect_eq "a directory without traces: exit 1" "$st" 1
expect_true "... and says so" grep -q "empty: a directory with no heapfold trace in it" "$T/err"

# massif: ms_print reads it, its peak snapshot is the sum of the peaks.
if command -v ms_print >/dev/null; then
	"$HP" --no-progress "$D" -M "$T/massif.out" -o /dev/null 2>/dev/null
	ms_print "$T/massif.out" >"$T/ms.txt"
	expect_true "ms_print: the peak snapshot is 221,297" grep -Eq '^ *[0-9]+ +[0-9,]+ +221,297 ' "$T/ms.txt"
else
	echo "SKIP massif part: ms_print is not installed (Debian's valgrind)"
fi
# pprof: go tool pprof's alloc_objects total is the folded total.
go=$(command -v go || echo /usr/lib/go/bin/go)
if [[ -x $go ]]; then
	export HOME=$T GOCACHE=$T/gocache
	"$HP" --no-progress "$D" --pprof "$T/p.pb.gz" -o /dev/null 2>/dev/null
	expect_eq "pprof: alloc_objects over the three" "$("$go" tool pprof -raw "$T/p.pb.gz" 2>/dev/null | awk '
		/^Samples:/ { s = 1; next } /^Locations/ { s = 0 } s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ { a += $1 }
		END { print a + 0 }')" 547
else
	echo "SKIP pprof part: go is not installed (tools/dev/deps.sh installs golang-go)"
fi
# HTML: the table of processes, one row each.
"$HP" --no-progress "$D" --html "$T/r.html" -o /dev/null 2>/dev/null
expect_eq "HTML: a row per process" "$(sed -n '/<table id="processes">/,/<\/table>/p' "$T/r.html" | grep -c '^<tr><td>[0-9]')" 3
finish
