# Prometheus metrics (tests/progs/gt_metrics.c), preloaded (glibc and musl) and linked (static
# glibc, static musl, dynamic): hf_metrics_format is exact (the program checks it); the
# HEAPFOLD_METRICS file is rewritten while the program runs and at exit, read by Prometheus's own
# parser (Debian's python3-prometheus-client), and its numbers at exit equal the trace's: live
# blocks = leaked blocks, live bytes = leaked bytes, allocations, frees, bytes asked for; and the
# program's own: live bytes, the peak. Live bytes are usable sizes and the trace's sizes asked
# for: the program's blocks are of a size both allocators give exactly (gt_metrics.c), and so are
# the blocks libc leaves, except in static glibc, whose loader leaves 5 blocks before main that
# glibc rounds up (42 bytes in all): there the bytes the program left are compared (live bytes
# less those at main's start = leaked bytes less those allocated before the start). Also without
# any trace (HEAPFOLD_OUTPUT empty): the production configuration; and sampled: the metrics stay
# exact.
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/gt_metrics" "$B/lib/libheapfold.so"
/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null ||
	skip "python3-prometheus-client is not installed (tools/dev/deps.sh installs it)"
T=$HF_TEST_TMP
cd "$T" # where a trace would go by default (HEAPFOLD_OUTPUT unset)

# metric FILE NAME: the value of NAME in FILE, through Prometheus's parser (labels exe and pid
# checked: the program's name and its pid; the six families with their types). Parsed once per
# file, into FILE.values.
metric() {
	[[ -f $1.values ]] || /usr/bin/python3 - "$1" "$pid" >"$1.values" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
types = {}
for fam in text_string_to_metric_families(text):
    types[fam.name] = fam.type
    for s in fam.samples:
        assert s.labels == {"exe": "gt_metrics", "pid": sys.argv[2]}, s.labels
        print(s.name, int(s.value))
want = {"heapfold_heap_bytes": "gauge", "heapfold_heap_peak_bytes": "gauge",
        "heapfold_heap_blocks": "gauge", "heapfold_allocations": "counter",
        "heapfold_frees": "counter", "heapfold_allocated_bytes": "counter"}
assert types == want, types
PY
	awk -v n="$2" '$1 == n { print $2 }' "$1.values"
}

variants=("preload:$HF_PROGS/gt_metrics")
[[ -x $B/tests/progs-musl/gt_metrics && -f $B/lib/musl/libheapfold.so ]] &&
	variants+=("preload-musl:$B/tests/progs-musl/gt_metrics")
for m in static musl dynamic; do
	[[ -x $B/tests/link/$m/gt_metrics ]] && variants+=("$m:$B/tests/link/$m/gt_metrics")
done

run() { # NAME PROGRAM ENV...: sets out, pid and the program's exit_* numbers
	local name=$1 prog=$2 st pre=()
	shift 2
	case $name in
	preload-musl*) pre=(LD_PRELOAD="$B/lib/musl/libheapfold.so") ;;
	preload*) pre=(LD_PRELOAD="$B/lib/libheapfold.so") ;;
	esac
	set +e
	env "$@" "${pre[@]}" HEAPFOLD_METRICS_INTERVAL=100ms "$prog" >"$T/out" 2>"$T/err" &
	pid=$!
	wait $pid
	st=$?
	set -e
	out=$(cat "$T/out")
	expect_eq "$name: exit status" "$st" 0
	expect_eq "$name: the program's checks" "$(head -n 1 <<<"$out")" "gt_metrics: ok"
	expect_eq "$name: stderr" "$(cat "$T/err")" ""
	want_blocks=$(sed -n 's/.*exit_blocks=\([0-9]*\).*/\1/p' <<<"$out")
	want_bytes=$(sed -n 's/.*exit_bytes=\([0-9]*\).*/\1/p' <<<"$out")
	want_peak=$(sed -n 's/.*exit_peak=\([0-9]*\).*/\1/p' <<<"$out")
	start_bytes=$(sed -n 's/.*start_bytes=\([0-9]*\).*/\1/p' <<<"$out")
}

# before_start TRACE: leaked bytes of the blocks allocated before the recorder started
before_start() {
	stacks "$1" | awk '$7 ~ /^\[before-start\]/ { s += $5 } END { print s + 0 }'
}

for v in "${variants[@]}"; do
	m=${v%%:*} p=${v#*:}
	f=$T/$m.prom t=$T/$m.gz
	# (GT_METRICS_FILE: the program also reads the file the thread rewrote while it ran)
	run "$m" "$p" HEAPFOLD_OUTPUT="$t" HEAPFOLD_METRICS="$f" GT_METRICS_FILE="$f"
	expect_eq "$m: heap_blocks at exit" "$(metric "$f" heapfold_heap_blocks)" "$want_blocks"
	expect_eq "$m: heap_blocks = the trace's leaked blocks" "$(summary "$t" leaked_blocks)" "$want_blocks"
	expect_eq "$m: heap_bytes at exit" "$(metric "$f" heapfold_heap_bytes)" "$want_bytes"
	if [[ $m != static ]]; then
		expect_eq "$m: heap_bytes = the trace's leaked bytes" "$(summary "$t" leaked_bytes)" "$want_bytes"
	fi
	expect_eq "$m: heap_bytes - live at main = the trace's leaked bytes - before the start" \
		"$(( $(summary "$t" leaked_bytes) - $(before_start "$t") ))" "$((want_bytes - start_bytes))"
	expect_eq "$m: heap_peak_bytes" "$(metric "$f" heapfold_heap_peak_bytes)" "$want_peak"
	expect_eq "$m: allocations_total = the trace's" "$(metric "$f" heapfold_allocations_total)" \
		"$(summary "$t" allocations)"
	expect_eq "$m: frees_total = the trace's" "$(metric "$f" heapfold_frees_total)" "$(summary "$t" frees)"
	expect_eq "$m: allocated_bytes_total = the trace's" \
		"$(metric "$f" heapfold_allocated_bytes_total)" "$(summary "$t" bytes)"
	expect_eq "$m: no temporary file left" "$(ls "$T" | grep -c '\.tmp\.' || true)" 0

	# No trace at all: the metrics alone.
	rm -f "$f" "$f.values"
	run "$m, no trace" "$p" HEAPFOLD_OUTPUT= HEAPFOLD_METRICS="$f"
	expect_eq "$m, no trace: heap_blocks at exit" "$(metric "$f" heapfold_heap_blocks)" "$want_blocks"
	expect_eq "$m, no trace: heap_bytes at exit" "$(metric "$f" heapfold_heap_bytes)" "$want_bytes"
	expect_eq "$m, no trace: no trace written" "$(ls "$T" | grep -c '^heapfold\.' || true)" 0

	# Sampling records few allocations; the statistics stay exact.
	rm -f "$f" "$f.values"
	run "$m, sampled" "$p" HEAPFOLD_OUTPUT="$T/$m-sampled.gz" HEAPFOLD_SAMPLE_BYTES=64K HEAPFOLD_METRICS="$f"
	expect_eq "$m, sampled: heap_blocks at exit" "$(metric "$f" heapfold_heap_blocks)" "$want_blocks"
	expect_eq "$m, sampled: heap_bytes at exit" "$(metric "$f" heapfold_heap_bytes)" "$want_bytes"
	expect_eq "$m, sampled: allocations_total = the exact run's" \
		"$(metric "$f" heapfold_allocations_total)" "$(summary "$t" allocations)"
	expect_eq "$m, sampled: the trace is sampled" "$(summary "$T/$m-sampled.gz" sample_bytes)" 65536
done
finish
