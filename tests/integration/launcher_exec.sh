# What really runs is traced: exec is followed within the launched process (a wrapper script
# that execs the program, a shell's commands), each program image into its own trace; forked
# children only with --follow. The recorder lists every trace the run wrote when the launched
# process ends, the main one first (the launched process's last image), and a heapfold_print
# command that works as printed; never a trace that is not there.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_status" "$HF_PROGS/gt_workers" "$B/lib/libheapfold.so" \
	"$B/bin/heapfold_print"
cd "$HF_TEST_TMP"
P=$HF_PROGS/gt_status
# listed ERR: the traces the listing names, in its order
listed() { sed -n 's/^heapfold: trace written to \([^ ]*\) (.*/\1/p' "$1"; }

# 1. A wrapper script that execs a C program: the main trace is the program's, exact.
printf '#!/bin/sh\n# a wrapper, as many commands are\nexec "%s" exit 0\n' "$P" >wrap.sh
chmod +x wrap.sh
set +e
"$HF_LAUNCHER" ./wrap.sh 2>err
st=$?
set -e
expect_eq "wrapper: exit status" "$st" 0
t=$(main_trace err)
expect_true "wrapper: the main trace is gt_status's ($t)" grep -Eq '^heapfold\.gt_status\.[0-9]+\.gz$' <<<"$t"
expect_eq "wrapper: it is listed first" "$(listed err | head -1)" "$t"
expect_eq "wrapper: the 100 allocations" "$(stack_field "$t" malloc before_end allocs)" 100
expect_eq "wrapper: nothing else" "$(summary "$t" allocations)" 100
check_consistent "$t"
sh_trace=$(listed err | sed -n 2p)
expect_true "wrapper: the script's shell has a trace of its own ($sh_trace)" \
	grep -Eq '^heapfold\.(dash|bash|sh)\.[0-9]+\.gz$' <<<"$sh_trace"
pid_of() { sed -E 's/.*\.([0-9]+)\.gz$/\1/' <<<"$1"; }
expect_eq "wrapper: same pid" "$(pid_of "$sh_trace")" "$(pid_of "$t")"
expect_eq "wrapper: two traces listed, two files" "$(listed err | wc -l) $(ls heapfold.*.gz | wc -l)" "2 2"
# The command works as printed: the build tree's path (not in PATH), and by name when PATH has it.
expect_true "wrapper: the printed command runs" \
	eval "$(sed -n 's/^heapfold: read it with: //p' err) >report"
expect_true "wrapper: and reports the 100 allocations" grep -q "100 calls to allocation functions" report
PATH=$B/bin:$PATH "$HF_LAUNCHER" -o named.gz "$P" exit 0 2>err
expect_eq "in PATH: heapfold_print by name" "$(sed -n 's/^heapfold: read it with: //p' err)" "heapfold_print named.gz"

# 2. sh -c running two programs: forked by the shell, traced with --follow only; without, the
# listing says what ran untraced.
set +e
"$HF_LAUNCHER" -o two.gz sh -c "$P exit 0; $P exit 3" 2>err
st=$?
set -e
expect_eq "sh -c: exit status of the last" "$st" 3
expect_true "sh -c: the untraced programs named, with the fix" \
	grep -q "^heapfold: not traced: 2 programs run by forked processes (gt_status); --follow traces them" err
rm -f two*.gz
set +e
"$HF_LAUNCHER" -f -o two.gz sh -c "$P exit 0; $P exit 3" 2>err
st=$?
set -e
expect_eq "sh -c --follow: exit status" "$st" 3
n=0
for t in $(listed err); do
	[[ $(stack_field "$t" malloc before_end allocs) == 100 ]] && n=$((n + 1))
done
expect_eq "sh -c --follow: both programs traced, 100 allocations each" "$n" 2
expect_eq "sh -c --follow: every file listed" "$(listed err | sort | tr '\n' ' ')" "$(ls two*.gz | sort | tr '\n' ' ')"
expect_eq "sh -c --follow: nothing untraced" "$(grep -c 'not traced' err || true)" 0
all=$(sed -n 's/^heapfold: all of them in one report: //p' err)
expect_true "sh -c --follow: one command for all of them, which works as printed" \
	bash -c "$all --no-progress -o report.txt"
expect_eq "... one report over the three processes" "$(head -1 report.txt 2>/dev/null)" \
	"heapfold_print report for 3 traces"

# 3. Three forked workers (20, 40 and 60 allocations), the parent's 10.
mkdir nofollow follow
(cd nofollow && "$HF_LAUNCHER" "$HF_PROGS/gt_workers" 2>err)
t=nofollow/$(main_trace nofollow/err)
expect_eq "workers: one trace without --follow" "$(ls nofollow/*.gz | wc -l)" 1
expect_eq "workers: the parent's 10" "$(stack_field "$t" malloc parent_alloc allocs)" 10
expect_eq "workers: no worker's" "$(stack_field "$t" malloc worker_alloc allocs)" 0
(cd follow && "$HF_LAUNCHER" --follow "$HF_PROGS/gt_workers" 2>err)
expect_eq "workers --follow: four traces, all listed" "$(ls follow/*.gz | wc -l) $(listed follow/err | wc -l)" "4 4"
t=follow/$(main_trace follow/err)
expect_eq "workers --follow: the main trace is the parent's" "$(stack_field "$t" malloc parent_alloc allocs)" 10
got=$(for w in $(listed follow/err | tail -n +2); do stack_field "follow/$w" malloc worker_alloc allocs; done | sort -n | tr '\n' ' ')
expect_eq "workers --follow: each worker's own allocations" "$got" "20 40 60 "
expect_eq "workers --follow: listed as children of the parent" \
	"$(grep -c "(gt_workers, pid [0-9]*, child of pid $(pid_of "$t"))" follow/err || true)" 3

# 4. Never a trace that is not there: the program removes its trace.
set +e
"$HF_LAUNCHER" -o gone.gz sh -c 'rm -f gone.gz' 2>err
set -e
expect_eq "removed: not announced as written" "$(grep -c 'trace written' err || true)" 0
expect_true "removed: said so" grep -q '^heapfold: trace gone.gz (dash\|bash\|sh, pid [0-9]*) was written, then removed' err
expect_eq "removed: no command to read it" "$(grep -c 'read it with' err || true)" 0

# 5. An exec into a static program: it runs, untraced, with one line naming the cause and the fix.
printf 'int main(void) { return 3; }\n' >static.c
if cc -static static.c -o static_prog 2>/dev/null; then
	set +e
	"$HF_LAUNCHER" -o st.gz sh -c 'exec ./static_prog' 2>err
	st=$?
	set -e
	expect_eq "exec static: exit status" "$st" 3
	expect_eq "exec static: one line, with docs/linking.md" \
		"$(grep -c '^heapfold: ./static_prog is statically linked: .*(docs/linking.md)' err)" 1
	expect_eq "exec static: the shell's trace still listed" "$(listed err)" st.gz
else
	echo "info no static libc: exec into a static program not tested"
fi

# 6. An exec into a program of the other C library: traced with the recorder built for it.
if [[ -f $B/lib/musl/libheapfold.so && -x $B/tests/progs-musl/gt_family ]]; then
	set +e
	"$HF_LAUNCHER" -o musl.gz sh -c "exec $B/tests/progs-musl/gt_family" >/dev/null 2>err
	st=$?
	set -e
	expect_eq "glibc to musl: exit status" "$st" 7
	t=$(main_trace err)
	expect_eq "glibc to musl: the musl program's trace" "$t" musl.1.gz
	expect_eq "glibc to musl: its 100 mallocs" "$(stack_field "$t" malloc from_malloc allocs)" 100
	expect_true "glibc to musl: recorded by the musl build" \
		grep -q '^process [0-9]*, .*/gt_family, musl, LD_PRELOAD' <("$B/bin/heapfold_print" "$t" 2>/dev/null)
	# The reverse: a musl program that execs a glibc one.
	if command -v "${MUSL_CC:-musl-gcc}" >/dev/null; then
		printf '%s\n' '#include <unistd.h>' 'int main(int c, char **v) { (void)c; execv(v[1], v + 1); return 127; }' \
			>mexec.c
		"${MUSL_CC:-musl-gcc}" -O1 -o mexec mexec.c
		set +e
		"$HF_LAUNCHER" -o mg.gz ./mexec "$P" exit 5 2>err
		st=$?
		set -e
		expect_eq "musl to glibc: exit status" "$st" 5
		expect_eq "musl to glibc: the main trace, gt_status's" "$(main_trace err)" mg.1.gz
		expect_eq "musl to glibc: its 100 allocations" "$(stack_field mg.1.gz malloc before_end allocs)" 100
		expect_true "musl to glibc: the first recorded by the musl build" \
			grep -q '^process [0-9]*, .*/mexec, musl, LD_PRELOAD' <("$B/bin/heapfold_print" mg.gz 2>/dev/null)
		expect_true "musl to glibc: the second by the glibc build" \
			grep -q '^process [0-9]*, .*/gt_status, glibc' <("$B/bin/heapfold_print" mg.1.gz 2>/dev/null)
	fi
	# Without a musl build beside the recorder: untraced, one line.
	mkdir alone
	cp "$B/lib/libheapfold.so" alone/
	set +e
	env LD_PRELOAD="$PWD/alone/libheapfold.so" HEAPFOLD_OUTPUT=alone.gz sh -c "exec $B/tests/progs-musl/gt_family" \
		>/dev/null 2>err
	st=$?
	set -e
	expect_eq "no musl build: exit status" "$st" 7
	expect_eq "no musl build: one line" "$(grep -c "is a musl program, and the recorder has no musl build beside" err)" 1
	expect_eq "no musl build: only the shell's trace" "$(ls alone*.gz)" alone.gz
else
	echo "info no musl build: exec into a musl program not tested"
fi
finish
