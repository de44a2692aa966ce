# A program that dies mid-run leaves a trace that holds every allocation it made up to one flush
# interval before its death, and nothing it did not make. tests/progs/crash_progress.c allocates
# from three threads (a busy one, a slow one, one that made 100 allocations and sleeps) and writes
# down, with write(2), how many allocations each had completed at what CLOCK_MONOTONIC time.
#
# A death by signal the recorder handles (abort, a segfault, SIGTERM, SIGINT:
# lib/record/hf_signal.c) loses nothing: the trace, incomplete, holds for each thread at least the
# count it had logged at the death (no margin), and the exit status is the bare program's.
# For a death the recorder cannot see (SIGKILL, the exit_group system call),
# the trace must be incomplete (heapfold_print says so and exits 0) and hold, for each thread, at
# least the count that thread had reached FLUSH_MS + MARGIN_MS before the death. Why that bound:
# a thread's events wait at most 3/4 FLUSH_MS in its buffer before a flush is due; a thread that
# keeps allocating writes its own buffer at its next clock tick (TICK_MS, 10 ms, later), an idle
# one is written by the background thread, which looks every FLUSH_MS / 4: FLUSH_MS in all, plus
# the time to compress and write one chunk (a few ms). MARGIN_MS (100 ms) covers scheduling delays
# on a loaded two-CPU machine; the measured lag is printed in the log (docs/reliability.md).
# For _exit, exec (execv) and exit the recorder finishes the trace: complete, and holding every
# allocation that had returned before the call (no margin at all). An exec through execl is
# either (glibc's execl calls its internal execve: the preload library's execve does not see it,
# and the trace ends as after a kill); each outcome is held to its own bound.
#
# Always: the trace's allocations from each thread's function are exactly that thread's first N
# allocations, in order, sizes included (nothing invented, nothing skipped, nothing duplicated),
# and N never exceeds what the thread made.
. tests/lib/hftest.sh
need "$HF_DUMP" "$HF_PROGS/crash_progress" "$B/lib/libheapfold.so" "$B/bin/heapfold_print"
lib=$B/lib/libheapfold.so
FLUSH_MS=200
MARGIN_MS=100
# Each death comes at another phase of the flush cycle (about 160 ms for these threads), so the
# deaths right before a flush, when the most is lost, are among them.

# check_mode MODE RUN_MS STATUS COMPLETE [flushed]: runs crash_progress MODE for RUN_MS, checks
# its exit status and the trace (flushed: nothing may be lost, though the trace is incomplete).
# MODE term and int: the program waits as for kill, and gets SIGTERM or SIGINT.
check_mode() {
	local mode=$1 RUN_MS=$2 want_st=$3 complete=$4 flushed=${5:-}
	local d=$HF_TEST_TMP/$mode-$RUN_MS st
	[[ $complete == any ]] && complete=""

	mkdir -p "$d"
	local t=$d/trace.gz p=$d/progress
	set +e
	{ (
		ulimit -c 0
		cd "$d"
		export HEAPFOLD_FLUSH_MS=$FLUSH_MS HEAPFOLD_OUTPUT=$t
		if [[ $mode == kill || $mode == term || $mode == int ]]; then
			# (env --default-signal: a background job of a script starts with SIGINT ignored)
			env --default-signal=INT LD_PRELOAD="$lib" "$HF_PROGS/crash_progress" kill "$RUN_MS" "$p" &
			pid=$!
			for _ in $(seq 300); do grep -q '^D' "$p" 2>/dev/null && break; sleep 0.01; done
			case $mode in kill) kill -KILL "$pid" ;; term) kill -TERM "$pid" ;; int) kill -INT "$pid" ;; esac
			wait "$pid"
		else
			exec timeout 30 env LD_PRELOAD="$lib" "$HF_PROGS/crash_progress" "$mode" "$RUN_MS" "$p"
		fi
	) 2>"$d/err"; } 2>/dev/null # not bash's report of the death: it names the test's paths
	st=$?
	set -e
	expect_eq "$mode: exit status" "$st" "$want_st"
	if [[ $mode == exec* ]]; then
		# The exec is followed: the shell it runs writes trace.1.gz, complete.
		expect_eq "$mode: two traces, nothing else written" "$(ls "$d" | grep -cv '^\(progress\|err\)$')" 2
		expect_eq "$mode: the exec'd shell's trace is complete" "$(summary "$d/trace.1.gz" complete)" 1
	else
		expect_eq "$mode: one trace, nothing else written" "$(ls "$d" | grep -cv '^\(progress\|err\)$')" 1
	fi
	expect_eq "$mode: the recorder said nothing" "$(grep -c "^heapfold:" "$d/err" || true)" 0
	if [[ -z $complete ]]; then
		complete=$(summary "$t" complete)
		echo "info $mode: the trace is $([[ $complete == 1 ]] || echo in)complete"
	fi
	expect_eq "$mode: trace complete" "$(summary "$t" complete)" "$complete"

	# heapfold_print reads it, and says whether it is incomplete.
	set +e
	"$B/bin/heapfold_print" "$t" >"$d/report" 2>"$d/print.err"
	st=$?
	set -e
	expect_eq "$mode: heapfold_print exit status" "$st" 0
	expect_eq "$mode: heapfold_print warns of an incomplete trace" \
		"$(grep -c 'incomplete' "$d/print.err" || true)" "$((1 - complete))"

	# Each thread's allocations in the trace, in order: the sizes tell them apart.
	"$HF_DUMP" --events "$t" | awk -v out="$d/seq" '
		$3 == "ALLOC" && $4 !~ /realloc/ {
			s = $6
			if (s >= 1000 && s < 5093) { if (s != 1000 + nb % 4093) bad_b++; nb++ }
			else if (s >= 6000 && s < 6097) { if (s != 6000 + ns % 97) bad_s++; ns++ }
			else if (s >= 7000 && s < 7100) { if (s != 7000 + ni) bad_i++; ni++ }
		}
		END { printf "B %d %d\nS %d %d\nI %d %d\n", nb, bad_b, ns, bad_s, ni, bad_i > out }'
	for who in B S I; do
		local fn have bad
		case $who in B) fn=busy_alloc ;; S) fn=slow_alloc ;; I) fn=idle_alloc ;; esac
		have=$(awk -v w=$who '$1 == w { print $2 }' "$d/seq")
		bad=$(awk -v w=$who '$1 == w { print $3 }' "$d/seq")
		expect_eq "$mode: $fn: the trace's allocations are its first ones, in order" "$bad" 0
		expect_eq "$mode: $fn: every one on its stack" "$(stack_field "$t" malloc "$fn" allocs)" "$have"
		# From the progress file: the death time L (the D line; for SIGKILL, the last line, a
		# lower bound within 1 ms), what the thread had made by L - FLUSH_MS - MARGIN_MS (by L
		# itself when the trace is complete), and the most it can have made.
		local verdict
		verdict=$(awk -v w=$who -v have="$have" -v complete="$complete$flushed" \
			-v win=$(((FLUSH_MS + MARGIN_MS) * 1000000)) '
			{ n++; who[n] = $1; cnt[n] = $2; t[n] = $3; if ($3 > last) last = $3 }
			$1 == "D" { death = $3 }
			END {
				if (!death) death = last
				bound = complete ? death : death - win
				need = 0; made = 0; seen = 0
				for (i = 1; i <= n; i++) {
					if (who[i] != w) continue
					if (t[i] <= bound && cnt[i] > need) need = cnt[i]
					if (cnt[i] > made) made = cnt[i]
					if (cnt[i] <= have && t[i] > seen) seen = t[i]
				}
				# Allocations made after the last line: busy writes one after every
				# 64th, and the 64th is in the trace once malloc returns, before its
				# line is written (a death between the two); slow after each one.
				slack = w == "B" ? 64 : w == "S" ? 1 : 0
				ok = (have >= need && have <= made + slack) ? 1 : 0
				printf "%d %d %d %.0f\n", need, made + slack, ok,
					seen ? (death - seen) / 1e6 : -1
			}' "$p")
		read -r need most ok lag <<<"$verdict"
		echo "info $mode: $fn: trace holds $have; needed >= $need, made <= $most"
		[[ $who == I ]] || echo "info $mode: $fn: the newest progress line the trace covers is $lag ms older than the death"
		expect_eq "$mode: $fn: $need <= $have <= $most" "$ok" 1
	done
}

check_mode kill 500 137 0
check_mode abort 540 134 0 flushed
check_mode segv 580 139 0 flushed
check_mode term 600 143 0 flushed
check_mode int 640 130 0 flushed
check_mode exit_group 620 6 0
check_mode kill 660 137 0
check_mode _exit 500 3 1
check_mode exec 500 4 1
check_mode execl 560 4 any
check_mode exit 500 5 1
finish
