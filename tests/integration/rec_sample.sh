# Sampling (HEAPFOLD_SAMPLE_BYTES; lib/record/hf_sample.c): tests/progs/gt_sample.c run exactly
# and sampled (4 KiB, fixed seed), preloaded (glibc and musl) and linked (static glibc, static
# musl, dynamic). The sampled trace is consistent (every recorded free matches a recorded block,
# realloc chains included); heapfold_print's estimates, per stack with at least 5% of the bytes
# and in total, are within 5% and 2% of the exact run's; the report says it is estimated and
# --temporary is refused. At 512 KiB, the production rate, the trace is consistent too. The same
# through the C API (hf_set_sample_bytes, then hf_start), a sampled and an exact trace in one run.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HF_DUMP" "$HP" "$HF_PROGS/gt_sample" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP

run() { # NAME TRACE PROGRAM [ENV...]: runs one variant, preloaded or linked
	local name=$1 t=$2 prog=$3 st out
	shift 3
	set +e
	case $name in
	preload*) out=$(env "$@" "$HF_LAUNCHER" -q -o "$t" "$prog" 2>"$T/err") ;;
	*) out=$(env "$@" HEAPFOLD_OUTPUT="$t" "$prog" 2>"$T/err") ;;
	esac
	st=$?
	set -e
	expect_eq "$name: exit status" "$st" 0
	expect_eq "$name: output" "$out" "gt_sample: ok"
}

# within NAME COST EXACT SAMPLED TOTAL_PCT STACK_PCT: compares the folded costs
within() {
	local name=$1 cost=$2 e=$3 s=$4
	"$HP" --no-progress "$e" -F "$T/e.txt" --flamegraph-cost-type "$cost"
	"$HP" --no-progress "$s" -F "$T/s.txt" --flamegraph-cost-type "$cost"
	expect_true "$name: $cost: total within $5%, stacks of 5% or more within $6%" awk -v tp="$5" -v sp="$6" '
		{ v = $NF; sub(/ [0-9]+$/, "") }
		FNR == NR { exact[$0] = v; te += v; next }
		{ est[$0] = v; ts += v }
		END {
			bad = 0
			if (te == 0 || (ts - te) / te * 100 > tp || (te - ts) / te * 100 > tp) {
				printf "total: exact %d, estimated %d\n", te, ts; bad = 1 }
			for (k in exact) if (exact[k] * 20 >= te) {
				d = (est[k] - exact[k]) / exact[k] * 100
				if (d > sp || -d > sp) { printf "%s: exact %d, estimated %d\n", k, exact[k], est[k]; bad = 1 }
			}
			exit bad }' "$T/e.txt" "$T/s.txt"
}

variants=("preload:$HF_PROGS/gt_sample")
[[ -x $B/tests/progs-musl/gt_sample && -f $B/lib/musl/libheapfold.so ]] &&
	variants+=("preload-musl:$B/tests/progs-musl/gt_sample")
for m in static musl dynamic; do
	[[ -x $B/tests/link/$m/gt_sample ]] && variants+=("$m:$B/tests/link/$m/gt_sample")
done
for v in "${variants[@]}"; do
	name=${v%%:*} prog=${v#*:}
	run "$name" "$T/$name-exact.gz" "$prog"
	run "$name, sampled" "$T/$name-4k.gz" "$prog" HEAPFOLD_SAMPLE_BYTES=4K HEAPFOLD_SAMPLE_SEED=7
	check_consistent "$T/$name-4k.gz"
	expect_eq "$name: sampled: no unmatched free" "$(summary "$T/$name-4k.gz" unknown_frees)" 0
	expect_true "$name: sampled: far fewer records" \
		test "$(summary "$T/$name-4k.gz" allocations)" -lt "$(( $(summary "$T/$name-exact.gz" allocations) / 2 ))"
	within "$name" bytes "$T/$name-exact.gz" "$T/$name-4k.gz" 2 5
	within "$name" allocations "$T/$name-exact.gz" "$T/$name-4k.gz" 2 5
	within "$name" leaked "$T/$name-exact.gz" "$T/$name-4k.gz" 5 5
	run "$name, 512K" "$T/$name-512k.gz" "$prog" HEAPFOLD_SAMPLE_BYTES=512K
	check_consistent "$T/$name-512k.gz"
	expect_eq "$name: the HEADER says the rate" \
		"$(summary "$T/$name-4k.gz" sample_bytes) $(summary "$T/$name-512k.gz" sample_bytes)" "4096 524288"
	expect_eq "$name: exact: the HEADER says so" "$(summary "$T/$name-exact.gz" sample_bytes)" 0

	# The C API: hf_set_sample_bytes before hf_start (the program checks its answers and that
	# hf_stats stays exact), a sampled trace and then an exact one of the same mix. In each
	# build of the recorder (dynamic is the preload library's).
	[[ $name == dynamic ]] && continue
	case $name in
	preload-musl) pre=(LD_PRELOAD="$B/lib/musl/libheapfold.so") ;;
	preload) pre=(LD_PRELOAD="$B/lib/libheapfold.so") ;;
	*) pre=() ;;
	esac
	set +e
	out=$(env "${pre[@]}" HEAPFOLD_DISABLE=1 HEAPFOLD_SAMPLE_SEED=7 "$prog" api "$T/$name-api4k.gz" \
		"$T/$name-apiexact.gz" 2>"$T/err")
	st=$?
	set -e
	expect_eq "$name, hf_set_sample_bytes: runs, API answers, exact hf_stats" "$st $out $(cat "$T/err")" "0 gt_sample: ok "
	expect_eq "$name, hf_set_sample_bytes: sampled trace" "$(summary "$T/$name-api4k.gz" sample_bytes)" 4096
	expect_eq "$name, hf_set_sample_bytes(0): exact trace" "$(summary "$T/$name-apiexact.gz" sample_bytes)" 0
	check_consistent "$T/$name-api4k.gz"
	expect_eq "$name, hf_set_sample_bytes(0): every allocation" \
		"$(summary "$T/$name-apiexact.gz" allocations)" $((300000 + 2000 + 2 * 100000 + 20000))
	within "$name, API" bytes "$T/$name-apiexact.gz" "$T/$name-api4k.gz" 2 5
	within "$name, API" leaked "$T/$name-apiexact.gz" "$T/$name-api4k.gz" 5 5
done

t=$T/preload-4k.gz
"$HP" --no-progress "$t" -o "$T/report"
expect_true "report: marked as estimated" grep -q '^SAMPLED TRACE: about one allocation in every 4096 bytes' "$T/report"
expect_true "report: no temporary section" test "$(grep -c 'MOST TEMPORARY' "$T/report")" = 0
# Every output says it holds estimates: in itself where its format has room, else on stderr.
"$HP" --no-progress "$t" -F "$T/f.txt" -H "$T/h.txt" --svg "$T/f.svg" -M "$T/m.massif" 2>"$T/err"
expect_eq "exports: one line on stderr" "$(cat "$T/err")" \
	"heapfold_print: $t is a sampled trace (about 1 allocation per 4096 bytes recorded): every figure written is an estimate"
expect_true "SVG: the subtitle says estimated" \
	grep -q '<text id="subtitle"[^>]*>estimated from a sampled trace (about 1 allocation per 4096 bytes recorded)<' "$T/f.svg"
expect_true "massif: desc says estimated" grep -q '^desc: .*(estimated from a sampled trace' "$T/m.massif"
e=$T/preload-exact.gz
"$HP" --no-progress "$e" -d "$t" -o "$T/diff" 2>"$T/err"
expect_true "diff against a sampled base: the report says so" \
	grep -q "^SAMPLED BASE: $t recorded about one allocation in every 4096 bytes" "$T/diff"
expect_true "diff against a sampled base: stderr says so" grep -q 'the base side of every difference is an estimate' "$T/err"
"$HP" --no-progress "$e" -F "$T/fe.txt" 2>"$T/err"
expect_eq "exact trace: nothing said" "$(cat "$T/err")" ""
set +e
"$HP" --no-progress "$t" --temporary -F "$T/x.txt" 2>"$T/err"
st=$?
set -e
expect_eq "--temporary refused" "$st" 2
expect_true "--temporary: why" grep -q 'temporary allocations are not known in a sampled trace' "$T/err"
finish
