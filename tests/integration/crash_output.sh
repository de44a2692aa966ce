# Trouble with the trace's output never changes what the program does, and never touches the
# program's own files: the program's output, files and exit status are what they are without
# heapfold, the recorder says one line on stderr, and what it wrote stays readable.
#
# 1. The program takes the descriptor away (tests/progs/crash_fds.c): closes every descriptor
#    and opens its own files under the same numbers, dup2()s over it, leaves stdio data to be
#    flushed after the exit handlers, forks a child that uses the number, execs a program that
#    does. Its files must hold exactly what it wrote (no trace bytes, nothing read away), its
#    descriptors must stay open (the recorder never closes a number that is no longer its own).
#    The recorder opens the trace again by its path and the trace is complete
#    (tests/integration/rec_closefds.sh checks that nothing is lost).
# 2. The file size limit (ulimit -f, 512 KiB) is reached mid-run: no SIGXFSZ death, the trace
#    stops at the limit and reads back (truncated, incomplete) with the chunks that fitted.
# 3. The output is on a read-only file system, a full one, or a directory the user cannot write
#    (a mount namespace with small tmpfs mounts; a user without root; skipped if unavailable).
# A missing directory, a path through a file, an existing file and a symlink: rec_output.sh.
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/crash_fds" "$HF_PROGS/gt_family" "$B/lib/libheapfold.so" "$B/bin/heapfold_print"
lib=$B/lib/libheapfold.so
data=$HF_TEST_TMP/data
awk 'BEGIN { for (i = 0; i < 4095; i++) printf "%c", 97 + i % 26; print "" }' >"$data" # crash_fds's DATA

# one_line WHAT ERR_FILE PATTERN: stderr is exactly one line, from heapfold, matching PATTERN
one_line() {
	expect_eq "$1: one line on stderr" "$(wc -l <"$2")" 1
	expect_true "$1: it says why ($(head -c 200 "$2"))" grep -q "^heapfold: .*$3" "$2"
}

# readable WHAT TRACE: the trace reads back, incomplete; heapfold_print reads it and exits 0
readable() {
	local st
	expect_eq "$1: the trace reads back, incomplete" "$(summary "$2" complete)" 0
	set +e
	"$B/bin/heapfold_print" "$2" >/dev/null 2>"$2.print.err"
	st=$?
	set -e
	expect_eq "$1: heapfold_print exit status" "$st" 0
	expect_true "$1: heapfold_print says it is incomplete" grep -q incomplete "$2.print.err"
}

# complete WHAT TRACE: the trace reads back whole; heapfold_print reads it without a warning
complete() {
	local st
	expect_eq "$1: the trace reads back, complete" "$(summary "$2" complete)" 1
	set +e
	"$B/bin/heapfold_print" "$2" >/dev/null 2>"$2.print.err"
	st=$?
	set -e
	expect_eq "$1: heapfold_print exit status" "$st" 0
	expect_eq "$1: heapfold_print says nothing" "$(cat "$2.print.err")" ""
}

# ---- 1. the descriptor taken away ----------------------------------------------------------
for mode in closeall dup2 stdio fork exec reuse; do
	d=$HF_TEST_TMP/fd-$mode
	mkdir -p "$d"
	set +e
	out=$(cd "$d" && HEAPFOLD_FLUSH_MS=100 HEAPFOLD_OUTPUT=trace.gz \
		timeout 60 env LD_PRELOAD="$lib" "$HF_PROGS/crash_fds" "$mode" trace.gz out 2>err)
	st=$?
	set -e
	expect_eq "$mode: exit status" "$st" 0
	case $mode in
	stdio | exec) want_out="" ;;
	*) want_out="crash_fds: ok" ;;
	esac
	expect_eq "$mode: output" "$out" "$want_out"
	case $mode in
	fork) expect_eq "$mode: the child wrote through the number" "$(cat "$d/out")" child ;;
	exec) expect_eq "$mode: the new program wrote through the number" "$(cat "$d/out")" exec ;;
	*) expect_true "$mode: the program's file holds exactly its data" cmp -s "$data" "$d/out" ;;
	esac
	one_line "$mode" "$d/err" "closed or replaced the descriptor of trace trace.gz; reopened it"
	complete "$mode" "$d/trace.gz"
done

# ---- 2. the file size limit ----------------------------------------------------------------
d=$HF_TEST_TMP/fsize
mkdir -p "$d"
bare=$("$HF_PROGS/crash_fds" big - -)
set +e
out=$(cd "$d" && ulimit -f 512 && HEAPFOLD_FLUSH_MS=20 HEAPFOLD_OUTPUT=trace.gz \
	timeout 60 env LD_PRELOAD="$lib" "$HF_PROGS/crash_fds" big - - 2>err)
st=$?
set -e
expect_eq "fsize: exit status (153 = killed by SIGXFSZ)" "$st" 0
expect_eq "fsize: output as without heapfold" "$out" "$bare"
one_line fsize "$d/err" "File too large"
size=$(stat -c %s "$d/trace.gz")
# The whole trace would be about 1.1 MB, in chunks of at most about 300 KB: some fit.
expect_true "fsize: the trace stopped at the limit ($size bytes)" test "$size" -le 524288
expect_true "fsize: and reached it" test "$size" -gt 262144
readable fsize "$d/trace.gz"
expect_true "fsize: the trace holds allocations ($(summary "$d/trace.gz" allocations))" \
	test "$(summary "$d/trace.gz" allocations)" -gt 0

# ---- 3. read-only, full, not writable --------------------------------------------------------
# In a private mount namespace: a read-only tmpfs and a 64 KiB one.
ns=$HF_TEST_TMP/ns
mkdir -p "$ns/ro" "$ns/full"
if unshare -m --propagation private true 2>/dev/null; then
	set +e
	unshare -m --propagation private bash -c '
		mount -t tmpfs -o ro,size=64k tmpfs "$1/ro" && mount -t tmpfs -o size=64k tmpfs "$1/full" || exit 90
		LD_PRELOAD=$2 HEAPFOLD_OUTPUT=$1/ro/trace.gz "$3/gt_family" >"$1/ro.out" 2>"$1/ro.err"
		echo $? >"$1/ro.st"
		cd "$1/full" && LD_PRELOAD=$2 HEAPFOLD_FLUSH_MS=50 HEAPFOLD_OUTPUT=trace.gz \
			"$3/crash_fds" big - - >"$1/full.out" 2>"$1/full.err"
		echo $? >"$1/full.st"
		cp "$1/full/trace.gz" "$1/full.gz"' - "$ns" "$lib" "$HF_PROGS"
	st=$?
	set -e
fi
if [[ ${st:-1} -eq 0 && -f $ns/ro.st ]]; then
	expect_eq "read-only fs: exit status" "$(cat "$ns/ro.st")" 7
	expect_eq "read-only fs: output" "$(cat "$ns/ro.out")" "gt_family: ok"
	one_line "read-only fs" "$ns/ro.err" "Read-only file system"
	expect_eq "full fs: exit status" "$(cat "$ns/full.st")" 0
	expect_eq "full fs: output as without heapfold" "$(cat "$ns/full.out")" "$bare"
	one_line "full fs" "$ns/full.err" "No space left on device"
	readable "full fs" "$ns/full.gz"
else
	echo "info: no private mount namespace here (unshare -m): read-only and full file systems not tested"
fi

# A directory the user may not write to (root writes everywhere: run as nobody).
rodir=$HF_TEST_TMP/rodir
mkdir -p "$rodir"
chmod 555 "$rodir"
chmod 755 "$HF_TEST_TMP"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if [[ $(id -u) -eq 0 ]] && "${as_nobody[@]}" test -x "$HF_PROGS/gt_family" -a -r "$lib" 2>/dev/null; then
	set +e
	out=$("${as_nobody[@]}" env LD_PRELOAD="$lib" HEAPFOLD_OUTPUT="$rodir/trace.gz" "$HF_PROGS/gt_family" 2>"$HF_TEST_TMP/rodir.err")
	st=$?
	set -e
	expect_eq "read-only dir: exit status" "$st" 7
	expect_eq "read-only dir: output" "$out" "gt_family: ok"
	one_line "read-only dir" "$HF_TEST_TMP/rodir.err" "Permission denied"
elif [[ $(id -u) -ne 0 ]]; then
	set +e
	out=$(LD_PRELOAD=$lib HEAPFOLD_OUTPUT=$rodir/trace.gz "$HF_PROGS/gt_family" 2>"$HF_TEST_TMP/rodir.err")
	st=$?
	set -e
	expect_eq "read-only dir: exit status" "$st" 7
	expect_eq "read-only dir: output" "$out" "gt_family: ok"
	one_line "read-only dir" "$HF_TEST_TMP/rodir.err" "Permission denied"
else
	echo "info: cannot run as another user here (setpriv): read-only directory not tested"
fi
finish
