# A program that closes every descriptor it did not open, or dup2s over them
# (tests/progs/rec_closefds.c): the recorder opens its trace again (same file, checked by device
# and inode) and loses nothing, at start or mid-run; and when the trace cannot be reopened, its
# one-line error never goes into a file the program opened as descriptor 2.
. tests/lib/hftest.sh
need "$HF_LAUNCHER" "$HF_DUMP" "$HF_PROGS/rec_closefds" "$B/lib/libheapfold.so"
T=$HF_TEST_TMP
for mode in start mid dup2; do
	t=$T/$mode.gz
	traced st out "$T/$mode.err" "$t" "$HF_PROGS/rec_closefds" "$mode"
	expect_eq "$mode: exit status" "$st" 0
	expect_eq "$mode: output" "$out" "rec_closefds: ok"
	check_consistent "$t"
	expect_eq "$mode: allocations" "$(summary "$t" allocations)" 210
	expect_eq "$mode: frees" "$(summary "$t" frees)" 200
	expect_eq "$mode: leaked bytes" "$(summary "$t" leaked_bytes)" 320
	expect_true "$mode: the reopening said in one line" \
		grep -q "closed or replaced the descriptor of trace .*; reopened it" "$T/$mode.err"
done

# The trace removed, descriptor 2 now the program's data file: the recorder stops, silently.
traced st out "$T/stderr.err" "$T/gone.gz" "$HF_PROGS/rec_closefds" stderr "$T/data" "$T/gone.gz"
expect_eq "stderr: exit status" "$st" 0
expect_eq "stderr: output" "$out" "rec_closefds: ok"
expect_eq "stderr: the program's data file holds only its own 10 bytes" "$(cat "$T/data")" 0123456789
finish
