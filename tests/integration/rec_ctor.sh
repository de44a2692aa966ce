# Allocations in a shared library's constructor, which runs before the preloaded recorder's own
# (tests/progs/ctor_main.c and tests/progs/lib/ctor_lib.c): recorded with their whole stack, the
# blocks freed before the recorder started included, so every count is exact; heapfold_print
# shows them from the loader's _dl_init, as it shows the program's from main.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HF_DUMP" "$HP" "$HF_PROGS/ctor_main" "$B/lib/libheapfold.so"
t=$HF_TEST_TMP/ctor.gz
traced st out "$HF_TEST_TMP/err" "$t" "$HF_PROGS/ctor_main"
expect_eq "exit status" "$st" 0
expect_eq "program output" "$out" "ctor_main: ok"
check_consistent "$t"
expect_eq "allocations" "$(summary "$t" allocations)" 7
expect_eq "frees" "$(summary "$t" frees)" 7
expect_eq "bytes" "$(summary "$t" bytes)" 500
expect_eq "temporary" "$(summary "$t" temporary)" 6
expect_eq "leaked bytes" "$(summary "$t" leaked_bytes)" 0
expect_eq "unknown frees" "$(summary "$t" unknown_frees)" 0
expect_eq "constructor: allocs" "$(stack_field "$t" malloc ctor_inner allocs)" 3
expect_eq "constructor: bytes" "$(stack_field "$t" malloc ctor_inner bytes)" 300
expect_eq "constructor: its stack is whole (not cut short)" \
	"$(stacks "$t" | awk '$7 ~ /ctor_inner/ && $7 ~ /^\[(truncated|before-start)\]/' | wc -l)" 0

folded "$t" "$HF_TEST_TMP/ctor.txt"
expect_eq "folded: from _dl_init to ctor_inner" \
	"$(sum_matching "$HF_TEST_TMP/ctor.txt" '^_dl_init;(.*;)?ctor;ctor_inner$')" 3
expect_eq "folded: main" "$(count_of "$HF_TEST_TMP/ctor.txt" main)" 4
finish
