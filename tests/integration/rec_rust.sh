# A Rust program (tests/progs/rust/gt_rust.rs, std only), built here by rustc with Rust's legacy
# mangling (the stable default) and with v0: exact counts, bytes and leaks per site (threads
# included), demangled Rust names (no mangled name, no ::h<hash> suffix), stacks starting where
# Rust's own backtraces do (the program's main, a thread's closure), and folded lines that
# flamegraph.pl's grammar accepts whatever the names hold ({{closure}}, <T as Trait>, spaces).
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_DUMP" "$B/lib/libheapfold.so"
rustc=$(command -v rustc || true)
[[ -n $rustc ]] || skip "rustc is not installed: the Rust tests need it"
T=$HF_TEST_TMP
for mangling in legacy v0; do
	flags=(-O -g -C force-frame-pointers=yes)
	[[ $mangling == v0 ]] && flags+=(-C symbol-mangling-version=v0)
	if ! "$rustc" "${flags[@]}" tests/progs/rust/gt_rust.rs -o "$T/gt_rust_$mangling" 2>"$T/rustc.err"; then
		cat "$T/rustc.err"
		skip "rustc could not build the test program ($mangling)"
	fi
	t=$T/$mangling.gz
	traced st out "$T/err" "$t" "$T/gt_rust_$mangling"
	expect_eq "$mangling: exit status" "$st" 0
	expect_eq "$mangling: output" "$out" "gt_rust: ok"
	check_consistent "$t"
	folded "$t" "$T/$mangling.txt"
	folded "$t" "$T/$mangling-bytes.txt" --flamegraph-cost-type bytes
	folded "$t" "$T/$mangling-leaked.txt" --flamegraph-cost-type leaked
	for want in "gt_rust::main;gt_rust::boxes 1000 32000" "gt_rust::main;gt_rust::strings 500 50000" \
		"gt_rust::vectors 600 120000" "gt_rust::main;gt_rust::leak 10 10000"; do
		read -r stack n bytes <<<"$want"
		expect_eq "$mangling: $stack: allocations" "$(count_of "$T/$mangling.txt" "$stack")" "$n"
		expect_eq "$mangling: $stack: bytes" "$(count_of "$T/$mangling-bytes.txt" "$stack")" "$bytes"
	done
	expect_eq "$mangling: leaked by gt_rust::leak" \
		"$(count_of "$T/$mangling-leaked.txt" "gt_rust::main;gt_rust::leak")" 10000
	expect_eq "$mangling: no mangled name" "$(grep -cE '(^|;)_(ZN|R[A-Z])' "$T/$mangling.txt" || true)" 0
	expect_eq "$mangling: no hash suffix" "$(grep -cE '::h[0-9a-f]{16}' "$T/$mangling.txt" || true)" 0
	expect_true "$mangling: Rust names with closures and trait impls" \
		grep -qE '<alloc::vec::Vec<.*> as .*>::from_iter' "$T/$mangling.txt"
done
finish
