# examples/rust-service, built with cargo offline (std only) into the build directory:
#   - its heap tests (cargo test: tests/heap.rs), five scoped measurements of heapfold's live
#     statistics through FFI in one test binary, exact allocations, no leak, a peak bound;
#   - the service profiled through the launcher on a known session: 100 SET kI vI (I = 0..99),
#     50 GET KI (I = 0..49), 49 DEL kI (I = 50..98), QUIT. Keys "k0".."k9" and values "v0".."v9"
#     are 2 bytes, the others 3. fold_key allocates each request's key once: 199 allocations,
#     290 + 140 + 147 = 577 bytes, the 99 of GET and DEL temporary; SET keeps a value (100
#     allocations, 290 bytes); at QUIT the service exits with 51 keys and values live:
#     143 + 143 bytes leaked under Store::set. Demangled Rust names, and stacks that start at
#     the service's main (std's runtime frames cut away, as in Rust's own backtraces).
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$B/lib/libheapfold.so"
cargo=$(command -v cargo || true)
[[ -n $cargo ]] || skip "cargo is not installed: the Rust example needs it"
T=$HF_TEST_TMP
export CARGO_TARGET_DIR=$B/examples/rust-service
src=$PWD/examples/rust-service
# cargo reads .cargo/config.toml from the directory it runs in: there, the tests' environment.
if ! (cd "$src" && "$cargo" build --release --offline --quiet) >"$T/build.log" 2>&1; then
	cat "$T/build.log"
	echo "FAIL cargo build --release --offline"
	exit 1
fi
set +e
(cd "$src" && LIBHEAPFOLD_DIR=$B/lib "$cargo" test --offline --quiet) >"$T/test.log" 2>&1
st=$?
set -e
expect_eq "cargo test: exit status" "$st" 0
expect_true "cargo test: the five heap tests passed" grep -q '^test result: ok. 5 passed; 0 failed' "$T/test.log"
[[ $st == 0 ]] || cat "$T/test.log"
expect_eq "cargo test: no trace written (HEAPFOLD_DISABLE=1 from .cargo/config.toml)" \
	"$(find "$src" -name 'heapfold.*.gz' | wc -l)" 0

{
	for i in $(seq 0 99); do echo "SET k$i v$i"; done
	for i in $(seq 0 49); do echo "GET K$i"; done
	for i in $(seq 50 98); do echo "DEL k$i"; done
	echo QUIT
} >"$T/session"
t=$T/rust-service.gz
set +e
"$HF_LAUNCHER" -q -o "$t" "$CARGO_TARGET_DIR/release/rust-service" <"$T/session" >"$T/replies"
st=$?
set -e
expect_eq "service: exit status" "$st" 0
expect_eq "service: replies" "$(sort "$T/replies" | uniq -c | awk '$2 != "VALUE" { print $1, $2 }' | tr '\n' ' ')" \
	"1 BYE 149 OK "
expect_eq "service: GET replies" "$(grep -c '^VALUE v' "$T/replies")" 50
check_consistent "$t"
for c in allocations bytes temporary leaked; do
	folded "$t" "$T/$c.txt" --flamegraph-cost-type "$c"
done
fold='^rust_service::main;rust_service::Store::(set|get|del);rust_service::fold_key(;|$)'
expect_eq "fold_key allocations" "$(sum_matching "$T/allocations.txt" "$fold")" 199
expect_eq "fold_key bytes" "$(sum_matching "$T/bytes.txt" "$fold")" 577
expect_eq "fold_key temporary (GET, DEL)" "$(sum_matching "$T/temporary.txt" "$fold")" 99
expect_eq "fold_key temporary in SET" "$(sum_matching "$T/temporary.txt" 'Store::set')" 0
expect_eq "SET's values" "$(count_of "$T/allocations.txt" 'rust_service::main;rust_service::Store::set') $(count_of "$T/bytes.txt" 'rust_service::main;rust_service::Store::set')" "100 290"
expect_eq "leaked under Store::set (keys and values)" "$(sum_matching "$T/leaked.txt" '^rust_service::main;rust_service::Store::set(;|$)')" 286
expect_eq "no mangled name" "$(grep -cE '(^|;)_(ZN|R[A-Z])' "$T/allocations.txt" || true)" 0
expect_eq "no hash suffix" "$(grep -cE '::h[0-9a-f]{16}' "$T/allocations.txt" || true)" 0
expect_eq "no std runtime frame above the service's main" \
	"$(grep -E 'rust_service::' "$T/allocations.txt" | grep -cvE '^rust_service::main(;| )' || true)" 0
finish
