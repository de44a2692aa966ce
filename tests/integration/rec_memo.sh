# The unwinder's memo of each thread's last trace (tools/dev/patches/libunwind-trace-memo.patch)
# must never give a stack another one's frames: gt_memo's stacks share frames at the same stack
# addresses and differ further out (the caller of via_a, via_a or via_b), further in (the
# depth of rec), or in one saved frame pointer alone (shifted called by main or by shim). Exact
# counts per stack, with libunwind and, as a cross-check, frame pointers.
# Then gt_rbp, whose frames keep values in rbp that no step reads (with glibc and musl), and
# Debian's python3, built without frame pointers, with every stack checked in the run.
. tests/lib/hftest.sh
py=/usr/bin/python3 # Debian's (tools/dev/deps.sh installs it)
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_memo" "$HF_PROGS/gt_rbp" "$py"
# nodes SIZE: "allocations nodes" of the allocations of SIZE bytes: how many, in how many
# distinct stack nodes (hf_dump --events: ALLOC lines hold the size, then the node)
nodes() {
	"$HF_DUMP" --events "$t" | awk -v s="$1" '$3 == "ALLOC" && $6 == s { n++; if (!($7 in seen)) { seen[$7] = 1; k++ } }
		END { print n + 0, k + 0 }'
}
node_of() {
	"$HF_DUMP" --events "$t" | awk -v s="$1" '!d && $3 == "ALLOC" && $6 == s { print $7; d = 1 }'
}
# allocs FRAMES: allocations of the stacks whose frames are exactly FRAMES after _start's part
allocs() {
	stacks "$t" | awk -v f="$1" '$1 == "malloc" && $7 ~ ("(^|;)" f "$") { s += $2 } END { print s + 0 }'
}
for unwind in libunwind fp; do
	t=$HF_TEST_TMP/memo-$unwind.gz
	traced st out "$HF_TEST_TMP/err" "$t" --unwind "$unwind" "$HF_PROGS/gt_memo"
	expect_eq "$unwind: exit status" "$st" 0
	check_consistent "$t"
	expect_eq "$unwind: allocations" "$(summary "$t" allocations)" 5334
	# main's two call sites of via_a: two stacks (same function names, different nodes)
	expect_eq "$unwind: via_a, first call site: one stack" "$(nodes 16)" "1000 1"
	expect_eq "$unwind: via_a, second call site: one stack" "$(nodes 32)" "334 1"
	expect_eq "$unwind: via_b: one stack" "$(nodes 24)" "1000 1"
	expect_true "$unwind: the three stacks differ" \
		test "$(node_of 16)" != "$(node_of 32)" -a "$(node_of 16)" != "$(node_of 24)" -a "$(node_of 24)" != "$(node_of 32)"
	expect_eq "$unwind: via_a's stacks" "$(allocs "main;via_a;mid;leaf")" 1334
	expect_eq "$unwind: via_b's stack" "$(allocs "main;via_b;mid;leaf")" 1000
	# the same stack words but for one saved frame pointer: two stacks
	expect_eq "$unwind: shifted's stack" "$(allocs "main;shifted;mid_here;mid;leaf")" 1000
	expect_eq "$unwind: shim's stack" "$(allocs "main;shim;shifted;mid_here;mid;leaf")" 1000
	expect_eq "$unwind: shifted's allocations: one stack" "$(nodes 40)" "1000 1"
	expect_eq "$unwind: shim's allocations: one stack" "$(nodes 48)" "1000 1"
	for d in 0 1 2 3 4 5 6; do
		n=143
		[[ $d == 6 ]] && n=142
		frames="main"
		for ((i = 0; i <= d; i++)); do frames+=";rec"; done
		expect_eq "$unwind: rec $d levels deep: one stack" "$(nodes $((100 + d)))" "$n 1"
		expect_eq "$unwind: rec $d levels deep: its frames" "$(allocs "$frames")" "$n"
	done
done

# The same program with the memo and without it: every stack and count the same.
for unwind in libunwind-plain; do
	t=$HF_TEST_TMP/memo-$unwind.gz
	traced st out "$HF_TEST_TMP/err" "$t" --unwind "$unwind" "$HF_PROGS/gt_memo"
	expect_eq "$unwind: exit status" "$st" 0
	expect_eq "gt_memo: the same stacks and counts with the memo and without" \
		"$(stacks "$HF_TEST_TMP/memo-libunwind.gz" | sort)" "$(stacks "$t" | sort)"
done

# unwind_check LABEL ERRFILE TRACE [KNOWN]: the run compared every stack the memo gave with a
# plain unw_step walk (--unwind libunwind-check), at least one per allocation, and none differed;
# and at least KNOWN (default 1) stacks were known by libunwind's number, each making the node
# made of it before.
unwind_check() {
	local line compared
	line=$(grep '^heapfold: unwind check: [0-9]* stacks compared' "$2" | tail -n 1)
	compared=$(sed -n 's/.*check: \([0-9]*\) stacks compared.*/\1/p' <<<"$line")
	expect_true "$1: every allocation's stack checked (${compared:-none})" \
		test "${compared:-0}" -ge "$(summary "$3" allocations)"
	expect_eq "$1: stacks that differ from unw_step's" "$(sed -n 's/.*, \([0-9]*\) differed$/\1/p' <<<"$line")" 0
	# A stack libunwind gave a number the thread knows is not unwound again outside this mode:
	# its node is the one made before. Here each is unwound anyway, and the nodes compared.
	line=$(grep '^heapfold: unwind check: [0-9]* stacks known' "$2" | tail -n 1)
	compared=$(sed -n 's/.*check: \([0-9]*\) stacks known.*/\1/p' <<<"$line")
	expect_true "$1: stacks known by libunwind's number (${compared:-none})" \
		test "${compared:-0}" -ge "${4:-1}"
	expect_eq "$1: known stacks whose frames make another node" \
		"$(sed -n 's/.*, \([0-9]*\) made another node$/\1/p' <<<"$line")" 0
}

# The same stacks checked: each against unw_step, and those known by libunwind's number against
# the node their frames make.
t=$HF_TEST_TMP/memo-check.gz
traced st out "$HF_TEST_TMP/memo-check.err" "$t" --unwind libunwind-check "$HF_PROGS/gt_memo"
expect_eq "gt_memo checked: exit status" "$st" 0
unwind_check "gt_memo" "$HF_TEST_TMP/memo-check.err" "$t" 1000

# gt_rbp: frames that save rbp without reading it, so the memo does not check the saved word,
# under a frame whose CFA is rbp-based, which reads it: each stack exact at each of 12 depths.
# (Continuing with the saved rbp of the trace before, not the one on the stack, gives z2's
# stacks one rec frame short.)
rbp_check() { # label program
	local t=$HF_TEST_TMP/rbp-$1.gz z d n frames
	traced st out "$HF_TEST_TMP/rbp.err" "$t" --unwind libunwind-check "$2"
	expect_eq "gt_rbp $1: exit status" "$st" 0
	check_consistent "$t"
	# (none need be known: its stacks change at every call, replayed only in part)
	unwind_check "gt_rbp $1" "$HF_TEST_TMP/rbp.err" "$t" 0
	expect_eq "gt_rbp $1: allocations" "$(summary "$t" allocations)" 4000
	for z in z1 z2; do
		for d in 0 1 2 3 4 5 6 7 8 9 10 11; do
			n=167
			((d < 8)) || n=166
			frames="main"
			for ((i = 0; i <= d; i++)); do frames+=";rec"; done
			expect_eq "gt_rbp $1: $z at depth $d" "$(allocs "$frames;$z;f2;f1")" "$n"
		done
	done
}
rbp_check glibc "$HF_PROGS/gt_rbp"
if [[ -x $B/tests/progs-musl/gt_rbp && -f $B/lib/musl/libheapfold.so ]]; then
	rbp_check musl "$B/tests/progs-musl/gt_rbp"
else
	echo "SKIP musl: no musl build of gt_rbp or of the recorder (musl-gcc missing)"
fi

# Debian's python3, built without frame pointers (rbp is an ordinary register there), with every
# stack the memo gives checked, in the same run, against a plain unw_step walk (libunwind-check):
# none may differ. Two runs of python3 cannot be compared instead: the sizes of its ints made
# from addresses depend on where its heap lands, which varies from run to run (1 run in 40 to 60
# with both cores busy; docs/reliability.md).
mkdir -p "$HF_TEST_TMP/py"
cat >"$HF_TEST_TMP/py/work.py" <<'PY'
import json, re
d = {}
for i in range(20000):
    d.setdefault("key%d" % (i % 500), []).append({"i": i, "s": str(i) * (i % 7)})
s = json.dumps(d)
print(len(s), len(re.findall(r"\d+", s)))
PY
t=$HF_TEST_TMP/py-check.gz
set +e
PYTHONMALLOC=malloc "$HF_LAUNCHER" -q -o "$t" --unwind libunwind-check "$py" -S "$HF_TEST_TMP/py/work.py" \
	>/dev/null 2>"$HF_TEST_TMP/py.err"
st=$?
set -e
cat "$HF_TEST_TMP/py.err"
expect_eq "python3: exit status" "$st" 0
check_consistent "$t"
unwind_check python3 "$HF_TEST_TMP/py.err" "$t"
expect_true "python3: thousands of stacks" test "$(stacks "$t" | wc -l)" -gt 1000
finish
