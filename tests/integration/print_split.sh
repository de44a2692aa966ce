# A trace of more than 8 million events read in two parts at once (tools/print/accum/hfp_split.c)
# when folded stacks of allocations or bytes are all that is asked: the exact counts of
# tests/progs/print_split.c, the same lines as the trace read as one (on one processor, where
# heapfold_print does not split), the second reader seen opening the trace, and a damaged trace
# reported as it is when read as one.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_split" "$B/lib/libheapfold.so"
command -v taskset >/dev/null || skip "taskset is not installed (util-linux)"
[[ $(nproc) -ge 2 ]] || skip "one processor: heapfold_print reads every trace as one here"
T=$HF_TEST_TMP

t=$T/split.gz
traced st out "$T/err" "$t" "$HF_PROGS/print_split"
expect_eq "exit status" "$st" 0
expect_eq "output" "$out" "print_split: ok"

# both NAME OPTIONS...: folded stacks, the only output (no report: -o would ask for one), read in
# parts into $T/NAME.two and as one (one processor) into $T/NAME.one
both() {
	local name=$1
	shift
	"$HP" --no-progress "$t" -F "$T/$name.two" "$@"
	check_folded "$T/$name.two"
	taskset -c 0 "$HP" --no-progress "$t" -F "$T/$name.one" "$@"
	expect_true "$name: the same lines in two parts as in one" cmp "$T/$name.one" "$T/$name.two"
}

both alloc
expect_eq "a_pair allocations" "$(sum_matching "$T/alloc.two" 'a_thread;a_pair$')" 2500000
expect_eq "b_pair allocations" "$(sum_matching "$T/alloc.two" 'b_thread;b_pair$')" 1500000
expect_eq "b_keep allocations" "$(sum_matching "$T/alloc.two" 'b_thread;b_keep$')" 1000000
expect_eq "c_grow allocations (calloc and reallocs)" "$(sum_matching "$T/alloc.two" 'c_thread;c_grow$')" 2000000
both bytes --flamegraph-cost-type bytes
expect_eq "a_pair bytes" "$(sum_matching "$T/bytes.two" 'a_thread;a_pair$')" 126250000
expect_eq "b_pair bytes" "$(sum_matching "$T/bytes.two" 'b_thread;b_pair$')" 96000000
expect_eq "b_keep bytes" "$(sum_matching "$T/bytes.two" 'b_thread;b_keep$')" 32000000
expect_eq "c_grow bytes" "$(sum_matching "$T/bytes.two" 'c_thread;c_grow$')" 80000000

# Progress counts both parts: the events of the whole trace, 100%, as when it is read as one.
"$HP" --progress "$t" -F "$T/p.txt" 2>"$T/progress2"
taskset -c 0 "$HP" --progress "$t" -F "$T/p.txt" 2>"$T/progress1"
last_reading() { tr '\r' '\n' <"$1" | grep -o 'reading: [0-9,]* events ([0-9]*%)' | tail -n 1; }
expect_true "progress: reaches 100%" grep -q '(100%)' <(last_reading "$T/progress2")
expect_eq "progress: the last line's events as read as one" "$(last_reading "$T/progress2")" \
	"$(last_reading "$T/progress1")"

# The parts are read: a second reader opens the trace, on a thread of its own.
if ! command -v strace >/dev/null; then
	echo "SKIP the second reader's open: strace is not installed (tools/dev/deps.sh installs it)"
elif ! strace -o /dev/null true 2>/dev/null; then
	echo "SKIP the second reader's open: strace cannot trace here (ptrace not permitted)"
else
	strace -f -o "$T/calls" -e trace=openat "$HP" --no-progress "$t" -F "$T/s.txt"
	expect_eq "opens of the trace" "$(grep -c "\"$t\", O_RDONLY" "$T/calls")" 2
	taskset -c 0 strace -f -o "$T/calls1" -e trace=openat "$HP" --no-progress "$t" -F "$T/s.txt"
	strace -f -o "$T/calls2" -e trace=openat "$HP" --no-progress "$t" -o /dev/null -F "$T/s.txt"
	expect_eq "opens of the trace when a report is written too" "$(grep -c "\"$t\", O_RDONLY" "$T/calls2")" 1
	expect_eq "opens of the trace on one processor" "$(grep -c "\"$t\", O_RDONLY" "$T/calls1")" 1
fi

# A byte changed in the middle of the trace: whatever the parts make of it, the run reports it as
# the trace read as one does (the same status and message), having read it again as one.
bad=$T/bad.gz
cp "$t" "$bad"
size=$(stat -c %s "$bad")
printf '\x5a' | dd of="$bad" bs=1 seek=$((size * 3 / 5)) conv=notrunc status=none
set +e
"$HP" --no-progress "$bad" -F "$T/bad.two" 2>"$T/bad.err2"
st2=$?
taskset -c 0 "$HP" --no-progress "$bad" -F "$T/bad.one" 2>"$T/bad.err1"
st1=$?
set -e
expect_eq "damaged: the status read as one" "$st2" "$st1"
expect_true "damaged: a status of failure" test "$st1" -ne 0
expect_true "damaged: the message read as one" cmp "$T/bad.err1" "$T/bad.err2"
finish
