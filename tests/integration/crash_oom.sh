# Memory exhaustion under an address-space cap (ulimit -v): the program sees exactly what it sees
# without heapfold, the trace records every failed allocation on its stack, and when the
# recorder itself runs short it stops with one line instead of crashing or leaving holes.
#
# tests/progs/crash_oom.c counts its successes and failures by function and checks every
# failure's form (NULL and ENOMEM, posix_memalign's return value, realloc's block intact). Its
# figures must be the same bare and traced, except fill_ok: how many 1 MiB blocks fit under the
# cap, less with the recorder, whose buffers (and the C library's arena for its background
# thread) take address space. The trace's failed allocations, by stack (hf_dump --failed), must
# be the program's, function by function.
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/crash_oom" "$HF_PROGS/gt_family" "$B/lib/libheapfold.so" "$B/bin/heapfold_print"
lib=$B/lib/libheapfold.so
CAP_KB=262144 # 256 MiB: room for the program and the recorder, and quickly filled

# capped OUT_VAR ERR_FILE TRACE ARGS...: crash_oom under the cap, traced into TRACE ("" = bare)
capped() {
	local -n _o=$1
	local err=$2 trace=$3 st
	shift 3
	set +e
	if [[ -n $trace ]]; then
		_o=$(ulimit -v $CAP_KB && HEAPFOLD_FLUSH_MS=50 HEAPFOLD_OUTPUT=$trace \
			timeout 60 env LD_PRELOAD="$lib" "$HF_PROGS/crash_oom" "$@" 2>"$err")
	else
		_o=$(ulimit -v $CAP_KB && timeout 60 "$HF_PROGS/crash_oom" "$@" 2>"$err")
	fi
	st=$?
	set -e
	expect_eq "crash_oom $*${trace:+ (traced)}: exit status" "$st" 0
}
value() { sed -n "s/^$2=//p" <<<"$1"; }
reads_back() { "$HF_DUMP" --summary "$1" >/dev/null 2>&1; }
same_but_fill() { grep -v '^fill_ok=' <<<"$1"; }

# ---- the program's view, and the trace's failures ------------------------------------------
t=$HF_TEST_TMP/oom.gz
capped bare "$HF_TEST_TMP/bare.err" ""
capped traced "$HF_TEST_TMP/traced.err" "$t"
expect_eq "the program's checks pass" "$(tail -n 1 <<<"$traced")" "crash_oom: ok"
expect_eq "its figures are those of the bare run (fill_ok aside)" \
	"$(same_but_fill "$traced")" "$(same_but_fill "$bare")"
echo "info: 1 MiB blocks under the cap: $(value "$bare" fill_ok) bare, $(value "$traced" fill_ok) traced"
expect_eq "the recorder said nothing" "$(cat "$HF_TEST_TMP/traced.err")" ""
check_consistent "$t"
expect_eq "failed allocations in the trace" "$(summary "$t" failed)" "$(value "$traced" failed)"
"$HF_DUMP" --failed "$t" >"$t.failed"
for f in malloc calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc; do
	got=$(awk -v a="$f" -v fn="oom_$f" '
		$1 == a { n = split($4, fr, ";"); if (fr[n] == fn) s += $2 } END { print s + 0 }' "$t.failed")
	expect_eq "$f: failures on oom_$f's stack" "$got" "$(value "$traced" "failed_$f")"
done

# ---- the recorder runs short itself ----------------------------------------------------------
# A thread makes its first allocation when not even 64 KiB are left: the C library serves it
# from free space, the recorder cannot map the thread's buffer. One line, recording stops, the
# trace keeps what it had written.
t=$HF_TEST_TMP/thread.gz
capped bare "$HF_TEST_TMP/bare.err" "" thread
capped traced "$HF_TEST_TMP/traced.err" "$t" thread
expect_eq "thread: the program's figures are those of the bare run (fill_ok aside)" \
	"$(same_but_fill "$traced")" "$(same_but_fill "$bare")"
expect_eq "thread: one line on stderr" "$(wc -l <"$HF_TEST_TMP/traced.err")" 1
expect_true "thread: it says why ($(cat "$HF_TEST_TMP/traced.err"))" \
	grep -q "^heapfold: .*out of memory for a new thread's buffer; recording stopped" "$HF_TEST_TMP/traced.err"
expect_eq "thread: the trace reads back, incomplete" "$(summary "$t" complete)" 0
set +e
"$B/bin/heapfold_print" "$t" >/dev/null 2>&1
st=$?
set -e
expect_eq "thread: heapfold_print exit status" "$st" 0
# The thread's allocation is served at every margin the cap leaves, as bare. (The recorder's
# compressors once came from the C library, on its background thread, which then had an arena
# of its own: glibc handed it to the thread, and it was full at some caps, +0 or +64 KiB.)
for extra in 4 16 32 64; do
	CAP_KB=$((262144 + extra))
	capped bare "$HF_TEST_TMP/bare.err" "" thread
	capped traced "$HF_TEST_TMP/traced.err" "$HF_TEST_TMP/thread-$extra.gz" thread
	expect_eq "thread, cap +$extra KiB: the thread's allocation as bare" \
		"$(value "$traced" thread_ok)" "$(value "$bare" thread_ok)"
done
CAP_KB=262144

# ---- caps too small for the recorder ------------------------------------------------------
# Under a cap of a few MiB the recorder starts, or half starts, or stops early. Whatever it
# manages, the program is never killed (no signal, no hang), heapfold says at most two lines
# (why it stopped; that its background thread could not start), and a trace, if any, reads
# back. The program itself may fail: the recorder's own mappings count against the cap, and
# gt_family checks that its 100-byte blocks come back (exit 99) where bare they just fit.
bare_out=$("$HF_PROGS/gt_family" || true) # exits 7
for cap in 4000 6000 8000 9000 10000 11000 12000 14000 16000; do
	t=$HF_TEST_TMP/small-$cap.gz
	set +e
	out=$(ulimit -v $cap && HEAPFOLD_OUTPUT=$t timeout 30 env LD_PRELOAD="$lib" \
		"$HF_PROGS/gt_family" 2>"$HF_TEST_TMP/small.err")
	st=$?
	set -e
	case "$st $out" in
	"7 $bare_out") what="as bare" ;;
	"99 gt: check failed: "*) what="its own allocation failed" ;;
	*) what="?" ;;
	esac
	expect_true "cap $cap KiB: the program exits on its own ($st: $what)" test "$what" != "?"
	lines=$(wc -l <"$HF_TEST_TMP/small.err")
	expect_true "cap $cap KiB: $lines line(s) from heapfold ($(tr '\n' '|' <"$HF_TEST_TMP/small.err" | head -c 300))" \
		test "$lines" -le 2 -a "$(grep -vc '^heapfold: ' "$HF_TEST_TMP/small.err")" -eq 0
	if [[ -f $t ]]; then
		expect_true "cap $cap KiB: the trace reads back" reads_back "$t"
	fi
done
finish
