# The program sees what it would see without heapfold: the same environment (no SHLVL change,
# `_` as a shell sets it for the program, nothing of the recorder's, another preload's
# separators kept; through an exec too), and the same descriptors, but for the trace's own:
# close-on-exec and high, out of the way of the numbers the program opens.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_PROGS/rec_fds" "$B/lib/libheapfold.so"
cd "$HF_TEST_TMP"

# Bare, then under heapfold, from the same shell (which sets `_` for each command).
for run in bare traced; do
	if [[ $run == bare ]]; then h=(); else h=("$HF_LAUNCHER" -o "e%p.gz"); fi
	"${h[@]}" env >"env.$run" 2>/dev/null
	"${h[@]}" sh -c 'exec env' >"exec.$run" 2>/dev/null
	"${h[@]}" sh -c 'env; true' >"fork.$run" 2>/dev/null
done
expect_true "env: identical ($(diff env.bare env.traced | head -3 | tr '\n' ' '))" cmp -s env.bare env.traced
expect_true "env after an exec: identical" cmp -s exec.bare exec.traced
expect_true "env in a forked child: identical" cmp -s fork.bare fork.traced
expect_true "SHLVL is there to compare" grep -q '^SHLVL=' env.bare

# Another preload of the user's, with ':' between its entries: kept as it was.
cc -shared -fPIC -o empty1.so -x c /dev/null 2>/dev/null || skip "no C compiler"
cp empty1.so empty2.so
export LD_PRELOAD="$PWD/empty1.so:$PWD/empty2.so"
env >env2.bare
sh -c 'exec env' >exec2.bare
"$HF_LAUNCHER" -q -o p.gz env >env2.traced
"$HF_LAUNCHER" -q -o pe.gz sh -c 'exec env' >exec2.traced
unset LD_PRELOAD
expect_true "another preload: identical ($(grep LD_PRELOAD env2.traced))" cmp -s env2.bare env2.traced
expect_true "another preload, after an exec: identical" cmp -s exec2.bare exec2.traced

# Descriptors: the same, the trace's apart (high, close-on-exec), and the program's first
# open() gets the number it gets bare. The background thread's tick is made rare so that a
# file it reads for a moment (its RSS sample) does not show up in the list.
export HEAPFOLD_TICK_MS=60000 HEAPFOLD_FLUSH_MS=3600000
"$HF_PROGS/rec_fds" fds.gz >fds.bare
"$HF_LAUNCHER" -q -o fds.gz "$HF_PROGS/rec_fds" fds.gz >fds.traced
# (standard output: each run's own file)
expect_eq "descriptors: the same but the trace's" "$(grep -v TRACE fds.traced | sed 's/fds.traced$/OUT/')" \
	"$(sed 's/fds.bare$/OUT/' fds.bare)"
expect_eq "descriptors: the trace's, high and close-on-exec" "$(grep -c '^high [0-9]* cloexec TRACE$' fds.traced)" 1
grep TRACE fds.traced | sed 's/^/info /'
finish
