#!/bin/bash
# heapfold: run `make check` on fresh clones of the current commit, to find tests that flicker.
#
# usage: tools/dev/check-repeat.sh RUNS [load] [MAKE_ARGS...]
#   load: keep both cores busy with another process (one busy loop per core) during each run.
#   MAKE_ARGS: passed to make check (for example SANITIZE=thread).
# Each run clones the commit that was HEAD when the script started (later commits do not leak
# into later runs) into a new scratch folder (nothing built, nothing cached), runs
# `make check` there with CI=true as CI does, and prints one line: run, result, seconds, the
# failed tests. Logs stay in build/check-repeat/ of this tree. Exits 1 if any run failed.
set -u
runs=${1:?usage: $0 RUNS [load] [MAKE_ARGS...]}
shift
load=0
if [ "${1:-}" = load ]; then
    load=1
    shift
fi
top=$(git rev-parse --show-toplevel)
logs=$top/build/check-repeat
mkdir -p "$logs"
rev=$(git -C "$top" rev-parse --short HEAD)
tag=$rev
[ $load = 1 ] && tag="$rev, cores busy"
failed_runs=0
for ((i = 1; i <= runs; i++)); do
    dir=$(mktemp -d "${TMPDIR:-/tmp}/heapfold-check.XXXXXX")
    git clone -q "$top" "$dir/src" && git -C "$dir/src" checkout -q "$rev"
    busy=()
    if [ $load = 1 ]; then
        for _ in $(seq "$(nproc)"); do
            (while :; do :; done) &
            busy+=($!)
        done
    fi
    log=$logs/$rev-$i$([ $load = 1 ] && echo -load).log
    start=$(date +%s)
    (cd "$dir/src" && CI=true make check "$@") >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    [ ${#busy[@]} -gt 0 ] && kill "${busy[@]}" 2>/dev/null
    wait 2>/dev/null
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    fails=$(sed -n 's/^failed: //p' "$log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "run $i ($tag): PASS in ${secs}s: $summary"
    else
        failed_runs=$((failed_runs + 1))
        echo "run $i ($tag): FAIL (exit $rc) in ${secs}s: ${summary:-no summary} ${fails:+($fails)}; log $log"
    fi
    rm -rf "$dir"
done
echo "$runs runs, $failed_runs failed"
[ $failed_runs -eq 0 ]
