/* test_print_stack.c: from stack-tree nodes to displayed stacks (symbol/hfp_stack.c): stacks
 * stop at main or at a thread's start routine, the allocator is hidden unless asked for,
 * truncated stacks show their marker as the root, inlined frames appear caller first, each
 * address is symbolized once, and stacks that display the same merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_buf.h"
#include "../../tools/print/symbol/hfp_preorder.h"
#include "../../tools/print/symbol/hfp_stack.h"

/* A tiny "binary": address -> function names (innermost first, as the symbolizer returns). */
static const struct {
	uint64_t addr;
	const char *names[3];
} code[] = {
	{ 0x5000, { "_start" } },
	{ 0x5010, { "__libc_start_main" } },
	{ 0x5020, { "main" } },
	{ 0x5030, { "work" } },
	{ 0x5040, { "clone3" } },
	{ 0x5050, { "start_thread" } },
	{ 0x5060, { "worker" } },
	{ 0x5070, { "helper" } },
	{ 0x5080, { "deep" } },
	{ 0x5090, { "inner", "middle", "outer" } }, /* middle and inner inlined into outer */
	{ 0x50a0, { "ns::f(int)" } },
	{ 0x50b0, { "__libc_start_call_main" } },
	{ 0x50c0, { "[app+0x1234]" } }, /* an unnamed main (stripped executable) */
	{ 0x50d0, { "exit" } },
	{ 0x50e0, { "atexit_handler" } },
};

static int resolve_calls;

static size_t fake_resolve(void *ctx, uint32_t module, uint64_t frame, struct hfp_srcframe *out, size_t max)
{
	(void)ctx;
	(void)module;
	resolve_calls++;
	for (size_t i = 0; i < sizeof code / sizeof code[0]; i++) {
		if (code[i].addr != frame)
			continue;
		size_t n = 0;
		while (n < 3 && n < max && code[i].names[n]) {
			out[n] = (struct hfp_srcframe){ code[i].names[n], "x.c", (unsigned)frame & 0xff, "/bin/x" };
			n++;
		}
		return n;
	}
	out[0] = (struct hfp_srcframe){ "[x+0x?]", NULL, 0, "/bin/x" };
	return 1;
}

static struct hf_node nodes[64];
static uint32_t nnodes;

static struct hf_node fake_node(void *ctx, uint32_t id)
{
	(void)ctx;
	return id >= 1 && id <= nnodes ? nodes[id] : (struct hf_node){ 0, 0, 0 };
}

/* The same nodes as the reader's tables give them (struct hf_nodes): a pseudo-frame code is its
 * own frame index, node id's address is frame HF_NODE_PSEUDO_FRAMES + id. */
static struct hf_nodes node_table(void)
{
	static struct hf_node_ref ref[64];
	static struct hf_node frame[HF_NODE_PSEUDO_FRAMES + 64];
	for (uint32_t i = 0; i < HF_NODE_PSEUDO_FRAMES; i++)
		frame[i] = (struct hf_node){ 0, 0, i };
	for (uint32_t id = 1; id <= nnodes; id++) {
		uint32_t f = nodes[id].frame < HF_FRAME_MIN_ADDR ? (uint32_t)nodes[id].frame : HF_NODE_PSEUDO_FRAMES + id;
		frame[f] = (struct hf_node){ 0, nodes[id].module, nodes[id].frame };
		ref[id - 1] = (struct hf_node_ref){ nodes[id].parent, f };
	}
	return (struct hf_nodes){ ref, frame, nnodes, HF_NODE_PSEUDO_FRAMES + nnodes + 1 };
}

static uint32_t node(uint32_t parent, uint64_t frame)
{
	nnodes++;
	nodes[nnodes] = (struct hf_node){ parent, 1, frame };
	return nnodes;
}

/* Builds a stack from root to leaf: frames..., 0 ends. Returns the leaf node. */
static uint32_t stack(const uint64_t *frames)
{
	uint32_t id = 0;
	for (; *frames; frames++)
		id = node(id, *frames);
	return id;
}

static void init(struct hfp_stacks *s, int above_main, int show_allocator)
{
	hfp_stacks_init(s);
	s->nodes = (struct hfp_nodesrc){ fake_node, NULL, 0, { 0 } };
	s->resolve = fake_resolve;
	s->above_main = above_main;
	s->show_allocator = show_allocator;
}

/* The displayed stack of leaf as "a;b;c". */
static char *shown(int above_main, int show_allocator, uint32_t leaf)
{
	struct hfp_stacks s;
	init(&s, above_main, show_allocator);
	struct hfp_costs c = { .allocations = 1 };
	hfp_stacks_add(&s, leaf, &c);
	assert_int_equal(s.nd, 1);
	struct hfp_buf b = { 0 };
	struct hfp_framebuf fb = { 0 };
	struct hfp_dstack d = hfp_stacks_get(&s, 0);
	const uint32_t *frames = hfp_dstack_frames(&s, &d, &fb);
	for (uint32_t i = 0; i < d.depth; i++) {
		if (i)
			hfp_buf_putc(&b, ';');
		hfp_buf_puts(&b, s.frame[frames[i]].name);
	}
	hfp_framebuf_free(&fb);
	hfp_stacks_free(&s);
	return hfp_buf_take(&b);
}

static void expect_shown(int above_main, int show_allocator, uint32_t leaf, const char *want)
{
	char *got = shown(above_main, show_allocator, leaf);
	assert_string_equal(got, want);
	free(got);
}

static void test_stacks_stop_at_main_unless_asked(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t leaf = stack((uint64_t[]){ 0x5000, 0x5010, 0x5020, 0x5030, HF_FRAME_MALLOC, 0 });
	expect_shown(0, 0, leaf, "main;work");
	expect_shown(0, 1, leaf, "main;work;malloc");
	expect_shown(1, 0, leaf, "_start;__libc_start_main;main;work");
	expect_shown(1, 1, leaf, "_start;__libc_start_main;main;work;malloc");
}

static void test_unnamed_main_is_found_by_its_caller(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t leaf = stack((uint64_t[]){ 0x5000, 0x50b0, 0x50c0, 0x5030, HF_FRAME_MALLOC, 0 });
	expect_shown(0, 0, leaf, "[app+0x1234];work");
	expect_shown(1, 0, leaf, "_start;__libc_start_call_main;[app+0x1234];work");
	/* exit handlers run from the caller of main, after it */
	uint32_t ex = stack((uint64_t[]){ 0x5000, 0x50b0, 0x50d0, 0x50e0, HF_FRAME_MALLOC, 0 });
	expect_shown(0, 0, ex, "exit;atexit_handler");
	/* a named main wins over its caller */
	uint32_t named = stack((uint64_t[]){ 0x5000, 0x50b0, 0x5020, 0x5030, HF_FRAME_MALLOC, 0 });
	expect_shown(0, 0, named, "main;work");
}

static void test_thread_stacks_stop_at_their_start_routine(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t leaf = stack((uint64_t[]){ 0x5040, 0x5050, 0x5060, 0x5070, HF_FRAME_CALLOC, 0 });
	expect_shown(0, 0, leaf, "worker;helper");
	expect_shown(0, 1, leaf, "worker;helper;calloc");
	expect_shown(1, 0, leaf, "clone3;start_thread;worker;helper");
}

static void test_truncated_stacks_show_their_marker_as_root(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t depth = stack((uint64_t[]){ HF_FRAME_TRUNCATED_DEPTH, 0x5080, HF_FRAME_MALLOC, 0 });
	uint32_t noinfo = stack((uint64_t[]){ HF_FRAME_TRUNCATED_NOINFO, 0x5080, HF_FRAME_REALLOC, 0 });
	expect_shown(0, 0, depth, "[truncated];deep");
	expect_shown(0, 0, noinfo, "[no unwind info];deep");
	expect_shown(0, 1, noinfo, "[no unwind info];deep;realloc");
	/* A stack that reaches main was not cut short where it matters: no marker. */
	uint32_t m = stack((uint64_t[]){ HF_FRAME_TRUNCATED_DEPTH, 0x5020, 0x5080, HF_FRAME_MALLOC, 0 });
	expect_shown(0, 0, m, "main;deep");
	expect_shown(1, 0, m, "[truncated];main;deep");
	/* Only the allocator: shown rather than an empty stack. */
	uint32_t bare = stack((uint64_t[]){ HF_FRAME_VALLOC, 0 });
	expect_shown(0, 0, bare, "valloc");
}

static void test_inlined_frames_appear_caller_first(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t leaf = stack((uint64_t[]){ 0x5020, 0x5090, HF_FRAME_MALLOC, 0 });
	expect_shown(0, 0, leaf, "main;outer;middle;inner");
}

static void test_addresses_are_symbolized_once_and_stacks_merge(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t base = stack((uint64_t[]){ 0x5000, 0x5010, 0x5020, 0x5030, 0 });
	uint32_t viamalloc = node(base, HF_FRAME_MALLOC);
	uint32_t viacalloc = node(base, HF_FRAME_CALLOC);
	/* the same code reached through another path above main */
	uint32_t other = stack((uint64_t[]){ 0x5010, 0x5020, 0x5030, HF_FRAME_MALLOC, 0 });
	struct hfp_stacks s;
	init(&s, 0, 0);
	resolve_calls = 0;
	struct hfp_costs c1 = { .allocations = 1, .bytes = 10 }, c2 = { .allocations = 2, .bytes = 20 },
			 c3 = { .allocations = 4, .bytes = 40, .leaked = 7 };
	hfp_stacks_add(&s, viamalloc, &c1);
	hfp_stacks_add(&s, viacalloc, &c2);
	hfp_stacks_add(&s, other, &c3);
	assert_int_equal(resolve_calls, 4); /* 0x5000, 0x5010, 0x5020, 0x5030: once each */
	assert_int_equal(s.nd, 1);
	struct hfp_costs c0 = hfp_stacks_get(&s, 0).c;
	assert_true(c0.allocations == 7 && c0.bytes == 70 && c0.leaked == 7);
	hfp_stacks_free(&s);

	/* With the allocator shown they differ. */
	init(&s, 0, 1);
	hfp_stacks_add(&s, viamalloc, &c1);
	hfp_stacks_add(&s, viacalloc, &c2);
	hfp_stacks_add(&s, other, &c3);
	assert_int_equal(s.nd, 2);
	hfp_stacks_free(&s);
}

/* Costs are kept in 32 bits each until one outgrows them: merged past 2^32, or made that big,
 * a stack reads back its exact 64-bit sums, and the others keep theirs. */
static void test_costs_past_32_bits_stay_exact(void **state)
{
	(void)state;
	struct hfp_stacks s;
	init(&s, 0, 0);
	uint32_t f[2] = { hfp_stacks_frame(&s, "main", NULL, 0, NULL), hfp_stacks_frame(&s, "f", NULL, 0, NULL) };
	uint32_t g[2] = { f[0], hfp_stacks_frame(&s, "g", NULL, 0, NULL) };
	uint32_t h[1] = { f[0] };
	struct hfp_costs small = { 1, 4000000000u, 1, 3000000000u, 1, 4000000000u };
	struct hfp_costs big = { 5, (uint64_t)1 << 40, 0, 0, 0, UINT64_MAX - 1 };
	hfp_stacks_add_frames(&s, f, 2, 0, &small);
	hfp_stacks_add_frames(&s, g, 2, 1, &small);
	hfp_stacks_add_frames(&s, f, 2, 0, &small); /* bytes, leaked, peak outgrow 32 bits */
	hfp_stacks_add_frames(&s, h, 1, 0, &big);   /* wide from the start */
	hfp_stacks_add_frames(&s, f, 2, 0, &small);
	assert_int_equal(s.nd, 3);
	struct hfp_dstack d0 = hfp_stacks_get(&s, 0), d1 = hfp_stacks_get(&s, 1), d2 = hfp_stacks_get(&s, 2);
	assert_true(d0.c.allocations == 3 && d0.c.bytes == 12000000000u && d0.c.temporary == 3 &&
		    d0.c.leaked == 9000000000u && d0.c.leaked_count == 3 && d0.c.peak == 12000000000u);
	assert_true(d0.depth == 2 && d0.alloc_frames == 0);
	assert_true(d1.c.allocations == 1 && d1.c.bytes == 4000000000u && d1.c.peak == 4000000000u);
	assert_true(d1.depth == 2 && d1.alloc_frames == 1 && hfp_dstack_site(&s, &d1) == f[0]);
	assert_true(d2.c.allocations == 5 && d2.c.bytes == (uint64_t)1 << 40 && d2.c.peak == UINT64_MAX - 1);
	assert_true(d2.depth == 1 && d2.alloc_frames == 0 && hfp_dstack_site(&s, &d2) == f[0]);
	hfp_stacks_free(&s);
}

static void test_function_filter_sees_the_whole_stack(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t t = stack((uint64_t[]){ 0x5040, 0x5050, 0x5060, 0x50a0, 0x5090, HF_FRAME_MALLOC, 0 });
	struct hfp_stacks s;
	init(&s, 0, 0);
	const char *start[] = { "start_thread" }, *worker[] = { "nope", "worker" }, *nope[] = { "nope" };
	const char *mid[] = { "middle" }, *cxx[] = { "ns::f" }, *partial[] = { "ns::" };
	assert_true(hfp_stacks_has_function(&s, t, start, 1)); /* above the cut, still on the stack */
	assert_true(hfp_stacks_has_function(&s, t, worker, 2));
	assert_false(hfp_stacks_has_function(&s, t, nope, 1));
	assert_true(hfp_stacks_has_function(&s, t, mid, 1)); /* inlined frames count */
	assert_true(hfp_stacks_has_function(&s, t, cxx, 1)); /* without the parameter list */
	assert_false(hfp_stacks_has_function(&s, t, partial, 1));
	hfp_stacks_free(&s);
}

static void test_damaged_trees_do_not_loop(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t a = node(0, 0x5020);
	uint32_t b = node(a, HF_FRAME_MALLOC);
	nodes[a].parent = b; /* a cycle: parents must come first */
	uint32_t bad = node(a, 99);  /* an unknown pseudo-frame code */
	uint32_t leaf = node(bad, HF_FRAME_MALLOC);
	expect_shown(0, 0, b, "main");
	expect_shown(1, 0, leaf, "main;[invalid frame]");
}

/* Ranks in a depth-first walk: a node before its children, children in the order of their ids,
 * and a node whose parent does not come before it under the root. Each node's key is its last
 * descendant's rank: a leaf's own. */
static void test_nodes_ranked_depth_first(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t a = node(0, 0x5020);  /* 1 */
	uint32_t b = node(a, 0x5030);  /* 2 */
	uint32_t c = node(0, 0x5060);  /* 3: a second root */
	uint32_t d = node(a, 0x5070);  /* 4 */
	uint32_t e = node(b, 0x5080);  /* 5 */
	uint32_t f = node(c, 0x5090);  /* 6 */
	uint32_t g = node(0, 0x50a0);  /* 7, then damaged: its parent comes after it */
	uint32_t h = node(g, 0x50a0);  /* 8 */
	nodes[g].parent = h;
	struct hfp_nodesrc src = { fake_node, NULL, nnodes, { 0 } };
	uint32_t *rank = hfp_node_preorder(&src);
	/* ranks: root 0; a 1, b 2, e 3, d 4; c 5, f 6; g 7, h 8 */
	uint32_t want[] = { 8, 4, 3, 6, 4, 3, 6, 8, 8 };
	for (uint32_t id = 0; id <= nnodes; id++)
		assert_int_equal(rank[id], want[id]);
	(void)d, (void)e, (void)f;
	free(rank);

	/* The stack layer's near keys: each display stack's first leaf's key. */
	struct hfp_stacks s;
	init(&s, 1, 0);
	s.near_keys = 1;
	s.nodes.count = nnodes;
	struct hfp_costs one = { .allocations = 1 };
	hfp_stacks_add(&s, f, &one);
	hfp_stacks_add(&s, e, &one);
	hfp_stacks_add(&s, b, &one);
	assert_int_equal(s.nd, 3);
	assert_int_equal(s.near[0], 6);
	assert_int_equal(s.near[1], 3);
	assert_int_equal(s.near[2], 3); /* b is not a leaf: after e, its last descendant */
	hfp_stacks_free(&s);
}

/* Each trace symbolizes its own addresses: one address, in two traces, names what each trace's
 * resolver says (the stack layer's memo of the last addresses goes with its source). The
 * second source gives its nodes as a table (read without a call): the same stacks. */
static size_t named_by_ctx(void *ctx, uint32_t module, uint64_t frame, struct hfp_srcframe *out, size_t max)
{
	(void)module;
	(void)max;
	out[0] = (struct hfp_srcframe){ frame == 0x5020 ? "main" : ctx, NULL, 0, "/bin/x" };
	return 1;
}

static void test_each_source_symbolizes_its_own_addresses(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t leaf = stack((uint64_t[]){ 0x5020, 0x7000, 0x7010, HF_FRAME_MALLOC, 0 });
	struct hfp_stacks s;
	init(&s, 0, 0);
	s.resolve = named_by_ctx;
	struct hfp_costs one = { .allocations = 1 };
	char f_one[] = "f_one", f_two[] = "f_two";
	hfp_stacks_set_source(&s, (struct hfp_nodesrc){ fake_node, NULL, nnodes, { 0 } }, f_one);
	hfp_stacks_add(&s, leaf, &one);
	hfp_stacks_add(&s, leaf, &one);
	hfp_stacks_set_source(&s, (struct hfp_nodesrc){ fake_node, NULL, nnodes, node_table() }, f_two);
	hfp_stacks_add(&s, leaf, &one);
	assert_int_equal(s.nd, 2);
	const char *want[2] = { "main;f_one;f_one", "main;f_two;f_two" };
	struct hfp_framebuf fb = { 0 };
	for (size_t i = 0; i < 2; i++) {
		struct hfp_dstack d = hfp_stacks_get(&s, i);
		const uint32_t *frames = hfp_dstack_frames(&s, &d, &fb);
		struct hfp_buf b = { 0 };
		for (uint32_t k = 0; k < d.depth; k++) {
			if (k)
				hfp_buf_putc(&b, ';');
			hfp_buf_puts(&b, s.frame[frames[k]].name);
		}
		assert_string_equal(hfp_buf_str(&b), want[i]);
		assert_int_equal(d.c.allocations, 2 - i);
		hfp_buf_free(&b);
	}
	hfp_framebuf_free(&fb);
	hfp_stacks_free(&s);
}

/* Display stack i as "a;b;c" (freed by the caller). */
static char *text_of(const struct hfp_stacks *s, size_t i)
{
	struct hfp_framebuf fb = { 0 };
	struct hfp_buf b = { 0 };
	struct hfp_dstack d = hfp_stacks_get(s, i);
	const uint32_t *frames = hfp_dstack_frames(s, &d, &fb);
	for (uint32_t f = 0; f < d.depth; f++)
		hfp_buf_printf(&b, "%s%s", f ? ";" : "", s->frame[frames[f]].name);
	hfp_framebuf_free(&fb);
	return hfp_buf_take(&b);
}

/* A stack shares its outer nodes with the one expanded before it: their frames are copied from
 * there. Each stack must still show exactly its own frames, whatever came before: a sibling, a
 * stack whose leaf has a higher id than this one's nodes, a stack of another root, the same one
 * again, and a stack under its allocator frames. */
static void test_stacks_sharing_nodes_show_their_own_frames(void **state)
{
	(void)state;
	nnodes = 0;
	uint32_t top = stack((uint64_t[]){ 0x5010, 0x5020, 0x5030, 0 }); /* main;work */
	uint32_t f1 = node(top, 0x5070);                                   /* helper */
	uint32_t f2 = node(f1, 0x5080);                                    /* deep */
	uint32_t other = stack((uint64_t[]){ 0x5040, 0x5050, 0x5060, 0 }); /* a thread: worker */
	uint32_t m_deep = node(f2, HF_FRAME_MALLOC);
	uint32_t m_top = node(top, HF_FRAME_MALLOC);
	uint32_t m_other = node(other, HF_FRAME_CALLOC);
	uint32_t m_inl = node(node(f1, 0x5090), HF_FRAME_MALLOC); /* inlined frames */
	uint32_t order[] = { m_deep, m_top, m_inl, m_other, m_deep, m_deep, m_top, m_inl };
	const char *want[] = { "main;work;helper;deep", "main;work", "main;work;helper;outer;middle;inner",
			       "worker", "main;work;helper;deep", "main;work;helper;deep", "main;work",
			       "main;work;helper;outer;middle;inner" };
	struct hfp_stacks s;
	init(&s, 0, 0);
	struct hfp_costs one = { .allocations = 1 };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		hfp_stacks_add(&s, order[i], &one);
		int found = 0;
		for (size_t j = 0; j < s.nd && !found; j++) {
			char *text = text_of(&s, j);
			found = strcmp(text, want[i]) == 0;
			free(text);
		}
		if (!found)
			fail_msg("stack %zu: no display stack reads %s", i, want[i]);
	}
	assert_int_equal(s.nd, 4);
	assert_true(hfp_stacks_has_function(&s, m_inl, (const char *[]){ "middle" }, 1));
	assert_false(hfp_stacks_has_function(&s, m_deep, (const char *[]){ "middle" }, 1));
	assert_true(hfp_stacks_has_function(&s, m_other, (const char *[]){ "start_thread" }, 1));
	for (size_t j = 0; j < s.nd; j++)
		assert_int_equal(hfp_stacks_get(&s, j).c.allocations, j == 0 ? 3 : j == 3 ? 1 : 2);
	hfp_stacks_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stacks_stop_at_main_unless_asked),
		cmocka_unit_test(test_unnamed_main_is_found_by_its_caller),
		cmocka_unit_test(test_thread_stacks_stop_at_their_start_routine),
		cmocka_unit_test(test_truncated_stacks_show_their_marker_as_root),
		cmocka_unit_test(test_inlined_frames_appear_caller_first),
		cmocka_unit_test(test_addresses_are_symbolized_once_and_stacks_merge),
		cmocka_unit_test(test_costs_past_32_bits_stay_exact),
		cmocka_unit_test(test_function_filter_sees_the_whole_stack),
		cmocka_unit_test(test_damaged_trees_do_not_loop),
		cmocka_unit_test(test_nodes_ranked_depth_first),
		cmocka_unit_test(test_each_source_symbolizes_its_own_addresses),
		cmocka_unit_test(test_stacks_sharing_nodes_show_their_own_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
