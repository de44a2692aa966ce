# Options read under their names and under the old ones: HEAPFOLD_TICK_MS (the background
# thread's tick: RSS samples and the clock events are stamped with; the HEADER's clock
# resolution) also as HEAPFOLD_SAMPLE_MS, its name before sampling existed, the new name winning
# when both are set; HEAPFOLD_SAMPLE_BYTES with its suffixes, in the HEADER's sample_bytes.
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/gt_family" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
n=0

run() { # ENV...: runs gt_family preloaded with ENV; sets t (the trace) and err
	n=$((n + 1))
	t=$T/$n.gz
	set +e
	out=$(env "$@" LD_PRELOAD="$B/lib/libheapfold.so" HEAPFOLD_OUTPUT="$t" "$HF_PROGS/gt_family" 2>"$T/err")
	st=$?
	set -e
	err=$(cat "$T/err")
	expect_eq "$*: runs" "$st $out" "7 gt_family: ok" # (it exits with 7)
}

run HEAPFOLD_TICK_MS=3
expect_eq "TICK_MS=3: clock resolution" "$(summary "$t" clock_resolution_ns)" 3000000
expect_eq "TICK_MS=3: nothing said" "$err" ""
run HEAPFOLD_SAMPLE_MS=4
expect_eq "old name SAMPLE_MS=4: clock resolution" "$(summary "$t" clock_resolution_ns)" 4000000
expect_eq "old name: not an unknown option" "$err" ""
run HEAPFOLD_SAMPLE_MS=4 HEAPFOLD_TICK_MS=6
expect_eq "both names: the new one wins" "$(summary "$t" clock_resolution_ns)" 6000000
run HEAPFOLD_SAMPLE_MS=often
expect_eq "old name, bad value: the default" "$(summary "$t" clock_resolution_ns)" 10000000
expect_eq "old name, bad value: the warning names it" "$err" \
	"heapfold: HEAPFOLD_SAMPLE_MS=often is not valid; using 10"
run
expect_eq "default: every allocation" "$(summary "$t" sample_bytes)" 0
run HEAPFOLD_SAMPLE_BYTES=8K
expect_eq "SAMPLE_BYTES=8K" "$(summary "$t" sample_bytes)" 8192
run HEAPFOLD_SAMPLE_BYTES=1m
expect_eq "SAMPLE_BYTES=1m" "$(summary "$t" sample_bytes)" 1048576
run HEAPFOLD_SAMPLE_BYTES=lots
expect_eq "SAMPLE_BYTES bad: every allocation" "$(summary "$t" sample_bytes)" 0
expect_eq "SAMPLE_BYTES bad: the warning" "$err" "heapfold: HEAPFOLD_SAMPLE_BYTES=lots is not valid; using 0"
finish
