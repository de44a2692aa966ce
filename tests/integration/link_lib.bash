# link_lib.bash: helpers for the tests of programs linked with heapfold
# (tests/integration/link_*.sh), sourced after tests/lib/hftest.sh. The programs are built by
# make in three ways: build/tests/link/static (glibc, -static), musl (musl-gcc -static) and
# dynamic (against libheapfold.so, no LD_PRELOAD). (Not named *.sh: tests/run.sh runs those.)
HP=$B/bin/heapfold_print
LINK_MODES=()
for m in static musl dynamic; do
	[[ -d $B/tests/link/$m ]] && LINK_MODES+=("$m")
done
[[ ${#LINK_MODES[@]} -gt 0 ]] || skip "no linked test programs built (no libheapfold.a?)"

link_bin() { # MODE NAME
	echo "$B/tests/link/$1/$2"
}

# linked STATUS_VAR OUT_VAR ERR_FILE TRACE PROGRAM ARGS...: runs PROGRAM with HEAPFOLD_OUTPUT
# set to TRACE, storing its exit status and standard output.
linked() {
	local -n _st=$1 _out=$2
	local err=$3 trace=$4
	shift 4
	set +e
	_out=$(HEAPFOLD_OUTPUT=$trace "$@" 2>"$err")
	_st=$?
	set -e
}

# link_mode TRACE: the HEADER's link mode as heapfold_print's report names it
link_mode() {
	"$HP" "$1" 2>/dev/null | grep -o -m 1 -E 'LD_PRELOAD|dynamically linked|statically linked'
}

# is_static FILE: no program interpreter, no shared library needed
is_static() {
	! readelf -lW "$1" | grep -q 'INTERP' && ! readelf -dW "$1" 2>/dev/null | grep -q 'NEEDED'
}

# expect_linkage MODE FILE: static modes are fully static; dynamic needs libheapfold.so and
# has no LD_PRELOAD to rely on
expect_linkage() {
	if [[ $1 == dynamic ]]; then
		expect_true "$1: $(basename "$2") needs libheapfold.so" \
			bash -c "readelf -dW '$2' | grep -q 'NEEDED.*\[libheapfold.so\]'"
	else
		expect_true "$1: $(basename "$2") is statically linked" is_static "$2"
	fi
}

# expected link mode of a trace
mode_name() {
	[[ $1 == dynamic ]] && echo "dynamically linked" || echo "statically linked"
}
