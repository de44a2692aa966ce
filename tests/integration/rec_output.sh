# Trouble with the output file never changes what the program does: a missing directory, a path
# through a regular file, an existing file (never overwritten), a symlink (never followed).
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_PROGS/gt_family" "$B/lib/libheapfold.so"
lib=$B/lib/libheapfold.so
run_direct() { # OUTPUT: runs gt_family with LD_PRELOAD directly, sets st, out, err
	set +e
	out=$(LD_PRELOAD=$lib HEAPFOLD_OUTPUT=$1 "$HF_PROGS/gt_family" 2>"$HF_TEST_TMP/err")
	st=$?
	set -e
	err=$(cat "$HF_TEST_TMP/err")
}

run_direct "$HF_TEST_TMP/missing/dir/t.gz"
expect_eq "missing dir: exit status" "$st" 7
expect_eq "missing dir: output" "$out" "gt_family: ok"
expect_eq "missing dir: one line on stderr" "$(wc -l <<<"$err")" 1
expect_true "missing dir: the line names the file ($err)" grep -q "missing/dir/t.gz" <<<"$err"

touch "$HF_TEST_TMP/plain"
run_direct "$HF_TEST_TMP/plain/t.gz"
expect_eq "not a dir: exit status" "$st" 7
expect_eq "not a dir: one line on stderr" "$(wc -l <<<"$err")" 1

echo precious >"$HF_TEST_TMP/existing.gz"
run_direct "$HF_TEST_TMP/existing.gz"
expect_eq "existing: exit status" "$st" 7
expect_eq "existing: not overwritten" "$(cat "$HF_TEST_TMP/existing.gz")" precious
expect_eq "existing: one line on stderr" "$(wc -l <<<"$err")" 1

echo target >"$HF_TEST_TMP/target"
ln -s "$HF_TEST_TMP/target" "$HF_TEST_TMP/link.gz"
run_direct "$HF_TEST_TMP/link.gz"
expect_eq "symlink: exit status" "$st" 7
expect_eq "symlink: target untouched" "$(cat "$HF_TEST_TMP/target")" target
expect_eq "symlink: one line on stderr" "$(wc -l <<<"$err")" 1

run_direct "$HF_TEST_TMP/ok-%p.gz"
expect_eq "pattern: exit status" "$st" 7
expect_eq "pattern: quiet on success" "$err" ""
f=$(ls "$HF_TEST_TMP"/ok-*.gz)
expect_true "pattern: %p expanded to a number ($f)" grep -Eq 'ok-[0-9]+\.gz$' <<<"$f"
expect_eq "owner-only permissions" "$(stat -c %a "$f")" 600
expect_true "gzip -t passes" gzip -t "$f"
finish
