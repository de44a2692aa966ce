# heapfold_print as a user at a terminal meets it (tests/progs/print_costs.c's trace): an export
# writes only the export, the report on standard output only when asked for (-o -); an export
# that filters leave empty says why in one line, with what each filter removed; a warning shown
# in a report on the terminal is not repeated on stderr; progress reaches 100% and shows every
# phase.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_DUMP" "$HF_PROGS/print_costs" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
t=$T/costs.gz
traced st out "$T/rec.err" "$t" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0
n=$(summary "$t" allocations)

# Exports alone.
"$HP" --no-progress "$t" -F "$T/s.txt" >"$T/stdout" 2>"$T/stderr"
expect_eq "-F FILE: nothing on stdout" "$(wc -c <"$T/stdout")" 0
expect_eq "-F FILE: nothing on stderr" "$(cat "$T/stderr")" ""
expect_true "-F FILE: the stacks" test -s "$T/s.txt"
"$HP" --no-progress "$t" --svg "$T/s.svg" >"$T/stdout"
expect_eq "--svg FILE: nothing on stdout" "$(wc -c <"$T/stdout")" 0
"$HP" --no-progress "$t" -F "$T/s.txt" -o - >"$T/stdout"
expect_true "-F FILE -o -: the report on stdout" grep -q '^heapfold_print report for' "$T/stdout"
"$HP" --no-progress "$t" >"$T/stdout"
expect_true "no output option: the report on stdout" grep -q '^heapfold_print report for' "$T/stdout"

# Filters that leave nothing: one line, what each filter removed (they add up to the total).
"$HP" --no-progress "$t" --temporary --min-size 1G -F "$T/e.txt" 2>"$T/stderr"
expect_eq "empty export: the file is empty" "$(wc -c <"$T/e.txt")" 0
expect_eq "empty export: one line" "$(cat "$T/stderr")" \
	"heapfold_print: nothing to show for cost temporary: the filters left nothing (of $n allocations, the size filter removed $n, 0 were not temporary)"
"$HP" --no-progress "$t" --filter-bt-function no_such_function -F "$T/e.txt" 2>"$T/stderr"
expect_eq "empty export, function filter" "$(cat "$T/stderr")" \
	"heapfold_print: nothing to show for cost allocations: the filters left nothing (of $n allocations, --filter-bt-function removed $n)"

# A warning (a trace cut short) once, in the report, when report and stderr share a terminal;
# on stderr as well when the report goes elsewhere.
head -c "$(( $(stat -c %s "$t") * 2 / 3 ))" "$t" >"$T/cut.gz"
"$HP" --no-progress "$T/cut.gz" -o "$T/cut.report" 2>"$T/stderr"
expect_eq "report to a file: the warning on stderr" "$(grep -c 'trace incomplete' "$T/stderr")" 1
expect_eq "report to a file: the warning in the report" "$(grep -c 'trace incomplete' "$T/cut.report")" 1
if command -v script >/dev/null; then
	script -qec "'$HP' --no-progress '$T/cut.gz'" /dev/null >"$T/tty" </dev/null
	expect_eq "report on a terminal: the warning once" "$(grep -c 'trace incomplete' "$T/tty")" 1
else
	echo "note: script(1) missing: the terminal case is not checked"
fi
# Progress reaches 100% and goes through every phase, with a rate; the line is cleared at the end.
"$HP" --progress "$t" -F "$T/s.txt" 2>"$T/progress"
expect_true "progress: reading reaches 100%, with a rate" \
	grep -Eq "reading: [0-9,]+ events \(100%\), [0-9,]+ events/s" "$T/progress"
expect_true "progress: symbolizing" grep -q "symbolizing: 0 of [0-9,]* stacks" "$T/progress"
expect_true "progress: writing" grep -q "heapfold_print: writing" "$T/progress"
expect_true "progress: cleared at the end" test "$(tail -c 4 "$T/progress" | od -An -c | tr -d ' ')" = '\r033[K'
finish
