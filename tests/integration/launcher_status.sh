# The launcher is invisible to whoever waits for the program: it execs the program in place, so
# a parent (a supervisor, Python's subprocess, a shell) sees the program's own exit status or
# death by signal, core dump included, and a signal sent to the launcher's pid (kill PID,
# systemd, docker stop) or to its process group (Ctrl-C) reaches the program. Compared, case by
# case, with the bare program, through tests/progs/run_status.c (waitpid: "exit 130" and
# "signal 2" differ there, not in bash's $?). With -q nothing is added to standard error (no
# job-control line), and the trace holds every allocation made before the end, the deaths by
# signal included (100 x malloc(500) in tests/progs/gt_status.c). A SIGTERM handler the program
# installs replaces the recorder's.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_status" "$HF_PROGS/run_status" "$B/lib/libheapfold.so"
cd "$HF_TEST_TMP"
# Nothing is written by time (an hour's flush interval): what the trace holds after a death by
# signal is what the recorder wrote at the death. The launcher's run files go to a folder of
# this test's, checked empty at the end.
export HEAPFOLD_FLUSH_MS=3600000 TMPDIR=$HF_TEST_TMP/tmp
mkdir "$TMPDIR"
P=$HF_PROGS/gt_status
RS=$HF_PROGS/run_status
# Core dumps: where the kernel writes them as files in the current folder, allowed (bare and
# traced alike, so that the "core" mark is compared too); elsewhere (a pipe to a crash
# collector) not, to keep the collector out of it.
if [[ $(cat /proc/sys/kernel/core_pattern) == core* ]] && ulimit -c unlimited 2>/dev/null; then
	echo "info core dumps on"
else
	ulimit -c 0
fi

# case NAME KILL_ARGS -- GT_STATUS_ARGS: bare, then under heapfold; same result, nothing on
# stderr, and for every case but SIGKILL the 100 allocations in the trace.
n=0
case_() {
	local name=$1 kill_args=$2 bare traced t=$HF_TEST_TMP/t$n.gz
	shift 3
	n=$((n + 1))
	rm -f mark core core.*
	bare=$("$RS" $kill_args "$P" "$@" 2>"bare.err")
	rm -f mark core core.*
	traced=$("$RS" $kill_args "$HF_LAUNCHER" -q -o "$t" "$P" "$@" 2>"traced.err")
	rm -f mark core core.*
	expect_eq "$name: as bare ($bare)" "$traced" "$bare"
	expect_eq "$name: nothing on stderr" "$(cat traced.err)" ""
	if [[ $name != *KILL* ]]; then
		expect_eq "$name: the 100 allocations in the trace" "$(stack_field "$t" malloc before_end allocs)" 100
	fi
}
case_ "exit 0" "" -- exit 0
case_ "exit 1" "" -- exit 1
case_ "exit 130" "" -- exit 130
case_ "exit 255" "" -- exit 255
case_ "SIGSEGV" "" -- segv
case_ "SIGABRT" "" -- abort
case_ "SIGTERM to the pid" "-w mark -k 15" -- wait mark
case_ "SIGKILL to the pid" "-w mark -k 9" -- wait mark
case_ "Ctrl-C (SIGINT to the process group)" "-g -w mark -k 2" -- wait mark
case_ "SIGQUIT to the pid" "-w mark -k 3" -- wait mark
case_ "SIGHUP to the pid" "-w mark -k 1" -- wait mark
# The program's own handler, installed after the recorder's start, replaces the recorder's.
case_ "SIGTERM, the program's own handler" "-w mark -k 15" -- handler mark
expect_eq "own handler: it ran" "$("$RS" -w mark -k 15 "$HF_LAUNCHER" -q -o "$HF_TEST_TMP/h.gz" "$P" handler mark)" \
	"$(printf 'handled\nexit 42')"
expect_eq "own handler: the trace is complete (its _exit ended it)" "$(summary "$HF_TEST_TMP/h.gz" complete)" 1
rm -f mark
expect_eq "the exact statuses (bare)" "$("$RS" "$P" exit 130) / $("$RS" -w mark -k 15 "$P" wait mark)" \
	"exit 130 / signal 15"
rm -f mark

# --fail-on-leak keeps the launcher as the program's parent (to check the trace afterwards):
# it passes a SIGTERM sent to it on to the program, dies of it the same way, and leaves a
# successful status alone when there is no leak to find... here there are 100 leaked blocks.
st=$("$RS" -w mark -k 15 "$HF_LAUNCHER" -q --fail-on-leak -o "$HF_TEST_TMP/limits.gz" "$P" wait mark 2>err)
expect_eq "--fail-on-leak: SIGTERM to the launcher reaches the program" "$st" "signal 15"
expect_eq "--fail-on-leak, SIGTERM: the 100 allocations" "$(stack_field "$HF_TEST_TMP/limits.gz" malloc before_end allocs)" 100
rm -f mark
st=$("$RS" "$HF_LAUNCHER" -q --fail-on-leak -o "$HF_TEST_TMP/limits2.gz" "$P" exit 0 2>err)
expect_eq "--fail-on-leak: the leak makes it 4" "$st" "exit 4"
st=$("$RS" "$HF_LAUNCHER" -q --fail-on-leak -o "$HF_TEST_TMP/limits3.gz" "$P" exit 3 2>err)
expect_eq "--fail-on-leak: a failing program keeps its status" "$st" "exit 3"
expect_eq "no run file left behind (-q: none made, --fail-on-leak: removed)" "$(ls "$TMPDIR")" ""
finish
