# execl, execlp and execle (which call execve inside libc, past the preload's symbol) finish the
# trace before the image is replaced: it is complete and holds everything before the exec.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_execl" "$B/lib/libheapfold.so"
for how in l lp le; do
	t=$HF_TEST_TMP/execl-$how.gz
	set +e
	"$HF_LAUNCHER" -q -o "$t" "$HF_PROGS/gt_execl" "$how"
	st=$?
	set -e
	expect_eq "exec$how: exit status of true" "$st" 0
	check_consistent "$t"
	expect_eq "exec$how: the 10 allocations" "$(stack_field "$t" malloc before_exec allocs)" 10
done
finish
