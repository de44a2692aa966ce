# Heap profiles of the running process in pprof's format (lib/record/hf_profile.c, hf_pprof.c),
# read by their real client, `go tool pprof` (Debian's golang-go), preloaded (glibc and musl) and
# linked (static glibc, static musl, dynamic):
# - hf_pprof_write on tests/progs/gt_pprof.c: 10 x 1000 bytes in use at keep in the first
#   profile; in the second, 5 x 3000 at swap, which is also exactly what was allocated between
#   the two; its answers without a live profile (HF_ENOPROFILE) and without heapfold;
# - HEAPFOLD_PPROF_DIR: the exit profile's in-use bytes and blocks equal the trace's leaked ones,
#   and the profiles' allocations add up to the trace's; every 10 ms on tests/progs/gt_sample.c
#   (realloc chains, threads) the same over many profiles;
# - sampled at 4 KiB with no trace kept (-o /dev/null, the production setting): gt_sample's
#   20,000 leaked blocks of 1,000 bytes estimated within 5%;
# - forked workers followed: a profile per process, each exact;
# - ids 1..N without gaps, the program's mapping with its build-id, functions symbolized.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HF_DUMP" "$HP" "$HF_PROGS/gt_pprof" "$HF_PROGS/gt_sample" "$B/lib/libheapfold.so"
go=$(command -v go || echo /usr/lib/go/bin/go)
[[ -x $go ]] || skip "go is not installed (tools/dev/deps.sh installs golang-go)"
T=$HF_TEST_TMP
export HOME=$T GOCACHE=$T/gocache

# raw FILE: go tool pprof -raw, checked to have said nothing on stderr
raw() {
	"$go" tool pprof -raw "$1" 2>"$T/pprof.err"
	[[ ! -s $T/pprof.err ]] || { echo "go tool pprof on $1:"; cat "$T/pprof.err"; } >&2
}
# columns FILE: the four column totals (alloc_objects alloc_space inuse_objects inuse_space)
columns() {
	raw "$1" | awk '/^Samples:/ { s = 1; next } /^Locations/ { s = 0 }
		s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ { a += $1; b += $2; c += $3; d += $4 }
		END { printf "%d %d %d %d\n", a, b, c, d }'
}
# at FILE FUNCTION: the four columns of the samples whose innermost frame is in FUNCTION
at() {
	raw "$1" | awk -v fn="$2" '
		/^Samples:/ { s = 1; next } /^Locations/ { s = 0; l = 1; next } /^Mappings/ { l = 0 }
		s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ { n++; v[n] = $1 " " $2 " " $3 " " $4; leaf[n] = $5 }
		l { id = $1; sub(/:$/, "", id); name[id] = $4 }
		END { for (i = 1; i <= n; i++) if (name[leaf[i]] == fn) { split(v[i], x, " ")
			a += x[1]; b += x[2]; c += x[3]; d += x[4] }
			printf "%d %d %d %d\n", a, b, c, d }'
}

variants=("preload:$HF_PROGS/gt_pprof:$B/lib/libheapfold.so")
[[ -x $B/tests/progs-musl/gt_pprof && -f $B/lib/musl/libheapfold.so ]] &&
	variants+=("preload-musl:$B/tests/progs-musl/gt_pprof:$B/lib/musl/libheapfold.so")
for m in static musl dynamic; do
	[[ -x $B/tests/link/$m/gt_pprof ]] && variants+=("$m:$B/tests/link/$m/gt_pprof:")
done
for v in "${variants[@]}"; do
	IFS=: read -r name prog lib <<<"$v"
	pre=()
	[[ -n $lib ]] && pre=(LD_PRELOAD="$lib")
	D=$T/$name
	mkdir -p "$D/dir"
	set +e
	out=$(env "${pre[@]}" HEAPFOLD_OUTPUT="$D/t.gz" HEAPFOLD_PPROF_DIR="$D/dir" HEAPFOLD_PPROF_INTERVAL=0 \
		"$prog" "$D/1.pb.gz" "$D/2.pb.gz" ok 2>"$T/err")
	st=$?
	set -e
	expect_eq "$name: runs, hf_pprof_write answers" "$st $out $(cat "$T/err")" "0 gt_pprof: ok "
	expect_eq "$name: first: keep's 10 blocks in use" "$(at "$D/1.pb.gz" keep | cut -d' ' -f3-)" "10 10000"
	expect_eq "$name: second: swap's 5 blocks in use, allocated since the first" \
		"$(at "$D/2.pb.gz" swap)" "5 15000 5 15000"
	expect_eq "$name: second: keep's blocks gone" "$(at "$D/2.pb.gz" keep)" "0 0 0 0"
	exitp=$(ls "$D/dir")
	expect_true "$name: one profile at exit, named for the program ($exitp)" \
		grep -Eq '^heapfold\.gt_pprof\.[0-9]+\.1\.pb\.gz$' <<<"$exitp"
	c=$(columns "$D/dir/$exitp")
	expect_eq "$name: at exit: in use = the trace's leaked blocks and bytes" "${c#* * }" \
		"$(summary "$D/t.gz" leaked_blocks) $(summary "$D/t.gz" leaked_bytes)"
	a=0
	for f in "$D/1.pb.gz" "$D/2.pb.gz" "$D/dir/$exitp"; do a=$((a + $(columns "$f" | cut -d' ' -f1))); done
	expect_eq "$name: the profiles' allocations add up to the trace's" "$a" "$(summary "$D/t.gz" allocations)"
	r=$(raw "$D/2.pb.gz")
	expect_eq "$name: location ids 1..N without gaps" "$(awk '/^Locations/ { on = 1; next } /^Mappings/ { on = 0 }
		on { sub(/:.*/, ""); if ($1 != ++n) bad++ } END { print bad + 0 }' <<<"$r")" 0
	expect_eq "$name: the program's mapping, with its build-id" \
		"$(awk -v p="$prog" '/^Mappings/ { on = 1; next } on && $3 == p { print ($4 ~ /^[0-9a-f]+$/ ? $4 : "") }' <<<"$r")" \
		"$(build_id "$prog")"
	expect_eq "$name: period 1, exact" "$(sed -n 's/^Period: //p' <<<"$r")" 1
	# Without a live profile, and with one kept for the API only (no file of ours anywhere).
	set +e
	out=$(env "${pre[@]}" HEAPFOLD_OUTPUT="$D/n.gz" "$prog" "$D/x1" "$D/x2" noprofile 2>&1)
	expect_eq "$name: no live profile: HF_ENOPROFILE" "$?:$out" "0:gt_pprof: ok"
	out=$(cd "$D" && env "${pre[@]}" HEAPFOLD_OUTPUT="$D/k.gz" HEAPFOLD_PPROF=1 "$prog" "$D/k1.pb.gz" "$D/k2.pb.gz" ok 2>&1)
	expect_eq "$name: HEAPFOLD_PPROF=1: for the API" "$?:$out" "0:gt_pprof: ok"
	set -e
	expect_eq "$name: HEAPFOLD_PPROF=1: no file of its own" "$(cd "$D" && ls | grep -c '^heapfold\.' || true)" 0
	expect_eq "$name: HEAPFOLD_PPROF=1: swap's blocks" "$(at "$D/k2.pb.gz" swap)" "5 15000 5 15000"
done
set +e
out=$("$HF_PROGS/gt_pprof" "$T/n1" "$T/n2" notavail 2>&1)
expect_eq "without heapfold: HF_ENOTAVAIL through the weak reference" "$?:$out" "0:gt_pprof: ok"
set -e
expect_true "go tool pprof -top names the functions" \
	bash -c "'$go' tool pprof -sample_index=inuse_space -top '$T/preload/2.pb.gz' 2>/dev/null | grep -Eq '14.65kB +100% +100% +14.65kB +100% +swap$'"

# Every 10 ms on gt_sample (threads, realloc chains): many profiles, their allocations adding up
# to the trace's, the last one's in-use bytes the trace's leaked ones.
D=$T/periodic
mkdir -p "$D/dir"
HEAPFOLD_PPROF_DIR="$D/dir" HEAPFOLD_PPROF_INTERVAL=10ms traced st out "$T/err" "$D/t.gz" "$HF_PROGS/gt_sample"
expect_eq "periodic: exit status" "$st" 0
n=$(ls "$D/dir" | wc -l)
expect_true "periodic: more than one profile ($n)" test "$n" -gt 1
a=0
for ((i = 1; i <= n; i++)); do
	f=$(ls "$D/dir"/heapfold.gt_sample.*."$i".pb.gz)
	a=$((a + $(columns "$f" | cut -d' ' -f1)))
done
expect_eq "periodic: the profiles' allocations add up to the trace's" "$a" "$(summary "$D/t.gz" allocations)"
expect_eq "periodic: the last profile's in-use = the trace's leaked" \
	"$(columns "$f" | cut -d' ' -f3-)" "$(summary "$D/t.gz" leaked_blocks) $(summary "$D/t.gz" leaked_bytes)"

# Forked workers, followed (--follow): each process its own exit profile, exact: the parent's 10
# blocks at parent_alloc, each worker's 20, 40 or 60 at worker_alloc (tests/progs/gt_workers.c).
D=$T/workers
mkdir -p "$D/dir"
(cd "$D" && HEAPFOLD_PPROF_DIR="$D/dir" HEAPFOLD_PPROF_INTERVAL=0 "$HF_LAUNCHER" -q -f "$HF_PROGS/gt_workers" \
	>/dev/null 2>"$T/err")
expect_eq "workers: exit status, nothing said" "$?:$(cat "$T/err")" "0:"
expect_eq "workers: one profile per process" "$(ls "$D/dir" | grep -c '^heapfold\.gt_workers\.[0-9]*\.1\.pb\.gz$')" 4
got=$(for f in "$D"/dir/*.pb.gz; do at "$f" worker_alloc | cut -d' ' -f3; done | sort -n | paste -sd' ')
expect_eq "workers: in use at worker_alloc, per process" "$got" "0 20 40 60"
got=$(for f in "$D"/dir/*.pb.gz; do at "$f" parent_alloc | cut -d' ' -f3; done | sort -n | paste -sd' ')
expect_eq "workers: the parent's blocks in its own profile only" "$got" "0 0 0 10"

# The production setting: sampled, no trace kept, a profile at exit.
D=$T/production
mkdir -p "$D/dir"
(cd "$D" && HEAPFOLD_PPROF_DIR="$D/dir" HEAPFOLD_PPROF_INTERVAL=0 HEAPFOLD_SAMPLE_BYTES=4K \
	HEAPFOLD_SAMPLE_SEED=7 "$HF_LAUNCHER" -o /dev/null "$HF_PROGS/gt_sample" >/dev/null 2>"$T/err")
expect_eq "production: no trace kept, said so" "$(cat "$T/err")" "heapfold: no trace kept: the output is /dev/null"
expect_eq "production: no file but the profile" "$(ls "$D")" dir
f=$(ls "$D"/dir/*)
r=$(raw "$f")
expect_eq "production: period 4096" "$(sed -n 's/^Period: //p' <<<"$r")" 4096
expect_true "production: in use within 5% of 20,000 blocks and 20,000,000 bytes ($(columns "$f" | cut -d' ' -f3-))" \
	awk -v c="$(columns "$f")" 'BEGIN { split(c, x, " "); exit !(x[3] > 19000 && x[3] < 21000 &&
		x[4] > 19000000 && x[4] < 21000000) }'
finish
