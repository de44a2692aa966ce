# heapfold_print on damaged traces and failing outputs: a truncated trace is read up to the
# damage with a warning (exit 0), an empty one or a corrupt or future-version one is refused
# (exit 1), an output
# on a full disk is an output error (exit 3), a closed pipe on standard output ends the tool
# quietly (exit 0), and a failed run leaves no files.
. tests/lib/hftest.sh
. tests/integration/print_lib.bash
need "$HF_LAUNCHER" "$HP" "$HF_PROGS/print_costs" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
t=$T/good.gz
traced st out "$T/err" "$t" "$HF_PROGS/print_costs"
expect_eq "exit status" "$st" 0
size=$(stat -c %s "$t")

run() { # STATUS-VAR OPTIONS...: runs heapfold_print, output to $T/out, errors to $T/stderr
	local -n _s=$1
	shift
	set +e
	"$HP" --no-progress "$@" >"$T/out" 2>"$T/stderr"
	_s=$?
	set -e
}

# Nothing recorded (an empty file, or one cut inside its first chunk): an error, not a report of
# a program that allocated nothing.
: >"$T/empty.gz"
head -c 30 "$t" >"$T/first.gz"
for f in empty first; do
	run st "$T/$f.gz" -F "$T/$f.txt"
	expect_eq "$f: exit status" "$st" 1
	expect_eq "$f: one line" "$(wc -l <"$T/stderr")" 1
	expect_true "$f: why" grep -q "^heapfold_print: .*$f.gz: no complete chunk: nothing was recorded" "$T/stderr"
	expect_true "$f: no output left" test ! -e "$T/$f.txt"
	expect_eq "$f: no report" "$(wc -c <"$T/out")" 0
done

# Truncated inside the last chunk: the complete chunks are used, with a warning on stderr and
# at the top of the report.
head -c $((size - 3)) "$t" >"$T/cut.gz"
run st "$T/cut.gz"
expect_eq "truncated: exit status" "$st" 0
expect_true "truncated: warning on stderr" grep -q '^heapfold_print: warning: .*truncated' "$T/stderr"
expect_true "truncated: warning in the report" grep -q '^warning: .*truncated' "$T/out"
expect_true "truncated: report still written" grep -q '^total memory leaked' "$T/out"

# One byte changed inside the first chunk's compressed data: corrupt.
cp "$t" "$T/corrupt.gz"
b=$(od -An -tu1 -j 80 -N1 "$T/corrupt.gz" | tr -d ' ')
printf "$(printf '\\%03o' $(((b + 1) % 256)))" | dd of="$T/corrupt.gz" bs=1 seek=80 conv=notrunc status=none
run st "$T/corrupt.gz" -F "$T/corrupt.txt"
expect_eq "corrupt: exit status" "$st" 1
expect_eq "corrupt: one line" "$(wc -l <"$T/stderr")" 1
expect_true "corrupt: message" grep -q '^heapfold_print: ' "$T/stderr"
expect_true "corrupt: no output file left" test ! -e "$T/corrupt.txt"

# A future major version (the first byte of the chunk header, at offset 16).
cp "$t" "$T/future.gz"
printf '\x09' | dd of="$T/future.gz" bs=1 seek=16 conv=notrunc status=none
run st "$T/future.gz"
expect_eq "future version: exit status" "$st" 1
expect_true "future version: names the versions" grep -q '^heapfold_print: .*9' "$T/stderr"

# Outputs: a full disk, an unwritable place, a closed pipe.
run st "$t" -F /dev/full
expect_eq "full disk: exit status" "$st" 3
expect_true "full disk: message" grep -q '^heapfold_print: write error on /dev/full: No space left' "$T/stderr"
run st "$t" -o "$T/no/such/dir/report.txt"
expect_eq "unwritable: exit status" "$st" 3
# A failed run removes only outputs it created: never an existing file, never a device.
echo precious >"$T/existing.txt"
run st "$T/future.gz" -F "$T/existing.txt" -o /dev/null
expect_eq "failed run: exit status" "$st" 1
expect_true "failed run: the existing output file is still there" test -f "$T/existing.txt"
expect_true "failed run: /dev/null is still a device" test -c /dev/null
run st "$T/future.gz" -F "$T/new.txt"
expect_true "failed run: a new output file is removed" test ! -e "$T/new.txt"
set +e
(sleep 0.5; exec "$HP" --no-progress "$t" --flamegraph 2>"$T/stderr") | true
st=${PIPESTATUS[0]}
set -e
# A reader that had enough (| head) is not an error: quiet, status 0, as cat and git log.
expect_eq "closed pipe: exit status" "$st" 0
expect_eq "closed pipe: nothing said" "$(cat "$T/stderr")" ""
set +e
(sleep 0.5; exec "$HP" --no-progress "$t" 2>"$T/stderr2") | head -c 10 >/dev/null
st=${PIPESTATUS[0]}
set -e
expect_eq "report into | head: exit status" "$st" 0
expect_eq "report into | head: nothing said" "$(cat "$T/stderr2")" ""
finish
