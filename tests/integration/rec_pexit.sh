# A program whose main thread calls pthread_exit ends when its last thread does, as it does bare
# (status 0), whatever threads the recorder runs (lib/record/hf_bg.c, hf_bg_exit_if_alone): the
# background thread of a trace, the metrics thread, the profile thread, and the metrics thread
# alone with no trace. libc counts our threads too, which block every signal: a process left
# with them would never end, and SIGTERM would wait forever. tests/progs/gt_pexit.c; a run that
# hangs is killed after 60 s and fails.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_DUMP" "$HP" "$HF_PROGS/gt_pexit" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
cd "$T"
run() { # NAME ENV...: gt_pexit preloaded with ENV; its status and output
	local name=$1 st out
	shift
	set +e
	out=$(timeout -s KILL 60 env LD_PRELOAD="$B/lib/libheapfold.so" "$@" "$HF_PROGS/gt_pexit" 2>"$T/err")
	st=$?
	set -e
	expect_eq "$name: ends with status 0, as bare" "$st $out" "0 gt_pexit: ok"
	expect_eq "$name: nothing on stderr" "$(cat "$T/err")" ""
}
run "a trace" HEAPFOLD_OUTPUT="$T/t.gz"
expect_eq "a trace: complete" "$(summary "$T/t.gz" complete)" 1
"$HP" --no-progress "$T/t.gz" -o /dev/null -F "$T/leaked.txt" --flamegraph-cost-type leaked
expect_eq "a trace: the worker's block leaked" "$(awk '$1 == "worker" { s += $NF } END { print s + 0 }' "$T/leaked.txt")" 100
run "a trace and metrics" HEAPFOLD_OUTPUT="$T/m.gz" HEAPFOLD_METRICS="$T/m.prom" HEAPFOLD_METRICS_INTERVAL=60
expect_true "a trace and metrics: the file written at exit (the worker's 3 allocations counted)" \
	awk '/^heapfold_allocations_total/ { n = $NF } END { exit !(n >= 3) }' "$T/m.prom"
run "metrics alone, no trace" HEAPFOLD_OUTPUT= HEAPFOLD_METRICS="$T/a.prom" HEAPFOLD_METRICS_INTERVAL=60
mkdir -p "$T/pp"
run "profiles every minute, no trace kept" HEAPFOLD_OUTPUT=/dev/null HEAPFOLD_PPROF_DIR="$T/pp" \
	HEAPFOLD_PPROF_INTERVAL=60
expect_eq "profiles: the exit profile written" "$(ls "$T/pp" | grep -c '^heapfold\.gt_pexit\.[0-9]*\.1\.pb\.gz$')" 1
finish
