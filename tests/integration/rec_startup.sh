# The recorder's start in a single-threaded program costs no RCU grace period. Moving the
# trace's descriptor high grows the descriptor table, and registering for membarrier updates
# every CPU's view of the process; in a process of more than one thread the kernel makes each
# wait for a grace period (12 ms and 19 ms measured on a 2-core virtual machine, more than the
# whole seed loop under the recorder). So the recorder's own threads (the background writer,
# the profiles' and the metrics' threads, all three asked for here) must start after both calls.
# Checked in the order of the system calls strace sees, not by timing.
. tests/lib/hftest.sh
need "$HF_PROGS/gt_memo" "$B/lib/libheapfold.so"
command -v strace >/dev/null || skip "strace is not installed (tools/dev/deps.sh installs it)"
strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
T=$HF_TEST_TMP
mkdir -p "$T/pprof"
set +e
strace -f -o "$T/calls" -e trace=clone,clone3,fcntl,membarrier \
	env LD_PRELOAD="$B/lib/libheapfold.so" HEAPFOLD_OUTPUT="$T/t.gz" HEAPFOLD_PPROF_DIR="$T/pprof" \
	HEAPFOLD_PPROF_INTERVAL=1 HEAPFOLD_METRICS="$T/m.prom" HEAPFOLD_QUIET=1 "$HF_PROGS/gt_memo" \
	>"$T/out" 2>"$T/err"
st=$?
set -e
expect_eq "exit status" "$st" 0
expect_eq "output" "$(cat "$T/out")" "gt_memo: ok"
# first LINE-PATTERN: the number of the first line of the calls that matches, 0 if none
first() {
	grep -n -m 1 -E "$1" "$T/calls" | cut -d: -f1 | grep . || echo 0
}
clone=$(first ' clone3?\(')
register=$(first 'membarrier\(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED')
dup=$(first 'fcntl\([0-9]+, F_DUPFD')
expect_eq "the recorder's threads: background writer, profiles, metrics" \
	"$(grep -c -E ' clone3?\(' "$T/calls")" 3
expect_true "membarrier registered (line $register)" test "$register" -gt 0
expect_true "the trace's descriptor moved high (line $dup)" test "$dup" -gt 0
expect_true "membarrier registered (line $register) before the first thread (line $clone)" \
	test "$register" -lt "$clone"
expect_true "the descriptor moved (line $dup) before the first thread (line $clone)" \
	test "$dup" -lt "$clone"
finish
