# fork in a loop while 4 threads allocate: no child deadlocks (the test has a timeout), the
# parent's trace is exact, children write nothing by default and their own traces with --follow.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_fork" "$B/lib/libheapfold.so"
for variant in _exit exit; do
	d=$HF_TEST_TMP/$variant
	mkdir -p "$d"
	args=()
	[[ $variant == exit ]] && args=(use-exit)
	set +e
	out=$(cd "$d" && timeout 60 "$HF_LAUNCHER" -q "$HF_PROGS/gt_fork" "${args[@]}")
	st=$?
	set -e
	expect_eq "$variant: exit status (124 = deadlock)" "$st" 0
	expect_eq "$variant: output" "$out" "gt_fork: ok"
	traces=("$d"/heapfold.gt_fork.*.gz)
	expect_eq "$variant: one trace (children not followed)" "${#traces[@]}" 1
	t=${traces[0]}
	check_consistent "$t"
	expect_eq "$variant: parent thread allocs" "$(stack_field "$t" malloc thread_alloc allocs)" 80000
	expect_eq "$variant: no child allocations in the parent's trace" "$(stack_field "$t" malloc child_alloc allocs)" 0
done

d=$HF_TEST_TMP/follow
mkdir -p "$d"
set +e
(cd "$d" && timeout 60 "$HF_LAUNCHER" -q --follow "$HF_PROGS/gt_fork" use-exit >/dev/null)
st=$?
set -e
expect_eq "follow: exit status" "$st" 0
n=$(ls "$d" | grep -c '^heapfold\.gt_fork\..*\.gz$' || true)
expect_eq "follow: 51 traces" "$n" 51
children=0
for t in "$d"/heapfold.gt_fork.*.gz; do
	[[ $(stack_field "$t" malloc child_alloc allocs) == 10 ]] && children=$((children + 1))
done
expect_eq "follow: 50 child traces with exactly 10 allocations each" "$children" 50
finish
