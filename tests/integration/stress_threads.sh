# 16 threads for 3 seconds: every function of the malloc family, cross-thread frees, threads
# created and joined all the time, SIGUSR1 delivered to allocating threads every 20 us, forks from
# four threads with children that allocate and exit (tests/progs/stress_threads.c). No deadlock
# (each run has a timeout), and the trace holds exactly what the program counted, function by
# function: allocations, bytes, leaked blocks and bytes. Then 2 seconds of the same with
# HEAPFOLD_FOLLOW=1: every child that follows writes its own exact trace.
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/stress_threads" "$B/lib/libheapfold.so"
lib=$B/lib/libheapfold.so
families="malloc calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc"

# run DIR SECONDS [follow]: the program under the recorder, its output in DIR/out
run() {
	local d=$1 st
	shift
	mkdir -p "$d"
	set +e
	(cd "$d" && HEAPFOLD_OUTPUT=trace.%p.gz timeout 60 env LD_PRELOAD="$lib" \
		${follow:+HEAPFOLD_FOLLOW=1} "$HF_PROGS/stress_threads" "$@" >out 2>err)
	st=$?
	set -e
	expect_eq "stress_threads $*: exit status (124 = deadlock)" "$st" 0
	expect_eq "stress_threads $*: nothing on stderr" "$(cat "$d/err")" ""
}

# exact DIR TRACE: the trace's s_F stacks against the program's counts
exact() {
	local out=$1/out t=$2 f want got field i
	for f in $families; do
		want=$(awk -v f="$f" '$1 == f { print $2, $3, $4, $5 }' "$out")
		got=""
		for field in allocs bytes leaked_blocks leaked_bytes; do
			got="$got $(stack_field "$t" "$f" "s_$f" "$field")"
		done
		expect_eq "s_$f: allocations, bytes, leaked blocks, leaked bytes" "${got# }" "$want"
	done
}

d=$HF_TEST_TMP/plain
follow="" run "$d" 3
echo "info: the run left:" $(ls "$d")
t=$(ls "$d"/trace.*.gz)
check_consistent "$t"
exact "$d" "$t"
for k in signals forks threads; do
	echo "info: $k $(sed -n "s/^$k=//p" "$d/out")"
done
expect_true "signals were delivered (>= 1000)" test "$(sed -n 's/^signals=//p' "$d/out")" -ge 1000
expect_true "children were forked (>= 20)" test "$(sed -n 's/^forks=//p' "$d/out")" -ge 20
expect_true "threads came and went (> 16)" test "$(sed -n 's/^threads=//p' "$d/out")" -gt 16
expect_eq "one trace (children not followed)" "$(ls "$d" | grep -c '^trace\..*\.gz$')" 1

# With --follow: the parent's trace is exact as before; each child that followed wrote a
# complete trace with exactly its 10 allocations (a child whose fork could not park every
# thread within its bound does not follow, by design: hf_thread.c).
d=$HF_TEST_TMP/follow
follow=1 run "$d" 2 follow
forks=$(sed -n 's/^forks=//p' "$d/out")
parent=""
children=0 exact_children=0
for t in "$d"/trace.*.gz; do
	if [[ $(stack_field "$t" malloc child_alloc allocs) == 0 ]]; then
		parent="$parent $t"
		continue
	fi
	children=$((children + 1))
	if [[ $(summary "$t" complete) == 1 && $(stack_field "$t" malloc child_alloc allocs) == 10 &&
		$(summary "$t" allocations) == 10 ]]; then
		exact_children=$((exact_children + 1))
	fi
done
expect_eq "follow: one parent trace" "$(wc -w <<<"$parent")" 1
check_consistent ${parent# }
exact "$d" ${parent# }
echo "info: follow: $forks forks, $children child traces"
expect_true "follow: children followed ($children of $forks)" test "$children" -ge $((forks / 2)) -a "$children" -le "$forks"
expect_eq "follow: every child trace complete and exact" "$exact_children" "$children"
finish
