/* A cmocka unit test that asserts on the heap with heapfold's statistics (docs/linking.md):
 * every test checks that the code under test gives back all it allocated (current_bytes back
 * to its value before), and bounds its peak (hf_stats_reset_peak, then peak_bytes). The
 * statistics count from program start whether or not a trace is written: run it with
 * HEAPFOLD_DISABLE=1 to skip the trace.
 *
 *   cc test_strbuf.c strbuf.c $(pkg-config --cflags --libs heapfold) -lcmocka -o test_strbuf
 *   HEAPFOLD_DISABLE=1 ./test_strbuf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <heapfold.h>

#include "strbuf.h"

static hf_stats_t heap(void)
{
	hf_stats_t s = { .size = sizeof s };
	assert_int_equal(hf_stats(&s), HF_OK);
	return s;
}

/* The heap at the start of a test, and its peak from there on. */
static hf_stats_t begin(void)
{
	assert_int_equal(hf_stats_reset_peak(), HF_OK);
	return heap();
}

/* No leak: as many live bytes and blocks as at the start. */
static void assert_no_leak(const hf_stats_t *before)
{
	hf_stats_t now = heap();
	assert_int_equal(now.current_bytes, before->current_bytes);
	assert_int_equal(now.current_blocks, before->current_blocks);
}

static void test_append_is_leak_free(void **state)
{
	(void)state;
	hf_stats_t before = begin();
	struct strbuf b = { 0 };
	for (unsigned long i = 0; i < 1000; i++)
		assert_int_equal(strbuf_append_u(&b, i), 0);
	assert_int_equal(b.len, 2890); /* 10 + 90 * 2 + 900 * 3 digits */
	strbuf_free(&b);
	assert_no_leak(&before);
}

static void test_append_peak_is_bounded(void **state)
{
	(void)state;
	hf_stats_t before = begin();
	struct strbuf b = { 0 };
	for (int i = 0; i < 10000; i++)
		assert_int_equal(strbuf_append(&b, "x", 1), 0);
	hf_stats_t s = heap();
	/* Doubling: the buffer is less than twice what it holds, and realloc frees the old block,
	 * so the peak is below 2 x 2 x 10001 bytes plus allocator rounding. */
	assert_true(s.peak_bytes - before.current_bytes < 4 * 10001 + 64);
	/* log2(10001 / 16) + 1 reallocations, no more. */
	assert_true(s.total_allocs - before.total_allocs <= 11);
	strbuf_free(&b);
	assert_no_leak(&before);
}

static void test_join(void **state)
{
	(void)state;
	hf_stats_t before = begin();
	const char *parts[] = { "heap", "fold", "static" };
	struct strbuf b = { 0 };
	assert_int_equal(strbuf_join(&b, parts, 3, ", "), 0);
	assert_string_equal(b.data, "heap, fold, static");
	strbuf_free(&b);
	assert_no_leak(&before);
}

/* The check works: the broken free leaves exactly the buffer behind. */
static void test_leak_is_caught(void **state)
{
	(void)state;
	hf_stats_t before = begin();
	struct strbuf b = { 0 };
	assert_int_equal(strbuf_append(&b, "lost", 4), 0);
	char *data = b.data;
	strbuf_free_leaky(&b);
	hf_stats_t now = heap();
	assert_int_equal(now.current_blocks, before.current_blocks + 1);
	assert_true(now.current_bytes >= before.current_bytes + 16);
	free(data); /* tidy up after the demonstration */
	assert_no_leak(&before);
}

int main(void)
{
	/* Without heapfold linked, there is nothing to assert with. */
	if (hf_version() != HF_VERSION_NUM) {
		print_error("heapfold %x linked, header %x\n", hf_version(), HF_VERSION_NUM);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_is_leak_free),
		cmocka_unit_test(test_append_peak_is_bounded),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_leak_is_caught),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
