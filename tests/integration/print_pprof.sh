# --pprof (tools/print/emit/hfp_pprof.c) read by its real client, `go tool pprof` (Debian's
# golang-go, installed by the deps step), on tests/progs/print_costs.c's trace: the four sample
# types in pprof's order, each column's total equal to heapfold_print's own (folded allocations,
# folded bytes, leaked blocks, leaked bytes), ids 1..N without gaps, the functions by name, and
# the filters applied.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_DUMP" "$HF_PROGS/print_costs" "$HF_PROGS/print_many" "$B/lib/libheapfold.so"
go=$(command -v go || echo /usr/lib/go/bin/go)
[[ -x $go ]] || skip "go is not installed (tools/dev/deps.sh installs golang-go)"
T=$HF_TEST_TMP
export HOME=$T GOCACHE=$T/gocache GOFLAGS=-mod=mod # go wants a cache even for a tool
traced st out "$T/err" "$T/costs.gz" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0

# columns FILE: the -raw sample lines' four column totals
columns() {
	"$go" tool pprof -raw "$1" 2>"$T/pprof.err" | awk '
		/^Samples:/ { in_s = 1; next } /^Locations/ { in_s = 0 }
		in_s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ { a += $1; b += $2; c += $3; d += $4 }
		END { printf "%d %d %d %d\n", a, b, c, d }'
}
sum() { awk '{ s += $NF } END { print s + 0 }' "$1"; }

"$HP" --no-progress "$T/costs.gz" --pprof "$T/p.pb.gz" -F "$T/alloc.txt"
"$HP" --no-progress "$T/costs.gz" -F "$T/bytes.txt" --flamegraph-cost-type bytes
"$HP" --no-progress "$T/costs.gz" -F "$T/leaked.txt" --flamegraph-cost-type leaked
expect_true "gzip" gzip -t "$T/p.pb.gz"
want="$(sum "$T/alloc.txt") $(sum "$T/bytes.txt") $(summary "$T/costs.gz" leaked_blocks) $(sum "$T/leaked.txt")"
expect_eq "the four columns' totals (alloc_objects alloc_space inuse_objects inuse_space)" \
	"$(columns "$T/p.pb.gz")" "$want"
expect_eq "go tool pprof said nothing" "$(cat "$T/pprof.err")" ""
raw=$("$go" tool pprof -raw "$T/p.pb.gz" 2>/dev/null)
expect_eq "sample types, in pprof's order" "$(sed -n '/^Samples:/{n;p}' <<<"$raw")" \
	"alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes[dflt]"
expect_eq "location ids 1..N without gaps" \
	"$(awk '/^Locations/ { on = 1; next } /^Mappings/ { on = 0 } on { sub(/:.*/, ""); if ($1 != ++n) bad++ } END { print bad + 0 }' <<<"$raw")" 0
expect_eq "the program's mapping carries its build-id" \
	"$(awk -v p="$HF_PROGS/print_costs" '/^Mappings/ { on = 1; next } on && $3 == p { print $4 }' <<<"$raw")" \
	"$(build_id "$HF_PROGS/print_costs")"
expect_true "big_leak named, at its line" grep -q ' big_leak .*print_costs.c:[0-9]' <<<"$raw"
"$go" tool pprof -sample_index=inuse_space -top "$T/p.pb.gz" >"$T/top" 2>/dev/null
expect_true "-top: big_leak holds all in-use bytes" grep -Eq '100% +100% .* big_leak$' "$T/top"
"$go" tool pprof -traces "$T/p.pb.gz" >"$T/traces" 2>/dev/null
expect_true "-traces: main calls big_leak" grep -A1 -q 'big_leak$' "$T/traces"

# The filters apply: blocks of 100,000 bytes or more are big_leak's two.
"$HP" --no-progress "$T/costs.gz" --min-size 100000 --pprof "$T/f.pb.gz"
expect_eq "--min-size 100000: totals" "$(columns "$T/f.pb.gz")" "2 200000 2 200000"

# A profile larger than one gzip member (4 MiB of profile.proto each): 2^18 distinct stacks of
# one 16-byte allocation each (print_many.c), read whole by go tool pprof.
traced st out "$T/err" "$T/many.gz" "$HF_PROGS/print_many" 18
expect_eq "print_many: exit status" "$st" 0
"$HP" --no-progress "$T/many.gz" --pprof "$T/m.pb.gz"
expect_true "more than one gzip member" test "$(python3 -c '
import sys, zlib
d = open(sys.argv[1], "rb").read(); n = 0
while d:
    o = zlib.decompressobj(31); o.decompress(d); d = o.unused_data; n += 1
print(n)' "$T/m.pb.gz")" -gt 1
expect_eq "all of them read: 2^18 allocations of 16 bytes, all freed" "$(columns "$T/m.pb.gz")" \
	"262144 4194304 0 0"
finish
