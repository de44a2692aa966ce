# The unwinder's memo of each thread's last trace (tools/dev/patches/libunwind-trace-memo.patch)
# must never give a stack another one's frames: gt_memo's stacks share frames at the same stack
# addresses and differ further out (the caller of via_a, via_a or via_b) or further in (the
# depth of rec). Exact counts per stack, with libunwind and, as a cross-check, frame pointers.
# Then Debian's python3, built without frame pointers, with every stack checked in the run.
. tests/lib/hftest.sh
py=/usr/bin/python3 # Debian's (tools/dev/deps.sh installs it)
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_memo" "$py"
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
	expect_eq "$unwind: allocations" "$(summary "$t" allocations)" 3334
	# main's two call sites of via_a: two stacks (same function names, different nodes)
	expect_eq "$unwind: via_a, first call site: one stack" "$(nodes 16)" "1000 1"
	expect_eq "$unwind: via_a, second call site: one stack" "$(nodes 32)" "334 1"
	expect_eq "$unwind: via_b: one stack" "$(nodes 24)" "1000 1"
	expect_true "$unwind: the three stacks differ" \
		test "$(node_of 16)" != "$(node_of 32)" -a "$(node_of 16)" != "$(node_of 24)" -a "$(node_of 24)" != "$(node_of 32)"
	expect_eq "$unwind: via_a's stacks" "$(allocs "main;via_a;mid;leaf")" 1334
	expect_eq "$unwind: via_b's stack" "$(allocs "main;via_b;mid;leaf")" 1000
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
line=$(grep '^heapfold: unwind check: ' "$HF_TEST_TMP/py.err" | tail -n 1)
compared=$(sed -n 's/.*check: \([0-9]*\) stacks compared.*/\1/p' <<<"$line")
expect_true "python3: every allocation's stack checked ($compared)" \
	test "${compared:-0}" -ge "$(summary "$t" allocations)"
expect_eq "python3: stacks that differ from unw_step's" "$(sed -n 's/.*, \([0-9]*\) differed$/\1/p' <<<"$line")" 0
expect_true "python3: thousands of stacks" test "$(stacks "$t" | wc -l)" -gt 1000
finish
