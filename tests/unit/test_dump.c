/* test_dump.c: tests/tools/hf_dump, the integration tests' oracle, prints exactly what a known
 * trace holds. Runs the built tool ($B/tests/tools/hf_dump) on traces made by the builder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <link.h>

#include "hf_codec.h"
#include "util_tracegen.h"

static char dump_bin[4096];

/* Runs hf_dump ARGS on path; returns its exit status, *out its stdout (and stderr if both). */
static int run_dump(const char *args, const char *path, int with_stderr, char **out)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' %s '%s' %s", dump_bin, args, path, with_stderr ? "2>&1" : "2>/dev/null");
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 1024)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = 0;
	int st = pclose(f);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_dump_summary_counts_a_known_trace(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t main_ = tg_node(g, 0, 0x401000);
	uint32_t m = tg_node(g, main_, HF_FRAME_MALLOC), re = tg_node(g, main_, HF_FRAME_REALLOC);
	tg_sample(g, 0, 5, 4096);
	tg_alloc(g, 1, m, 100, 0x1000);                  /* a */
	tg_alloc(g, 1, m, 200, 0x2000);                  /* b */
	tg_free(g, 1, 0x2000, 0);                        /* b: temporary */
	tg_alloc(g, 1, m, 50, 0x3000);                   /* c: a unit */
	tg_free_last(g, 1);
	tg_realloc(g, 1, re, 300, 0x1000, 0x4000, 1, 2); /* a -> d: not temporary (b, c came after a) */
	tg_alloc_failed(g, 1, m, 1 << 30);
	tg_mark(g, 1, "phase");
	tg_flush(g, 1);
	tg_epoch(g, 2, 3);
	tg_alloc(g, 2, m, 1000, 0x5000);                 /* e, freed by thread 1: not temporary */
	tg_flush(g, 2);
	tg_free(g, 1, 0x5000, 3);
	tg_close(g, NULL);
	char *path = tg_tmp_path("dump.gz");
	tg_write(g, path);

	char *out;
	assert_int_equal(run_dump("", path, 1, &out), 0);
	assert_string_equal(out, "complete=1\n"
				 "exit_status=0\n"
				 "truncated_bytes=0\n"
				 "threads=2\n"
				 "nodes=3\n"
				 "allocations=5\n"
				 "frees=4\n"
				 "failed=1\n"
				 "bytes=1650\n"
				 "temporary=2\n"
				 "leaked_blocks=1\n"
				 "leaked_bytes=300\n"
				 "peak_bytes=1300\n"
				 "peak_blocks=2\n"
				 "marks=1\n"
				 "samples=1\n"
				 "unknown_frees=0\n"
				 "sample_bytes=0\n"
				 "clock_resolution_ns=1\n"
				 "free_epochs=4\n"); /* frees at epochs 0, 1 and 3 */
	free(out);
	assert_int_equal(run_dump("--events", path, 0, &out), 0);
	assert_non_null(strstr(out, "0 0 SAMPLE - 0x0 0 0 rss=4096 time=5\n"));
	assert_non_null(strstr(out, "4 1 ALLOC realloc 0x4000 300 3 old=0x1000 time=0\n"));
	assert_non_null(strstr(out, "2 1 ALLOC unit 0x3000 50 2 time=0\n"));
	assert_non_null(strstr(out, "7 1 FREE - 0x5000 0 0 time=0\n"));
	free(out);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* Functions of this executable that the stacks below name. */
__attribute__((noinline)) void dump_test_outer(void);
__attribute__((noinline)) void dump_test_inner(void);
__attribute__((noinline)) void dump_test_outer(void)
{
	__asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void dump_test_inner(void)
{
	__asm__ volatile("nop; nop; nop; nop" ::: "memory");
}

struct self {
	uint64_t bias;
	struct hf_segment seg[16];
	size_t nseg;
};

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct self *s = arg;
	s->bias = info->dlpi_addr;
	for (size_t i = 0; i < info->dlpi_phnum && s->nseg < 16; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD)
			s->seg[s->nseg++] = (struct hf_segment){ info->dlpi_phdr[i].p_vaddr,
								 info->dlpi_phdr[i].p_memsz, 5 };
	return 1; /* the first object is the executable */
}

static void test_dump_stacks_symbolize_with_libelf(void **state)
{
	(void)state;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = 0;
	struct self self = { 0 };
	dl_iterate_phdr(find_self, &self);
	assert_true(self.nseg > 0);

	struct tg *g = tg_new(NULL);
	tg_module(g, 1, exe, NULL, 0, self.bias, self.nseg, self.seg);
	/* Return addresses: one byte into each function, so frame - 1 is the function's start. */
	uint64_t outer = (uint64_t)(uintptr_t)dump_test_outer + 1;
	uint64_t inner = (uint64_t)(uintptr_t)dump_test_inner + 1;
	uint64_t nosym = self.bias + self.seg[0].vaddr + 0x11; /* the ELF header: no function */
	uint32_t a = tg_node(g, 0, outer);
	uint32_t b = tg_node(g, a, inner);
	uint32_t m1 = tg_node(g, b, HF_FRAME_MALLOC);
	uint32_t c1 = tg_node(g, b, HF_FRAME_CALLOC);
	uint32_t trunc = tg_node(g, 0, HF_FRAME_TRUNCATED_DEPTH);
	uint32_t far = tg_node(g, trunc, 0x1000);
	uint32_t x = tg_node(g, far, nosym);
	uint32_t m2 = tg_node(g, x, HF_FRAME_MALLOC);
	uint32_t bare = tg_node(g, 0, HF_FRAME_POSIX_MEMALIGN);
	uint32_t b2 = tg_node(g, a, inner + 2); /* another call site in the same function */
	uint32_t m3 = tg_node(g, b2, HF_FRAME_MALLOC);
	tg_alloc(g, 1, m1, 10, 0x1000);
	tg_free(g, 1, 0x1000, 0);         /* temporary */
	tg_alloc(g, 1, m3, 20, 0x2000);   /* leaked, same line as m1 */
	tg_alloc(g, 1, c1, 30, 0x3000);
	tg_free_last(g, 1);
	tg_alloc(g, 1, m2, 40, 0x4000);   /* leaked */
	tg_alloc(g, 1, bare, 64, 0x5000); /* leaked, no frames */
	tg_close(g, NULL);
	char *path = tg_tmp_path("stacks.gz");
	tg_write(g, path);

	char *out, want[2048];
	assert_int_equal(run_dump("--stacks", path, 1, &out), 0);
	snprintf(want, sizeof want,
		 "calloc 1 30 0 0 1 dump_test_outer;dump_test_inner\n"
		 "malloc 1 40 1 40 0 [truncated];[0x1000];[test_dump+0x%llx]\n"
		 "malloc 2 30 1 20 1 dump_test_outer;dump_test_inner\n"
		 "posix_memalign 1 64 1 64 0\n",
		 (unsigned long long)(nosym - self.bias));
	assert_string_equal(out, want);
	free(out);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_dump_reports_errors_and_warnings(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t m = tg_node(g, tg_node(g, 0, 0x401000), HF_FRAME_MALLOC);
	tg_alloc(g, 1, m, 10, 0x1000);
	tg_flush(g, 1);
	tg_alloc(g, 1, m, 10, 0x2000);
	tg_flush(g, 1);
	char *path = tg_tmp_path("dumperr.gz");
	size_t len;
	const uint8_t *file = tg_file(g, &len);
	assert_int_equal(tg_write_bytes(path, file, len - 5), 0);
	char *out;
	assert_int_equal(run_dump("", path, 1, &out), 0);
	assert_non_null(strstr(out, "hf_dump: warning: trace truncated: "));
	assert_non_null(strstr(out, "hf_dump: warning: trace incomplete: "));
	assert_non_null(strstr(out, "complete=0\n"));
	assert_non_null(strstr(out, "allocations=1\n"));
	assert_non_null(strstr(out, "leaked_blocks=1\n"));
	free(out);

	uint8_t *bad = malloc(len);
	memcpy(bad, file, len);
	bad[tg_member_end(g, 1) + 64 + 3] ^= 0x55; /* deflate data of the last chunk */
	assert_int_equal(tg_write_bytes(path, bad, len), 0);
	assert_int_equal(run_dump("--summary", path, 1, &out), 1);
	assert_non_null(strstr(out, "hf_dump: corrupt chunk at offset "));
	free(out);
	assert_int_equal(tg_write_bytes(path, "hello", 5), 0);
	assert_int_equal(run_dump("", path, 1, &out), 1);
	assert_string_equal(out, "hf_dump: not a gzip file\n");
	free(out);
	assert_int_equal(run_dump("--bogus", path, 1, &out), 2);
	free(out);
	free(bad);
	tg_destroy(g);
	unlink(path);
	free(path);
}

int main(void)
{
	const char *b = getenv("B");
	snprintf(dump_bin, sizeof dump_bin, "%s/tests/tools/hf_dump", b && *b ? b : "build");
	if (access(dump_bin, X_OK) != 0) {
		printf("hf_dump not built (%s)\n", dump_bin);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_summary_counts_a_known_trace),
		cmocka_unit_test(test_dump_stacks_symbolize_with_libelf),
		cmocka_unit_test(test_dump_reports_errors_and_warnings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
