# Prometheus metrics (tests/link/link_metrics.c), linked statically with glibc and with musl and
# dynamically: hf_metrics_format is exact (the program checks it); the HEAPFOLD_METRICS file is
# rewritten while the program runs and at exit, read by Prometheus's own parser (Debian's
# python3-prometheus-client), and its numbers at exit equal the trace's: live blocks = leaked
# blocks, allocations, frees, bytes asked for; live bytes = the program's own count (usable sizes).
# Also without any trace (HEAPFOLD_OUTPUT empty): the production configuration; and sampled.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HF_DUMP"
/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null ||
	skip "python3-prometheus-client is not installed (tools/dev/deps.sh installs it)"
T=$HF_TEST_TMP

# metric FILE NAME: the value of NAME in FILE, through Prometheus's parser (exe and pid checked)
metric() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        if s.name == sys.argv[2]:
            assert s.labels["exe"] == "link_metrics" and s.labels["pid"].isdigit(), s.labels
            print(int(s.value))
PY
}

for m in "${LINK_MODES[@]}"; do
	p=$(link_bin "$m" link_metrics)
	f=$T/$m.prom t=$T/$m.gz
	set +e
	out=$(HEAPFOLD_OUTPUT=$t HEAPFOLD_METRICS=$f HEAPFOLD_METRICS_INTERVAL=100ms GT_METRICS_FILE=$f "$p" 2>"$T/$m.err")
	st=$?
	set -e
	expect_eq "$m: exit status" "$st" 0
	expect_eq "$m: the program's checks" "$(head -n 1 <<<"$out")" "link_metrics: ok"
	expect_eq "$m: stderr" "$(cat "$T/$m.err")" ""
	want_blocks=$(sed -n 's/.*exit_blocks=\([0-9]*\).*/\1/p' <<<"$out")
	want_bytes=$(sed -n 's/.*exit_bytes=\([0-9]*\).*/\1/p' <<<"$out")
	expect_eq "$m: heap_blocks at exit" "$(metric "$f" heapfold_heap_blocks)" "$want_blocks"
	expect_eq "$m: heap_blocks = the trace's leaked blocks" "$(summary "$t" leaked_blocks)" "$want_blocks"
	expect_eq "$m: heap_bytes at exit" "$(metric "$f" heapfold_heap_bytes)" "$want_bytes"
	expect_eq "$m: allocations_total = the trace's" "$(metric "$f" heapfold_allocations_total)" \
		"$(summary "$t" allocations)"
	expect_eq "$m: frees_total = the trace's" "$(metric "$f" heapfold_frees_total)" "$(summary "$t" frees)"
	expect_eq "$m: allocated_bytes_total = the trace's" \
		"$(metric "$f" heapfold_allocated_bytes_total)" "$(summary "$t" bytes)"
	expect_true "$m: peak_bytes at least heap_bytes" \
		test "$(metric "$f" heapfold_heap_peak_bytes)" -ge "$want_bytes"
	expect_eq "$m: no temporary file left" "$(ls "$T" | grep -c '\.tmp\.')" 0

	# No trace at all: the metrics alone.
	rm -f "$f"
	set +e
	out=$(HEAPFOLD_OUTPUT= HEAPFOLD_METRICS=$f HEAPFOLD_METRICS_INTERVAL=100ms GT_METRICS_FILE=$f "$p" 2>"$T/$m.err")
	st=$?
	set -e
	expect_eq "$m, no trace: exit status" "$st" 0
	expect_eq "$m, no trace: the program's checks" "$(head -n 1 <<<"$out")" "link_metrics: ok"
	expect_eq "$m, no trace: heap_blocks at exit" "$(metric "$f" heapfold_heap_blocks)" \
		"$(sed -n 's/.*exit_blocks=\([0-9]*\).*/\1/p' <<<"$out")"

	# Sampling records few allocations; the statistics stay exact.
	rm -f "$f"
	set +e
	out=$(HEAPFOLD_OUTPUT=$T/$m-sampled.gz HEAPFOLD_SAMPLE_BYTES=64K HEAPFOLD_METRICS=$f \
		HEAPFOLD_METRICS_INTERVAL=100ms GT_METRICS_FILE=$f "$p" 2>"$T/$m.err")
	st=$?
	set -e
	expect_eq "$m, sampled: exit status" "$st" 0
	expect_eq "$m, sampled: the program's exact checks" "$(head -n 1 <<<"$out")" "link_metrics: ok"
	expect_eq "$m, sampled: heap_blocks at exit" "$(metric "$f" heapfold_heap_blocks)" \
		"$(sed -n 's/.*exit_blocks=\([0-9]*\).*/\1/p' <<<"$out")"
done
finish
