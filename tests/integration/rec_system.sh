# Existing system binaries under the launcher: their output is unchanged and their traces read
# back completely with matching clean-exit totals.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$B/lib/libheapfold.so"
in=$HF_TEST_TMP/lines
awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) printf "%08d %s\n", int(rand() * 1e8), "line" i }' >"$in"
sort "$in" >"$HF_TEST_TMP/expected"

t=$HF_TEST_TMP/sort.gz
"$HF_LAUNCHER" -q -o "$t" sort -S 4M "$in" >"$HF_TEST_TMP/got"
expect_true "sort output unchanged" cmp -s "$HF_TEST_TMP/expected" "$HF_TEST_TMP/got"
check_consistent "$t"
allocs=$(summary "$t" allocations)
expect_true "sort allocated ($allocs)" test "$allocs" -gt 10

if command -v python3 >/dev/null; then
	# python3 may be a wrapper (a pyenv shim: a script running env, bash, then the interpreter):
	# the main trace, the interpreter's, is the one the listing names first.
	out=$("$HF_LAUNCHER" -o "$HF_TEST_TMP/python.gz" python3 -c 'import json; print(sum(len(json.dumps(list(range(i)))) for i in range(300)))' 2>"$HF_TEST_TMP/py.err")
	expect_eq "python3 output" "$out" "$(python3 -c 'import json; print(sum(len(json.dumps(list(range(i)))) for i in range(300)))')"
	t=$(main_trace "$HF_TEST_TMP/py.err")
	expect_true "python3: the main trace is the interpreter's ($(head -1 "$HF_TEST_TMP/py.err"))" \
		grep -q "^heapfold: trace written to $t (python3[.0-9]*, pid" "$HF_TEST_TMP/py.err"
	check_consistent "$t"
	allocs=$(summary "$t" allocations)
	expect_true "python3 allocated ($allocs)" test "$allocs" -gt 1000
fi

t=$HF_TEST_TMP/sh.gz
out=$("$HF_LAUNCHER" -q -o "$t" sh -c 'for i in 1 2 3; do echo $i; done | wc -l')
expect_eq "sh pipeline output" "$out" 3
check_consistent "$t"
finish
