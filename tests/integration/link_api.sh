# The C API in programs linked with heapfold (static glibc, static musl, dynamic):
# tests/link/link_api.c checks hf_stats' values and the error codes itself; here, the traces:
# the one started at program start ends at hf_stop, and the hf_start/hf_stop window holds
# exactly the events inside it, between its two marks. With HEAPFOLD_DISABLE=1 nothing is
# recorded until hf_start, and the statistics are the same.
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HF_DUMP" "$HP"
for m in "${LINK_MODES[@]}"; do
	p=$(link_bin "$m" link_api)
	first=$HF_TEST_TMP/first-$m.gz win=$HF_TEST_TMP/window-$m.gz
	linked st out "$HF_TEST_TMP/err" "$first" "$p" "$win" "$HF_TEST_TMP/missing/dir.gz"
	expect_eq "$m: exit status" "$st" 0
	expect_eq "$m: output" "$out" "link_api: ok"
	expect_eq "$m: one warning, for the missing directory" "$(grep -c 'missing/dir.gz' "$HF_TEST_TMP/err")" 1
	expect_eq "$m: first trace, link mode" "$(link_mode "$first")" "$(mode_name "$m")"
	expect_eq "$m: first trace complete" "$(summary "$first" complete)" 1
	expect_eq "$m: first trace: before_window allocs" "$(stack_field "$first" malloc before_window allocs)" 30
	expect_eq "$m: first trace: before_window live at its end" "$(stack_field "$first" malloc before_window leaked_blocks)" 10
	expect_eq "$m: first trace: nothing of the window" "$(stack_via "$first" calloc in_window allocs)" 0
	expect_eq "$m: first trace: the failed calloc" "$(summary "$first" failed)" 1
	# The window: 25 callocs, all freed, and 5 frees of blocks from before it; nothing else.
	s=$("$HF_DUMP" --summary "$win")
	val() { sed -n "s/^$1=//p" <<<"$s"; }
	expect_eq "$m: window complete" "$(val complete)" 1
	expect_eq "$m: window allocations" "$(val allocations)" 25
	expect_eq "$m: window bytes" "$(val bytes)" 1200
	expect_eq "$m: window frees" "$(val frees)" 30
	expect_eq "$m: window frees of earlier blocks" "$(val unknown_frees)" 5
	expect_eq "$m: window leaks" "$(val leaked_blocks)" 0
	expect_eq "$m: window marks" "$(val marks)" 2
	expect_eq "$m: window calloc from in_window" "$(stack_field "$win" calloc in_window allocs)" 25
	expect_eq "$m: window: nothing of after_window" "$(stack_via "$win" malloc after_window allocs)" 0
	# Event order: the marks enclose every event of the window.
	order=$("$HF_DUMP" --events "$win" | awk '
		$3 == "MARK" { printf "%s ", $0 ~ /window-begin/ ? "B" : "E"; next }
		$3 == "ALLOC" || $3 == "FREE" { n++ ; if (!seen) { printf "ev "; seen = 1 } }
		END { print n + 0 }')
	expect_eq "$m: marks enclose the window's 55 events" "$order" "B ev E 55"

	# Disabled at start: no trace until hf_start; hf_stop has nothing to stop at first.
	mkdir -p "$HF_TEST_TMP/cwd-$m"
	win2=$HF_TEST_TMP/window2-$m.gz
	set +e
	out=$(cd "$HF_TEST_TMP/cwd-$m" && HEAPFOLD_DISABLE=1 "$p" "$win2" "$HF_TEST_TMP/missing/dir.gz" 2>/dev/null)
	st=$?
	set -e
	expect_eq "$m: disabled: exit status" "$st" 0
	expect_eq "$m: disabled: output" "$out" "link_api: ok"
	expect_eq "$m: disabled: no trace at start" "$(ls "$HF_TEST_TMP/cwd-$m" | wc -l)" 0
	expect_eq "$m: disabled: the window trace" "$(summary "$win2" allocations)" 25

	# The first trace cannot be created (its file exists): nothing of before the window in the
	# window trace, as when disabled (the blocks of before the start were kept, with an unwind
	# each, for as long as no trace had opened: every later allocation too).
	echo precious >"$HF_TEST_TMP/exists-$m.gz"
	win3=$HF_TEST_TMP/window3-$m.gz
	set +e
	out=$(LINK_API_FIRST_FAILS=1 HEAPFOLD_OUTPUT="$HF_TEST_TMP/exists-$m.gz" "$p" "$win3" \
		"$HF_TEST_TMP/missing/dir.gz" 2>"$HF_TEST_TMP/err3")
	st=$?
	set -e
	expect_eq "$m: first fails: exit status" "$st" 0
	expect_eq "$m: first fails: output" "$out" "link_api: ok"
	expect_true "$m: first fails: one line names the file" grep -q "exists-$m.gz" "$HF_TEST_TMP/err3"
	expect_eq "$m: first fails: not overwritten" "$(cat "$HF_TEST_TMP/exists-$m.gz")" precious
	s=$("$HF_DUMP" --summary "$win3")
	expect_eq "$m: first fails: window allocations" "$(val allocations)" 25
	expect_eq "$m: first fails: window frees of earlier blocks" "$(val unknown_frees)" 5
done
finish
