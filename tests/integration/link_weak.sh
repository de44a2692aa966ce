# HF_WEAK: a program calling the API through weak references runs without heapfold (every call
# says HF_ENOTAVAIL, hf_version() is 0) and gets the real functions when heapfold is linked in
# (static glibc, static musl, dynamic).
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$B/tests/link/none/link_weak"
set +e
out=$("$B/tests/link/none/link_weak" without 2>&1)
st=$?
set -e
expect_eq "without heapfold: exit status" "$st" 0
expect_eq "without heapfold: output" "$out" "link_weak without: ok"
expect_true "without heapfold: no libheapfold needed" \
	bash -c "! readelf -dW '$B/tests/link/none/link_weak' | grep -q heapfold"
for m in "${LINK_MODES[@]}"; do
	linked st out "$HF_TEST_TMP/err" "$HF_TEST_TMP/weak-$m.gz" "$(link_bin "$m" link_weak)" with
	expect_eq "$m: exit status" "$st" 0
	expect_eq "$m: output" "$out" "link_weak with: ok"
	expect_eq "$m: the mark is in the trace" "$(summary "$HF_TEST_TMP/weak-$m.gz" marks)" 1
done
finish
