/* test_print_folded.c: folded stacks obey flamegraph.pl's grammar whatever the frame names hold
 * (emit/hfp_folded.c). Every folded output produced here goes through hfp_folded_check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_buf.h"
#include "../../tools/print/core/hfp_cost.h"
#include "../../tools/print/emit/hfp_folded.h"
#include "../../tools/print/emit/hfp_svg.h"
#include "../../tools/print/symbol/hfp_stack.h"

/* -F's text of s when its trie takes the stacks in the order near gives (struct hfp_stacks). */
static char *streamed_in(const struct hfp_stacks *s, int cost, uint32_t *near)
{
	struct hfp_stacks t = *s;
	t.near = near;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(hfp_folded_stream(f, &t, cost), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* The trie gives the same lines whatever order it takes the stacks in: their own, the reverse,
 * a shuffle, and with near keys that tie. */
static void expect_any_order(const struct hfp_stacks *s, int cost, const char *want)
{
	uint32_t *near = calloc(s->nd ? s->nd : 1, sizeof *near);
	assert_non_null(near);
	for (int way = 0; way < 4; way++) {
		uint64_t x = 0x9e3779b97f4a7c15ull;
		for (size_t i = 0; i < s->nd; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			near[i] = way == 0 ? (uint32_t)i : way == 1 ? (uint32_t)(s->nd - i) :
				  way == 2 ? (uint32_t)(x >> 33) : (uint32_t)(x >> 62);
		}
		char *got = streamed_in(s, cost, near);
		assert_string_equal(got, want);
		free(got);
	}
	free(near);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* text's lines, sorted, joined again: to free(). */
static char *sorted_lines(const char *text)
{
	char *copy = strdup(text), **line = NULL, *save = NULL;
	size_t n = 0;
	assert_non_null(copy);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line = realloc(line, (n + 1) * sizeof *line);
		assert_non_null(line);
		line[n++] = l;
	}
	qsort(line, n, sizeof *line, cmp_line);
	struct hfp_buf b = { 0 };
	for (size_t i = 0; i < n; i++)
		hfp_buf_printf(&b, "%s\n", line[i]);
	free(line);
	free(copy);
	return hfp_buf_take(&b);
}

/* --svg drawn from the folded lines (as --diff draws it) and from the stacks through -F's trie
 * (as it is drawn otherwise): the same frames, whatever the order the file lists them in. */
static void expect_same_svg(const struct hfp_stacks *s, const struct hfp_folded *fo, int cost)
{
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	FILE *f = open_memstream(&a, &alen);
	assert_non_null(f);
	assert_int_equal(hfp_svg_write(f, fo, NULL, cost, "sub"), 0);
	assert_int_equal(fclose(f), 0);
	f = open_memstream(&b, &blen);
	assert_non_null(f);
	assert_int_equal(hfp_svg_write_stacks(f, s, cost, "sub"), 0);
	assert_int_equal(fclose(f), 0);
	char *sa = sorted_lines(a), *sb = sorted_lines(b);
	assert_string_equal(sb, sa);
	if (fo->total) /* nothing to draw otherwise, not even "all" */
		assert_non_null(strstr(a, "<title>all ("));
	free(sa);
	free(sb);
	free(a);
	free(b);
}

/* Folded text of s for cost, checked against the grammar, and the same whichever way it is made
 * (the lines built and sorted, as --diff takes them, or written from the trie, as -F writes
 * them, in any order of the stacks), as is the SVG drawn from either; to free(). */
static char *folded_text(const struct hfp_stacks *s, int cost)
{
	struct hfp_folded fo;
	hfp_folded_build(s, cost, &fo);
	char *text = NULL, *streamed = NULL;
	size_t len = 0, slen = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(hfp_folded_write(f, &fo), 0);
	assert_int_equal(fclose(f), 0);
	f = open_memstream(&streamed, &slen);
	assert_non_null(f);
	assert_int_equal(hfp_folded_stream(f, s, cost), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(streamed, text);
	free(streamed);
	expect_any_order(s, cost, text);
	expect_same_svg(s, &fo, cost);
	size_t line;
	const char *err = hfp_folded_check(text, len, &line);
	if (err)
		fail_msg("folded output breaks the grammar at line %zu: %s\n%s", line, err, text);
	hfp_folded_free(&fo);
	return text;
}

static char *escaped(const char *name)
{
	struct hfp_buf b = { 0 };
	hfp_folded_escape(&b, name);
	return hfp_buf_take(&b);
}

static void expect_escape(const char *in, const char *want)
{
	char *got = escaped(in);
	assert_string_equal(got, want);
	free(got);
}

static void test_escape_makes_names_safe(void **state)
{
	(void)state;
	expect_escape("main", "main");
	expect_escape("a;b", "a:b");                              /* the separator */
	expect_escape("foo 123", "foo_123");                      /* read as a count column */
	expect_escape("foo 1.5", "foo_1.5");
	expect_escape("foo 12.", "foo_12.");
	expect_escape("foo .5", "foo .5");                        /* not a number to flamegraph.pl */
	expect_escape("foo1 23x", "foo1 23x");
	expect_escape("operator new(unsigned long) 8", "operator new(unsigned long)_8");
	expect_escape("  padded  ", "padded");                    /* two spaces before the count */
	expect_escape("x 12 ", "x_12");
	expect_escape("", "[unknown]");
	expect_escape("   ", "[unknown]");
	expect_escape("tab\there", "tab?here");                    /* control characters */
	expect_escape("line\nbreak\r", "line?break?");
	expect_escape("del\x7f", "del?");
	expect_escape("c1\xc2\x85", "c1?");                        /* U+0085, a C1 control */
	expect_escape("bad\xff", "bad\xef\xbf\xbd");               /* invalid UTF-8 -> U+FFFD */
	expect_escape("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");     /* overlong */
	expect_escape("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* a surrogate */
	expect_escape("cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd");
	expect_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
	expect_escape("std::map<int, char>::operator[](int) const &", "std::map<int, char>::operator[](int) const &");
	/* Rust names as libiberty prints them: closures, trait impls and array types */
	expect_escape("std::rt::lang_start::{{closure}}", "std::rt::lang_start::{{closure}}");
	expect_escape("gt_rust::main::{closure#0}", "gt_rust::main::{closure#0}");
	expect_escape("<alloc::string::String as core::fmt::Display>::fmt",
		      "<alloc::string::String as core::fmt::Display>::fmt");
	expect_escape("<alloc::vec::Vec<[u8; 4]>>::new", "<alloc::vec::Vec<[u8: 4]>>::new");
	expect_escape("<[u8; 16] as core::default::Default>::default 2",
		      "<[u8: 16] as core::default::Default>::default_2");
}

static uint32_t fr(struct hfp_stacks *s, const char *name)
{
	return hfp_stacks_frame(s, name, NULL, 0, NULL);
}

static void add(struct hfp_stacks *s, const uint32_t *f, uint32_t n, uint64_t allocations, uint64_t bytes)
{
	struct hfp_costs c = { .allocations = allocations, .bytes = bytes };
	hfp_stacks_add_frames(s, f, n, 0, &c);
}

static void test_hostile_names_give_valid_lines(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	uint32_t m = fr(&s, "main");
	uint32_t a[] = { m, fr(&s, "name with spaces"), fr(&s, "semi;colon") };
	uint32_t b[] = { m, fr(&s, "a<b>&c\"d'e"), fr(&s, "leaf 123") };
	uint32_t c[] = { m, fr(&s, "na\xc3\xafve \xe2\x98\x83"), fr(&s, "bad\xfe\xff") };
	uint32_t d[] = { m, fr(&s, "ctl\x01\x1b[31m"), fr(&s, "") };
	uint32_t e[] = { m, fr(&s, " ;; ") };
	add(&s, a, 3, 5, 50);
	add(&s, b, 3, 7, 70);
	add(&s, c, 3, 1, 10);
	add(&s, d, 3, 2, 20);
	add(&s, e, 2, 3, 30);
	char *t = folded_text(&s, HFP_COST_ALLOCATIONS);
	assert_string_equal(t, "main;:: 3\n"
			       "main;a<b>&c\"d'e;leaf_123 7\n"
			       "main;ctl??[31m;[unknown] 2\n"
			       "main;name with spaces;semi:colon 5\n" /* 'm' < 0xc3: byte order */
			       "main;na\xc3\xafve \xe2\x98\x83;bad\xef\xbf\xbd\xef\xbf\xbd 1\n");
	free(t);
	t = folded_text(&s, HFP_COST_BYTES);
	assert_non_null(strstr(t, "main;name with spaces;semi:colon 50\n"));
	free(t);
	hfp_stacks_free(&s);
}

static void test_lines_merge_sort_and_skip_zero(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	/* Same names, different lines: separate stacks, one folded line. */
	uint32_t m = fr(&s, "main");
	uint32_t f1 = hfp_stacks_frame(&s, "f", "f.c", 10, "/bin/x");
	uint32_t f2 = hfp_stacks_frame(&s, "f", "f.c", 20, "/bin/x");
	assert_true(f1 != f2);
	uint32_t a[] = { m, f1 }, b[] = { m, f2 }, z[] = { m, fr(&s, "zero") }, y[] = { m, fr(&s, "Y") };
	uint32_t semi[] = { m, fr(&s, "f;") }; /* "main;f:" sorts after "main;f" */
	add(&s, a, 2, 2, 0);
	add(&s, b, 2, 3, 0);
	add(&s, z, 2, 0, 5);
	add(&s, y, 2, 1, 0);
	add(&s, semi, 2, 4, 0);
	add(&s, a, 2, 1, 0); /* the same displayed stack again: merged at insertion */
	assert_int_equal(s.nd, 5);
	char *t = folded_text(&s, HFP_COST_ALLOCATIONS);
	assert_string_equal(t, "main;Y 1\nmain;f 6\nmain;f: 4\n");
	free(t);
	t = folded_text(&s, HFP_COST_LEAKED);
	assert_string_equal(t, ""); /* nothing leaked: no lines at all */
	free(t);
	hfp_stacks_free(&s);
}

/* Byte order of the text, where a name that starts another sorts between the other's own line
 * and the lines through it: '(' (0x28), '.' and '2' come before ';' (0x3b). */
static void test_lines_sort_as_their_text(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	uint32_t m = fr(&s, "main"), f = fr(&s, "f");
	uint32_t own[] = { m, f }, through[] = { m, f, fr(&s, "g") };
	uint32_t paren[] = { m, fr(&s, "f(int)") }, cold[] = { m, fr(&s, "f.cold"), fr(&s, "h") };
	uint32_t two[] = { m, fr(&s, "f2") }, deeper[] = { m, f, fr(&s, "a"), fr(&s, "b") };
	add(&s, through, 3, 1, 0);
	add(&s, two, 2, 2, 0);
	add(&s, cold, 3, 3, 0);
	add(&s, own, 2, 4, 0);
	add(&s, deeper, 4, 5, 0);
	add(&s, paren, 2, 6, 0);
	char *t = folded_text(&s, HFP_COST_ALLOCATIONS);
	assert_string_equal(t, "main;f 4\nmain;f(int) 6\nmain;f.cold;h 3\nmain;f2 2\nmain;f;a;b 5\n"
			       "main;f;g 1\n");
	free(t);
	hfp_stacks_free(&s);
}

/* A node with more children than the trie goes through one by one (it indexes them), children
 * met again after other stacks, and two frames of one name (different files) that merge. */
/* The stacks one layer of each kind holds: 200,000 distinct ones, every 50th added again. */
static void add_many(struct hfp_stacks *s)
{
	uint32_t m = fr(s, "main"), a[13], b[1000], c[200];
	char name[16];
	for (int i = 0; i < 13; i++)
		snprintf(name, sizeof name, "a%d", i), a[i] = fr(s, name);
	for (int i = 0; i < 1000; i++)
		snprintf(name, sizeof name, "b%d", i), b[i] = fr(s, name);
	for (int i = 0; i < 200; i++)
		snprintf(name, sizeof name, "c%d", i), c[i] = fr(s, name);
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < 200000; i++) {
			if (pass && i % 50)
				continue;
			uint32_t st[] = { m, a[i % 13], b[i % 1000], c[i / 1000] };
			add(s, st, 4, 1 + i % 7, i);
		}
}

/* Display stacks made for the trie alone (-F or --svg the only output: trie_only) are not
 * merged, and their memory goes back as the trie takes them: the same lines as from merged
 * stacks, and the first pages of their records no longer resident once written. */
static void test_trie_only_stacks_give_the_same_lines(void **state)
{
	(void)state;
	struct hfp_stacks merged, once;
	hfp_stacks_init(&merged);
	hfp_stacks_init(&once);
	once.trie_only = 1;
	add_many(&merged);
	add_many(&once);
	assert_int_equal(merged.nd, 200000);
	assert_int_equal(once.nd, 204000); /* every 50th twice */
	char *want = NULL, *got = NULL;
	size_t wlen = 0, glen = 0;
	FILE *f = open_memstream(&want, &wlen);
	assert_non_null(f);
	assert_int_equal(hfp_folded_stream(f, &merged, HFP_COST_BYTES), 0);
	assert_int_equal(fclose(f), 0);
	f = open_memstream(&got, &glen); /* once: its stacks are given back as they are taken */
	assert_non_null(f);
	assert_int_equal(hfp_folded_stream(f, &once, HFP_COST_BYTES), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(glen, wlen);
	assert_string_equal(got, want);
	free(want);
	free(got);
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t first = ((uintptr_t)once.d + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
	unsigned char in = 1;
	assert_int_equal(mincore((void *)first, (size_t)page, &in), 0);
	assert_int_equal(in & 1, 0);
	hfp_stacks_free(&merged);
	hfp_stacks_free(&once);
}

static void test_wide_nodes_and_stacks_met_again(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	uint32_t m = fr(&s, "main"), g[3] = { fr(&s, "g0"), fr(&s, "g1"), fr(&s, "g2") };
	uint32_t f[20];
	char name[16];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "f%02d", i);
		f[i] = fr(&s, name);
	}
	uint32_t f07b = hfp_stacks_frame(&s, "f07", "other.c", 9, NULL); /* shown as f07 too */
	for (int rep = 0; rep < 3; rep++)
		for (int i = 19; i >= 0; i--) {
			uint32_t st[] = { m, f[i], g[rep] };
			add(&s, st, 3, (uint64_t)(i + 1), 0);
			if (i == 7 && rep == 2) {
				st[1] = f07b;
				add(&s, st, 3, 100, 0);
			}
		}
	char *t = folded_text(&s, HFP_COST_ALLOCATIONS);
	struct hfp_buf want = { 0 };
	for (int i = 0; i < 20; i++)
		for (int rep = 0; rep < 3; rep++)
			hfp_buf_printf(&want, "main;f%02d;g%d %d\n", i, rep, i + 1 + (i == 7 && rep == 2) * 100);
	assert_string_equal(t, hfp_buf_str(&want));
	hfp_buf_free(&want);
	free(t);
	hfp_stacks_free(&s);
}

static void expect_bad(const char *text, const char *why_part, size_t want_line)
{
	size_t line = 0;
	const char *err = hfp_folded_check(text, strlen(text), &line);
	if (!err)
		fail_msg("accepted: %s", text);
	if (!strstr(err, why_part))
		fail_msg("'%s': expected a complaint about '%s', got '%s'", text, why_part, err);
	assert_int_equal(line, want_line);
}

static void test_checker_rejects_what_flamegraph_misreads(void **state)
{
	(void)state;
	size_t line;
	assert_null(hfp_folded_check("a;b 1\na;c 2\nb 3\n", 16, &line));
	assert_null(hfp_folded_check("", 0, &line));
	expect_bad("a;b; 1\n", "empty frame", 1);
	expect_bad("a;;b 1\n", "empty frame", 1);
	expect_bad(";a 1\n", "empty frame", 1);
	expect_bad("a  1\n", "space", 1);
	expect_bad("a 0\n", "count", 1);
	expect_bad("a 01\n", "count", 1);
	expect_bad("a 1e3\n", "count", 1);
	expect_bad("a 1,000\n", "count", 1);
	expect_bad("a 1.5\n", "count", 1);
	expect_bad("a\n", "space", 1);
	expect_bad("a 1\r\n", "carriage", 1);
	expect_bad("a 1", "newline", 1);
	expect_bad("b 1\na 1\n", "sorted", 2);
	expect_bad("a 1\na 2\n", "sorted", 2);
	expect_bad("a;leaf 12 3\n", "number", 1);
	expect_bad("a\xff 1\n", "UTF-8", 1);
	expect_bad("a\tb 1\n", "control", 1);
	expect_bad(" 1\n", "empty", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_makes_names_safe),
		cmocka_unit_test(test_hostile_names_give_valid_lines),
		cmocka_unit_test(test_lines_merge_sort_and_skip_zero),
		cmocka_unit_test(test_lines_sort_as_their_text),
		cmocka_unit_test(test_wide_nodes_and_stacks_met_again),
		cmocka_unit_test(test_trie_only_stacks_give_the_same_lines),
		cmocka_unit_test(test_checker_rejects_what_flamegraph_misreads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
