#!/usr/bin/env bash
# A short, bounded fuzzing run in every make check: `make fuzz FUZZ_SECONDS=25` (the trace reader,
# then heapfold_print's options and pipeline, 25 s each, one job at a time). Skipped (77) when
# clang or its libFuzzer runtime is missing. A failure names the crashing input under
# $B/fuzz/artifacts/: copy it to tests/fuzz/regress/<target>/ and fix (docs/reliability.md).
set -u
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "skip: $cc is not installed (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
probe=${HF_TEST_TMP:-/tmp}/probe.c
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe" -o "${probe%.c}" >/dev/null 2>&1; then
	echo "skip: $cc cannot link libFuzzer programs (apt-get install libclang-rt-14-dev)"
	exit 77
fi
# A make of our own: not the jobserver of a make check above us.
unset MAKEFLAGS MFLAGS MAKELEVEL
# tests/run.sh made B absolute; make check and make fuzz spell it relative (B=build), and the
# dependency files (-MMD) name objects as spelled: with the other spelling, a changed header would
# not rebuild them (stale objects with an old struct layout).
b=$(realpath --relative-to=. "$B")
[[ $b == ../* ]] && b=$B
make --no-print-directory B="$b" FUZZ_CC="$cc" FUZZ_SECONDS="${FUZZ_SHORT_SECONDS:-25}" fuzz
