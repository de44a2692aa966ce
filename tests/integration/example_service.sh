# examples/static-service: kvd, built fully static with musl and heapfold linked in, serves a
# bounded client on loopback (300 requests on one connection, then QUIT) and exits cleanly; its
# trace has exactly the shapes the example was written with: the leak (100 overwritten values,
# 380 bytes, in copy() under store_set), the temporary hot spot (fold_key: 299 copies, the 99 of
# GET and DEL requests temporary), the pool (2 buffers). The trace names its functions after the
# binary is deleted, and also when the service ran without /proc (as in a FROM scratch image).
# Its metrics (METRICS, hf_metrics_format; HEAPFOLD_METRICS) read by Prometheus's parser agree
# with hf_stats and, at exit, with the trace. Its heap profile (PPROF, hf_pprof_write) with no
# trace kept, read by go tool pprof, holds exactly the blocks the requests left.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
kvd=${HF_KVD:-$B/examples/static-service/kvd} # example_service_mimalloc.sh: its variant
need "$kvd" "$HF_DUMP" "$HP"

# start_kvd TRACE [PREFIX...]: starts kvd on a free port; sets kvd_pid and port.
start_kvd() {
	local trace=$1
	shift
	rm -f "$HF_TEST_TMP/port"
	HEAPFOLD_OUTPUT=$trace "$@" "$exe" 0 >"$HF_TEST_TMP/port" 2>"$HF_TEST_TMP/kvd.err" &
	kvd_pid=$!
	for _ in $(seq 100); do
		# The port file may not exist yet (the background shell opens it after the fork):
		# awk then fails with status 2, which set -e would make the test's exit status.
		port=$(awk '/^listening on/ { print $3 }' "$HF_TEST_TMP/port" 2>/dev/null || true)
		[[ -n $port ]] && return 0
		sleep 0.05
	done
	echo "FAIL kvd did not start: $(cat "$HF_TEST_TMP/kvd.err")"
	exit 1
}

# client: the bounded session; prints the last reply of each phase.
client() {
	local r i
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	for i in $(seq 0 99); do printf 'SET k%d v%d\n' "$i" "$i" >&3; read -r -t 5 r <&3; done
	echo "$r"
	for i in $(seq 0 99); do printf 'SET K%d w%d\n' $((i % 50)) "$i" >&3; read -r -t 5 r <&3; done
	for i in $(seq 0 49); do printf 'GET k%d\n' "$i" >&3; read -r -t 5 r <&3; done
	echo "$r"
	for i in $(seq 50 98); do printf 'DEL k%d\n' "$i" >&3; read -r -t 5 r <&3; done
	echo "$r"
	printf 'STATS\n' >&3
	read -r -t 5 r <&3
	echo "$r" >"$HF_TEST_TMP/stats.txt"
	echo "${r%%=*}"
	printf 'METRICS\n' >&3
	while read -r -t 5 r <&3 && [[ $r != END ]]; do
		echo "$r" >>"$HF_TEST_TMP/metrics.txt"
	done
	printf 'QUIT\n' >&3
	read -r -t 5 r <&3
	echo "$r"
	exec 3<&-
}

# wait_kvd: sets kvd_status to kvd's exit status, or 124 if it ran 10 s more. Called directly,
# never inside $(...): there wait would run in a subshell, which is not kvd's parent.
wait_kvd() {
	for _ in $(seq 200); do
		kill -0 "$kvd_pid" 2>/dev/null || break
		sleep 0.05
	done
	kvd_status=0
	if kill -0 "$kvd_pid" 2>/dev/null; then
		kill "$kvd_pid"
		kvd_status=124
	fi
	local st=0
	wait "$kvd_pid" || st=$?
	[[ $kvd_status == 124 ]] || kvd_status=$st
}

check_trace() { # WHAT TRACE
	local t=$2
	expect_eq "$1: complete" "$(summary "$t" complete)" 1
	expect_eq "$1: link mode" "$(link_mode "$t")" "statically linked"
	expect_eq "$1: leaked blocks (100 overwritten values)" "$(summary "$t" leaked_blocks)" 100
	expect_eq "$1: leaked bytes" "$(summary "$t" leaked_bytes)" 380
	expect_eq "$1: the leak is in copy()" "$(stack_field "$t" malloc copy leaked_blocks)" 100
	expect_eq "$1: copy() under store_set" "$(stack_via "$t" malloc store_set allocs)" 400
	expect_eq "$1: fold_key allocations" "$(stack_field "$t" malloc fold_key allocs)" 299
	expect_eq "$1: fold_key temporary" "$(stack_field "$t" malloc fold_key temporary)" 99
	expect_eq "$1: pool buffers" "$(stack_field "$t" malloc pool_get allocs)" 2
	expect_eq "$1: the mark" "$(summary "$t" marks)" 1
}

exe=$HF_TEST_TMP/kvd
cp "$kvd" "$exe"
expect_true "kvd is statically linked" is_static "$exe"
t=$HF_TEST_TMP/kvd.gz
start_kvd "$t"
replies=$(client)
expect_eq "replies" "$(tr '\n' ' ' <<<"$replies")" "OK VALUE w99 OK heap: current BYE "
wait_kvd
expect_eq "exit status" "$kvd_status" 0
check_trace "kvd" "$t"
# METRICS: hf_metrics_format's text, at that point 100 values kept and the pool's 2 buffers
# (check_trace: 100 leaked values and 2 pool buffers, freed at exit).
expect_true "METRICS: heapfold_heap_blocks" grep -Eq '^heapfold_heap_blocks\{exe="kvd",pid="[0-9]+"\} [0-9]+$' \
	"$HF_TEST_TMP/metrics.txt"
expect_eq "METRICS: six metrics" "$(grep -c '^# TYPE heapfold_' "$HF_TEST_TMP/metrics.txt")" 6

# Read by Prometheus's own parser: the six families, labelled with kvd's name and pid, the same
# numbers as STATS (hf_stats) a request earlier (STATS and METRICS allocate nothing).
if /usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null; then
	metrics_check() { # WHAT FILE: "name value" lines of FILE, through the parser
		/usr/bin/python3 - "$2" "$kvd_pid" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert [f.name for f in fams] == ["heapfold_heap_bytes", "heapfold_heap_peak_bytes",
    "heapfold_heap_blocks", "heapfold_allocations", "heapfold_frees",
    "heapfold_allocated_bytes"], [f.name for f in fams]
for f in fams:
    for s in f.samples:
        assert s.labels == {"exe": "kvd", "pid": sys.argv[2]}, s.labels
        print(s.name, int(s.value))
PY
	}
	m=$(metrics_check METRICS "$HF_TEST_TMP/metrics.txt")
	value() { awk -v n="$2" '$1 == n { print $2 }' <<<"$1"; }
	read -r _ cur peak allocs <"$HF_TEST_TMP/stats.txt"
	expect_eq "METRICS = STATS: heap bytes" "$(value "$m" heapfold_heap_bytes)" "${cur#current=}"
	expect_eq "METRICS = STATS: peak" "$(value "$m" heapfold_heap_peak_bytes)" "${peak#peak=}"
	expect_eq "METRICS = STATS: allocations" "$(value "$m" heapfold_allocations_total)" "${allocs#allocs=}"
	# HEAPFOLD_METRICS: the textfile at exit holds what the trace leaked, exactly (musl's
	# allocator gives blocks the size asked for, and kvd frees everything else at exit).
	t=$HF_TEST_TMP/kvd-metrics.gz
	start_kvd "$t" env HEAPFOLD_METRICS="$HF_TEST_TMP/kvd.prom"
	replies=$(client)
	wait_kvd
	expect_eq "HEAPFOLD_METRICS: exit status" "$kvd_status" 0
	check_trace "HEAPFOLD_METRICS" "$t"
	m=$(metrics_check textfile "$HF_TEST_TMP/kvd.prom")
	expect_eq "textfile at exit: heap blocks = the trace's leaked blocks" \
		"$(value "$m" heapfold_heap_blocks)" "$(summary "$t" leaked_blocks)"
	expect_eq "textfile at exit: heap bytes = the trace's leaked bytes${HF_KVD_USABLE:+ (usable sizes)}" \
		"$(value "$m" heapfold_heap_bytes)" "${HF_KVD_USABLE:-$(summary "$t" leaked_bytes)}"
	expect_eq "textfile at exit: allocations = the trace's" \
		"$(value "$m" heapfold_allocations_total)" "$(summary "$t" allocations)"
	expect_eq "textfile at exit: frees = the trace's" "$(value "$m" heapfold_frees_total)" "$(summary "$t" frees)"
	expect_eq "textfile at exit: bytes = the trace's" \
		"$(value "$m" heapfold_allocated_bytes_total)" "$(summary "$t" bytes)"
else
	no_parser=1
fi

# PPROF (hf_pprof_write, as a /debug/pprof/heap handler would), the production setting: no trace
# kept, the live profile on. After SET a 1, SET a 2 and SET b 3: copy() holds a's leaked first
# value, a's second and b's, and b's key and a's: 5 blocks, 10 bytes, read by go tool pprof.
go=$(command -v go || echo /usr/lib/go/bin/go)
if [[ -x $go ]]; then
	start_kvd /dev/null env HEAPFOLD_PPROF=1
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	for c in 'SET a 1' 'SET a 2' 'SET b 3' "PPROF $HF_TEST_TMP/kvd.pb.gz" QUIT; do
		printf '%s\n' "$c" >&3
		read -r -t 5 r <&3
		pr+="$r "
	done
	exec 3<&-
	wait_kvd
	expect_eq "PPROF: replies, exit status" "$pr$kvd_status" "OK OK OK OK BYE 0"
	expect_eq "PPROF: in use at copy(), exactly" "$(HOME=$HF_TEST_TMP GOCACHE=$HF_TEST_TMP/gocache \
		"$go" tool pprof -raw "$HF_TEST_TMP/kvd.pb.gz" 2>/dev/null | awk '
		/^Samples:/ { s = 1; next } /^Locations/ { s = 0; l = 1; next } /^Mappings/ { l = 0 }
		s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ { n++; c[n] = $3; b[n] = $4; leaf[n] = $5 }
		l { id = $1; sub(/:$/, "", id); name[id] = $4 }
		END { for (i = 1; i <= n; i++) if (name[leaf[i]] == "copy") { x += c[i]; y += b[i] } print x + 0, y + 0 }')" "5 10"
else
	echo "SKIP PPROF part: go is not installed (tools/dev/deps.sh installs golang-go)"
fi

# Symbolized by heapfold_print from the binary, then from the trace's own SYMBOLS.
"$HP" "$t" -F "$HF_TEST_TMP/with.txt" >/dev/null 2>&1
rm -f "$exe"
"$HP" "$t" -F "$HF_TEST_TMP/without.txt" >/dev/null 2>&1
"$HP" "$t" --flamegraph-cost-type leaked -F "$HF_TEST_TMP/leaked.txt" >/dev/null 2>&1
expect_true "binary deleted: fold_key named" grep -q ';fold_key ' "$HF_TEST_TMP/without.txt"
# The symbol table has no inlined functions (serve, handle: the binary's DWARF has them).
inlined_out() { sed -e 's/;serve;handle;/;/' -e 's/;serve;/;/' "$1" | sort; }
expect_eq "binary deleted: same stacks but the inlined frames" \
	"$(cat "$HF_TEST_TMP/without.txt")" "$(inlined_out "$HF_TEST_TMP/with.txt")"
expect_eq "leaked bytes by stack" "$(sed 's/.*;//' "$HF_TEST_TMP/leaked.txt")" "copy 380"

# Without /proc, as in a FROM scratch container: a private mount namespace hides it.
if unshare -m --propagation private true 2>/dev/null; then
	cp "$kvd" "$exe"
	t=$HF_TEST_TMP/noproc.gz
	start_kvd "$t" unshare -m --propagation private sh -c 'mount -t tmpfs none /proc && exec "$@"' sh
	replies=$(client)
	expect_eq "no /proc: replies" "$(tr '\n' ' ' <<<"$replies")" "OK VALUE w99 OK heap: current BYE "
	wait_kvd
	expect_eq "no /proc: exit status" "$kvd_status" 0
	check_trace "no /proc" "$t"
	rm -f "$exe"
	"$HP" "$t" -F "$HF_TEST_TMP/noproc.txt" >/dev/null 2>&1
	expect_eq "no /proc, binary deleted: same stacks" "$(cat "$HF_TEST_TMP/noproc.txt")" \
		"$(cat "$HF_TEST_TMP/without.txt")"
	expect_true "no /proc: the executable's path from exec" bash -c "'$HP' '$t' 2>/dev/null | grep -q ', $exe, '"
else
	echo "note: no private mount namespace here; the run without /proc is skipped"
fi
# Without the parser the metrics' values went unchecked: a visible SKIP, unless something failed.
if [[ ${no_parser:-0} == 1 && $hf_failures == 0 ]]; then
	skip "python3-prometheus-client is not installed (tools/dev/deps.sh installs it): kvd's metrics unchecked"
fi
finish
