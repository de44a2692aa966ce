# C++: operator new and delete reach the recorder through malloc and free.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_cxx" "$B/lib/libheapfold.so"
t=$HF_TEST_TMP/cxx.gz
traced st out "$HF_TEST_TMP/err" "$t" "$HF_PROGS/gt_cxx"
expect_eq "exit status" "$st" 0
expect_eq "output" "$out" "gt_cxx: ok"
check_consistent "$t"
# hf_dump prints symbol names as the binary has them (mangled).
new_array=_ZL9new_arrayv new_object=_ZL10new_objectv
expect_eq "new int[100] x 10" "$(stack_via "$t" malloc $new_array allocs)" 10
expect_eq "new int[100] bytes" "$(stack_via "$t" malloc $new_array bytes)" 4000
expect_eq "new int[100] temporary" "$(stack_via "$t" malloc $new_array temporary)" 10
expect_true "operator new is the innermost frame, called from new_array" \
	grep -q "main;$new_array;_Znwm$" <<<"$(stacks "$t" | awk '$1 == "malloc" { print $7 }')"
expect_eq "new Node x 20" "$(stack_via "$t" malloc $new_object allocs)" 20
expect_eq "new Node leaked" "$(stack_via "$t" malloc $new_object leaked_bytes)" 120
finish
