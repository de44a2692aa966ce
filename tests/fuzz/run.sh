#!/usr/bin/env bash
# Runs the libFuzzer targets that `make fuzz` built, each for FUZZ_SECONDS, one job at a time.
#   B=build FUZZ_SECONDS=60 [FUZZ_FLAGS='-max_len=65536'] tests/fuzz/run.sh reader print
# Per target T: the working corpus is $B/fuzz/corpus/T (seeded from tests/fuzz/corpus/T and
# tests/fuzz/regress/T, which are read but never written), libFuzzer's log is
# $B/fuzz/logs/T/fuzz-0.log, and a crashing, leaking, hanging or memory-hungry input is saved as
# $B/fuzz/artifacts/T-crash-<sha1> (leak-, timeout-, oom-). Then copy it to tests/fuzz/regress/T/
# with a name saying what it found, fix the bug, and `make check` replays it from then on
# (tests/unit/test_fuzz_regress.c).
# Prints one line per target (executions, seconds, corpus) and exits 1 if any target failed.
set -u
B=${B:-build}
secs=${FUZZ_SECONDS:-60}
read -r -a extra <<<"${FUZZ_FLAGS:-}" # more libFuzzer options
root=$(pwd)
fz=$(cd "$B" && pwd)/fuzz
status=0
mkdir -p "$fz"
# Two runs on one build directory would share logs, corpora and artifacts: one at a time.
exec 9>"$fz/.lock"
flock 9

for t in "$@"; do
	bin=$fz/fuzz_$t
	if [[ ! -x $bin ]]; then
		echo "fuzz: $bin is missing (make fuzz builds it)" >&2
		exit 2
	fi
	work=$fz/corpus/$t logs=$fz/logs/$t
	mkdir -p "$work" "$logs" "$fz/artifacts"
	seeds=("$root/tests/fuzz/corpus/$t")
	[[ -d $root/tests/fuzz/regress/$t ]] && seeds+=("$root/tests/fuzz/regress/$t")
	rm -f "$logs"/fuzz-*.log
	# The targets' scratch files (fuzz_print's directory): libFuzzer exits past atexit handlers.
	scratch=$fz/tmp/$t
	rm -rf "$scratch"
	mkdir -p "$scratch"
	dict=()
	[[ -f $root/tests/fuzz/$t.dict ]] && dict=(-dict="$root/tests/fuzz/$t.dict")
	before=$(ls "$fz/artifacts" | sort)
	# -close_fd_mask=3: the target's own stdout/stderr (heapfold_print's messages) are dropped;
	# libFuzzer and the sanitizers keep theirs. -jobs=1 writes the log in the current directory.
	(cd "$logs" && TMPDIR=$scratch "$bin" -jobs=1 -workers=1 -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$fz/artifacts/$t-" "${dict[@]}" "${extra[@]}" \
		"$work" "${seeds[@]}") >"$logs/driver.log" 2>&1
	rc=$?
	rm -rf "$scratch"
	log=$logs/fuzz-0.log
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null | tail -n 1)
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" 2>/dev/null | tail -n 1)
	new=$(comm -13 <(echo "$before") <(ls "$fz/artifacts" | sort) | grep -E '^[a-z]+-(crash|leak|timeout|oom)-' || true)
	printf 'fuzz %-7s %10s executions in %4ss, corpus %s files\n' "$t" "${runs:-?}" "${took:-?}" \
		"$(find "$work" -type f | wc -l)"
	if [[ $rc -ne 0 || -n $new ]]; then
		status=1
		echo "fuzz $t: FAILED (exit $rc); log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_|.*runtime error)' "$log" 2>/dev/null | head -n 5 | sed 's/^/  | /'
		for a in $new; do echo "  new input: $fz/artifacts/$a"; done
	fi
done
exit $status
