# The launcher: exit statuses and signals pass through, it never hangs (static programs, programs
# that exit at once), it reports where the trace went, and it rejects bad options clearly.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$B/lib/libheapfold.so"
cd "$HF_TEST_TMP"

set +e
"$HF_LAUNCHER" -q true; expect_eq "true" "$?" 0
"$HF_LAUNCHER" -q sh -c 'exit 42'; expect_eq "exit 42 passes through" "$?" 42
"$HF_LAUNCHER" -q sh -c 'kill -TERM $$'; expect_eq "death by SIGTERM passes through" "$?" 143
"$HF_LAUNCHER" -q no-such-command-xyz 2>err; expect_eq "command not found" "$?" 127
expect_true "says not found" grep -q "not found" err
"$HF_LAUNCHER" --bogus true 2>err; expect_eq "unknown option" "$?" 2
expect_true "names the option" grep -q -- "--bogus" err
"$HF_LAUNCHER" --unwind xyz true 2>err; expect_eq "bad --unwind" "$?" 2
"$HF_LAUNCHER" 2>/dev/null; expect_eq "no program" "$?" 2
"$HF_LAUNCHER" -q -o "$HF_TEST_TMP/missing/t.gz" true 2>err; expect_eq "-q, unwritable: refused up front" "$?" 2
expect_eq "-q still says why, one line" "$(grep -c 'missing/t.gz' err)" 1

printf 'int main(void) { return 3; }\n' >static.c
if cc -static static.c -o static_prog 2>/dev/null; then
	timeout 20 "$HF_LAUNCHER" ./static_prog 2>err
	st=$?
	expect_eq "static program refused, no hang" "$st" 126
	expect_true "says statically linked" grep -q "statically linked" err
fi

# The preload variable and heapfold's options stay out of children (they may use another libc);
# with --follow they are passed on.
leak=$("$HF_LAUNCHER" -q -o "$HF_TEST_TMP/env.gz" sh -c 'env' | grep -c -E '^(LD_PRELOAD=.*heapfold|HEAPFOLD_)' || true)
expect_eq "no LD_PRELOAD or HEAPFOLD_* in a child's environment" "$leak" 0
leak=$("$HF_LAUNCHER" -q --follow -o "$HF_TEST_TMP/envf.%p.gz" sh -c 'env' | grep -c -E '^LD_PRELOAD=.*heapfold' || true)
expect_eq "--follow passes LD_PRELOAD on" "$leak" 1

"$HF_LAUNCHER" sh -c 'echo hi' >out 2>err
st=$?
set -e
expect_eq "status" "$st" 0
expect_eq "program output" "$(cat out)" hi
trace=$(sed -n 's/^heapfold: trace written to \([^ ]*\) (.*/\1/p' err)
expect_true "announces the trace ($trace)" test -f "$trace"
expect_true "prints the heapfold_print command" grep -q "heapfold_print $trace" err
expect_true "default name heapfold.<exe>.<pid>.gz" grep -Eq '^heapfold\.(dash|bash|sh)\.[0-9]+\.gz$' <<<"$trace"
# Outputs that cannot be created are refused before the program runs: one line, exit 2, and the
# program never started (it would have made its marker file).
touch "$HF_TEST_TMP/exists.gz"
for o in "$HF_TEST_TMP/exists.gz" "$HF_TEST_TMP/no-such-dir/t.gz"; do
	set +e
	"$HF_LAUNCHER" -o "$o" sh -c "touch '$HF_TEST_TMP/ran'" 2>"$HF_TEST_TMP/err"
	st=$?
	set -e
	expect_eq "refused output $(basename "$(dirname "$o")")/$(basename "$o"): exit status" "$st" 2
	expect_eq "refused output: one line" "$(wc -l <"$HF_TEST_TMP/err")" 1
	expect_true "refused output: the line names the cause" grep -Eq "exists and a trace never overwrites|does not exist" "$HF_TEST_TMP/err"
	expect_true "refused output: the program did not run" test ! -e "$HF_TEST_TMP/ran"
done

# Limits after the run: a leak turns a successful run into exit status 4, with heapfold_print's
# line; a run without leaks keeps its 0. (print_costs leaks 2 x 100,000 bytes; print_allocfn,
# a C++ program, nothing.)
if [[ -x $HF_PROGS/print_costs && -x $HF_PROGS/print_allocfn && -x $B/bin/heapfold_print ]]; then
	st=0
	"$HF_LAUNCHER" -q --fail-on-leak -o "$HF_TEST_TMP/leaky.gz" "$HF_PROGS/print_costs" \
		>/dev/null 2>"$HF_TEST_TMP/err" || st=$?
	expect_eq "--fail-on-leak, a leak: exit status" "$st" 4
	expect_true "--fail-on-leak: the line" grep -q '^heapfold_print: limit broken: leaked .*main;big_leak' "$HF_TEST_TMP/err"
	st=0
	"$HF_LAUNCHER" -q --fail-on-leak --fail-if 'peak>1G' -o "$HF_TEST_TMP/clean.gz" "$HF_PROGS/print_allocfn" \
		>/dev/null 2>"$HF_TEST_TMP/err" || st=$?
	expect_eq "--fail-on-leak, no leak: exit status" "$st" 0
	# The check after the run is heapfold_print as the user would run it: not under the
	# recorder the program got (which would trace it, here into a second file).
	mkdir "$HF_TEST_TMP/checked"
	LD_PRELOAD= "$HF_LAUNCHER" -q --fail-on-leak -o "$HF_TEST_TMP/checked/t.%p.gz" "$HF_PROGS/print_allocfn" \
		>/dev/null 2>&1
	expect_eq "--fail-on-leak: the program's trace alone" "$(ls "$HF_TEST_TMP/checked" | wc -l)" 1
	# --sample: the trace is sampled, and says so.
	"$HF_LAUNCHER" -q -s 4K -o "$HF_TEST_TMP/sampled.gz" "$HF_PROGS/print_costs" >/dev/null
	expect_true "--sample 4K: a sampled trace" grep -q '^SAMPLED TRACE: about one allocation in every 4096 bytes' \
		<("$B/bin/heapfold_print" --no-progress "$HF_TEST_TMP/sampled.gz" 2>/dev/null)
	st=0
	"$HF_LAUNCHER" -q -s 4X true 2>"$HF_TEST_TMP/err" || st=$?
	expect_eq "--sample 4X: refused" "$st" 2
fi
finish
