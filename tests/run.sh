#!/usr/bin/env bash
# Runs every test in its own process with a timeout, so one crash or hang cannot hide the
# others, and ends with the line "N passed, N failed". Exits non-zero if any test failed.
#   B=build tests/run.sh [PATTERN]   (PATTERN: run only tests whose name contains it)
# Unit tests: build/tests/test_* (cmocka). Integration tests: tests/integration/*.sh, each run as
#   bash FILE with B (the build directory) and HF_TEST_TMP (a fresh scratch directory) set.
set -u
B=${B:-build}
B=$(cd "$B" && pwd)
export B
pattern=${1:-}
timeout_s=${HF_TEST_TIMEOUT:-300}
log_dir=$B/tests/logs
mkdir -p "$log_dir"
passed=0 failed=0 skipped=0
failures=()

run_one() { # name, command...
	local name=$1; shift
	[[ -n $pattern && $name != *"$pattern"* ]] && return
	local log=$log_dir/$name.log tmp rc start end
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hftest.XXXXXX")
	start=$(date +%s.%N)
	HF_TEST_TMP=$tmp timeout -k 5 "$timeout_s" "$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	rm -rf "$tmp"
	local secs
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	if [[ $rc -eq 0 ]]; then
		passed=$((passed + 1)); printf '  PASS  %-40s %6ss\n' "$name" "$secs"
	elif [[ $rc -eq 77 ]]; then
		skipped=$((skipped + 1)); printf '  SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$log")"
	else
		failed=$((failed + 1)); failures+=("$name")
		[[ $rc -eq 124 ]] && echo "timed out after ${timeout_s}s" >>"$log"
		printf '  FAIL  %-40s %6ss (exit %d, log %s)\n' "$name" "$secs" "$rc" "${log#"$PWD"/}"
		# The failed expectations first (a clean clone's logs are gone with it), then the end.
		grep -m 20 '^FAIL' "$log" | sed 's/^/        ! /'
		tail -n 20 "$log" | sed 's/^/        | /'
	fi
}

for t in "$B"/tests/test_*; do
	[[ -x $t ]] || continue
	run_one "$(basename "$t")" "$t"
done
for t in tests/integration/*.sh; do
	[[ -f $t ]] || continue
	run_one "$(basename "$t" .sh)" bash "$t"
done

echo
if [[ ${#failures[@]} -gt 0 ]]; then
	echo "failed: ${failures[*]}"
fi
if [[ $skipped -gt 0 ]]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[[ $failed -eq 0 && $passed -gt 0 ]]
