#!/usr/bin/env bash
# Where heapfold's time goes on the seed benchmark: perf samples grouped into the program, the
# allocator, unwinding, the recorder's own bookkeeping and compression. docs/performance.md.
#
#   B=build tests/bench/profile.sh [SHAPE...]     (shapes: shallow deep realloc prodcons; default
#                                                  shallow deep)
# Needs perf, and permission to use it (root, or kernel.perf_event_paranoid <= 1).
ITERS=${SEED_ITERS:-1000000}
. "$(dirname "${BASH_SOURCE[0]}")/seed_setup.bash" profile perf
cp "$lib" "$tmp/libheapfold.so"

# category SYMBOL DSO: which part of the work a sample belongs to
classify='
function cat(sym, dso) {
	if (dso ~ /kernel/) return "kernel"
	if (dso == "seed") return "program"
	if (sym ~ /^_?U(L)?x86_64_|^unw_|^_U|access_mem|access_reg|^dwarf_|^_Ux86|tdep_|__tls_get_addr|hf_trace_replay/) return "unwind (libunwind)"
	if (sym ~ /fp_walk|hf_unwind/) return "unwind (recorder)"
	if (sym ~ /deflate|longest_match|slide_hash|crc32|compress_block|send_bits|build_tree|pqdownheap|fill_window|_tr_|adler32|gen_bitlen|gen_codes|scan_tree|send_tree|bi_/) return "compression (libdeflate)"
	if (dso ~ /libheapfold/) return "recorder: hooks, stacks, encoding"
	if (dso ~ /^libc/) return "allocator and libc"
	return "other (" dso ")"
}'

for shape in "${@:-shallow deep}"; do
	for shp in $shape; do
		for unwind in libunwind fp; do
			rm -f "$tmp/t.gz"
			perf record -q -F 2000 -o "$tmp/perf.data" -- env LD_PRELOAD="$tmp/libheapfold.so" \
				HEAPFOLD_UNWIND=$unwind HEAPFOLD_OUTPUT="$tmp/t.gz" HEAPFOLD_QUIET=1 \
				"$tmp/seed" "$shp" 2 "$ITERS" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; continue; }
			echo "== seed $shp 2 x $ITERS, heapfold $unwind"
			perf report -i "$tmp/perf.data" --no-children --stdio --sort dso,symbol -F overhead,dso,symbol \
				2>/dev/null | awk "$classify"'
				/^ *[0-9.]+%/ { p = $1; sub(/%/, "", p); dso = $2; sym = ""
					for (i = 3; i < NF; i++) if ($i ~ /^\[.\]$/) { sym = $(i + 1); break }
					s[cat(sym, dso)] += p }
				END { for (k in s) printf "  %6.1f%%  %s\n", s[k], k }' | sort -rn
			echo "  top symbols:"
			perf report -i "$tmp/perf.data" --no-children --stdio --sort symbol 2>/dev/null |
				awk '/^ *[0-9.]+%/ { sub(/ *- *- *$/, ""); printf "    %s\n", $0 }' | head -n 8
		done
	done
done
