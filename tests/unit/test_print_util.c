/* test_print_util.c: heapfold_print's number parsing and formatting (core/hfp_num.c) and its
 * command line (core/hfp_options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_base.h"
#include "../../tools/print/core/hfp_cost.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_suffixes_are_binary),
		cmocka_unit_test(test_size_rejects_bad_suffixes_and_junk),
		cmocka_unit_test(test_human_bytes_match_heaptrack_style),
		cmocka_unit_test(test_options_accept_heaptrack_flags),
		cmocka_unit_test(test_options_report_usage_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
