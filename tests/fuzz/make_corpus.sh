#!/usr/bin/env bash
# Regenerates the seed corpora tests/fuzz/corpus/{reader,print} from real recordings (they are
# committed; run this only to refresh them, then check the sizes: the whole corpus stays under
# about 200 KiB). Traces of older formats are kept as they were recorded, not made here:
# gt_deep_major2.gz (format 2), gt_deep_f3.gz, synthetic_all_records_f3.gz, gt_family_f3.gz and
# print_threads_f3.gz (format 3: records, no columns), gt_deep_f4.gz and
# synthetic_all_records_f4.gz (format 4: no size-class slots), gt_deep_f5.gz and
# synthetic_all_records_f5.gz (format 5: places in a column of their own).
#   make all tests && B=build tests/fuzz/make_corpus.sh
# The programs and the preload library are copied into a scratch directory first and run from
# there, so the traces name that directory, not the build tree.
set -eu
B=$(cd "${B:-build}" && pwd)
root=$(pwd)
out_r=$root/tests/fuzz/corpus/reader
out_p=$root/tests/fuzz/corpus/print
scratch=$(mktemp -d /tmp/hfcorpus.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cp "$B/lib/libheapfold.so" "$B"/tests/progs/{gt_family,gt_threads,gt_deep,gt_fork,gt_cxx,print_sym,print_threads} "$scratch/"
cc -std=gnu11 -O2 -g -pthread -o "$scratch/seed" tests/bench/seed.c
mkdir -p "$out_r" "$out_p"
cd "$scratch"

rec() { # output, environment..., program, arguments...
	local o=$1
	shift
	env LD_PRELOAD=./libheapfold.so HEAPFOLD_OUTPUT="$o" "$@" >/dev/null 2>&1 || true
}

# ---- real traces ----
rec gt_family.gz ./gt_family
rec gt_deep.gz ./gt_deep
rec gt_deep_depth3.gz HEAPFOLD_MAX_DEPTH=3 ./gt_deep
rec gt_cxx.gz ./gt_cxx
rec gt_fork.gz HEAPFOLD_FOLLOW=1 ./gt_fork
rm -f gt_fork.[0-9]*.gz
rec print_sym.gz ./print_sym
rec print_threads.gz ./print_threads
rec gt_threads.gz ./gt_threads
rec seed3_deep.gz ./seed deep 3 300
rec seed2_fp_depth8.gz HEAPFOLD_UNWIND=fp HEAPFOLD_MAX_DEPTH=8 ./seed deep 2 200
# Killed with SIGKILL: no CLOSE record (an incomplete trace).
{
	(LD_PRELOAD=./libheapfold.so HEAPFOLD_OUTPUT=killed_sleep.gz HEAPFOLD_FLUSH_MS=100 exec sleep 5) &
	sleep 1.2
	kill -9 $! || true
	wait $! || true
} 2>/dev/null

# A synthetic trace with every record type (the test trace builder; see make_synthetic.c).
cc -std=gnu11 -D_GNU_SOURCE -I"$root/include" -I"$root/lib" -I"$root/lib/format" -I"$root/tests/unit" \
	"$root/tests/fuzz/make_synthetic.c" "$root/tests/unit/util_tracegen.c" "$B/lib/libheapfold_trace.a" \
	-lz -o make_synthetic
./make_synthetic synthetic_all_records.gz

# ---- variants ----
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
# Offsets at which the members of a trace start, one per line.
members() {
	local f=$1 off=0 size
	size=$(stat -c %s "$f")
	while ((off + 64 <= size)); do
		echo "$off"
		off=$((off + 64 + $(le32 "$f" $((off + 28))) + 8))
	done
}
put_byte() { printf "\\x$(printf %02x "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

head -c 8192 gt_threads.gz >gt_threads_cut8k.gz # 34 threads, cut inside a chunk
rm gt_threads.gz                                # 16 KiB: too big a seed
: >empty
head -c 30 gt_family.gz >gt_family_cut30       # inside the first member header
head -c $(($(stat -c %s gt_family.gz) / 2)) gt_family.gz >gt_family_cut_half.gz
{ cat killed_sleep.gz; head -c 512 /dev/zero; } >killed_zero_tail.gz
{ cat killed_sleep.gz; printf 'garbage after the last chunk'; } >killed_garbage_tail.gz
cp gt_family.gz gt_family_bad_crc.gz
put_byte gt_family_bad_crc.gz 100 0x5a         # inside the first chunk's deflate data
cp gt_deep.gz gt_deep_major7.gz
put_byte gt_deep_major7.gz 16 7                 # the first chunk says format 7.x
last=$(members print_threads.gz | tail -n 1)
head -c "$last" print_threads.gz >print_threads_no_last_chunk.gz
second=$(members print_threads.gz | sed -n 2p)
{ head -c "$second" print_threads.gz; tail -c +$(($(members print_threads.gz | sed -n 3p) + 1)) print_threads.gz; } \
	>print_threads_seq_gap.gz                   # the second chunk is missing
printf 'this is not a trace\n' >not_gzip
printf 'a gzip file, but not a heapfold trace\n' | gzip -n >gzip_not_heapfold.gz

chmod 644 -- *.gz empty gt_family_cut30 not_gzip
cp -- *.gz empty gt_family_cut30 not_gzip "$out_r/"

# ---- heapfold_print seeds: ARGS (NUL-separated) "\0\0" TRACE (see fuzz_print.c) ----
seed() { # name, trace file ("" for none), arguments...
	local name=$1 trace=$2
	shift 2
	{
		printf '%s\0' "$@" | head -c -1
		if [[ -n $trace ]]; then
			printf '\0\0'
			cat "$trace"
		fi
	} >"$out_p/$name"
}
seed report gt_family.gz trace.gz
seed report_leaks_cxx gt_cxx.gz -l trace.gz
seed folded_stdout print_sym.gz -F - trace.gz
seed svg_bytes print_threads.gz --svg out.svg --flamegraph-cost-type bytes trace.gz
seed temporary_hist gt_family.gz --temporary -l -H hist.txt trace.gz
seed filters_output gt_deep_depth3.gz --min-size 1K --max-size 4M --filter-bt-function main -o r.txt trace.gz
seed above_main_peak seed2_fp_depth8.gz --print-above-main --show-allocator --flamegraph \
	--flamegraph-cost-type peak trace.gz
seed limits_threshold killed_sleep.gz -a 0 -p -T false -n 3 -s 2 --temporary-threshold 5 trace.gz
seed leaked_debug_path gt_family.gz --flamegraph-cost-type leaked -F f.txt --debug-path . --sysroot sys trace.gz
seed truncated_trace gt_threads_cut8k.gz -F - --temporary trace.gz
seed synthetic_marks synthetic_all_records.gz -l 1 -F f.txt --show-allocator trace.gz
seed help '' --help
seed version_cluster '' -hv
seed usage_error '' --progress -f trace.gz extra
echo "corpus: $(find "$out_r" "$out_p" -type f | wc -l) files, $(cat "$out_r"/* "$out_p"/* | wc -c) bytes"
