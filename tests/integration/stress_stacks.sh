# A long run with many distinct stacks (tests/progs/stress_stacks.c: 2,000 call paths of 12 to 18
# frames, more than the per-thread stack cache holds): with 1 and 4 million events the trace is
# exact path by path, and the recorder's memory does not grow with the number of events.
#
# Memory: the program reports its own peak resident set (VmHWM) at the end. The recorder's extra
# is the traced figure minus the bare one: its buffers, deflate state, stack table and unwinder
# caches (measured: about 4.4 MiB for this single-threaded program, docs/reliability.md). Bounds:
# at most 8 MiB, and at most 512 KiB more for 4 million events than for 1 million (measured from
# 1 to 8 million: flat within 100 KiB).
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/stress_stacks" "$B/lib/libheapfold.so"
lib=$B/lib/libheapfold.so
value() { sed -n "s/^$2=//p" <<<"$1"; }

bare=$(timeout 60 "$HF_PROGS/stress_stacks" 1000000)
bare_kb=$(value "$bare" vmhwm_kb)
declare -A extra
for events in 1000000 4000000; do
	t=$HF_TEST_TMP/stacks-$events.gz
	set +e
	out=$(HEAPFOLD_OUTPUT=$t timeout 120 env LD_PRELOAD="$lib" "$HF_PROGS/stress_stacks" $events)
	st=$?
	set -e
	expect_eq "$events events: exit status" "$st" 0
	check_consistent "$t"
	per_path=$(value "$out" per_path)
	expect_eq "$events events: allocations" "$(summary "$t" allocations)" "$((per_path * 2000))"
	expect_eq "$events events: bytes" "$(summary "$t" bytes)" "$(value "$out" bytes)"
	# Every path on its own line, with its own count, bytes and depth: the path's number is
	# read back from the frames (f<digit> four times), its depth from the deeper() frames.
	verdict=$(stacks "$t" | awk -v per="$per_path" '
		$1 == "malloc" && $7 ~ /;leaf_alloc$/ {
			n = split($7, fr, ";"); p = 0; w = 1; d = 0; k = 0
			for (i = 1; i <= n; i++) {
				if (fr[i] ~ /^f[0-7]$/) { p += substr(fr[i], 2) * w; w *= 8; k++ }
				if (fr[i] == "deeper") d++
			}
			lines++
			if (k != 4 || seen[p]++) bad_path++
			if ($2 != per) bad_count++
			if ($3 != per * (16 + p % 256)) bad_bytes++
			if (d != p % 7 + 1) bad_depth++
		}
		END { printf "%d %d %d %d %d\n", lines, bad_path, bad_count, bad_bytes, bad_depth }')
	read -r lines bad_path bad_count bad_bytes bad_depth <<<"$verdict"
	expect_eq "$events events: distinct stacks" "$lines" 2000
	expect_eq "$events events: paths read back from the frames, each once" "$bad_path" 0
	expect_eq "$events events: stacks whose count is not $per_path" "$bad_count" 0
	expect_eq "$events events: stacks with other bytes than their path's" "$bad_bytes" 0
	expect_eq "$events events: stacks with another depth than their path's" "$bad_depth" 0
	kb=$(value "$out" vmhwm_kb)
	extra[$events]=$((kb - bare_kb))
	echo "info: $events events: peak RSS $kb KiB traced, $bare_kb KiB bare: the recorder's extra ${extra[$events]} KiB; trace $(stat -c %s "$t") bytes"
done
expect_true "the recorder's extra memory is at most 8 MiB (${extra[1000000]} KiB)" test "${extra[1000000]}" -le 8192
expect_true "4 million events cost at most 512 KiB more than 1 million (${extra[4000000]} - ${extra[1000000]} KiB)" \
	test $((extra[4000000] - extra[1000000])) -le 512
finish
