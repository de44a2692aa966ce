# heapfold with another allocator in the process: Debian's libmimalloc.so.2 and libjemalloc.so.2
# (tools/dev/deps.sh installs them), each in every order, on gt_threads (16,000 allocations
# from 32 threads, cross-thread frees, 96 leaks: rec_threads.sh's figures).
#   - heapfold first (LD_PRELOAD="libheapfold.so A", the launcher with the user's LD_PRELOAD=A,
#     a program linked with A under LD_PRELOAD=libheapfold.so, or linked -lheapfold before A):
#     every allocation recorded, exactly, and made by A; nothing on stderr;
#   - A first (LD_PRELOAD="A libheapfold.so", linked with A before -lheapfold): A's malloc wins
#     symbol resolution and heapfold cannot see the program's calls; it says so in one line at
#     start, naming A and the fix, and the program runs on.
# And an executable with an allocator linked into it (rival_own_malloc): one line saying so.
. tests/lib/hftest.sh
H=$B/lib/libheapfold.so
need "$H" "$HF_DUMP" "$HF_LAUNCHER" "$HF_PROGS/gt_threads" "$HF_PROGS/rival_own_malloc"
libs=()
for soname in libmimalloc.so.2 libjemalloc.so.2; do
	path=$(ldconfig -p | awk -v s="$soname" '!p && $1 == s && /x86-64|x86_64/ { p = $NF } END { print p }')
	if [[ -n $path ]]; then
		libs+=("$path")
	else
		echo "note: $soname is not installed (tools/dev/deps.sh installs it); its runs are skipped"
	fi
done
[[ ${#libs[@]} -gt 0 ]] || skip "neither libmimalloc.so.2 nor libjemalloc.so.2 is installed (tools/dev/deps.sh)"
T=$HF_TEST_TMP
gt_src=tests/progs/gt_threads.c
cflags=(-std=gnu11 -O1 -g -D_GNU_SOURCE -fno-omit-frame-pointer -fno-inline -pthread -Itests/progs)

# exact WHAT TRACE: gt_threads' own allocations, all of them
exact() {
	check_consistent "$2"
	expect_eq "$1: worker allocs" "$(stack_field "$2" malloc worker_alloc allocs)" 16000
	expect_eq "$1: worker bytes" "$(stack_field "$2" malloc worker_alloc bytes)" 1152000
	expect_eq "$1: worker leaked blocks" "$(stack_field "$2" malloc worker_alloc leaked_blocks)" 96
	expect_eq "$1: worker leaked bytes" "$(stack_field "$2" malloc worker_alloc leaked_bytes)" 6912
}

# run WHAT TRACE ENV... -- PROGRAM: runs it with HEAPFOLD_OUTPUT=TRACE and the environment given;
# sets st, out, and err (stderr's text)
run() {
	local what=$1 trace=$2 envs=()
	shift 2
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	set +e
	out=$(env "${envs[@]}" HEAPFOLD_OUTPUT="$trace" "$@" 2>"$T/err")
	st=$?
	set -e
	err=$(cat "$T/err")
	expect_eq "$what: exit status" "$st" 0
	expect_eq "$what: output" "$out" "$(basename "$1"): ok"
}

# the warning's line for the allocator A
rival_line() {
	echo "heapfold: malloc is $1's, which the loader found before libheapfold.so: the program's allocations are not recorded; load libheapfold.so first (first in LD_PRELOAD, as the heapfold launcher does, or -lheapfold before that library when linking)"
}

for a in "${libs[@]}"; do
	n=$(basename "$a")
	# the path the loader reports for A (ld.so may name it through another directory)
	real=$(LD_PRELOAD="$a $H" HEAPFOLD_OUTPUT= "$HF_PROGS/gt_threads" 2>&1 >/dev/null | sed -n "s/^heapfold: malloc is \(.*\)'s, which.*/\1/p")
	expect_eq "$n first: the warning names it" "$(basename "${real:-none}")" "$n"

	run "$n after heapfold" "$T/$n-second.gz" LD_PRELOAD="$H $a" -- "$HF_PROGS/gt_threads"
	expect_eq "$n after heapfold: stderr" "$err" ""
	exact "$n after heapfold" "$T/$n-second.gz"

	run "$n first" "$T/$n-first.gz" LD_PRELOAD="$a $H" -- "$HF_PROGS/gt_threads"
	expect_eq "$n first: one line on stderr" "$err" "$(rival_line "$real")"
	expect_eq "$n first: nothing of the program recorded" \
		"$(stack_field "$T/$n-first.gz" malloc worker_alloc allocs)" 0

	# The launcher puts heapfold first, whatever the user's LD_PRELOAD holds.
	set +e
	out=$(LD_PRELOAD=$a "$HF_LAUNCHER" -o "$T/$n-launcher.gz" "$HF_PROGS/gt_threads" 2>"$T/err")
	st=$?
	set -e
	expect_eq "$n, launcher: exit status" "$st" 0
	expect_eq "$n, launcher: no warning" "$(grep -c 'loader found before' "$T/err" || true)" 0
	exact "$n, launcher" "$T/$n-launcher.gz"

	# Linked into the program: after heapfold (preloaded, or -lheapfold first), or before it.
	p=$T/$n
	mkdir -p "$p/alone" "$p/hf-first" "$p/hf-second"
	cc "${cflags[@]}" "$gt_src" "$a" -o "$p/alone/gt_threads"
	run "$n linked, heapfold preloaded" "$T/$n-linked.gz" LD_PRELOAD="$H" -- "$p/alone/gt_threads"
	expect_eq "$n linked, heapfold preloaded: stderr" "$err" ""
	exact "$n linked, heapfold preloaded" "$T/$n-linked.gz"
	cc "${cflags[@]}" "$gt_src" -L"$B/lib" -Wl,--no-as-needed -lheapfold "$a" -Wl,-rpath,"$B/lib" -o "$p/hf-first/gt_threads"
	run "linked -lheapfold $n" "$T/$n-hf-first.gz" -- "$p/hf-first/gt_threads"
	expect_eq "linked -lheapfold $n: stderr" "$err" ""
	exact "linked -lheapfold $n" "$T/$n-hf-first.gz"
	cc "${cflags[@]}" "$gt_src" -Wl,--no-as-needed "$a" -L"$B/lib" -lheapfold -Wl,-rpath,"$B/lib" -o "$p/hf-second/gt_threads"
	run "linked $n -lheapfold" "$T/$n-hf-second.gz" -- "$p/hf-second/gt_threads"
	expect_eq "linked $n -lheapfold: one line on stderr" "$err" "$(rival_line "$real")"
done

run "own allocator" "$T/own.gz" LD_PRELOAD="$H" -- "$HF_PROGS/rival_own_malloc"
expect_eq "own allocator: one line on stderr" "$err" "heapfold: malloc is the executable's own (an allocator linked into it), which no library can replace: the program's allocations are not recorded; link that allocator as a shared library instead, and load libheapfold.so first"
# HEAPFOLD_QUIET=1: not a word
run "own allocator, quiet" "$T/own-quiet.gz" LD_PRELOAD="$H" HEAPFOLD_QUIET=1 -- "$HF_PROGS/rival_own_malloc"
expect_eq "own allocator, quiet: stderr" "$err" ""
finish
