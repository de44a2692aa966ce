# Allocation functions above malloc (tests/progs/print_allocfn.cpp): operator new in its
# variants and the xmalloc family are cut like malloc, so each allocation shows at the site that
# asked for memory; copy helpers and __cxa_allocate_exception stay visible; --allocator-frame adds
# the program's own wrappers; --show-allocator keeps them all. libstdc++'s exception pool is freed
# at exit, so the leak list of this clean C++ program is empty.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_allocfn" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
traced st out "$T/err" "$T/a.gz" "$HF_PROGS/print_allocfn"
expect_eq "exit status" "$st" 0

folded "$T/a.gz" "$T/default.txt"
for want in "main;site_new 4" "main;site_new_array 3" "main;site_nothrow 2" "main;site_aligned 5" \
	"main;site_xmalloc 6" "main;site_xstrdup;xstrdup 7" "main;site_wrap;my_alloc 8" \
	"main;site_throw;thrower;__cxa_allocate_exception 3"; do
	expect_eq "default: ${want% *}" "$(count_of "$T/default.txt" "${want% *}")" "${want##* }"
done
expect_eq "default: no operator new or xmalloc frame" \
	"$(grep -c -e 'operator new' -e ';xmalloc' -e ';malloc ' "$T/default.txt")" 0

folded "$T/a.gz" "$T/extra.txt" --allocator-frame my_alloc --allocator-frame 'xstr*'
expect_eq "--allocator-frame my_alloc" "$(count_of "$T/extra.txt" "main;site_wrap")" 8
expect_eq "--allocator-frame xstr*" "$(count_of "$T/extra.txt" "main;site_xstrdup")" 7

folded "$T/a.gz" "$T/show.txt" --show-allocator
expect_eq "--show-allocator: new" \
	"$(count_of "$T/show.txt" "main;site_new;operator new(unsigned long);malloc")" 4
expect_eq "--show-allocator: nothrow new" "$(count_of "$T/show.txt" \
	"main;site_nothrow;operator new(unsigned long, std::nothrow_t const&);operator new(unsigned long);malloc")" 2
expect_eq "--show-allocator: aligned new" "$(count_of "$T/show.txt" \
	"main;site_aligned;operator new(unsigned long, std::align_val_t);aligned_alloc")" 5
expect_eq "--show-allocator: xmalloc" "$(count_of "$T/show.txt" "main;site_xmalloc;xmalloc;malloc")" 6

# The report names the site, with or without --show-allocator.
for opt in "" --show-allocator; do
	"$HP" --no-progress "$T/a.gz" -p 0 -T 0 -n 20 $opt -o "$T/report"
	expect_true "report $opt: 4 calls from site_new" \
		grep -A1 -q '^4 calls to allocation functions .* from$' "$T/report"
	expect_eq "report $opt: site of the 4 calls" \
		"$(awk '/^4 calls to allocation functions/ { getline; print; exit }' "$T/report")" site_new
done

"$HP" --no-progress "$T/a.gz" -a 0 -p 0 -T 0 -l 1 -o "$T/leaks"
expect_true "nothing leaked (exception pool freed at exit)" grep -q '^total memory leaked: 0B$' "$T/leaks"

st=0
"$HP" --no-progress "$T/a.gz" -o /dev/null --allocator-frame '*' 2>"$T/star" || st=$?
expect_eq "--allocator-frame '*' refused" "$st" 2
finish
