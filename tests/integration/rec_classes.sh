# Allocations named by their size class's last address (format 5's K register), with frees of
# older addresses beside them: every count exact, with glibc and with musl (whose allocator
# reuses blocks differently, so other records carry the same addresses).
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/gt_classes" "$B/lib/libheapfold.so"
n=20000
leaked_blocks=$(((n + 6) / 7))
leaked_bytes=$(awk -v n=$n 'BEGIN { for (i = 0; i < n; i += 7) s += i % 1000 + 1; print s }')
check() { # label trace
	check_consistent "$2"
	expect_eq "$1: loop_alloc allocs" "$(stack_field "$2" malloc loop_alloc allocs)" $n
	expect_eq "$1: loop_alloc temporary" "$(stack_field "$2" malloc loop_alloc temporary)" $n
	expect_eq "$1: loop_alloc leaked" "$(stack_field "$2" malloc loop_alloc leaked_blocks)" 0
	expect_eq "$1: kept_alloc allocs" "$(stack_field "$2" malloc kept_alloc allocs)" $n
	expect_eq "$1: kept_alloc leaked blocks" "$(stack_field "$2" malloc kept_alloc leaked_blocks)" "$leaked_blocks"
	expect_eq "$1: kept_alloc leaked bytes" "$(stack_field "$2" malloc kept_alloc leaked_bytes)" "$leaked_bytes"
	expect_eq "$1: kept_alloc temporary" "$(stack_field "$2" malloc kept_alloc temporary)" 0
}
t=$HF_TEST_TMP/classes.gz
"$HF_LAUNCHER" -q -o "$t" "$HF_PROGS/gt_classes"
check glibc "$t"
if [[ -x $B/tests/progs-musl/gt_classes && -f $B/lib/musl/libheapfold.so ]]; then
	t=$HF_TEST_TMP/classes-musl.gz
	"$HF_LAUNCHER" -q -o "$t" "$B/tests/progs-musl/gt_classes"
	check musl "$t"
else
	echo "SKIP musl: no musl build of gt_classes or of the recorder (musl-gcc missing)"
fi
finish
