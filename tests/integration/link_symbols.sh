# A statically linked program's trace names its functions by itself: at exit the recorder
# appends SYMBOLS records (the executable's functions that hold a frame of the trace), so
# heapfold_print symbolizes it after the binary is gone (a trace copied out of a FROM scratch
# container). With the binary present, heapfold_print uses its DWARF (file and line).
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HP"
ran=0
for m in "${LINK_MODES[@]}"; do
	[[ $m == dynamic ]] && continue
	ran=1
	exe=$HF_TEST_TMP/app-$m
	cp "$(link_bin "$m" gt_family)" "$exe"
	t=$HF_TEST_TMP/sym-$m.gz
	linked st out "$HF_TEST_TMP/err" "$t" "$exe"
	expect_eq "$m: exit status" "$st" 7
	"$HP" "$t" -F "$HF_TEST_TMP/with.txt" >/dev/null 2>&1
	"$HP" "$t" >"$HF_TEST_TMP/report-with.txt" 2>&1
	expect_true "$m: with the binary: file and line" grep -q 'at tests/progs/gt_family.c:' "$HF_TEST_TMP/report-with.txt"
	rm -f "$exe"
	"$HP" "$t" -F "$HF_TEST_TMP/without.txt" >/dev/null 2>&1
	for fn in from_malloc from_calloc from_realloc from_valloc edge_cases; do
		expect_true "$m: with the binary: $fn" grep -q "^main;$fn " "$HF_TEST_TMP/with.txt"
		expect_true "$m: binary deleted: $fn from SYMBOLS" grep -q "^main;$fn " "$HF_TEST_TMP/without.txt"
	done
	expect_eq "$m: the same folded stacks either way" \
		"$(cat "$HF_TEST_TMP/without.txt")" "$(cat "$HF_TEST_TMP/with.txt")"
	expect_true "$m: no unresolved frame" bash -c "! grep -q 'app-$m+0x' '$HF_TEST_TMP/without.txt'"
done
[[ $ran == 1 ]] || skip "no static test programs built"
finish
