# A setuid program linked with heapfold (secure execution, AT_SECURE) does not honour a trace
# path from the environment: whoever runs it cannot make it create files where it likes.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
[[ $(id -u) == 0 ]] || skip "needs root to make a setuid-root program"
id nobody >/dev/null 2>&1 || skip "no user nobody"
command -v setpriv >/dev/null || skip "no setpriv"
p=$(link_bin static gt_family)
[[ -x $p ]] || skip "no statically linked gt_family"
chmod 755 "$HF_TEST_TMP"
d=$HF_TEST_TMP/run
mkdir -m 1777 "$d"
mkdir -m 755 "$HF_TEST_TMP/root-only"
cp "$p" "$HF_TEST_TMP/suid_prog"
chmod 4755 "$HF_TEST_TMP/suid_prog"
set +e
out=$(cd "$d" && HEAPFOLD_OUTPUT=$HF_TEST_TMP/root-only/planted.gz \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$HF_TEST_TMP/suid_prog" 2>"$HF_TEST_TMP/err")
st=$?
set -e
expect_eq "exit status" "$st" 7
expect_eq "program output" "$out" "gt_family: ok"
expect_true "no file where the environment said" test ! -e "$HF_TEST_TMP/root-only/planted.gz"
expect_eq "one warning" "$(grep -c 'HEAPFOLD_OUTPUT ignored in a setuid' "$HF_TEST_TMP/err")" 1
traces=("$d"/heapfold.suid_prog.*.gz)
expect_true "the trace went to the default name in the working directory" test -f "${traces[0]}"

# Not setuid: the same path is honoured.
chmod 755 "$HF_TEST_TMP/suid_prog"
HEAPFOLD_OUTPUT=$HF_TEST_TMP/root-only/planted.gz "$HF_TEST_TMP/suid_prog" >/dev/null || true
expect_true "honoured without secure execution" test -f "$HF_TEST_TMP/root-only/planted.gz"
finish
