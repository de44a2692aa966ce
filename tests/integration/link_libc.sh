# Allocations made inside libc, in programs linked with heapfold: exact counts for strdup,
# fopen, fdopen + getline, and atexit beyond 32 handlers (musl allocates those through its
# internal __libc_calloc, which only the musl wrap file catches). tests/link/link_libc.c
# derives the numbers; it also prints what hf_stats counted for each function, which must agree
# with the trace. musl's libc has no unwind tables: the callers of its functions are found from
# their machine code (link_callers.sh tests that more widely).
. tests/lib/hftest.sh
. tests/integration/link_lib.bash
need "$HF_DUMP"
printf 'first line of the file\nsecond line\n' >"$HF_TEST_TMP/text"
for m in "${LINK_MODES[@]}"; do
	t=$HF_TEST_TMP/libc-$m.gz
	linked st out "$HF_TEST_TMP/err" "$t" "$(link_bin "$m" link_libc)" "$HF_TEST_TMP/text"
	expect_eq "$m: exit status" "$st" 0
	expect_eq "$m: last line" "$(tail -n 1 <<<"$out")" "link_libc: ok"
	check_consistent "$t"
	# hf_stats' view: "function allocs frees bytes"
	stat() { awk -v f="$1" '$1 == f { print $2, $3, $4 }' <<<"$out"; }
	if [[ $m == musl ]]; then
		# struct FILE + BUFSIZ + UNGET in one block; getdelim grows its buffer with realloc:
		# realloc(NULL, 3) on the empty buffer, realloc(p, 25) for the 23-byte line.
		expect_eq "$m: hf_stats strdup" "$(stat strdup)" "8 8 128"
		expect_eq "$m: hf_stats fopen" "$(stat fopen)" "1 1 1264"
		expect_eq "$m: hf_stats getline" "$(stat getline)" "3 3 1292"
		expect_eq "$m: hf_stats atexit (3 x struct fl)" "$(stat atexit)" "3 0 1560"
		expect_eq "$m: trace strdup" "$(stack_field "$t" malloc strdup allocs) $(stack_field "$t" malloc strdup bytes)" "8 128"
		expect_eq "$m: trace fopen + fdopen" "$(stack_field "$t" malloc __fdopen allocs) $(stack_field "$t" malloc __fdopen bytes)" "2 2528"
		expect_eq "$m: trace getdelim" "$(stack_field "$t" realloc getdelim allocs) $(stack_field "$t" realloc getdelim bytes)" "2 28"
		expect_eq "$m: trace atexit, through __libc_calloc" "$(stack_field "$t" calloc __cxa_atexit allocs) $(stack_field "$t" calloc __cxa_atexit bytes)" "3 1560"
		# The callers of libc's functions, found from the machine code (lib/record/hf_recover.c).
		expect_eq "$m: strdup's caller recovered" \
			"$(frames_of "$t" malloc strdup)" "[no-unwind-info];libc_start_main_stage2;main;with_strdup;strdup"
		expect_eq "$m: via with_strdup" "$(stack_via "$t" malloc with_strdup allocs)" 8
		expect_eq "$m: via with_fopen (fopen, __fdopen)" "$(stack_via "$t" malloc with_fopen bytes)" 1264
		expect_eq "$m: via with_getline" "$(stack_via "$t" malloc with_getline allocs) $(stack_via "$t" realloc with_getline allocs)" "1 2"
		expect_eq "$m: via with_atexit" "$(stack_via "$t" calloc with_atexit allocs)" 3
		expect_eq "$m: allocations" "$(summary "$t" allocations)" 15
	else
		# glibc: fopen allocates the FILE, the first read its buffer (st_blksize); getline
		# starts with 120 bytes; exit_function_list holds 32 handlers in 1040 bytes.
		expect_eq "$m: hf_stats strdup" "$(stat strdup)" "8 8 128"
		expect_eq "$m: hf_stats fopen" "$(stat fopen)" "2 2 4568"
		expect_eq "$m: hf_stats getline" "$(stat getline)" "3 3 4688"
		expect_eq "$m: hf_stats atexit" "$(stat atexit)" "3 0 3120"
		for fn in strdup fopen getline atexit; do
			expect_eq "$m: trace via with_$fn" \
				"$(stack_via "$t" malloc with_$fn allocs) $(stack_via "$t" calloc with_$fn allocs) $(stack_via "$t" malloc with_$fn bytes) $(stack_via "$t" calloc with_$fn bytes)" \
				"$(stat $fn | awk -v f=$fn '{ if (f == "atexit") print 0, $1, 0, $3; else print $1, 0, $3, 0 }')"
		done
		# static glibc: its 5 blocks of before main come on top
		expect_eq "$m: allocations" "$(summary "$t" allocations)" $([[ $m == static ]] && echo 21 || echo 16)
	fi
done
finish
