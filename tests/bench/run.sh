#!/usr/bin/env bash
# heapfold benchmark suite (make bench). The method and the latest figures: docs/performance.md.
#
#   B=build REPS=5 tests/bench/run.sh
#
# Runs every workload in every configuration (bare, heapfold with libunwind, heapfold with frame
# pointers, heaptrack, and for the seed programs static musl bare and static musl heapfold),
# interleaved round-robin: for rep in 1..REPS, for workload, for configuration (rotated each rep),
# run once. Medians over the repetitions, and ratios to bare taken within each repetition, so a
# machine that is busy with something else slows every configuration of that repetition alike.
# A configuration that cannot run here (not built yet, tool missing) is "n/a"; one that crashes,
# hangs or prints a wrong result is reported as such. Writes $B/bench/results.md (and the raw
# measurements, results.tsv, and per-run logs beside it).
#
# Knobs (environment): REPS (5), SEED_ITERS (1000000 per thread), REALLOC_ITERS (400000),
# PRODCONS_ITERS (1000000), REDIS_REQUESTS (500000 per test),
# REDIS_PIPELINE (16), BENCH_ONLY (space-separated workload ids to run: shallow2 shallow1 deep2
# realloc2 prodcons sqlite redis), BENCH_NO_INSTALL=1 (never run apt-get), RUN_TIMEOUT (300 s per run).
set -u
export LC_ALL=C

B=${B:-build}
REPS=${REPS:-5}
SEED_ITERS=${SEED_ITERS:-1000000}
REALLOC_ITERS=${REALLOC_ITERS:-400000}
PRODCONS_ITERS=${PRODCONS_ITERS:-1000000}
REDIS_REQUESTS=${REDIS_REQUESTS:-500000}
REDIS_PIPELINE=${REDIS_PIPELINE:-16}
REDIS_CLIENTS=50
REDIS_TESTS=set,get,lpush,lpop
BENCH_ONLY=${BENCH_ONLY:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "bench: REPS must be a positive number" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=$(mkdir -p "$B" && cd "$B" && pwd)
out=$B/bench
bin=$out/bin
work=$out/work
logs=$out/logs
tsv=$out/results.tsv
md=$out/results.md
rm -rf "$work" "$logs"
mkdir -p "$bin" "$work" "$logs"
t_start=$(date +%s)

say() { printf 'bench: %s\n' "$*" >&2; }

# ---- packages --------------------------------------------------------------------------------
# redis-server, redis-tools (redis-benchmark), sqlite3 and heaptrack are installed when missing,
# non-interactively, if we are root or have password-less sudo; otherwise their rows are n/a.
install_missing() {
	local pkgs=() sudo=()
	command -v redis-server >/dev/null || pkgs+=(redis-server)
	command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null || pkgs+=(redis-tools)
	command -v sqlite3 >/dev/null || pkgs+=(sqlite3)
	command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null || pkgs+=(heaptrack)
	[[ ${#pkgs[@]} -eq 0 || ${BENCH_NO_INSTALL:-0} == 1 ]] && return 0
	command -v apt-get >/dev/null || { say "missing ${pkgs[*]} (no apt-get): those rows are n/a"; return 0; }
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
			say "missing ${pkgs[*]}; install them (sudo apt-get install ${pkgs[*]}) or those rows are n/a"
			return 0
		fi
	fi
	local apt=(${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
	say "apt-get install ${pkgs[*]}"
	if ! "${apt[@]}" install -y --no-install-recommends "${pkgs[@]}" >"$logs/apt.log" 2>&1; then
		"${apt[@]}" update >>"$logs/apt.log" 2>&1
		"${apt[@]}" install -y --no-install-recommends "${pkgs[@]}" >>"$logs/apt.log" 2>&1 ||
			say "apt-get install failed (see $logs/apt.log): those rows are n/a"
	fi
}
install_missing

# ---- programs --------------------------------------------------------------------------------
CC=${CC:-cc}
MUSL_CC=${MUSL_CC:-musl-gcc}
SEED_CFLAGS=(-std=gnu11 -O2 -g -fno-omit-frame-pointer -pthread)
"$CC" -O2 -Wall -Wextra -o "$bin/bench_timer" "$here/timer.c" || { say "cannot build the timer"; exit 1; }
timer=$bin/bench_timer
"$CC" "${SEED_CFLAGS[@]}" -o "$bin/seed" "$here/seed.c" || { say "cannot build seed.c"; exit 1; }
have_musl=0
if command -v "$MUSL_CC" >/dev/null &&
	"$MUSL_CC" -static "${SEED_CFLAGS[@]}" -o "$bin/seed-musl" "$here/seed.c" 2>"$logs/musl-cc.log" &&
	"$bin/seed-musl" shallow 1 10 >/dev/null; then
	have_musl=1
fi

# The recorder and the analyser are copied first, so that a rebuild in the tree during the run
# cannot change them halfway.
have_hf=0 why_hf="libheapfold.so not built"
rm -f "$bin/libheapfold.so" "$bin/heapfold_print"
if [[ -f $B/lib/libheapfold.so ]]; then
	cp "$B/lib/libheapfold.so" "$bin/libheapfold.so"
	hflib=$bin/libheapfold.so
	probe=$work/probe.gz
	rm -f "$probe"
	if ! LD_PRELOAD=$hflib /bin/true 2>"$logs/hf-probe.log"; then
		why_hf="LD_PRELOAD=libheapfold.so /bin/true fails"
	elif ! HEAPFOLD_OUTPUT=$probe HEAPFOLD_QUIET=1 LD_PRELOAD=$hflib /bin/true 2>>"$logs/hf-probe.log" || [[ ! -s $probe ]]; then
		why_hf="HEAPFOLD_OUTPUT writes no trace"
	else
		have_hf=1 why_hf=""
	fi
fi
have_hfp=0
if [[ -x $B/bin/heapfold_print ]]; then
	cp "$B/bin/heapfold_print" "$bin/heapfold_print"
	if [[ $have_hf == 1 ]] && "$bin/heapfold_print" "$probe" -F "$work/probe.txt" >/dev/null 2>&1; then
		have_hfp=1
	fi
fi
hf_dump=""
[[ -x $B/tests/tools/hf_dump ]] && hf_dump=$B/tests/tools/hf_dump

# heapfold linked into a fully static musl program: a later issue. Used when an archive exists
# and the seed program links with it and writes a trace.
have_mhf=0 why_mhf="no static musl libheapfold.a yet"
mhf_lib=""
for c in "$B/lib/musl/libheapfold.a" "$B/musl/lib/libheapfold.a" "$B/lib/libheapfold-musl.a"; do
	[[ -f $c ]] && { mhf_lib=$c; break; }
done
if [[ -n $mhf_lib && $have_musl == 1 ]]; then
	why_mhf="static musl libheapfold.a does not link or run"
	d=$(dirname "$mhf_lib")
	link=()
	pc=$(ls "$d"/pkgconfig/heapfold-musl.pc "$B"/lib/pkgconfig/heapfold-musl.pc "$B"/lib/musl/pkgconfig/*.pc 2>/dev/null | head -n 1)
	if [[ -n $pc ]]; then
		read -r -a link <<<"$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --static --libs "$(basename "$pc" .pc)" 2>/dev/null)"
	fi
	if [[ ${#link[@]} -eq 0 ]]; then
		wrap=$(ls "$d"/*.wrap 2>/dev/null | head -n 1)
		link=(${wrap:+-Wl,@$wrap} "$mhf_lib" -L"$B/deps/musl/lib" -lunwind -lz)
	fi
	if "$MUSL_CC" -static "${SEED_CFLAGS[@]}" -o "$bin/seed-musl-hf" "$here/seed.c" "${link[@]}" \
		-Wl,--eh-frame-hdr -Wl,--build-id >"$logs/musl-hf-cc.log" 2>&1; then
		rm -f "$work/mprobe.gz"
		if HEAPFOLD_OUTPUT=$work/mprobe.gz HEAPFOLD_QUIET=1 "$bin/seed-musl-hf" shallow 1 10 >/dev/null 2>&1 &&
			[[ -s $work/mprobe.gz ]]; then
			have_mhf=1 why_mhf=""
		fi
	fi
fi

# Static musl on mimalloc (built from Debian's source package into $B/deps/mimalloc), as static
# services often link it instead of musl's allocator: bare, and with heapfold's archive before
# mimalloc (docs/linking.md), every allocation and sampled.
have_mi=0 why_mi="mimalloc not built ($B/deps/mimalloc/lib/libmimalloc.a: tools/dev/build-deps.sh build mimalloc)"
mi_lib=$B/deps/mimalloc/lib/libmimalloc.a
if [[ -f $mi_lib && $have_musl == 1 ]]; then
	why_mi="seed does not link or run with mimalloc (build/bench/logs/mimalloc-cc.log)"
	if "$MUSL_CC" -static "${SEED_CFLAGS[@]}" -o "$bin/seed-mi" "$here/seed.c" "$mi_lib" >"$logs/mimalloc-cc.log" 2>&1 &&
		"$bin/seed-mi" shallow 1 10 >/dev/null 2>&1; then
		have_mi=1 why_mi=""
	fi
fi
have_mihf=0 why_mihf=${why_mi:-"heapfold in a static musl program: ${why_mhf:-}"}
if [[ $have_mi == 1 && $have_mhf == 1 ]] &&
	"$MUSL_CC" -static "${SEED_CFLAGS[@]}" -o "$bin/seed-mi-hf" "$here/seed.c" "${link[@]}" "$mi_lib" \
		-Wl,--eh-frame-hdr -Wl,--build-id >>"$logs/mimalloc-cc.log" 2>&1; then
	rm -f "$work/miprobe.gz"
	if HEAPFOLD_OUTPUT=$work/miprobe.gz HEAPFOLD_QUIET=1 "$bin/seed-mi-hf" shallow 1 10 >/dev/null 2>&1 &&
		[[ -s $work/miprobe.gz ]]; then
		have_mihf=1 why_mihf=""
	else
		why_mihf="seed on mimalloc with heapfold writes no trace"
	fi
fi

have_ht=0
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null && have_ht=1
have_redis=0
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null && have_redis=1
have_sqlite=0
command -v sqlite3 >/dev/null && have_sqlite=1

say "heapfold: $([[ $have_hf == 1 ]] && echo yes || echo "n/a ($why_hf)"), heapfold_print: $have_hfp," \
	"static musl: $have_musl, static musl heapfold: $([[ $have_mhf == 1 ]] && echo yes || echo "n/a ($why_mhf)"),"\
	"static musl on mimalloc: $have_mi, with heapfold: $([[ $have_mihf == 1 ]] && echo yes || echo "n/a ($why_mihf)")," \
	"heaptrack: $have_ht, redis: $have_redis, sqlite3: $have_sqlite"

# ---- workloads and configurations ------------------------------------------------------------
# hfs: heapfold sampling at the production rate (HEAPFOLD_SAMPLE_BYTES=512K, docs/production.md)
# hfp: the production setting: sampled at 512K, a pprof profile every second, no trace kept
# m*: static musl with musl's allocator, mi*: static musl on mimalloc (bare, heapfold, sampled)
CFGS=(bare hf hffp hfs hfp ht mbare mhf mhfs mibare mihf mihfs)
declare -A CFG_LABEL=([bare]="bare" [hf]="heapfold" [hffp]="heapfold fp" [hfs]="heapfold 512K sampled"
	[hfp]="heapfold production (512K, pprof every 1 s, no trace)" [ht]="heaptrack"
	[mbare]="bare, musl static" [mhf]="heapfold, musl static" [mhfs]="heapfold 512K sampled, musl static"
	[mibare]="bare, musl static on mimalloc" [mihf]="heapfold, musl static on mimalloc"
	[mihfs]="heapfold 512K sampled, musl static on mimalloc")
k() { # a count for labels: 1000000 -> 1M, 400000 -> 400k
	local n=$1
	if ((n % 1000000 == 0)); then echo "$((n / 1000000))M"; elif ((n % 1000 == 0)); then echo "$((n / 1000))k"; else echo "$n"; fi
}
WLS=(shallow2 shallow1 deep2 realloc2 prodcons stacks sqlite redis)
declare -A WL_LABEL WL_KIND WL_ARGS WL_EVENTS
WL_LABEL[shallow2]="seed shallow, 2 threads x $(k "$SEED_ITERS")"
WL_LABEL[shallow1]="seed shallow, 1 thread x $(k $((2 * SEED_ITERS)))"
WL_LABEL[deep2]="seed deep (34 frames), 2 x $(k "$SEED_ITERS")"
WL_LABEL[realloc2]="calloc+4 realloc, 2 x $(k "$REALLOC_ITERS")"
WL_LABEL[prodcons]="producer/consumer, 2 pairs x $(k "$PRODCONS_ITERS")"
WL_LABEL[stacks]="many distinct stacks, 2^20 x 23 frames"
WL_LABEL[sqlite]="sqlite3 batch script"
WL_LABEL[redis]="redis-server (requests/s)"
WL_ARGS[shallow2]="shallow 2 $SEED_ITERS"
WL_ARGS[shallow1]="shallow 1 $((2 * SEED_ITERS))"
WL_ARGS[deep2]="deep 2 $SEED_ITERS"
WL_ARGS[realloc2]="realloc 2 $REALLOC_ITERS"
WL_ARGS[prodcons]="prodcons 2 $PRODCONS_ITERS"
WL_ARGS[stacks]="stacks 0 1048576"
# Events (allocations + frees, a realloc that moves counting as one of each) the program itself
# makes; replaced by the exact count from a heapfold trace when hf_dump is built.
WL_EVENTS[shallow2]=$((4 * SEED_ITERS))
WL_EVENTS[shallow1]=$((4 * SEED_ITERS))
WL_EVENTS[deep2]=$((4 * SEED_ITERS))
WL_EVENTS[realloc2]=$((2 * 10 * REALLOC_ITERS))
WL_EVENTS[prodcons]=$((2 * 2 * PRODCONS_ITERS))
WL_EVENTS[stacks]=$((2 * 1048576))
for w in shallow2 shallow1 deep2 realloc2 prodcons stacks; do WL_KIND[$w]=seed; done
WL_KIND[sqlite]=sqlite
WL_KIND[redis]=redis
if [[ -n $BENCH_ONLY ]]; then
	sel=()
	for w in "${WLS[@]}"; do [[ " $BENCH_ONLY " == *" $w "* ]] && sel+=("$w"); done
	WLS=("${sel[@]}")
fi

# available WL CFG: prints nothing if it can run here, else why not
available() {
	local w=$1 c=$2 kind=${WL_KIND[$1]}
	case $c in
	hf | hffp | hfs | hfp) [[ $have_hf == 1 ]] || { echo "$why_hf"; return; } ;;
	ht) [[ $have_ht == 1 ]] || { echo "heaptrack not installed"; return; } ;;
	m*) [[ $1 != stacks ]] || { echo "-"; return; } ;;&
	mbare) [[ $kind == seed ]] || { echo "-"; return; }
		[[ $have_musl == 1 ]] || { echo "musl-gcc missing"; return; } ;;
	mhf | mhfs) [[ $kind == seed ]] || { echo "-"; return; }
		[[ $have_mhf == 1 ]] || { echo "$why_mhf"; return; } ;;
	mibare) [[ $kind == seed ]] || { echo "-"; return; }
		[[ $have_mi == 1 ]] || { echo "$why_mi"; return; } ;;
	mihf | mihfs) [[ $kind == seed ]] || { echo "-"; return; }
		[[ $have_mihf == 1 ]] || { echo "$why_mihf"; return; } ;;
	esac
	case $kind in
	redis) [[ $have_redis == 1 ]] || echo "redis not installed" ;;
	sqlite) [[ $have_sqlite == 1 ]] || echo "sqlite3 not installed" ;;
	esac
}

# prefix CFG TRACE: the command words that put a program under configuration CFG
prefix() {
	case $1 in
	bare | mbare | mibare) ;;
	hf) echo env LD_PRELOAD="$hflib" HEAPFOLD_OUTPUT="$2" HEAPFOLD_UNWIND=libunwind HEAPFOLD_QUIET=1 ;;
	hffp) echo env LD_PRELOAD="$hflib" HEAPFOLD_OUTPUT="$2" HEAPFOLD_UNWIND=fp HEAPFOLD_QUIET=1 ;;
	hfs) echo env LD_PRELOAD="$hflib" HEAPFOLD_OUTPUT="$2" HEAPFOLD_SAMPLE_BYTES=512K HEAPFOLD_QUIET=1 ;;
	hfp) echo env LD_PRELOAD="$hflib" HEAPFOLD_OUTPUT=/dev/null HEAPFOLD_SAMPLE_BYTES=512K \
		HEAPFOLD_PPROF_DIR="$(dirname "$2")" HEAPFOLD_PPROF_INTERVAL=1 HEAPFOLD_QUIET=1 ;;
	mhf | mihf) echo env HEAPFOLD_OUTPUT="$2" HEAPFOLD_UNWIND=libunwind HEAPFOLD_QUIET=1 ;;
	mhfs | mihfs) echo env HEAPFOLD_OUTPUT="$2" HEAPFOLD_SAMPLE_BYTES=512K HEAPFOLD_QUIET=1 ;;
	ht) echo heaptrack -o "${2%.gz}" ;;
	esac
}

trace_of() { # CFG BASE: where that configuration's trace lands
	case $1 in
	hf | hffp | hfs | mhf | mhfs | mihf | mihfs) echo "$2.gz" ;;
	ht) ls "$2".zst "$2".gz "$2" 2>/dev/null | head -n 1 ;;
	esac
}

# Below the kernel's range of ephemeral ports: a client's connection (redis-benchmark's 50) may
# hold a port of that range at the moment the server binds it.
free_port() {
	local p i lo
	lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[[ $lo =~ ^[0-9]+$ && $lo -gt 12000 ]] || lo=32768
	for i in $(seq 50); do
		p=$((10000 + RANDOM % (lo - 10000)))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# One run: appends "wl cfg rep status wall loop maxrss_kb trace_bytes metric digest cpu" to $tsv
# (cpu: user + system seconds of the whole process tree).
# metric: the program's own figure (seed: loop seconds; redis: requests/s); digest: a checksum of
# the program's answer, which must be the same in every configuration.
run_one() {
	local w=$1 c=$2 r=$3 base=$work/$1.$2.$3 log=$logs/$1.$2.$3.log meas=$work/$1.$2.$3.time
	local -a pre
	read -r -a pre <<<"$(prefix "$c" "$base.gz")"
	rm -f "$base".* "$meas"
	local status wall=0 loop=- rss=0 size=- metric=- digest=- cpu=-
	case ${WL_KIND[$w]} in
	seed)
		local prog=$bin/seed
		[[ $c == mbare ]] && prog=$bin/seed-musl
		[[ $c == mhf || $c == mhfs ]] && prog=$bin/seed-musl-hf
		[[ $c == mibare ]] && prog=$bin/seed-mi
		[[ $c == mihf || $c == mihfs ]] && prog=$bin/seed-mi-hf
		# shellcheck disable=SC2086
		"$timer" -t "$RUN_TIMEOUT" -o "$meas" ${pre[@]+"${pre[@]}"} "$prog" ${WL_ARGS[$w]} >"$base.out" 2>"$log"
		loop=$(sed -n 's/.*loop_s=\([0-9.]*\).*/\1/p' "$base.out")
		metric=${loop:--}
		digest=$(sed -n 's/.*\(ops=[0-9]*\).*\(check=[0-9]*\).*/\1,\2/p' "$base.out")
		;;
	sqlite)
		"$timer" -t "$RUN_TIMEOUT" -o "$meas" ${pre[@]+"${pre[@]}"} sqlite3 :memory: ".read $here/batch.sql" \
			>"$base.out" 2>"$log"
		# The script's answers only (heaptrack's launcher prints on the same stdout).
		digest=$(grep -E '^[0-9][0-9|.]*$' "$base.out" | cksum | cut -d' ' -f1)
		;;
	redis)
		run_redis "$w" "$c" "$r" "$base" "$log" "$meas" ${pre[@]+"${pre[@]}"}
		metric=$(cat "$base.rps" 2>/dev/null)
		digest=ok
		[[ -n $metric ]] || { metric=-; digest=nobench; }
		;;
	esac
	if [[ -s $meas ]]; then
		status=$(sed -n 's/.*status=\([^ ]*\).*/\1/p' "$meas")
		wall=$(sed -n 's/.*wall=\([^ ]*\).*/\1/p' "$meas")
		rss=$(sed -n 's/.*maxrss_kb=\([^ ]*\).*/\1/p' "$meas")
		cpu=$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "user" || kv[1] == "sys") s += kv[2] } }
			END { printf "%.3f", s }' "$meas")
	else
		status=norun
	fi
	[[ -z $digest ]] && digest=-
	local t
	t=$(trace_of "$c" "$base")
	if [[ -n $t && -f $t ]]; then
		size=$(stat -c %s "$t")
		# Exact event counts from the first complete heapfold trace of each workload.
		if [[ $c == hf && $status == 0 && -n $hf_dump && -z ${EXACT_EVENTS[$w]:-} ]]; then
			local ev
			ev=$("$hf_dump" --summary "$t" 2>/dev/null | awk -F= '$1=="allocations"||$1=="frees"{s+=$2} END{if(s)print s}')
			[[ -n $ev ]] && EXACT_EVENTS[$w]=$ev
		fi
		# Keep the traces of the last repetition for the analysers' comparison; and the number
		# of stack nodes of the many-stacks trace, for the recorder's memory per node.
		if [[ $w == stacks && $c == hf && $status == 0 && -n $hf_dump ]]; then
			"$hf_dump" --summary "$t" 2>/dev/null | sed -n 's/^nodes=//p' >"$out/stacks.nodes"
		fi
		if [[ ($w == shallow2 || $w == stacks) && $r == "$REPS" && ($c == hf || $c == ht) ]]; then
			mv "$t" "$out/trace.$w.$c.${t##*.}"
		else
			rm -f "$t"
		fi
	elif [[ $c == hf || $c == hffp || $c == hfs || $c == ht || $c == m*hf* ]] && [[ $status == 0 ]]; then
		status=notrace
	fi
	if [[ $c == hfp ]]; then # the production setting: profiles, no trace
		ls "$work"/heapfold.*.pb.gz >/dev/null 2>&1 || [[ $status != 0 ]] || status=noprofile
		rm -f "$work"/heapfold.*.pb.gz
	fi
	rm -f "$base.out" "$base.rps" "$meas"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$r" "$status" "$wall" "${loop:--}" \
		"${rss:-0}" "$size" "$metric" "$digest" "$cpu" >>"$tsv"
	printf '  %-9s %-6s rep %s: %s\n' "$w" "$c" "$r" "$(describe_run "$status" "$wall" "$metric" "${WL_KIND[$w]}")" >&2
}
declare -A EXACT_EVENTS

describe_run() {
	if [[ $1 != 0 ]]; then echo "status $1"; return; fi
	if [[ $4 == redis ]]; then printf '%s requests/s\n' "$3"; else printf '%.3f s\n' "$2"; fi
}

# run_redis WL CFG REP BASE LOG MEAS PREFIX...: start redis-server under the configuration on a
# free loopback port, drive it with redis-benchmark, shut it down; writes requests/s to BASE.rps.
run_redis() {
	local w=$1 c=$2 r=$3 base=$4 log=$5 meas=$6
	shift 6
	local port pid i up=0 attempt
	local dir=$work/redis-data.$c.$r
	mkdir -p "$dir"
	for attempt in 1 2 3; do
		port=$(free_port) || { echo "no free port" >>"$log"; return; }
		# A server that could not listen (the port taken meanwhile) left its trace: heapfold
		# never overwrites one, and the next try would run unrecorded.
		rm -f "$base".gz*
		"$timer" -t "$RUN_TIMEOUT" -o "$meas" "$@" redis-server --port "$port" --bind 127.0.0.1 \
			--protected-mode yes --save '' --appendonly no --daemonize no --dir "$dir" --logfile '' \
			--databases 1 >>"$log" 2>&1 &
		pid=$!
		for i in $(seq 300); do
			if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then up=1; break; fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[[ $up == 1 ]] && break
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [[ $up == 1 ]]; then
		timeout -k 5 "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -q -n "$REDIS_REQUESTS" \
			-c "$REDIS_CLIENTS" -P "$REDIS_PIPELINE" -t "$REDIS_TESTS" --csv >"$base.csv" 2>>"$log"
		# Overall rate: all requests over the summed time of the tests.
		awk -F'"' -v n="$REDIS_REQUESTS" 'NR > 1 && $4 > 0 { t += n / $4; c += n }
			END { if (t > 0 && c == n * 4) printf "%.0f\n", c / t }' "$base.csv" >"$base.rps"
		cat "$base.csv" >>"$log"
		redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1
	fi
	for i in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -rf "$dir" "$base.csv"
}

# ---- the run ---------------------------------------------------------------------------------
: >"$tsv"
ncfg=${#CFGS[@]}
for ((r = 1; r <= REPS; r++)); do
	say "repetition $r of $REPS"
	for w in "${WLS[@]}"; do
		for ((j = 0; j < ncfg; j++)); do
			c=${CFGS[$(((j + r - 1) % ncfg))]} # rotate the order each repetition
			[[ -z $(available "$w" "$c") ]] || continue
			run_one "$w" "$c" "$r"
		done
	done
done

# The analysers on the same traces (the last repetition's of seed shallow 2 x 1M and of the many
# distinct stacks): heapfold_print -F against heaptrack_print -F, interleaved the same way.
an_tsv=$out/analysers.tsv
: >"$an_tsv"
for w in shallow2 stacks; do
	hf_trace=$(ls "$out"/trace.$w.hf.* 2>/dev/null | head -n 1)
	ht_trace=$(ls "$out"/trace.$w.ht.* 2>/dev/null | head -n 1)
	[[ -n $hf_trace && $have_hfp == 1 ]] || [[ -n $ht_trace ]] || continue
	say "analysers: heapfold_print -F and heaptrack_print -F on the ${WL_LABEL[$w]} traces"
	for ((r = 1; r <= REPS; r++)); do
		if [[ -n $hf_trace && $have_hfp == 1 ]]; then
			"$timer" -t "$RUN_TIMEOUT" -o "$work/an.time" "$bin/heapfold_print" "$hf_trace" -F "$work/an.hf.txt" \
				>/dev/null 2>"$logs/heapfold_print.$w.$r.log"
			printf 'hfp\t%s\t%s\t%s\n' "$r" "$(cat "$work/an.time")" "$w" >>"$an_tsv"
		fi
		if [[ -n $ht_trace ]]; then
			"$timer" -t "$RUN_TIMEOUT" -o "$work/an.time" heaptrack_print -f "$ht_trace" -F "$work/an.ht.txt" \
				>/dev/null 2>"$logs/heaptrack_print.$w.$r.log"
			printf 'htp\t%s\t%s\t%s\n' "$r" "$(cat "$work/an.time")" "$w" >>"$an_tsv"
		fi
	done
done

# ---- statistics ------------------------------------------------------------------------------
# (plain POSIX awk: mawk has no asort)
AWK_MEDIAN='function median(v, n,   i, j, t) {
	for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
}'
# med WL CFG FIELD: median of FIELD over the successful repetitions (fields: 5 wall, 6 loop,
# 7 maxrss, 8 trace size, 9 metric)
med() {
	awk -F'\t' -v w="$1" -v c="$2" -v f="$3" '$1 == w && $2 == c && $4 == "0" && $f != "-" { v[n++] = $f + 0 }
		END { if (n) printf "%.6g\n", median(v, n) }'" $AWK_MEDIAN" "$tsv"
}
# span WL CFG FIELD: "min to max" of FIELD over the successful repetitions
span() {
	awk -F'\t' -v w="$1" -v c="$2" -v f="$3" '$1 == w && $2 == c && $4 == "0" && $f != "-" {
		v = $f + 0; if (!n++ || v < lo) lo = v; if (n == 1 || v > hi) hi = v }
		END { if (n) print lo, hi }' "$tsv"
}
# an WHO WL FIELD: median over the analysers' runs of a field of bench_timer's line (2: wall
# seconds, 4: peak RSS in KB); WHO: hfp or htp
an() {
	awk -F'\t' -v who="$1" -v w="$2" -v f="$3" '$1 == who && $4 == w && $3 ~ /status=0/ {
		split($3, a, /[= ]/); v[n++] = a[f] + 0 } END { if (n) print median(v, n) }'" $AWK_MEDIAN" "$an_tsv"
}
# pratio WL1 CFG1 WL2 CFG2 FIELD: median over repetitions of FIELD(WL1,CFG1) / FIELD(WL2,CFG2),
# both taken in the same repetition
pratio() {
	awk -F'\t' -v w1="$1" -v c1="$2" -v w2="$3" -v c2="$4" -v f="$5" '
		$4 == "0" && $f != "-" && $1 == w1 && $2 == c1 { a[$3] = $f }
		$4 == "0" && $f != "-" && $1 == w2 && $2 == c2 { b[$3] = $f }
		END { for (r in a) if ((r in b) && b[r] > 0) v[n++] = a[r] / b[r]
		      if (n) printf "%.6g\n", median(v, n) }'" $AWK_MEDIAN" "$tsv"
}
# problems WL CFG: empty if every repetition ran and answered like bare, else a short reason
problems() {
	awk -F'\t' -v w="$1" -v c="$2" '
		$1 == w && $2 == "bare" && $4 == "0" { ref[$3] = $10 }
		$1 == w && $2 == "mbare" && $4 == "0" { mref[$3] = $10 }
		$1 == w && $2 == "mibare" && $4 == "0" { miref[$3] = $10 }
		$1 == w && $2 == c {
			n++
			if ($4 == "timeout") { bad++; why = "timeout" }
			else if ($4 == "notrace") { bad++; why = "no trace" }
			else if ($4 == "noprofile") { bad++; why = "no profile" }
			else if ($4 ~ /^1[2-9][0-9]$/) { bad++; why = "signal " ($4 - 128) }
			else if ($4 != "0") { bad++; why = "exit " $4 }
			else if ($10 == "nobench") { bad++; why = "benchmark failed" }
			else rows[$3] = $10
		}
		END { for (r in rows) { e = (c ~ /^mi/ && (r in miref)) ? miref[r] : (c ~ /^m/ && (r in mref)) ? mref[r] : ref[r]
				if (e != "" && rows[r] != e) { bad++; why = "wrong answer" } }
			if (bad) printf "%s in %d of %d\n", why, bad, n }' "$tsv"
}
fmt_s() { awk -v v="$1" 'BEGIN { printf(v < 1 ? "%.3f s" : "%.2f s", v) }'; }
fmt_x() { awk -v v="$1" 'BEGIN { printf(v < 10 ? "%.2fx" : "%.1fx", v) }'; }
fmt_f() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
fmt_rps() { awk -v v="$1" 'BEGIN { printf "%.0fk/s", v / 1000 }'; }
fmt_bytes() { awk -v v="$1" 'BEGIN { if (v >= 1048576) printf "%.2f MB", v / 1048576; else printf "%.1f KB", v / 1024 }'; }
fmt_mb() { awk -v v="$1" 'BEGIN { printf "%.1f MB", v / 1024 }'; }

# cell WL CFG: the time table's cell (median and ratio to bare)
cell() {
	local w=$1 c=$2 why p v ratio
	why=$(available "$w" "$c")
	[[ $why == "-" ]] && { echo "-"; return; }
	[[ -n $why ]] && { echo "n/a"; return; }
	p=$(problems "$w" "$c")
	if [[ ${WL_KIND[$w]} == redis ]]; then
		v=$(med "$w" "$c" 9)
		[[ -z $v ]] && { echo "${p:-no data}"; return; }
		if [[ $c == bare ]]; then echo "$(fmt_rps "$v")"; else
			ratio=$(pratio "$w" "$c" "$w" bare 9)
			echo "$(fmt_rps "$v") (${ratio:+$(fmt_f "$ratio") of bare})${p:+ [$p]}"
		fi
		return
	fi
	v=$(med "$w" "$c" 5)
	[[ -z $v ]] && { echo "${p:-no data}"; return; }
	if [[ $c == bare ]]; then echo "$(fmt_s "$v")${p:+ [$p]}"; return; fi
	local base=bare
	[[ $c == mhf || $c == mhfs ]] && base=mbare
	[[ $c == mihf || $c == mihfs ]] && base=mibare
	ratio=$(pratio "$w" "$c" "$w" "$base" 5)
	echo "$(fmt_s "$v") ${ratio:+$(fmt_x "$ratio")}${p:+ [$p]}"
}

events_of() { echo "${EXACT_EVENTS[$1]:-${WL_EVENTS[$1]:-}}"; }

# ---- the report ------------------------------------------------------------------------------
git_rev=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$here" status --porcelain -- lib tools include 2>/dev/null) ]] && git_rev="$git_rev + uncommitted recorder changes"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
musl_ver=$( (/lib/ld-musl-"$(uname -m)".so.1 2>&1 || true) | sed -n 's/^Version //p')
redis_ver=$(redis-server --version 2>/dev/null | sed -n 's/.* v=\([^ ]*\).*/\1/p')
sqlite_ver=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)
ht_ver=$(heaptrack --version 2>/dev/null | head -n 1)
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
elapsed=$(($(date +%s) - t_start))

{
	echo "# heapfold benchmark results"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $REPS repetitions, interleaved; run took ${elapsed} s."
	echo
	echo "| machine | |"
	echo "|---|---|"
	echo "| CPU | ${cpu:-unknown}, $(nproc) cores online |"
	echo "| system | ${os:-unknown}, kernel $(uname -r) |"
	echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
	echo "| libc | $(getconf GNU_LIBC_VERSION 2>/dev/null), musl ${musl_ver:-n/a} |"
	echo "| compiler | $("$CC" --version 2>/dev/null | head -n 1) |"
	echo "| heaptrack | ${ht_ver:-n/a} |"
	echo "| redis, sqlite3 | ${redis_ver:-n/a}, ${sqlite_ver:-n/a} |"
	echo "| heapfold | commit $git_rev |"
	echo
	echo "## Time (median wall time of the whole run, and its ratio to bare)"
	echo
	echo "Ratio: median over repetitions of (time / bare time of the same repetition); for redis, requests per"
	echo "second and the fraction of bare throughput kept. heapfold runs by LD_PRELOAD; heaptrack through its"
	echo "launcher. The static musl bare column is compared with glibc bare (musl's allocator is slower); static"
	echo "musl heapfold with static musl bare. Debian's sqlite3 and redis-server have no frame pointers: under"
	echo "heapfold fp their stacks stop after a frame or two, so that column is the recorder's cost without"
	echo "unwinding. n/a: cannot run here yet; -: does not apply; [..]: runs that failed or answered wrongly."
	echo
	printf '| workload |'
	for c in "${CFGS[@]}"; do printf ' %s |' "${CFG_LABEL[$c]}"; done
	echo
	printf '|---|'
	for c in "${CFGS[@]}"; do printf -- '---|'; done
	echo
	for w in "${WLS[@]}"; do
		printf '| %s |' "${WL_LABEL[$w]}"
		for c in "${CFGS[@]}"; do printf ' %s |' "$(cell "$w" "$c")"; done
		echo
	done
	echo
	seeds=()
	for w in "${WLS[@]}"; do [[ ${WL_KIND[$w]} == seed ]] && seeds+=("$w"); done
	if [[ ${#seeds[@]} -gt 0 ]]; then
		echo "Inside the program (the threads' own time, without process start, exit and trace flush): ratio to bare"
		echo
		echo "| workload | heapfold | heapfold fp | heapfold 512K sampled | heapfold production | heaptrack |"
		echo "|---|---|---|---|---|---|"
		for w in "${seeds[@]}"; do
			printf '| %s |' "${WL_LABEL[$w]}"
			for c in hf hffp hfs hfp ht; do
				v=$(pratio "$w" "$c" "$w" bare 6)
				printf ' %s |' "$([[ -n $v ]] && fmt_x "$v" || echo n/a)"
			done
			echo
		done
		echo
	fi
	echo "## Trace size"
	echo
	echo "Events = allocations + frees (a realloc that moves a block is one of each)$([[ -n $hf_dump ]] && echo ", counted exactly in the heapfold trace by hf_dump")."
	echo "Sizes are medians over repetitions; the range of heaptrack's follows it: its one stream"
	echo "interleaves the threads' events differently in each run, and compresses differently."
	echo
	echo "| workload | events | heapfold | B/event | heapfold fp | heaptrack (range) | B/event | heapfold / heaptrack |"
	echo "|---|---|---|---|---|---|---|---|"
	for w in "${WLS[@]}"; do
		ev=$(events_of "$w")
		a=$(med "$w" hf 8) f=$(med "$w" hffp 8) h=$(med "$w" ht 8)
		[[ -z $a && -z $h ]] && continue
		read -r hlo hhi <<<"$(span "$w" ht 8)"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "${WL_LABEL[$w]}" "${ev:-?}" \
			"$([[ -n $a ]] && fmt_bytes "$a" || echo n/a)" \
			"$([[ -n $a && -n $ev ]] && awk -v s="$a" -v e="$ev" 'BEGIN{printf "%.3f", s/e}' || echo n/a)" \
			"$([[ -n $f ]] && fmt_bytes "$f" || echo n/a)" \
			"$([[ -n $h ]] && echo "$(fmt_bytes "$h") ($(fmt_bytes "$hlo") to $(fmt_bytes "$hhi"))" || echo n/a)" \
			"$([[ -n $h && -n $ev ]] && awk -v s="$h" -v e="$ev" 'BEGIN{printf "%.3f", s/e}' || echo n/a)" \
			"$([[ -n $a && -n $h ]] && fmt_x "$(awk -v a="$a" -v b="$h" 'BEGIN{print a/b}')" || echo n/a)"
	done
	echo
	echo "## Peak RSS (median; the largest single process of the run, so for heaptrack often heaptrack_interpret)"
	echo
	echo "| workload | bare | heapfold (extra) | heapfold fp (extra) | heaptrack (extra) |"
	echo "|---|---|---|---|---|"
	for w in "${WLS[@]}"; do
		b=$(med "$w" bare 7)
		[[ -n $b ]] || continue
		printf '| %s | %s |' "${WL_LABEL[$w]}" "$(fmt_mb "$b")"
		for c in hf hffp ht; do
			v=$(med "$w" "$c" 7)
			if [[ -n $v ]]; then printf ' %s (+%s) |' "$(fmt_mb "$v")" "$(fmt_mb "$(awk -v a="$v" -v b="$b" 'BEGIN{print a-b}')")"; else printf ' n/a |'; fi
		done
		echo
	done
	echo
	echo "## Analysers: folded stacks (-F), median wall time and peak RSS"
	echo
	echo "| trace | heapfold_print -F | heaptrack_print -F | time ratio |"
	echo "|---|---|---|---|"
	for w in shallow2 stacks; do
		ahf=$(an hfp "$w" 2) aht=$(an htp "$w" 2) mhf=$(an hfp "$w" 4) mht=$(an htp "$w" 4)
		[[ -n $ahf || -n $aht ]] || continue
		echo "| ${WL_LABEL[$w]} | $([[ -n $ahf ]] && echo "$(fmt_s "$ahf"), $(fmt_mb "$mhf")" || echo n/a) |" \
			"$([[ -n $aht ]] && echo "$(fmt_s "$aht"), $(fmt_mb "$mht")" || echo n/a) |" \
			"$([[ -n $ahf && -n $aht ]] && fmt_f "$(awk -v a="$ahf" -v b="$aht" 'BEGIN{print a/b}')" || echo n/a) |"
	done
	ahf=$(an hfp shallow2 2) aht=$(an htp shallow2 2)
	echo
	echo "## Targets (from the open performance and production-mode issues)"
	echo
	S="2x$(k "$SEED_ITERS")" S1="1x$(k $((2 * SEED_ITERS)))"
	echo "| target | measured | |"
	echo "|---|---|---|"
	target() { # description value op limit [format]
		local d=$1 v=$2 op=$3 lim=$4 f=${5:-x} res shown
		if [[ -z $v ]]; then printf '| %s | n/a | n/a |\n' "$d"; return; fi
		res=$(awk -v v="$v" -v l="$lim" -v op="$op" 'BEGIN { ok = op == "le" ? v <= l : v >= l; print ok ? "PASS" : "MISS" }')
		case $f in x) shown=$(fmt_x "$v") ;; *) shown=$(fmt_f "$v") ;; esac
		printf '| %s | %s | %s |\n' "$d" "$shown" "$res"
	}
	target "seed shallow $S, heapfold (libunwind) <= 2.0x bare" "$(pratio shallow2 hf shallow2 bare 5)" le 2
	target "seed deep $S, heapfold (libunwind) <= 2.0x bare" "$(pratio deep2 hf deep2 bare 5)" le 2
	target "seed shallow $S, heapfold fp <= 1.8x bare" "$(pratio shallow2 hffp shallow2 bare 5)" le 1.8
	target "seed deep $S, heapfold fp <= 1.8x bare" "$(pratio deep2 hffp deep2 bare 5)" le 1.8
	target "calloc + 4 reallocs, heapfold <= 3x bare" "$(pratio realloc2 hf realloc2 bare 5)" le 3
	target "producer/consumer (cross-thread frees), heapfold <= 2.5x bare" "$(pratio prodcons hf prodcons bare 5)" le 2.5
	target "seed shallow $S, sampled at 512K <= 1.05x bare" "$(pratio shallow2 hfs shallow2 bare 5)" le 1.05
	target "seed deep $S, sampled at 512K <= 1.05x bare" "$(pratio deep2 hfs deep2 bare 5)" le 1.05
	v=$(pratio shallow2 ht shallow2 bare 5)
	printf '| seed shallow %s, heaptrack (reference, about 17x) | %s | info |\n' "$S" "$([[ -n $v ]] && fmt_x "$v" || echo n/a)"
	v=$(pratio deep2 ht deep2 bare 5)
	printf '| seed deep %s, heaptrack (reference, about 24x) | %s | info |\n' "$S" "$([[ -n $v ]] && fmt_x "$v" || echo n/a)"
	target "seed shallow $S, heapfold >= 4x faster than heaptrack" "$(pratio shallow2 ht shallow2 hf 5)" ge 4
	target "seed deep $S, heapfold >= 4x faster than heaptrack" "$(pratio deep2 ht deep2 hf 5)" ge 4
	target "threads scale: heapfold $S / $S1 <= 0.65" "$(pratio shallow2 hf shallow1 hf 5)" le 0.65 f
	target "threads scale: heapfold fp $S / $S1 <= 0.65" "$(pratio shallow2 hffp shallow1 hffp 5)" le 0.65 f
	v=$(pratio shallow2 bare shallow1 bare 5)
	printf '| threads scale: bare %s / %s (reference: below 0.65 only when both cores are free) | %s | info |\n' "$S" "$S1" "$([[ -n $v ]] && fmt_f "$v" || echo n/a)"
	ncpu=$(awk -F'\t' '$1 == "shallow2" && $2 == "bare" && $4 == "0" && $11 != "-" && $5 > 0 { x[n++] = $11 / $5 }
		END { if (n) printf "%.2f\n", median(x, n) }'" $AWK_MEDIAN" "$tsv")
	printf '| CPUs the bare seed shallow %s actually got (cpu time / wall time; 2.00 = both cores free) | %s | info |\n' "$S" "${ncpu:-n/a}"
	a=$(pratio shallow2 hf shallow1 hf 5)
	printf '| threads scale: heapfold ratio over bare ratio (1.00: scales as well as bare; above: worse) | %s | info |\n' \
		"$([[ -n $a && -n $v ]] && fmt_f "$(awk -v a="$a" -v b="$v" 'BEGIN{print a/b}')" || echo n/a)"
	for w in "${WLS[@]}"; do
		a=$(med "$w" hf 8) h=$(med "$w" ht 8)
		[[ -n $a || -n $h ]] || continue
		target "trace size, ${WL_LABEL[$w]}: heapfold <= heaptrack's median" \
			"$([[ -n $a && -n $h ]] && awk -v a="$a" -v b="$h" 'BEGIN{print a/b}')" le 1
	done
	target "heapfold_print -F <= 0.25 x heaptrack_print -F (seed shallow trace)" \
		"$([[ -n $ahf && -n $aht ]] && awk -v a="$ahf" -v b="$aht" 'BEGIN{print a/b}')" le 0.25 f
	target "many distinct stacks: recording <= 0.5 x heaptrack's time" "$(pratio stacks hf stacks ht 5)" le 0.5 f
	nodes=$(cat "$out/stacks.nodes" 2>/dev/null) a=$(med stacks hf 7) b=$(med stacks bare 7)
	target "many distinct stacks: the recorder's extra memory <= 64 bytes a stack node (${nodes:-?} nodes)" \
		"$([[ -n $nodes && -n $a && -n $b ]] && awk -v a="$a" -v b="$b" -v n="$nodes" 'BEGIN{print (a-b)*1024/n}')" le 64 f
	target "many distinct stacks: heapfold_print -F <= 2 s" "$(an hfp stacks 2)" le 2 f
	target "many distinct stacks: heapfold_print -F peak RSS <= 150 MB" \
		"$(v=$(an hfp stacks 4); [[ -n $v ]] && awk -v v="$v" 'BEGIN{print v/1024}')" le 150 f
	fh=$(pratio redis hf redis bare 9) ft=$(pratio redis ht redis bare 9)
	target "redis: heapfold keeps >= 0.75 of bare throughput (heaptrack: $([[ -n $ft ]] && fmt_f "$ft" || echo n/a))" "$fh" ge 0.75 f
	target "redis: sampled at 512K keeps >= 0.95 of bare throughput" "$(pratio redis hfs redis bare 9)" ge 0.95 f
	echo
	echo "## Not measured here"
	echo
	na=0
	[[ $have_hf == 1 ]] || { echo "- heapfold (both unwinders): $why_hf"; na=1; }
	[[ $have_hfp == 1 ]] || { echo "- heapfold_print: not built or cannot read a trace"; na=1; }
	[[ $have_mhf == 1 ]] || { echo "- heapfold in a static musl program: $why_mhf"; na=1; }
	[[ $have_mi == 1 ]] || { echo "- static musl on mimalloc: $why_mi"; na=1; }
	[[ $have_mi == 0 || $have_mihf == 1 ]] || { echo "- heapfold in a static musl program on mimalloc: $why_mihf"; na=1; }
	[[ $have_musl == 1 ]] || { echo "- static musl programs: musl-gcc missing"; na=1; }
	[[ $have_ht == 1 ]] || { echo "- heaptrack: not installed"; na=1; }
	[[ $have_redis == 1 ]] || { echo "- redis: not installed"; na=1; }
	[[ $have_sqlite == 1 ]] || { echo "- sqlite3: not installed"; na=1; }
	echo "- heaptrack on static musl programs: it hangs on static and on musl binaries (not run)"
	echo
	echo "Settings: REPS=$REPS SEED_ITERS=$SEED_ITERS REALLOC_ITERS=$REALLOC_ITERS PRODCONS_ITERS=$PRODCONS_ITERS"
	echo "REDIS_REQUESTS=$REDIS_REQUESTS per test ($REDIS_TESTS), -c $REDIS_CLIENTS, -P $REDIS_PIPELINE."
	echo "Seed programs: $CC ${SEED_CFLAGS[*]} (frame pointers in every configuration, so bare is the same binary);"
	echo "static musl: $MUSL_CC -static with the same flags. Raw measurements: results.tsv."
} >"$md"

cat "$md"
say "results written to ${md#"$PWD"/}"
rm -rf "$work"
