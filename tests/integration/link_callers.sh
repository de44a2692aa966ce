# Callers of the libc functions that allocate (tests/link/link_callers.c): in every stack of
# every link mode, the frames from main down to call_NAME are the program's real ones, and no
# program frame appears inside libc's: a stack is either whole or cut at a libc function under
# a "no unwind information" root (or, for static glibc's blocks from before main, "[before heapfold started]"),
# never attributed to a wrong caller. In static musl programs
# (a libc without unwind tables) heapfold finds the callers from the machine code
# (lib/record/hf_recover.c; tests/unit/test_rec_x86.c checks its decoder against compiler-made unwind
# tables): there every one of these calls must get its caller.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HF_DUMP"
calls="strdup strndup asprintf realpath fopen getline opendir open_memstream regcomp scandir fmemopen setenv"
for m in "${LINK_MODES[@]}"; do
	t=$HF_TEST_TMP/callers-$m.gz
	mkdir -p "$HF_TEST_TMP/dir-$m"
	linked st out "$HF_TEST_TMP/err" "$t" "$(link_bin "$m" link_callers)" "$HF_TEST_TMP/dir-$m"
	expect_eq "$m: exit status" "$st" 0
	expect_eq "$m: output" "$out" "link_callers: ok"
	check_consistent "$t"
	# Every stack: the program's frames form exactly main;call_twice{1,2};all;call_NAME (or
	# none at all, in a stack cut inside libc), and nothing of the program's follows libc's.
	bad=$(stacks "$t" | awk '
		{ n = split($7, f, ";"); prog = ""; inlibc = 0; wrong = 0
		  for (i = 1; i <= n; i++) {
			p = f[i] == "main" || f[i] == "all" || f[i] == "call_twice" || f[i] ~ /^call_/
			if (p && inlibc) wrong = 1
			if (p) prog = prog ";" f[i]
			else if (prog != "") inlibc = 1
		  }
		  if (prog != "" && prog !~ /^;main;call_twice(;call_twice)?;all;call_[a-z_]+$/) wrong = 1
		  if (prog == "" && f[1] != "[no-unwind-info]" && f[1] != "[before-start]") wrong = 1
		  if (wrong) print $7 }')
	expect_eq "$m: no stack with a wrong or misplaced program frame" "$bad" ""
	if [[ $m == musl ]]; then
		for c in $calls; do
			a0=$(stacks "$t" | awk -v c="call_$c" '$7 ~ ";main;call_twice;all;" c "(;|$)" { s += $2 } END { print s + 0 }')
			a1=$(stacks "$t" | awk -v c="call_$c" '$7 ~ ";main;call_twice;call_twice;all;" c "(;|$)" { s += $2 } END { print s + 0 }')
			expect_true "$m: call_$c named as the caller, from both depths ($a0 and $a1 allocations)" \
				test "$a0" -gt 0 -a "$a1" -gt 0
		done
	fi
done
finish
