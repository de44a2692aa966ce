/* test_print_run.c: the whole pipeline (core/hfp_run.c) on traces written with the test trace
 * builder, whose stacks are real return addresses of this binary (so they symbolize): exact
 * folded output for every cost type and filter, the report, and the exit codes for missing,
 * foreign, truncated and future-version traces and for an unwritable output. */
#include <link.h>
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
#include "../../tools/print/core/hfp_options.h"
#include "../../tools/print/core/hfp_run.h"
#include "../../tools/print/emit/hfp_folded.h"
#include "../../tools/print/symbol/hfp_symbol.h"
#include "hf_codec.h"
#include "util_tracegen.h"

/* ---- return addresses in this binary: the "program" the traces describe ---- */

static uintptr_t main_ret, start_ret;

static __attribute__((noinline)) uintptr_t ret_addr(void)
{
	return (uintptr_t)__builtin_return_address(0);
}

static __attribute__((noinline)) uintptr_t alloc_site_a(void)
{
	volatile uintptr_t r = ret_addr();
	return r;
}

static __attribute__((noinline)) uintptr_t alloc_site_b(void)
{
	volatile uintptr_t r = ret_addr(), other = 7; /* different code: no identical-code folding */
	return r + other - 7;
}

struct object {
	char path[4096];
	uint64_t bias;
	uint8_t id[64];
	size_t idlen;
	struct hf_segment seg[16];
	size_t nseg;
	int found;
};

static struct object exe, libc_obj;

static void fill(struct object *o, struct dl_phdr_info *info, const char *path)
{
	snprintf(o->path, sizeof o->path, "%s", path);
	o->bias = info->dlpi_addr;
	for (size_t i = 0; i < info->dlpi_phnum && o->nseg < 16; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		o->seg[o->nseg++] = (struct hf_segment){ ph->p_vaddr, ph->p_memsz,
							 (ph->p_flags & PF_R ? 4u : 0) | (ph->p_flags & PF_W ? 2u : 0) |
								 (ph->p_flags & PF_X ? 1u : 0) };
	}
	long k = hfp_file_build_id(path, o->id, sizeof o->id);
	o->idlen = k > 0 ? (size_t)k : 0;
	o->found = 1;
}

static int each_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	uintptr_t a = start_ret;
	if (!exe.found) { /* the first object is the executable */
		char p[4096];
		ssize_t n = readlink("/proc/self/exe", p, sizeof p - 1);
		p[n > 0 ? n : 0] = 0;
		fill(&exe, info, p);
		return 0;
	}
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && a >= info->dlpi_addr + ph->p_vaddr &&
		    a < info->dlpi_addr + ph->p_vaddr + ph->p_memsz && info->dlpi_name[0])
			fill(&libc_obj, info, info->dlpi_name);
	}
	return 0;
}

/* ---- traces ---- */

struct nodes {
	uint32_t a_malloc, b_calloc;
	uint32_t a_site;
};

static struct nodes program(struct tg *g)
{
	tg_module(g, 1, exe.path, exe.id, exe.idlen, exe.bias, exe.nseg, exe.seg);
	uint32_t root = 0;
	if (libc_obj.found) {
		tg_module(g, 2, libc_obj.path, libc_obj.id, libc_obj.idlen, libc_obj.bias, libc_obj.nseg,
			  libc_obj.seg);
		root = tg_node(g, 0, start_ret);
	}
	uint32_t m = tg_node(g, root, main_ret);
	uint32_t a = tg_node(g, m, alloc_site_a());
	uint32_t b = tg_node(g, m, alloc_site_b());
	return (struct nodes){ tg_node(g, a, HF_FRAME_MALLOC), tg_node(g, b, HF_FRAME_CALLOC), a };
}

/* Thread 1: site a allocates 3 x 100 bytes (two temporary), site b 5000 + 7 bytes (leaked).
 * Live bytes: 100, 0, 100, 5100 (the peak: a 100, b 5000), 5000, 5100 (a unit), 5000, 5007. */
static char *known_trace(const char *name, int close)
{
	struct tg *g = tg_new(NULL);
	struct nodes n = program(g);
	tg_thread_start(g, 1, 4242, 0, "main");
	tg_time(g, 1, 1000000);
	tg_alloc(g, 1, n.a_malloc, 100, 0x1000);
	tg_free(g, 1, 0x1000, 0);
	tg_alloc(g, 1, n.a_malloc, 100, 0x1010);
	tg_alloc(g, 1, n.b_calloc, 5000, 0x2000);
	tg_free(g, 1, 0x1010, 1);
	tg_alloc(g, 1, n.a_malloc, 100, 0x1020);
	tg_free_last(g, 1);
	tg_time(g, 1, 250000000);
	tg_mark(g, 1, "phase two");
	tg_alloc(g, 1, n.b_calloc, 7, 0x3000);
	tg_time(g, 1, 250000000);
	tg_thread_end(g, 1);
	if (close) {
		tg_close(g, NULL);
	} else {
		tg_flush(g, 0);
		tg_flush(g, 1);
	}
	char *path = tg_tmp_path(name);
	tg_write(g, path);
	tg_destroy(g);
	return path;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		buf = realloc(buf, cap = cap * 2 + 4096);
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	buf[len] = 0;
	fclose(f);
	return buf;
}

/* Runs heapfold_print with args (NULL-terminated, the trace included). */
static int run(const char *const *args)
{
	char *argv[40];
	int argc = 0;
	argv[argc++] = (char *)(uintptr_t)"heapfold_print";
	argv[argc++] = (char *)(uintptr_t)"--no-progress";
	for (; *args; args++)
		argv[argc++] = (char *)(uintptr_t)*args;
	argv[argc] = NULL;
	struct hfp_options o;
	int rc = hfp_options_parse(&o, argc, argv);
	if (rc == HFP_EXIT_OK)
		rc = hfp_run(&o);
	hfp_options_free(&o);
	return rc;
}

/* Folded output of the trace with extra options, checked against the grammar; with the report
 * beside it, or alone (-F alone drains the stacks in the stack tree's order and leaves equal
 * display stacks for the trie to merge: hfp_run.c). */
static char *folded_with(const char *trace, const char *const *extra, int report)
{
	char *out = tg_tmp_path("stacks.txt");
	char *rep = tg_tmp_path("report.txt");
	const char *args[32] = { trace, "-F", out, "-o", rep };
	size_t n = report ? 5 : 3;
	for (; extra && *extra; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	assert_int_equal(run(args), HFP_EXIT_OK);
	char *text = slurp(out);
	size_t line;
	const char *err = hfp_folded_check(text, strlen(text), &line);
	if (err)
		fail_msg("line %zu: %s\n%s", line, err, text);
	unlink(out);
	unlink(rep);
	free(out);
	free(rep);
	return text;
}

static char *folded(const char *trace, const char *const *extra)
{
	return folded_with(trace, extra, 1);
}

static void expect_folded(const char *trace, const char *const *extra, const char *want)
{
	for (int report = 0; report < 2; report++) {
		char *got = folded_with(trace, extra, report);
		assert_string_equal(got, want);
		free(got);
	}
}

static void test_every_cost_type_through_the_reader(void **state)
{
	(void)state;
	char *t = known_trace("known.gz", 1);
	expect_folded(t, NULL, "main;alloc_site_a 3\nmain;alloc_site_b 2\n");
	expect_folded(t, (const char *[]){ "--flamegraph-cost-type", "allocations", NULL },
		      "main;alloc_site_a 3\nmain;alloc_site_b 2\n");
	expect_folded(t, (const char *[]){ "--flamegraph-cost-type", "bytes", NULL },
		      "main;alloc_site_a 300\nmain;alloc_site_b 5007\n");
	expect_folded(t, (const char *[]){ "--flamegraph-cost-type", "temporary", NULL },
		      "main;alloc_site_a 2\n");
	expect_folded(t, (const char *[]){ "--flamegraph-cost-type", "leaked", NULL },
		      "main;alloc_site_b 5007\n");
	expect_folded(t, (const char *[]){ "--flamegraph-cost-type", "peak", NULL },
		      "main;alloc_site_a 100\nmain;alloc_site_b 5000\n");
	unlink(t);
	free(t);
}

static void test_filters_select_exactly_through_the_reader(void **state)
{
	(void)state;
	char *t = known_trace("filters.gz", 1);
	expect_folded(t, (const char *[]){ "--min-size", "101", NULL }, "main;alloc_site_b 1\n");
	expect_folded(t, (const char *[]){ "--max-size", "100", NULL },
		      "main;alloc_site_a 3\nmain;alloc_site_b 1\n");
	expect_folded(t, (const char *[]){ "--min-size", "7", "--max-size", "7", "--flamegraph-cost-type",
					   "bytes", NULL },
		      "main;alloc_site_b 7\n");
	expect_folded(t, (const char *[]){ "--temporary", NULL }, "main;alloc_site_a 2\n");
	expect_folded(t, (const char *[]){ "--temporary", "--flamegraph-cost-type", "bytes", NULL },
		      "main;alloc_site_a 200\n");
	expect_folded(t, (const char *[]){ "--temporary", "--flamegraph-cost-type", "peak", NULL },
		      "main;alloc_site_a 100\n");
	expect_folded(t, (const char *[]){ "--temporary-threshold", "1", "--flamegraph-cost-type",
					   "temporary", NULL },
		      "main;alloc_site_a 3\n");
	expect_folded(t, (const char *[]){ "--filter-bt-function", "alloc_site_b", NULL },
		      "main;alloc_site_b 2\n");
	expect_folded(t, (const char *[]){ "--filter-bt-function", "nowhere", NULL }, "");
	expect_folded(t, (const char *[]){ "--show-allocator", NULL },
		      "main;alloc_site_a;malloc 3\nmain;alloc_site_b;calloc 2\n");
	char *above = folded(t, (const char *[]){ "--print-above-main", NULL });
	if (libc_obj.found) /* one more frame, whatever libc's debug files name it */
		assert_non_null(strstr(above, ";main;alloc_site_a 3\n"));
	assert_null(strstr(above, "\nmain;"));
	assert_int_equal(strncmp(above, "main;", 5) != 0, libc_obj.found);
	free(above);
	unlink(t);
	free(t);
}

/* Stacks that differ only in their allocator (malloc and realloc at site a) are one line, and
 * one drawn frame, whichever path the stacks take to the output. */
static void test_stacks_equal_once_shown_are_one(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	struct nodes n = program(g);
	uint32_t a_realloc = tg_node(g, n.a_site, HF_FRAME_REALLOC);
	tg_thread_start(g, 1, 4242, 0, "main");
	tg_alloc(g, 1, n.a_malloc, 100, 0x1000);
	tg_alloc(g, 1, n.b_calloc, 7, 0x2000);
	tg_alloc(g, 1, a_realloc, 50, 0x3000);
	tg_alloc(g, 1, n.a_malloc, 30, 0x4000);
	tg_free(g, 1, 0x4000, 0);
	tg_thread_end(g, 1);
	tg_close(g, NULL);
	char *t = tg_tmp_path("equal.gz");
	tg_write(g, t);
	tg_destroy(g);
	expect_folded(t, NULL, "main;alloc_site_a 3\nmain;alloc_site_b 1\n");
	expect_folded(t, (const char *[]){ "--flamegraph-cost-type", "leaked", NULL },
		      "main;alloc_site_a 150\nmain;alloc_site_b 7\n");
	expect_folded(t, (const char *[]){ "--show-allocator", NULL },
		      "main;alloc_site_a;malloc 2\nmain;alloc_site_a;realloc 1\nmain;alloc_site_b;calloc 1\n");
	char *svg = tg_tmp_path("equal.svg");
	assert_int_equal(run((const char *[]){ t, "--svg", svg, NULL }), HFP_EXIT_OK);
	char *text = slurp(svg);
	const char *site = strstr(text, "<title>alloc_site_a (3 allocations");
	assert_non_null(site);
	assert_null(strstr(site + 1, "<title>alloc_site_a ("));
	free(text);
	unlink(svg);
	free(svg);
	unlink(t);
	free(t);
}

static void test_report_follows_heaptrack_shape(void **state)
{
	(void)state;
	char *t = known_trace("report.gz", 1);
	char *rep = tg_tmp_path("report.txt"), *hist = tg_tmp_path("hist.txt");
	assert_int_equal(run((const char *[]){ t, "-o", rep, "-l", "1", "-H", hist, NULL }), HFP_EXIT_OK);
	char *r = slurp(rep);
	assert_non_null(strstr(r, "MOST CALLS TO ALLOCATION FUNCTIONS\n"
				  "3 calls to allocation functions with 100B peak consumption from\n"
				  "alloc_site_a\n  at "));
	assert_non_null(strstr(r, "PEAK MEMORY CONSUMERS\n4.88K peak memory consumed over 2 calls from\n"
				  "alloc_site_b\n"));
	assert_non_null(strstr(r, "MEMORY LEAKS\n4.89K leaked over 2 calls from\nalloc_site_b\n"));
	assert_non_null(strstr(r, "MOST TEMPORARY ALLOCATIONS\n2 temporary allocations of 3 allocations in "
				  "total (66.67%) from\nalloc_site_a\n"));
	assert_non_null(strstr(r, "0.251s  phase two\n"));
	assert_non_null(strstr(r, "total runtime: 0.50s.\n"));
	assert_non_null(strstr(r, "calls to allocation functions: 5 (9"));
	assert_non_null(strstr(r, "temporary memory allocations: 2 ("));
	assert_non_null(strstr(r, "peak heap memory consumption: 4.98K after 0.001s\n"));
	assert_non_null(strstr(r, "total memory leaked: 4.89K\n"));
	assert_null(strstr(r, "FILTERS"));
	assert_null(strstr(r, "warning"));
	free(r);
	r = slurp(hist);
	assert_string_equal(r, "7\t1\n100\t3\n5000\t1\n");
	free(r);

	assert_int_equal(run((const char *[]){ t, "-o", rep, "--min-size", "1K", NULL }), HFP_EXIT_OK);
	r = slurp(rep);
	assert_non_null(strstr(r, "FILTERS ACTIVE: --min-size 1024"));
	assert_non_null(strstr(r, "calls to allocation functions: 1 ("));
	free(r);
	unlink(rep);
	unlink(hist);
	unlink(t);
	free(rep);
	free(hist);
	free(t);
}

static void test_truncated_and_incomplete_traces_are_read_with_warnings(void **state)
{
	(void)state;
	char *t = known_trace("incomplete.gz", 0);
	char *rep = tg_tmp_path("report.txt");
	assert_int_equal(run((const char *[]){ t, "-o", rep, NULL }), HFP_EXIT_OK);
	char *r = slurp(rep);
	assert_non_null(strstr(r, "warning: "));
	assert_non_null(strstr(r, "the trace is incomplete"));
	free(r);
	/* Cut inside the last chunk: read up to it, with a warning, and exit 0. */
	FILE *f = fopen(t, "r+");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	assert_int_equal(truncate(t, size - 5), 0);
	assert_int_equal(run((const char *[]){ t, "-o", rep, NULL }), HFP_EXIT_OK);
	r = slurp(rep);
	assert_non_null(strstr(r, "warning: "));
	free(r);
	unlink(rep);
	unlink(t);
	free(rep);
	free(t);
}

static void test_bad_inputs_and_outputs_have_their_exit_codes(void **state)
{
	(void)state;
	char *missing = tg_tmp_path("does-not-exist.gz");
	assert_int_equal(run((const char *[]){ missing, NULL }), HFP_EXIT_DATA);
	free(missing);

	char *junk = tg_tmp_path("junk.gz");
	tg_write_bytes(junk, "hello, world\n", 13);
	assert_int_equal(run((const char *[]){ junk, NULL }), HFP_EXIT_DATA);
	unlink(junk);
	free(junk);

	struct tg *g = tg_new(NULL);
	program(g);
	tg_close(g, NULL);
	tg_patch_u8(g, 0, 0, HF_FORMAT_MAJOR + 1); /* a future major version */
	char *future = tg_tmp_path("future.gz");
	tg_write(g, future);
	tg_destroy(g);
	assert_int_equal(run((const char *[]){ future, NULL }), HFP_EXIT_DATA);
	unlink(future);
	free(future);

	char *t = known_trace("out.gz", 1);
	char *rep = tg_tmp_path("report.txt");
	assert_int_equal(run((const char *[]){ t, "-o", rep, "-F", "/dev/full", NULL }), HFP_EXIT_OUTPUT);
	assert_int_equal(run((const char *[]){ t, "-o", "/nonexistent/dir/r.txt", NULL }), HFP_EXIT_OUTPUT);
	assert_int_equal(run((const char *[]){ t, "-o", rep, "--svg", "/dev/full", NULL }), HFP_EXIT_OUTPUT);
	/* A failed read removes the outputs it created. */
	char *missing2 = tg_tmp_path("gone.gz");
	unlink(rep);
	assert_int_equal(run((const char *[]){ missing2, "-o", rep, NULL }), HFP_EXIT_DATA);
	assert_int_equal(access(rep, F_OK), -1);
	free(missing2);
	unlink(t);
	free(t);
	free(rep);
}

int main(void)
{
	main_ret = ret_addr();
	start_ret = (uintptr_t)__builtin_return_address(0);
	dl_iterate_phdr(each_object, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cost_type_through_the_reader),
		cmocka_unit_test(test_filters_select_exactly_through_the_reader),
		cmocka_unit_test(test_stacks_equal_once_shown_are_one),
		cmocka_unit_test(test_report_follows_heaptrack_shape),
		cmocka_unit_test(test_truncated_and_incomplete_traces_are_read_with_warnings),
		cmocka_unit_test(test_bad_inputs_and_outputs_have_their_exit_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
