# heapfold_print's command line without a recorder: help, version, and one clear line with the
# right exit status for every bad invocation and unreadable input (1 data, 2 usage).
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HP"
T=$HF_TEST_TMP

# expect_fail WHAT STATUS MESSAGE-REGEX COMMAND...: exits STATUS with one stderr line that
# starts with "heapfold_print: " and matches MESSAGE-REGEX, and writes nothing on stdout
expect_fail() {
	local what=$1 want=$2 re=$3 st
	shift 3
	set +e
	"$@" >"$T/out" 2>"$T/err"
	st=$?
	set -e
	expect_eq "$what: exit status" "$st" "$want"
	expect_eq "$what: stderr lines" "$(wc -l <"$T/err")" 1
	expect_true "$what: message" grep -Eq "^heapfold_print: .*$re" "$T/err"
	expect_eq "$what: stdout" "$(wc -c <"$T/out")" 0
}

out=$("$HP" --help)
expect_true "--help on stdout" grep -q '^usage: heapfold_print' <<<"$out"
for opt in --print-allocators --print-peaks --print-temporary --print-leaks --peak-limit \
	--sub-peak-limit --print-histogram --print-flamegraph --flamegraph --flamegraph-cost-type --svg \
	--temporary --temporary-threshold --min-size --max-size --filter-bt-function --debug-path \
	--sysroot --print-above-main --show-allocator --output; do
	expect_true "--help lists $opt" grep -q -- "$opt" <<<"$out"
done
expect_true "--version" grep -Eq '^heapfold_print [0-9]+\.[0-9]+' <<<"$("$HP" --version)"

printf 'not a trace\n' >"$T/text"
gzip -c "$T/text" >"$T/text.gz"
expect_fail "no argument" 2 "no trace" "$HP"
expect_fail "unknown option" 2 "unknown option '--bogus'" "$HP" --bogus "$T/text.gz"
expect_fail "bad size suffix" 2 "bad size '10X'" "$HP" --min-size 10X "$T/text.gz"
expect_fail "negative size" 2 "bad size" "$HP" --max-size -1 "$T/text.gz"
expect_fail "bad cost type" 2 "cost type" "$HP" --flamegraph-cost-type calls "$T/text.gz"
expect_fail "min above max" 2 "larger" "$HP" --min-size 2K --max-size 1K "$T/text.gz"
expect_fail "missing file" 1 "No such file" "$HP" "$T/nothing.gz"
expect_fail "a directory" 1 "" "$HP" "$T"
expect_fail "not gzip" 1 "not a gzip file" "$HP" "$T/text"
expect_fail "gzip, not heapfold" 1 "not a heapfold trace" "$HP" "$T/text.gz"
# An empty file: a process killed before its first write (a truncated trace: a warning, exit 0)
# or no trace at all (exit 1): the reader decides; either way one clear message, no crash.
set +e
"$HP" /dev/null >"$T/out" 2>"$T/err"
st=$?
set -e
case $st in
0) expect_true "empty file: warning" grep -q '^heapfold_print: warning: ' "$T/err"
   expect_true "empty file: the report says so" grep -q '^warning: ' "$T/out" ;;
1) expect_eq "empty file: one line" "$(wc -l <"$T/err")" 1 ;;
*) expect_eq "empty file: exit status 0 or 1" "$st" "0 or 1" ;;
esac
# heaptrack_print's -o is a boolean (print overall allocated): "-o 1" is refused, not a report
# silently written to a file named 1.
expect_fail "-o 1" 2 "-o 1: -o names the report's file here" "$HP" "$T/none.gz" -o 1
expect_true "-o 1: no file named 1" test ! -e 1
finish
