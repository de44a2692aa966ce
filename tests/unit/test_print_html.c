/* test_print_html.c: --html's flame data (emit/hfp_html_flame.c): frames merged by name under the
 * same parent, whatever frame ids the stacks name them by, each frame's values per cost type, the
 * frames too small for every cost type left out with their subtrees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_cost.h"
#include "../../tools/print/emit/hfp_html.h"
#include "../../tools/print/symbol/hfp_stack.h"

static uint32_t fr(struct hfp_stacks *s, const char *name, unsigned line)
{
	return hfp_stacks_frame(s, name, "x.c", line, NULL);
}

static void add(struct hfp_stacks *s, const uint32_t *f, uint32_t n, uint64_t allocations, uint64_t bytes)
{
	struct hfp_costs c = { .allocations = allocations, .bytes = bytes };
	hfp_stacks_add_frames(s, f, n, 0, &c);
}

static char *flame_data(const struct hfp_stacks *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	hfp_html_flame_data(f, s);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* Seven stacks that share their first frames with the one before and then part, met again
 * after others, and frames of one name on different lines (other frame ids). */
static void add_seven(struct hfp_stacks *s)
{
	uint32_t m = fr(s, "main", 1), a = fr(s, "a", 2), a2 = fr(s, "a", 3), b = fr(s, "b", 4);
	uint32_t c = fr(s, "c", 5), x = fr(s, "x", 6);
	uint32_t s1[] = { m, a, b }, s2[] = { m, a, c }, s3[] = { m, a2, b }, s4[] = { m, x };
	uint32_t s5[] = { m, a, b, c }, s6[] = { m, a2 }, s7[] = { m, x, b };
	add(s, s1, 3, 1, 10);
	add(s, s2, 3, 2, 20);
	add(s, s3, 3, 4, 40);  /* main;a;b again, through the other "a" */
	add(s, s4, 2, 8, 80);
	add(s, s5, 4, 16, 160);
	add(s, s7, 3, 64, 640); /* b as the stack before's third frame, under another parent */
	add(s, s6, 2, 32, 320);
}

/* The seven stacks in the order they were added: one frame per name under each parent. */
static void test_frames_merge_by_name_under_their_parent(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	add_seven(&s);
	char *t = flame_data(&s);
	/* frames: all, main, a, b, c (under a), x, c (under b), b (under x) */
	assert_non_null(strstr(t, "{\"names\":[\"all\",\"main\",\"a\",\"b\",\"c\",\"x\"],\n"));
	assert_non_null(strstr(t, "\"p\":[0,0,1,2,2,1,3,5],\n"));
	assert_non_null(strstr(t, "\"n\":[0,1,2,3,4,5,4,3],\n"));
	assert_non_null(strstr(t, "\"v\":[[127,127,55,21,2,72,16,64],\n[1270,1270,550,210,20,720,160,640],\n"));
	free(t);
	hfp_stacks_free(&s);
}

/* With near keys (hfp_run.c asks for them with --html) the stacks are taken in their order: the
 * same frames and values, numbered in the order they are met. */
static void test_frames_the_same_in_near_order(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	s.near_keys = 1;
	add_seven(&s);
	assert_int_equal(s.nd, 7);
	for (uint32_t i = 0; i < 7; i++)
		s.near[i] = 6 - i; /* the last stack first */
	char *t = flame_data(&s);
	/* frames met: all, main, a (main;a2), x, b (under x), b (under a), c (under b), c (under a) */
	assert_non_null(strstr(t, "{\"names\":[\"all\",\"main\",\"a\",\"x\",\"b\",\"c\"],\n"));
	assert_non_null(strstr(t, "\"p\":[0,0,1,1,3,2,5,2],\n"));
	assert_non_null(strstr(t, "\"n\":[0,1,2,3,4,4,5,5],\n"));
	assert_non_null(strstr(t, "\"v\":[[127,127,55,72,64,21,16,2],\n[1270,1270,550,720,640,210,160,20],\n"));
	free(t);
	hfp_stacks_free(&s);
}

/* Values past 32 bits (the frame's values move to 64 bits when one would overflow) are exact,
 * added to before and after the move. */
static void test_values_past_32_bits_are_exact(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	uint32_t m = fr(&s, "main", 1), a = fr(&s, "a", 2), b = fr(&s, "b", 3);
	uint32_t s1[] = { m, a }, s2[] = { m, b };
	add(&s, s2, 2, 1, 7);            /* main's values in 32 bits first */
	add(&s, s1, 2, 3, 4000000000u);
	add(&s, s1, 2, 4, 4000000000u); /* one display stack of 2^32 bytes and more */
	add(&s, s1, 2, 5, 11);
	char *t = flame_data(&s);
	assert_non_null(strstr(t, "{\"names\":[\"all\",\"main\",\"b\",\"a\"],\n"));
	assert_non_null(strstr(t, "\"p\":[0,0,1,1],\n"));
	assert_non_null(strstr(t, "\"v\":[[13,13,1,12],\n[8000000018,8000000018,7,8000000011],\n"));
	free(t);
	hfp_stacks_free(&s);
}

/* A frame under 1/100,000 of every cost type's total is left out, and so is all below it. */
static void test_frames_too_small_for_every_cost_are_left_out(void **state)
{
	(void)state;
	struct hfp_stacks s;
	hfp_stacks_init(&s);
	uint32_t m = fr(&s, "main", 1), big = fr(&s, "big", 2), tiny = fr(&s, "tiny", 3);
	uint32_t under = fr(&s, "under", 4), bytes = fr(&s, "bytes_only", 5);
	uint32_t s1[] = { m, big }, s2[] = { m, tiny, under }, s3[] = { m, bytes };
	add(&s, s1, 2, 1000000, 1000000);
	add(&s, s2, 3, 1, 1);
	add(&s, s3, 2, 1, 100000); /* too few allocations, but a tenth of the bytes */
	char *t = flame_data(&s);
	assert_non_null(strstr(t, "{\"names\":[\"all\",\"main\",\"big\",\"bytes_only\"],\n"));
	assert_null(strstr(t, "tiny"));
	assert_null(strstr(t, "under"));
	free(t);
	hfp_stacks_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_merge_by_name_under_their_parent),
		cmocka_unit_test(test_frames_the_same_in_near_order),
		cmocka_unit_test(test_values_past_32_bits_are_exact),
		cmocka_unit_test(test_frames_too_small_for_every_cost_are_left_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
