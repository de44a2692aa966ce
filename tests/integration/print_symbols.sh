# Symbolization against programs with known stacks: static functions with their lines, inlined
# frames caller first (tests/progs/inl_print.c, -O2), C++ names, a stripped binary with its debug
# file under --debug-path in the .build-id layout, a moved binary found through --debug-path, and
# a rebuilt binary whose build-id no longer matches: refused with one warning.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_sym" "$HF_PROGS/inl_print" "$HF_PROGS/print_cxx" "$HF_PROGS/print_names" \
	"$B/lib/libheapfold.so"
T=$HF_TEST_TMP
SYM_STACK="main;sym_outer;sym_middle;sym_leaf"

record() { # TRACE PROGRAM
	local st out
	traced st out "$T/err" "$1" "$2"
	expect_eq "$(basename "$2"): exit status" "$st" 0
}

# Static functions, with their source lines in the report.
record "$T/sym.gz" "$HF_PROGS/print_sym"
folded "$T/sym.gz" "$T/sym.txt"
expect_eq "static functions" "$(count_of "$T/sym.txt" "$SYM_STACK")" 3
line=$(grep -n 'kept\[i\] = malloc(64)' tests/progs/print_sym.c | cut -d: -f1)
"$HP" --no-progress "$T/sym.gz" -o "$T/sym.report"
expect_true "report: sym_leaf at print_sym.c:$line" grep -A1 -q '^sym_leaf$' "$T/sym.report"
expect_true "report: source line" grep -q "^  at .*print_sym.c:$line\$" "$T/sym.report"
folded "$T/sym.gz" "$T/above.txt" --print-above-main
expect_true "--print-above-main shows frames above main" \
	grep -q ".;$SYM_STACK 3\$" "$T/above.txt"

# Inlined frames: the caller first, the innermost inlined function last.
record "$T/inl.gz" "$HF_PROGS/inl_print"
folded "$T/inl.gz" "$T/inl.txt"
expect_eq "inlined frames in order" "$(count_of "$T/inl.txt" "main;inl_caller;inl_middle;inl_leaf")" 4
# ... each at its own line: the leaf where it allocates, each caller where it was inlined.
"$HP" --no-progress "$T/inl.gz" -o "$T/inl.report"
for fn_pat in 'inl_leaf:kept\[i\] = malloc(48)' 'inl_middle:^	inl_leaf(i);' 'inl_caller:^		inl_middle(i);'; do
	fn=${fn_pat%%:*}
	want=$(grep -n "${fn_pat#*:}" tests/progs/inl_print.c | cut -d: -f1)
	got=$(awk -v f="$fn" '$1 == f { getline; if (match($0, /inl_print\.c:[0-9]+$/)) {
		print substr($0, RSTART + 12); exit } }' "$T/inl.report")
	expect_eq "inlined frame $fn: line" "$got" "$want"
done

# C++: demangled names of template instances and methods, the stacks cut above operator new.
record "$T/cxx.gz" "$HF_PROGS/print_cxx"
folded "$T/cxx.gz" "$T/cxx.txt"
expect_eq "make_array<int>" "$(sum_matching "$T/cxx.txt" '^main;int\* ns::make_array<int>\(unsigned long\)$')" 2
expect_eq "make_array<double>" \
	"$(sum_matching "$T/cxx.txt" '^main;double\* ns::make_array<double>\(unsigned long\)$')" 3
expect_eq "ns::Pool::grow()" "$(sum_matching "$T/cxx.txt" '^main;ns::Pool::grow\(\)$')" 5
# --shorten-templates (heaptrack_print's default): the arguments dropped, the counts kept.
folded "$T/cxx.gz" "$T/cxx-short.txt" --shorten-templates
expect_eq "--shorten-templates: make_array<>, int" \
	"$(sum_matching "$T/cxx-short.txt" '^main;int\* ns::make_array<>\(unsigned long\)$')" 2
expect_eq "--shorten-templates: make_array<>, double" \
	"$(sum_matching "$T/cxx-short.txt" '^main;double\* ns::make_array<>\(unsigned long\)$')" 3
expect_eq "--shorten-templates: no argument left" "$(grep -c 'make_array<[^>]' "$T/cxx-short.txt" || true)" 0

# libc's functions by their public names: strdup, not __strdup or __GI___strdup.
record "$T/names.gz" "$HF_PROGS/print_names"
folded "$T/names.gz" "$T/names.txt"
expect_eq "strdup by its public name" "$(count_of "$T/names.txt" "main;strdup")" 5
expect_eq "no internal alias anywhere" "$(grep -c -e '__GI_' -e ';__strdup' "$T/names.txt")" 0

# A stripped binary, its debug file in DIR/.build-id/xx/rest.debug.
mkdir -p "$T/stripped" "$T/dbg"
cp "$HF_PROGS/print_sym" "$T/stripped/print_sym"
id=$(build_id "$T/stripped/print_sym")
mkdir -p "$T/dbg/.build-id/${id:0:2}"
objcopy --only-keep-debug "$T/stripped/print_sym" "$T/dbg/.build-id/${id:0:2}/${id:2}.debug"
strip "$T/stripped/print_sym"
expect_eq "strip keeps the build-id" "$(build_id "$T/stripped/print_sym")" "$id"
record "$T/stripped.gz" "$T/stripped/print_sym"
folded "$T/stripped.gz" "$T/stripped.txt" --debug-path "$T/dbg"
expect_eq "stripped + debug file" "$(count_of "$T/stripped.txt" "$SYM_STACK")" 3
folded "$T/stripped.gz" "$T/stripped-nodbg.txt"
expect_true "stripped, no debug file: no names" grep -q '\[print_sym+0x[0-9a-f]*\]' "$T/stripped-nodbg.txt"
expect_true "stripped, no debug file: no wrong names" \
	bash -c "! grep -q 'sym_leaf' '$T/stripped-nodbg.txt'"

# A binary moved after recording: found by name in a --debug-path directory.
mkdir -p "$T/orig" "$T/moved"
cp "$HF_PROGS/print_sym" "$T/orig/print_sym"
record "$T/moved.gz" "$T/orig/print_sym"
mv "$T/orig/print_sym" "$T/moved/print_sym"
"$HP" --no-progress "$T/moved.gz" -o /dev/null -F "$T/moved-lost.txt" 2>"$T/moved.err"
expect_true "moved: warns it is not found" grep -q "warning: .*print_sym.* not found" "$T/moved.err"
expect_true "moved: [module+0xOFFSET] frames" grep -q '\[print_sym+0x[0-9a-f]*\]' "$T/moved-lost.txt"
folded "$T/moved.gz" "$T/moved.txt" --debug-path "$T/moved"
expect_eq "moved + --debug-path" "$(count_of "$T/moved.txt" "$SYM_STACK")" 3

# Rebuilt after recording (other code, so another build-id): never used, one warning.
mkdir -p "$T/rebuilt"
cp "$HF_PROGS/print_sym" "$T/rebuilt/print_sym"
record "$T/rebuilt.gz" "$T/rebuilt/print_sym"
${CC:-cc} -std=gnu11 -O1 -g -D_GNU_SOURCE -fno-omit-frame-pointer -fno-inline -pthread -Itests/progs \
	-DVARIANT=2 tests/progs/print_sym.c -o "$T/rebuilt/print_sym"
expect_true "the rebuild has another build-id" \
	test "$(build_id "$T/rebuilt/print_sym")" != "$(build_id "$HF_PROGS/print_sym")"
"$HP" --no-progress "$T/rebuilt.gz" -o /dev/null -F "$T/rebuilt.txt" 2>"$T/rebuilt.err"
check_folded "$T/rebuilt.txt"
expect_eq "mismatch: one warning" "$(grep -c 'build-id does not match' "$T/rebuilt.err")" 1
expect_true "mismatch: no names from the wrong file" bash -c "! grep -q 'sym_' '$T/rebuilt.txt'"
expect_true "mismatch: [module+0xOFFSET] frames" grep -q '\[print_sym+0x[0-9a-f]*\]' "$T/rebuilt.txt"
finish
