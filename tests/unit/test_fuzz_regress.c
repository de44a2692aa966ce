/* test_fuzz_regress.c: replays the fuzz targets' inputs without libFuzzer, in every make check.
 *
 * The fuzz entry functions are the very sources `make fuzz` builds (tests/fuzz/fuzz_reader.c,
 * tests/fuzz/fuzz_print.c), included here with HF_FUZZ_REPLAY so that they bring no libFuzzer
 * hooks. Each input of tests/fuzz/corpus/T (the seeds) and tests/fuzz/regress/T (every input a
 * fuzzer ever crashed on, kept after the fix) goes through its target twice in this one process:
 * the second time catches state that one run leaves to the next. A broken promise aborts in the
 * harness, a hang ends it by SIGALRM after 60 s; under SANITIZE=address,undefined the sanitizers
 * check the rest. Runs from the top of the source tree (as tests/run.sh does). */
#define HF_FUZZ_REPLAY 1
#include "../fuzz/fuzz_reader.c"
#include "../fuzz/fuzz_print.c"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	uint8_t *p = malloc(cap);
	size_t k;
	while (p && (k = fread(p + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			p = realloc(p, cap *= 2);
	}
	assert_non_null(p);
	assert_false(ferror(f));
	fclose(f);
	*len = n;
	return p;
}

static int is_input(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return e->d_name[0] != '.' && !(n > 3 && strcmp(e->d_name + n - 3, ".md") == 0);
}

/* Runs fn over every input in dir (sorted by name), twice each. Returns how many there were. */
static size_t replay(const char *dir, int (*fn)(const uint8_t *, size_t), int must_exist)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_input, alphasort);
	if (n < 0) {
		if (must_exist)
			fail_msg("cannot read %s: %s (run from the top of the source tree)", dir, strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		size_t len;
		uint8_t *data = slurp(path, &len);
		printf("replay %s (%zu bytes)\n", path, len);
		fflush(stdout);
		alarm(60); /* a hang ends the test (SIGALRM) with the input named just above */
		assert_int_equal(fn(data, len), 0);
		assert_int_equal(fn(data, len), 0);
		alarm(0);
		free(data);
		free(names[i]);
	}
	free(names);
	return (size_t)n;
}

static void test_reader_corpus(void **state)
{
	(void)state;
	assert_true(replay("tests/fuzz/corpus/reader", hf_fuzz_reader, 1) >= 10);
}

static void test_reader_regressions(void **state)
{
	(void)state;
	replay("tests/fuzz/regress/reader", hf_fuzz_reader, 1);
}

static void test_print_corpus(void **state)
{
	(void)state;
	assert_true(replay("tests/fuzz/corpus/print", hf_fuzz_print, 1) >= 5);
}

static void test_print_regressions(void **state)
{
	(void)state;
	assert_true(replay("tests/fuzz/regress/print", hf_fuzz_print, 1) >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_corpus),
		cmocka_unit_test(test_reader_regressions),
		cmocka_unit_test(test_print_corpus),
		cmocka_unit_test(test_print_regressions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
