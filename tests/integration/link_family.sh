# The malloc family in programs linked with heapfold, three ways (static glibc, static musl,
# dynamic without LD_PRELOAD): exact counts per function and in total, as under LD_PRELOAD
# (rec_family.sh, rec_musl.sh hold the derivation), results and errno as without heapfold
# (gt_family checks those itself), the exit status passed through, the link mode in the HEADER.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HF_DUMP" "$HP"
for m in "${LINK_MODES[@]}"; do
	p=$(link_bin "$m" gt_family)
	t=$HF_TEST_TMP/family-$m.gz
	expect_linkage "$m" "$p"
	linked st out "$HF_TEST_TMP/err" "$t" "$p"
	expect_eq "$m: exit status" "$st" 7
	expect_eq "$m: program output" "$out" "gt_family: ok"
	expect_eq "$m: stderr" "$(cat "$HF_TEST_TMP/err")" ""
	expect_eq "$m: link mode" "$(link_mode "$t")" "$(mode_name "$m")"
	check_consistent "$t"
	expect_eq "$m: exit status in the trace" "$(summary "$t" exit_status)" 7
	f() { stack_field "$t" "$@"; }
	expect_eq "$m: malloc allocs" "$(f malloc from_malloc allocs)" 100
	expect_eq "$m: malloc leaked bytes" "$(f malloc from_malloc leaked_bytes)" 4000
	expect_eq "$m: calloc bytes" "$(f calloc from_calloc bytes)" 5000
	expect_eq "$m: calloc temporary" "$(f calloc from_calloc temporary)" 50
	expect_eq "$m: realloc bytes" "$(f realloc from_realloc bytes)" 5760
	expect_eq "$m: realloc temporary" "$(f realloc from_realloc temporary)" 60
	expect_eq "$m: reallocarray leaked bytes" "$(f reallocarray from_reallocarray leaked_bytes)" 1600
	expect_eq "$m: posix_memalign bytes" "$(f posix_memalign from_posix_memalign bytes)" 2000
	expect_eq "$m: aligned_alloc bytes" "$(f aligned_alloc from_aligned_alloc bytes)" 2560
	expect_eq "$m: memalign bytes" "$(f memalign from_memalign bytes)" 960
	expect_eq "$m: valloc bytes" "$(f valloc from_valloc bytes)" 5000
	expect_eq "$m: failed" "$(summary "$t" failed)" 3
	expect_eq "$m: threads" "$(summary "$t" threads)" 1
	# Before the recorder's constructor, static glibc allocates 5 blocks (its loader data):
	# recorded with their caller only, under a "[before heapfold started]" root, and never freed.
	early=$(stacks "$t" | awk '$7 ~ /^\[before-start\];/ { n += $2; l += $4 } END { print n + 0, l + 0 }')
	case $m in
	musl)
		expect_eq "$m: realloc(p, 0) returns a block" "$(f realloc edge_cases allocs)" 1
		expect_eq "$m: allocations" "$(summary "$t" allocations)" 270
		expect_eq "$m: bytes" "$(summary "$t" bytes)" 32928
		expect_eq "$m: frees" "$(summary "$t" frees)" 210
		expect_eq "$m: temporary" "$(summary "$t" temporary)" 150
		expect_eq "$m: leaked bytes" "$(summary "$t" leaked_bytes)" 5600
		expect_eq "$m: nothing before the constructor" "$early" "0 0"
		;;
	static)
		expect_eq "$m: pvalloc bytes" "$(f pvalloc from_pvalloc bytes)" 5000
		expect_eq "$m: realloc(p, 0) allocates nothing" "$(f realloc edge_cases allocs)" 0
		expect_eq "$m: 5 early blocks, all live" "$early" "5 5"
		expect_eq "$m: allocations (274 + 5 early)" "$(summary "$t" allocations)" 279
		expect_eq "$m: frees" "$(summary "$t" frees)" 214
		expect_eq "$m: temporary" "$(summary "$t" temporary)" 154
		expect_eq "$m: leaked blocks (60 + 5 early)" "$(summary "$t" leaked_blocks)" 65
		;;
	dynamic)
		expect_eq "$m: pvalloc bytes" "$(f pvalloc from_pvalloc bytes)" 5000
		expect_eq "$m: allocations" "$(summary "$t" allocations)" 274
		expect_eq "$m: bytes" "$(summary "$t" bytes)" 37928
		expect_eq "$m: frees" "$(summary "$t" frees)" 214
		expect_eq "$m: temporary" "$(summary "$t" temporary)" 154
		expect_eq "$m: leaked bytes" "$(summary "$t" leaked_bytes)" 5600
		expect_eq "$m: peak bytes" "$(summary "$t" peak_bytes)" 10000
		expect_eq "$m: nothing before the constructor" "$early" "0 0"
		;;
	esac
	# The recorder's own frames are dropped: the innermost frame is the program's function
	# (above: every count is found under from_*), never a hook or libunwind.
	expect_eq "$m: no recorder frame in any stack" \
		"$(stacks "$t" | grep -c -E 'hf_|__wrap_|unw_|_ULx86|deflate' || true)" 0
done
finish
