#!/usr/bin/env bash
# Instructions per malloc/free pair of the seed loop under heapfold, counted by callgrind: a
# figure that does not move with the machine's load, unlike the times of run.sh. The loop runs
# in the main thread (seed SHAPE 0 N), at two sizes; the difference divided by the difference
# in iterations leaves out start-up and exit. It includes compression (in the hooks' thread)
# and the trace's final flush. docs/performance.md.
#
#   B=build tests/bench/instructions.sh [SHAPE...]     (shallow, deep, realloc; default shallow deep)
#
# Under valgrind the preload reaches the program only if the recorder does not take it out of
# the environment: valgrind's launcher, a dynamic program, runs first with the same environment,
# loads the recorder, and (not following children) would remove LD_PRELOAD before the real
# program starts. HEAPFOLD_FOLLOW=1 keeps it; the launcher's own trace goes to its own file.
. "$(dirname "${BASH_SOURCE[0]}")/seed_setup.bash" instructions valgrind
N1=20000 N2=60000

# refs CONFIG SHAPE N: instructions of the whole run (CONFIG: bare, fp, libunwind, or sampled:
# libunwind with HEAPFOLD_SAMPLE_BYTES=512K)
refs() {
	local out
	rm -f "$tmp"/t.* "$tmp"/cg.*
	if [[ $1 == bare ]]; then
		out=$(valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" "$tmp/seed" "$2" 0 "$3" 2>&1)
	else
		local unwind=$1 sample=0
		[[ $1 == sampled ]] && unwind=libunwind sample=512K
		out=$(valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$tmp/cg.%p" \
			env LD_PRELOAD="$lib" HEAPFOLD_FOLLOW=1 HEAPFOLD_UNWIND="$unwind" \
			HEAPFOLD_SAMPLE_BYTES="$sample" HEAPFOLD_OUTPUT="$tmp/t.%e.%p.gz" "$tmp/seed" "$2" 0 "$3" 2>&1)
	fi
	# the program's own count: the last process valgrind reports (env execs the program)
	sed -n 's/.*I *refs: *//p' <<<"$out" | tail -n 1 | tr -d ,
}

echo "| shape | bare | heapfold fp | heapfold libunwind | heapfold sampled 512K |"
echo "|---|---|---|---|---|"
for shape in "${@:-shallow deep}"; do
	for s in $shape; do
		row="| $s |"
		base=
		for cfg in bare fp libunwind sampled; do
			a=$(refs "$cfg" "$s" "$N1") b=$(refs "$cfg" "$s" "$N2")
			if [[ -z $a || -z $b ]]; then row+=" n/a |"; continue; fi
			per=$(((b - a) / (N2 - N1)))
			if [[ $cfg == bare ]]; then
				base=$per
				row+=" $per |"
			else
				row+=" $per (+$((per - base))) |"
			fi
		done
		echo "$row"
	done
done
