/* test_print_main.c: hfp_main, heapfold_print's whole entry, called again and again in one process
 * as the fuzzer (tests/fuzz/fuzz_print.c) calls it: each call gives the exit status its
 * arguments deserve, nothing of one call's command line leaks into the next (getopt's state), and
 * standard output set in hfp_stdout stays open and usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_base.h"
#include "../../tools/print/core/hfp_out.h"
#include "../../tools/print/core/hfp_run.h"
#include "hf_codec.h"
#include "util_tracegen.h"

static FILE *out; /* hfp_stdout for every test */

static int setup(void **state)
{
	(void)state;
	out = tmpfile();
	hfp_stdout = out;
	return out ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	hfp_stdout = NULL;
	fclose(out);
	return 0;
}

/* hfp_main on a copy of args (getopt permutes argv), with "heapfold_print" as argv[0]. */
static int run(const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)(uintptr_t)"heapfold_print";
	for (; *args; args++)
		argv[argc++] = (char *)(uintptr_t)*args;
	argv[argc] = NULL;
	return hfp_main(argc, argv);
}

/* What the runs wrote to standard output since the last call, then empties it. */
static char *take_stdout(void)
{
	assert_int_equal(fflush(out), 0);
	assert_false(ferror(out));
	long n = ftell(out);
	assert_true(n >= 0);
	char *s = malloc((size_t)n + 1);
	rewind(out);
	assert_int_equal(fread(s, 1, (size_t)n, out), (size_t)n);
	s[n] = 0;
	rewind(out);
	assert_int_equal(ftruncate(fileno(out), 0), 0);
	return s;
}

static void test_help_and_version_again_and_again(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(run((const char *[]){ "--help", NULL }), HFP_EXIT_OK);
		char *s = take_stdout();
		assert_non_null(strstr(s, "usage: heapfold_print"));
		free(s);
		assert_int_equal(run((const char *[]){ "--version", NULL }), HFP_EXIT_OK);
		s = take_stdout();
		assert_string_equal(s, "heapfold_print " HF_VERSION_STRING "\n");
		free(s);
	}
}

/* "-hv" stops at -h. With getopt reset by optind = 1, the next parse went on from the 'v' left
 * over in that argv: the next call printed the version instead of complaining. */
static void test_a_group_of_short_options_does_not_leak_into_the_next_call(void **state)
{
	(void)state;
	assert_int_equal(run((const char *[]){ "-hv", NULL }), HFP_EXIT_OK);
	char *s = take_stdout();
	assert_non_null(strstr(s, "usage:"));
	free(s);
	assert_int_equal(run((const char *[]){ "-l", NULL }), HFP_EXIT_USAGE); /* no trace given */
	s = take_stdout();
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(run((const char *[]){ "-vh", NULL }), HFP_EXIT_OK);
	s = take_stdout();
	assert_string_equal(s, "heapfold_print " HF_VERSION_STRING "\n");
	free(s);
}

static void test_exit_statuses_without_exiting(void **state)
{
	(void)state;
	char *missing = tg_tmp_path("missing.gz");
	unlink(missing);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(run((const char *[]){ "--no-such-option", "t.gz", NULL }), HFP_EXIT_USAGE);
		assert_int_equal(run((const char *[]){ "--min-size", "2x", "t.gz", NULL }), HFP_EXIT_USAGE);
		assert_int_equal(run((const char *[]){ missing, NULL }), HFP_EXIT_DATA);
		assert_int_equal(run((const char *[]){ "-o", "/nonexistent-dir/report.txt", missing, NULL }),
				 HFP_EXIT_OUTPUT);
		assert_int_equal(run((const char *[]){ "--filter-bt-function", "a", "--filter-bt-function",
						       "b", "--debug-path", "d", "--pid", "x", "t.gz", NULL }),
				 HFP_EXIT_USAGE); /* the option lists are freed on this path too */
	}
	char *s = take_stdout();
	assert_string_equal(s, ""); /* failures write nothing to standard output */
	free(s);
	free(missing);
}

/* One allocation of 10 bytes from a stack of unknown code, one of 20 freed at once. */
static char *small_trace(void)
{
	struct tg *g = tg_new(NULL);
	uint32_t root = tg_node(g, 0, 0x5000);
	uint32_t leaf = tg_node(g, tg_node(g, root, 0x6000), HF_FRAME_MALLOC);
	tg_thread_start(g, 1, 7, 0, "main");
	tg_alloc(g, 1, leaf, 10, 0x1000);
	tg_alloc(g, 1, leaf, 20, 0x2000);
	tg_free_last(g, 1);
	tg_thread_end(g, 1);
	tg_close(g, NULL);
	char *path = tg_tmp_path("small.gz");
	tg_write(g, path);
	tg_destroy(g);
	return path;
}

static void test_the_pipeline_again_and_again_on_the_same_stream(void **state)
{
	(void)state;
	char *t = small_trace();
	char *first = NULL;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(run((const char *[]){ "-F", "-", "--flamegraph-cost-type", "bytes", t, NULL }),
				 HFP_EXIT_OK);
		char *s = take_stdout();
		assert_non_null(strstr(s, " 30\n"));
		if (first) {
			assert_string_equal(s, first);
			free(s);
		} else {
			first = s;
		}
		assert_int_equal(run((const char *[]){ t, NULL }), HFP_EXIT_OK); /* the report */
		s = take_stdout();
		assert_non_null(strstr(s, "MOST CALLS TO ALLOCATION FUNCTIONS"));
		free(s);
	}
	free(first);
	unlink(t);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version_again_and_again),
		cmocka_unit_test(test_a_group_of_short_options_does_not_leak_into_the_next_call),
		cmocka_unit_test(test_exit_statuses_without_exiting),
		cmocka_unit_test(test_the_pipeline_again_and_again_on_the_same_stream),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
