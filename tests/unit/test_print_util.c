/* test_print_util.c: heapfold_print's number parsing and formatting (core/hfp_num.c), its
 * command line (core/hfp_options.c), and its pages made present ahead (core/hfp_mem.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_base.h"
#include "../../tools/print/core/hfp_cost.h"
#include "../../tools/print/core/hfp_idindex.h"
#include "../../tools/print/core/hfp_mem.h"
#include "../../tools/print/core/hfp_num.h"
#include "../../tools/print/core/hfp_options.h"

static void test_size_suffixes_are_binary(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		uint64_t want;
	} ok[] = {
		{ "0", 0 },
		{ "123", 123 },
		{ "1K", 1024 },
		{ "1k", 1024 },
		{ "4KB", 4096 },
		{ "4KiB", 4096 },
		{ "2M", 2u << 20 },
		{ "3G", 3ull << 30 },
		{ "1T", 1ull << 40 },
		{ "1.5K", 1536 },
		{ "0.5M", 512u << 10 },
		{ "10B", 10 },
		{ "18446744073709551615", UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		uint64_t v = 42;
		assert_int_equal(hfp_parse_size(ok[i].in, &v), 0);
		assert_true(v == ok[i].want);
	}
}

static void test_size_rejects_bad_suffixes_and_junk(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "K", "-1", "1X", "1KK", "1 K", " 1", "1K ", "1.5", "1.K", ".5K", "1e3", "0x10",
		"18446744073709551616", "20000000000G", "1,000", "1Kx", "1iB",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v = 42;
		assert_int_equal(hfp_parse_size(bad[i], &v), -1);
		assert_true(v == 42);
	}
	uint64_t v;
	assert_int_equal(hfp_parse_uint("12", &v), 0);
	assert_true(v == 12);
	assert_int_equal(hfp_parse_uint("12K", &v), -1);
	assert_int_equal(hfp_parse_uint("", &v), -1);
	assert_int_equal(hfp_parse_uint("99999999999999999999", &v), -1);
}

static void test_human_bytes_match_heaptrack_style(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(hfp_human_bytes(0, b, sizeof b), "0B");
	assert_string_equal(hfp_human_bytes(838, b, sizeof b), "838B");
	assert_string_equal(hfp_human_bytes(1023, b, sizeof b), "1023B");
	assert_string_equal(hfp_human_bytes(1024, b, sizeof b), "1.00K");
	assert_string_equal(hfp_human_bytes(1536, b, sizeof b), "1.50K");
	assert_string_equal(hfp_human_bytes(1048575, b, sizeof b), "1024.00K");
	assert_string_equal(hfp_human_bytes(1048576, b, sizeof b), "1.00M");
	assert_string_equal(hfp_human_bytes(5ull << 30, b, sizeof b), "5.00G");
	assert_string_equal(hfp_human_bytes(UINT64_MAX, b, sizeof b), "16.00E");
	assert_string_equal(hfp_group_digits(0, b, sizeof b), "0");
	assert_string_equal(hfp_group_digits(999, b, sizeof b), "999");
	assert_string_equal(hfp_group_digits(1000, b, sizeof b), "1,000");
	assert_string_equal(hfp_group_digits(1234567, b, sizeof b), "1,234,567");
}

static int parse(struct hfp_options *o, const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)(uintptr_t)"heapfold_print";
	for (; *args; args++)
		argv[argc++] = (char *)(uintptr_t)*args;
	argv[argc] = NULL;
	return hfp_options_parse(o, argc, argv);
}

static void test_options_accept_heaptrack_flags(void **state)
{
	(void)state;
	struct hfp_options o;
	const char *a1[] = { "-l", "1", "-a", "0", "-n", "3", "-s", "2", "t.gz", "-F", "s.txt", NULL };
	assert_int_equal(parse(&o, a1), HFP_EXIT_OK);
	assert_int_equal(o.print_leaks, 1);
	assert_int_equal(o.print_allocators, 0);
	assert_int_equal(o.print_peaks, 1);
	assert_true(o.peak_limit == 3 && o.sub_peak_limit == 2);
	assert_string_equal(o.trace, "t.gz");
	assert_string_equal(o.folded, "s.txt");
	assert_int_equal(o.cost, HFP_COST_ALLOCATIONS);
	hfp_options_free(&o);

	const char *a2[] = { "--print-leaks=0", "-T0", "--temporary", "--min-size", "1K", "t.gz", NULL };
	assert_int_equal(parse(&o, a2), HFP_EXIT_OK);
	assert_int_equal(o.print_leaks, 0);
	assert_int_equal(o.print_temporary, 0);
	assert_int_equal(o.cost, HFP_COST_TEMPORARY); /* --temporary picks the cost */
	assert_true(o.min_size == 1024);
	assert_true(hfp_options_filtered(&o));
	hfp_options_free(&o);

	const char *a3[] = { "--temporary", "--flamegraph-cost-type", "bytes", "--flamegraph", "t.gz", NULL };
	assert_int_equal(parse(&o, a3), HFP_EXIT_OK);
	assert_int_equal(o.cost, HFP_COST_BYTES);
	assert_string_equal(o.folded, "-");
	hfp_options_free(&o);

	/* heaptrack_print names its input with -f/--file: the same as the positional argument. */
	const char *a4[] = { "-f", "t.gz", "-F", "s.txt", NULL };
	assert_int_equal(parse(&o, a4), HFP_EXIT_OK);
	assert_string_equal(o.trace, "t.gz");
	hfp_options_free(&o);
	const char *a5[] = { "--file=t.gz", NULL };
	assert_int_equal(parse(&o, a5), HFP_EXIT_OK);
	assert_string_equal(o.trace, "t.gz");
	hfp_options_free(&o);

	/* Several traces, in the order given, -f and positional alike; --pid and --exe repeat. */
	const char *a6[] = { "a.gz", "-f", "b.gz", "--pid", "12", "--exe", "cc1", "--pid=7", "dir", NULL };
	assert_int_equal(parse(&o, a6), HFP_EXIT_OK);
	assert_int_equal(o.ntraces, 3);
	assert_string_equal(o.traces[0], "a.gz");
	assert_string_equal(o.traces[1], "b.gz");
	assert_string_equal(o.traces[2], "dir");
	assert_string_equal(o.trace, "a.gz");
	assert_true(o.npids == 2 && o.pids[0] == 12 && o.pids[1] == 7);
	assert_true(o.nexes == 1 && strcmp(o.exes[0], "cc1") == 0);
	hfp_options_free(&o);
}

static void test_options_report_usage_errors(void **state)
{
	(void)state;
	struct hfp_options o;
	const char *const *cases[] = {
		(const char *[]){ NULL },
		(const char *[]){ "--bogus", "t.gz", NULL },
		(const char *[]){ "--min-size", "1X", "t.gz", NULL },
		(const char *[]){ "--max-size", "", "t.gz", NULL },
		(const char *[]){ "--flamegraph-cost-type", "calls", "t.gz", NULL },
		(const char *[]){ "--min-size", "2K", "--max-size", "1K", "t.gz", NULL },
		(const char *[]){ "--pid", "12x", "a.gz", NULL },
		(const char *[]){ "--exe", "", "a.gz", NULL },
		(const char *[]){ "-n", "x", "t.gz", NULL },
		(const char *[]){ "--flamegraph", "--svg", "-", "t.gz", NULL },
		(const char *[]){ "t.gz", "-F", NULL },
		(const char *[]){ "--print-leaks=maybe", "t.gz", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(parse(&o, cases[i]), HFP_EXIT_USAGE);
		hfp_options_free(&o);
	}
}

/* hfp_mem_ahead goes HFP_MEM_AHEAD at a time, at least to what is needed, never past the array,
 * and changes no byte: what was written stays, fresh memory stays zero. Where the kernel has
 * MADV_POPULATE_WRITE, the pages it covered are resident afterwards (mincore). */
static void test_pages_made_present_ahead(void **state)
{
	(void)state;
	size_t cap = 5 * HFP_MEM_AHEAD + 12345, done = 0;
	unsigned char *p = hfp_calloc(cap, 1);
	memset(p, 0x5a, 100);
	hfp_mem_ahead(p, 100, cap, &done);
	assert_int_equal(done, HFP_MEM_AHEAD);
	hfp_mem_ahead(p, HFP_MEM_AHEAD, cap, &done); /* already there */
	assert_int_equal(done, HFP_MEM_AHEAD);
	hfp_mem_ahead(p, HFP_MEM_AHEAD + 1, cap, &done);
	assert_int_equal(done, 2 * HFP_MEM_AHEAD);
	hfp_mem_ahead(p, 4 * HFP_MEM_AHEAD, cap, &done); /* a jump: at least what is needed */
	assert_int_equal(done, 4 * HFP_MEM_AHEAD);
	hfp_mem_ahead(p, cap, cap, &done); /* the end: not past it */
	assert_int_equal(done, cap);
	for (size_t i = 0; i < cap; i++)
		if (p[i] != (i < 100 ? 0x5a : 0))
			fail_msg("byte %zu changed", i);
#ifdef MADV_POPULATE_WRITE
	long page = sysconf(_SC_PAGESIZE);
	void *probe = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(probe != MAP_FAILED);
	int supported = madvise(probe, (size_t)page, MADV_POPULATE_WRITE) == 0;
	munmap(probe, (size_t)page);
	size_t len = 2 * HFP_MEM_AHEAD, first = 0;
	void *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(q != MAP_FAILED);
	hfp_mem_ahead(q, 1, len, &first);
	unsigned char *vec = calloc(len / (size_t)page, 1);
	assert_non_null(vec);
	assert_int_equal(mincore(q, len, vec), 0);
	size_t resident = 0;
	for (size_t i = 0; i < len / (size_t)page; i++)
		resident += vec[i] & 1;
	if (supported)
		assert_true(resident >= HFP_MEM_AHEAD / (size_t)page); /* the first megabyte (more
									* with huge pages always on) */
	else
		print_message("SKIP residency: this kernel has no MADV_POPULATE_WRITE\n");
	free(vec);
	munmap(q, len);
#endif
	free(p);
}

/* Only the whole pages inside the range go back: the bytes around it keep what they held. */
static void test_pages_released_inside_the_range_only(void **state)
{
	(void)state;
	long page = sysconf(_SC_PAGESIZE);
	size_t len = 8 * (size_t)page;
	unsigned char *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(q != MAP_FAILED);
	memset(q, 0x5a, len);
	hfp_mem_release(q + 100, 5 * (size_t)page); /* pages 1 to 4 whole, 0 and 5 in part */
	unsigned char vec[8];
	assert_int_equal(mincore(q, len, vec), 0); /* before the reads below map them again */
	for (size_t i = 0; i < 8; i++)
		if ((vec[i] & 1) != (i < 1 || i >= 5))
			fail_msg("page %zu: resident %u", i, vec[i] & 1);
	for (size_t i = 0; i < len; i++) {
		int gone = i >= (size_t)page && i < 5 * (size_t)page;
		if (q[i] != (gone ? 0 : 0x5a))
			fail_msg("byte %zu: %u", i, q[i]);
	}
	munmap(q, len);
}

static uint64_t test_hash(uint32_t id)
{
	return (uint64_t)id * UINT64_C(0x9e3779b97f4a7c15);
}

static int same_id(void *ctx, uint32_t id)
{
	return *(uint32_t *)ctx == id;
}

/* An index made its size at once holds what it was made for without growing, finds every id,
 * and still grows past it. */
static void test_index_reserved_then_grown(void **state)
{
	(void)state;
	struct hfp_idindex x = { 0 };
	hfp_idindex_reserve(&x, 3000);
	uint64_t *slot = x.slot;
	assert_true(x.limit >= 3000);
	size_t at;
	for (uint32_t id = 0; id < 3000; id++) {
		assert_int_equal(hfp_idindex_find(&x, test_hash(id), same_id, &id, &at), UINT32_MAX);
		hfp_idindex_add(&x, test_hash(id), at, id);
	}
	assert_ptr_equal(x.slot, slot); /* no growth */
	hfp_idindex_reserve(&x, 10); /* never smaller */
	assert_ptr_equal(x.slot, slot);
	hfp_idindex_reserve(&x, 2 * x.limit); /* bigger: the ids re-placed */
	for (uint32_t id = 3000; id < 20000; id++) {
		assert_int_equal(hfp_idindex_find(&x, test_hash(id), same_id, &id, &at), UINT32_MAX);
		hfp_idindex_add(&x, test_hash(id), at, id);
	}
	for (uint32_t id = 0; id < 20000; id++)
		assert_int_equal(hfp_idindex_find(&x, test_hash(id), same_id, &id, &at), id);
	assert_int_equal(x.n, 20000);
	hfp_idindex_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_suffixes_are_binary),
		cmocka_unit_test(test_size_rejects_bad_suffixes_and_junk),
		cmocka_unit_test(test_human_bytes_match_heaptrack_style),
		cmocka_unit_test(test_options_accept_heaptrack_flags),
		cmocka_unit_test(test_options_report_usage_errors),
		cmocka_unit_test(test_pages_made_present_ahead),
		cmocka_unit_test(test_pages_released_inside_the_range_only),
		cmocka_unit_test(test_index_reserved_then_grown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
