# hftest.sh: helpers for tests/integration/*.sh (sourced). tests/run.sh sets B (the build
# directory, absolute) and HF_TEST_TMP (a fresh scratch directory removed afterwards).
# A test exits 0 to pass, 77 to skip (with a reason on its last line), anything else to fail.
set -euo pipefail
: "${B:?B (build directory) must be set}"
: "${HF_TEST_TMP:=$(mktemp -d)}"
HF_DUMP=$B/tests/tools/hf_dump
HF_LAUNCHER=$B/bin/heapfold
HF_PROGS=$B/tests/progs
hf_failures=0

skip() { echo "skip: $*"; exit 77; }
need() { for f in "$@"; do [[ -e $f ]] || skip "$f not built"; done; }

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
	if [[ "$2" == "$3" ]]; then
		echo "ok   $1 = $2"
	else
		echo "FAIL $1: got '$2', expected '$3'"
		hf_failures=$((hf_failures + 1))
	fi
}

# expect_true WHAT COMMAND...: passes if the command succeeds
expect_true() {
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; hf_failures=$((hf_failures + 1)); fi
}

# summary TRACE KEY: one value of hf_dump --summary
summary() {
	"$HF_DUMP" --summary "$1" 2>/dev/null | sed -n "s/^$2=//p"
}

# stacks TRACE: hf_dump --stacks, cached per trace
stacks() {
	[[ -f $1.stacks ]] || "$HF_DUMP" --stacks "$1" >"$1.stacks"
	cat "$1.stacks"
}

# field_column FIELD: the column of hf_dump --stacks holding FIELD
field_column() {
	case $1 in
	allocs) echo 2 ;; bytes) echo 3 ;; leaked_blocks) echo 4 ;; leaked_bytes) echo 5 ;;
	temporary) echo 6 ;; *) echo "hftest: bad stack field $1" >&2; return 2 ;;
	esac
}

# stack_field TRACE ALLOCATOR FUNCTION FIELD: sums FIELD (allocs, bytes, leaked_blocks,
# leaked_bytes, temporary) over the lines of ALLOCATOR whose innermost frame is FUNCTION.
stack_field() {
	local col
	col=$(field_column "$4") || return 2
	stacks "$1" | awk -v a="$2" -v f="$3" -v c="$col" '
		$1 == a { n = split($7, fr, ";"); if (fr[n] == f) s += $c }
		END { print s + 0 }'
}

# finish: exit status from the expectations
finish() {
	if [[ $hf_failures -gt 0 ]]; then
		echo "$hf_failures expectation(s) failed"
		exit 1
	fi
	echo "all expectations met"
}

# stack_via TRACE ALLOCATOR FUNCTION FIELD: like stack_field, over the lines of ALLOCATOR whose
# stack passes through FUNCTION anywhere (for allocations made inside libraries, operator new).
stack_via() {
	local col
	col=$(field_column "$4") || return 2
	stacks "$1" | awk -v a="$2" -v f="$3" -v c="$col" '
		$1 == a { n = split($7, fr, ";"); for (i = 1; i <= n; i++) if (fr[i] == f) { s += $c; break } }
		END { print s + 0 }'
}

# frames_of TRACE ALLOCATOR FUNCTION: the frames field of the first line whose innermost frame
# is FUNCTION
frames_of() {
	stacks "$1" | awk -v a="$2" -v f="$3" '
		$1 == a { n = split($7, fr, ";"); if (fr[n] == f) { print $7; exit } }'
}

# traced STATUS_VAR OUT_VAR ERR_FILE TRACE PROGRAM ARGS...: runs PROGRAM under the launcher
# quietly, storing its exit status and standard output.
traced() {
	local -n _st=$1 _out=$2
	local err=$3 trace=$4
	shift 4
	set +e
	_out=$("$HF_LAUNCHER" -q -o "$trace" "$@" 2>"$err")
	_st=$?
	set -e
}

# main_trace ERR: the main trace named by the launcher's listing (its "read it with" line)
main_trace() {
	sed -n 's/^heapfold: read it with: .*heapfold_print //p' "$1"
}

# check_consistent TRACE: the trace reads back completely with matching clean-exit totals, and
# its own numbers agree with each other.
check_consistent() {
	local s allocs frees leaked
	s=$("$HF_DUMP" --summary "$1") || { echo "FAIL $1 does not read back"; hf_failures=$((hf_failures + 1)); return; }
	expect_eq "$(basename "$1"): complete" "$(sed -n 's/^complete=//p' <<<"$s")" 1
	expect_eq "$(basename "$1"): unknown frees" "$(sed -n 's/^unknown_frees=//p' <<<"$s")" 0
	allocs=$(sed -n 's/^allocations=//p' <<<"$s")
	frees=$(sed -n 's/^frees=//p' <<<"$s")
	leaked=$(sed -n 's/^leaked_blocks=//p' <<<"$s")
	expect_eq "$(basename "$1"): allocations - frees = leaked blocks" "$((allocs - frees))" "$leaked"
}
