# print_lib.bash: helpers for the heapfold_print tests (tests/integration/print_*.sh), sourced
# after tests/lib/hftest.sh. (Not named *.sh: tests/run.sh runs those as tests.)
HP=$B/bin/heapfold_print

# check_folded FILE: flamegraph.pl's grammar (one space, integer count > 0, no empty frame, no
# trailing ';', no control characters, valid UTF-8, no frame ending in " <number>"), sorted in
# byte order with one line per stack.
check_folded() {
	expect_true "$(basename "$1"): valid UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$1"
	expect_true "$(basename "$1"): grammar" env LC_ALL=C awk '
		/[\001-\037\177]/ { print "control character at line " NR; bad = 1 }
		$0 !~ /^[^; ][^;]*(;[^;]+)* [1-9][0-9]*$/ { print "bad line " NR ": " $0; bad = 1 }
		{ s = $0; sub(/ [0-9]+$/, "", s)
		  if (s ~ /(^|;) / || s ~ / (;|$)/ || s ~ /[ \t][0-9]+(\.[0-9]*)?(;|$)/) {
			print "bad frame at line " NR ": " s; bad = 1 }
		  if (NR > 1 && !(prev < s)) { print "not sorted or repeated at line " NR; bad = 1 }
		  prev = s }
		END { exit bad }' "$1"
}

# folded TRACE FILE OPTIONS...: folded stacks of TRACE into FILE (report discarded), checked
folded() {
	local trace=$1 f=$2
	shift 2
	"$HP" --no-progress "$trace" -o /dev/null -F "$f" "$@"
	check_folded "$f"
}

# count_of FILE STACK: the count of that exact stack, 0 if absent
count_of() {
	awk -v want="$2" '{ s = $0; sub(/ [0-9]+$/, "", s); if (s == want) v = $NF } END { print v + 0 }' "$1"
}

# sum_matching FILE REGEX: the sum of the counts of the lines whose stack matches REGEX (awk ERE)
sum_matching() {
	awk -v re="$2" '{ s = $0; sub(/ [0-9]+$/, "", s); if (s ~ re) v += $NF } END { print v + 0 }' "$1"
}

# build_id FILE: the GNU build-id of an ELF file, in hex
build_id() {
	readelf -n "$1" | sed -n 's/^ *Build ID: *//p'
}
