/* test_print_accum.c: accumulation of synthetic event sequences into every cost type
 * (accum/hfp_accum.c): allocations, bytes, temporary (threshold, per thread, units, realloc),
 * leaked, peak (global maximum, per-stack values at that moment), and the filters. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/print/accum/hfp_accum.h"

static uint64_t clock_ns;

static void ev(struct hfp_accum *a, int type, uint32_t flags, uint32_t thread, uint32_t node,
	       uint64_t size, uint64_t ptr)
{
	struct hf_event e = { 0 };
	e.type = type;
	e.flags = flags;
	e.thread = thread;
	e.node = node;
	e.size = size;
	e.ptr = ptr;
	e.time_ns = clock_ns += 1000;
	hfp_accum_event(a, &e);
}

static void alloc(struct hfp_accum *a, uint32_t thread, uint32_t node, uint64_t size, uint64_t ptr)
{
	ev(a, HF_EV_ALLOC, 0, thread, node, size, ptr);
}

static void unit(struct hfp_accum *a, uint32_t thread, uint32_t node, uint64_t size, uint64_t ptr)
{
	ev(a, HF_EV_ALLOC, HF_EVF_UNIT, thread, node, size, ptr);
}

static void release(struct hfp_accum *a, uint32_t thread, uint64_t ptr)
{
	ev(a, HF_EV_FREE, 0, thread, 0, 0, ptr);
}

static struct hfp_costs costs(const struct hfp_accum *a, uint32_t node)
{
	for (size_t i = 0; i < a->nstats; i++)
		if (hfp_accum_stat(a, i)->node == node)
			return hfp_accum_stat(a, i)->c;
	return (struct hfp_costs){ 0 };
}

static void expect(const struct hfp_accum *a, uint32_t node, uint64_t allocations, uint64_t bytes,
		   uint64_t temporary, uint64_t leaked, uint64_t peak)
{
	struct hfp_costs c = costs(a, node);
	if (c.allocations != allocations || c.bytes != bytes || c.temporary != temporary ||
	    c.leaked != leaked || c.peak != peak)
		fail_msg("node %u: got allocations %" PRIu64 " bytes %" PRIu64 " temporary %" PRIu64
			 " leaked %" PRIu64 " peak %" PRIu64 ", want %" PRIu64 " %" PRIu64 " %" PRIu64
			 " %" PRIu64 " %" PRIu64,
			 node, c.allocations, c.bytes, c.temporary, c.leaked, c.peak, allocations, bytes,
			 temporary, leaked, peak);
}

static void test_every_cost_type_on_a_known_sequence(void **state)
{
	(void)state;
	struct hfp_accum a;
	hfp_accum_init(&a);
	alloc(&a, 1, 11, 100, 0x1000);  /* live 100 */
	alloc(&a, 1, 12, 200, 0x2000);  /* live 300 */
	release(&a, 1, 0x1000);         /* one allocation in between: not temporary; live 200 */
	alloc(&a, 1, 11, 50, 0x3000);   /* live 250 */
	release(&a, 1, 0x3000);         /* temporary; live 200 */
	unit(&a, 1, 13, 10, 0x4000);    /* temporary; live 210 for an instant */
	alloc(&a, 1, 12, 300, 0x5000);  /* live 500: the peak */
	release(&a, 1, 0x2000);         /* live 300 */
	hfp_accum_finish(&a);
	expect(&a, 11, 2, 150, 1, 0, 0);
	expect(&a, 12, 2, 500, 0, 300, 500);
	expect(&a, 13, 1, 10, 1, 0, 0);
	assert_true(a.allocations == 5 && a.bytes == 660 && a.temporary == 2);
	assert_true(a.peak_bytes == 500 && a.live_bytes == 300 && a.live_count == 1);
	assert_true(costs(&a, 12).leaked_count == 1);
	for (int c = 0; c < HFP_COST_N; c++) { /* the per-stack values add up to the totals */
		uint64_t sum = 0;
		for (size_t i = 0; i < a.nstats; i++)
			sum += hfp_cost_get(&hfp_accum_stat(&a, i)->c, c);
		uint64_t want[HFP_COST_N] = { 5, 660, 2, 300, 500 };
		assert_true(sum == want[c]);
	}
	hfp_accum_free(&a);
}

static void test_peak_is_each_stack_at_the_global_maximum(void **state)
{
	(void)state;
	struct hfp_accum a;
	hfp_accum_init(&a);
	alloc(&a, 1, 1, 1000, 0x10);    /* stack 1 alone: 1000 */
	release(&a, 1, 0x10);           /* 0 */
	alloc(&a, 1, 2, 600, 0x20);     /* 600 */
	alloc(&a, 2, 3, 300, 0x30);     /* 900 */
	alloc(&a, 1, 1, 350, 0x40);     /* 1250: the peak, stack 1 holds 350 there, not 1000 */
	release(&a, 2, 0x20);           /* changes after the peak do not move it */
	alloc(&a, 2, 3, 100, 0x50);     /* 750 */
	alloc(&a, 2, 3, 400, 0x60);     /* 1150 < 1250 */
	hfp_accum_finish(&a);
	expect(&a, 1, 2, 1350, 1, 350, 350);
	expect(&a, 2, 1, 600, 0, 0, 600);
	expect(&a, 3, 3, 800, 0, 800, 300);
	assert_true(a.peak_bytes == 1250);
	hfp_accum_free(&a);

	/* A unit is live for an instant, and that instant can be the peak. */
	hfp_accum_init(&a);
	alloc(&a, 1, 1, 100, 0x10);
	unit(&a, 1, 2, 5000, 0x20);
	alloc(&a, 1, 3, 200, 0x30);
	hfp_accum_finish(&a);
	assert_true(a.peak_bytes == 5100);
	expect(&a, 1, 1, 100, 0, 100, 100);
	expect(&a, 2, 1, 5000, 1, 0, 5000);
	expect(&a, 3, 1, 200, 0, 200, 0);
	hfp_accum_free(&a);

	/* The first time the maximum is reached counts; a later equal total does not move it. */
	hfp_accum_init(&a);
	alloc(&a, 1, 1, 100, 0x10);
	release(&a, 1, 0x10);
	alloc(&a, 1, 2, 100, 0x20);
	hfp_accum_finish(&a);
	expect(&a, 1, 1, 100, 1, 0, 100);
	expect(&a, 2, 1, 100, 0, 100, 0);
	hfp_accum_free(&a);
}

static void test_temporary_threshold_counts_other_allocations(void **state)
{
	(void)state;
	for (uint64_t threshold = 0; threshold < 4; threshold++) {
		struct hfp_accum a;
		hfp_accum_init(&a);
		a.threshold = threshold;
		/* block k is freed after k other allocations of its thread */
		for (uint64_t k = 0; k < 4; k++) {
			alloc(&a, 1, (uint32_t)(10 + k), 8, 0x1000 + k);
			for (uint64_t j = 0; j < k; j++)
				alloc(&a, 1, 99, 1, 0x9000 + 16 * k + j);
			release(&a, 1, 0x1000 + k);
		}
		hfp_accum_finish(&a);
		for (uint64_t k = 0; k < 4; k++)
			assert_true(costs(&a, (uint32_t)(10 + k)).temporary == (k <= threshold));
		assert_true(costs(&a, 99).temporary == 0);
		hfp_accum_free(&a);
	}
	/* Freed by another thread: never temporary. Frees in between do not count. */
	struct hfp_accum a;
	hfp_accum_init(&a);
	alloc(&a, 1, 1, 8, 0x10);
	release(&a, 2, 0x10);
	alloc(&a, 1, 2, 8, 0x20);
	alloc(&a, 1, 3, 8, 0x30);
	release(&a, 1, 0x30);
	release(&a, 1, 0x20); /* 0x30 was allocated in between: not temporary at threshold 0 */
	hfp_accum_finish(&a);
	expect(&a, 1, 1, 8, 0, 0, 0); /* freed before the peak (16 bytes: blocks 2 and 3) */
	expect(&a, 2, 1, 8, 0, 0, 8);
	expect(&a, 3, 1, 8, 1, 0, 8);
	hfp_accum_free(&a);
}

static void test_temporary_is_per_thread(void **state)
{
	(void)state;
	/* Two threads interleave alloc/free pairs: every pair is temporary for its thread, though
	 * a global counter (heaptrack's) sees an allocation of the other thread in between. */
	struct hfp_accum a;
	hfp_accum_init(&a);
	for (uint64_t i = 0; i < 1000; i++) {
		alloc(&a, 1, 1, 16, 0x100000 + i);
		alloc(&a, 2, 2, 32, 0x200000 + i);
		release(&a, 1, 0x100000 + i);
		release(&a, 2, 0x200000 + i);
	}
	hfp_accum_finish(&a);
	expect(&a, 1, 1000, 16000, 1000, 0, 16);
	expect(&a, 2, 1000, 32000, 1000, 0, 32);
	assert_true(a.temporary == 2000);
	hfp_accum_free(&a);
}

/* Stream numbers come from the file: sparse and huge ones (a damaged or hostile trace) cost no
 * more memory than dense ones, and one at or above 2^31 is not confused with the "counted" flag
 * kept beside the thread in the live table. Found by tests/fuzz/fuzz_print.c (an array indexed
 * by stream number: 32 GiB for stream 4e9). */
static void test_sparse_stream_numbers(void **state)
{
	(void)state;
	static const uint32_t threads[] = { 1, 0x80000000u, 0xffffffffu, 7, 0x80000001u, 1000000 };
	const size_t nt = sizeof threads / sizeof threads[0];
	struct hfp_accum a;
	hfp_accum_init(&a);
	for (uint64_t i = 0; i < 300; i++) {
		uint32_t t = threads[i % nt], other = threads[(i + 1) % nt];
		alloc(&a, t, 1, 16, 0x100000 + 16 * i);  /* temporary: freed by t at once */
		release(&a, t, 0x100000 + 16 * i);
		alloc(&a, t, 2, 32, 0x900000 + 16 * i);  /* freed by another thread: not temporary */
		release(&a, other, 0x900000 + 16 * i);
		alloc(&a, t, 3, 8, 0x500000 + 16 * i);   /* leaked */
	}
	hfp_accum_finish(&a);
	expect(&a, 1, 300, 4800, 300, 0, 0);
	expect(&a, 2, 300, 9600, 0, 0, 32);     /* the peak: the last node-2 block, live */
	expect(&a, 3, 300, 2400, 0, 2400, 2392); /* beside 299 leaked blocks */
	assert_true(a.live_bytes == 2400 && a.peak_bytes == 2424);
	assert_true(a.frees == 600 && a.unmatched_frees == 0);
	assert_true(a.nthreads == nt);
	hfp_accum_free(&a);

	/* Enough sparse threads to grow the thread table a few times; each keeps its own count. */
	hfp_accum_init(&a);
	for (uint64_t k = 0; k < 3; k++)
		for (uint64_t i = 0; i < 500; i++) {
			uint32_t t = 0x9e3779b9u * (uint32_t)(i + 1);
			alloc(&a, t, 4, 1, 0x1000000 + 16 * (i + 500 * k));
			if (k == 2) /* t's first block: t made two more allocations since */
				release(&a, t, 0x1000000 + 16 * i);
		}
	hfp_accum_finish(&a);
	assert_true(a.nthreads == 500);
	expect(&a, 4, 1500, 1500, 0, 1000, 1001);
	hfp_accum_free(&a);
}

static void test_realloc_frees_then_allocates(void **state)
{
	(void)state;
	struct hfp_accum a;
	hfp_accum_init(&a);
	alloc(&a, 1, 1, 10, 0x10);
	ev(&a, HF_EV_FREE, HF_EVF_REALLOC, 1, 0, 0, 0x10);
	ev(&a, HF_EV_ALLOC, HF_EVF_REALLOC, 1, 2, 20, 0x20);
	ev(&a, HF_EV_FREE, HF_EVF_REALLOC, 1, 0, 0, 0x20);
	ev(&a, HF_EV_ALLOC, HF_EVF_REALLOC, 1, 2, 40, 0x20); /* in place */
	ev(&a, HF_EV_ALLOC_FAILED, 0, 1, 3, 1u << 30, 0);
	hfp_accum_finish(&a);
	expect(&a, 1, 1, 10, 1, 0, 0);
	expect(&a, 2, 2, 60, 1, 40, 40);
	assert_true(a.failed == 1 && a.allocations == 3 && a.peak_bytes == 40);
	hfp_accum_free(&a);
}

static void test_size_filters_select_exactly(void **state)
{
	(void)state;
	struct hfp_accum a;
	hfp_accum_init(&a);
	a.min_size = 3;
	a.max_size = 7;
	a.want_histogram = 1;
	for (uint64_t s = 1; s <= 10; s++)
		alloc(&a, 1, (uint32_t)s, s, 0x1000 * s);
	for (uint64_t s = 1; s <= 10; s++)
		release(&a, 1, 0x1000 * s);
	/* A filtered-out allocation still counts as "another allocation" for temporariness. */
	alloc(&a, 1, 20, 5, 0x100);
	alloc(&a, 1, 21, 100, 0x200);
	release(&a, 1, 0x100);
	hfp_accum_finish(&a);
	assert_true(a.allocations == 6 && a.bytes == 3 + 4 + 5 + 6 + 7 + 5);
	for (uint32_t s = 1; s <= 10; s++)
		assert_true(costs(&a, s).allocations == (s >= 3 && s <= 7));
	expect(&a, 20, 1, 5, 0, 0, 0); /* the peak was 3+4+5+6+7 bytes, before it */
	assert_true(hfp_hash_count(&a.hist) == 5);
	assert_true(a.unmatched_frees == 5); /* frees of filtered blocks */
	hfp_accum_free(&a);
}

/* The sequence of test_every_cost_type..., fed to a. */
static void known_sequence(struct hfp_accum *a)
{
	alloc(a, 1, 11, 100, 0x1000);
	alloc(a, 1, 12, 200, 0x2000);
	release(a, 1, 0x1000);
	alloc(a, 1, 11, 50, 0x3000);
	release(a, 1, 0x3000);
	unit(a, 1, 13, 10, 0x4000);
	alloc(a, 1, 12, 300, 0x5000);
	release(a, 1, 0x2000);
	alloc(a, 2, 14, 70, 0x6000); /* another thread, a temporary pair */
	release(a, 2, 0x6000);
}

static void test_temporary_only_counts_at_free_or_with_the_prepass(void **state)
{
	(void)state;
	/* Without a pre-pass: counts of temporary allocations only, no live bytes. */
	struct hfp_accum a;
	hfp_accum_init(&a);
	a.temporary_only = 1;
	known_sequence(&a);
	hfp_accum_finish(&a);
	expect(&a, 11, 1, 50, 1, 0, 0);
	expect(&a, 12, 0, 0, 0, 0, 0);
	expect(&a, 13, 1, 10, 1, 0, 0);
	expect(&a, 14, 1, 70, 1, 0, 0);
	assert_true(a.allocations == 3 && a.temporary == 3 && a.peak_bytes == 0);
	hfp_accum_free(&a);

	/* With the pre-pass bitmap: the same counts, and live bytes and a peak of those blocks. */
	struct hfp_accum pre;
	hfp_accum_init(&pre);
	pre.classify_only = 1;
	known_sequence(&pre);
	size_t bits;
	uint8_t *map = hfp_accum_take_tempmap(&pre, &bits);
	assert_int_equal(pre.nstats, 0);
	hfp_accum_free(&pre);
	hfp_accum_init(&a);
	a.temporary_only = 1;
	a.tempmap = map;
	a.tempmap_bits = bits;
	known_sequence(&a);
	hfp_accum_finish(&a);
	expect(&a, 11, 1, 50, 1, 0, 0);
	expect(&a, 12, 0, 0, 0, 0, 0);
	expect(&a, 13, 1, 10, 1, 0, 0);
	expect(&a, 14, 1, 70, 1, 0, 70); /* the largest temporary block live alone */
	assert_true(a.allocations == 3 && a.temporary == 3 && a.peak_bytes == 70 && a.live_bytes == 0);
	hfp_accum_free(&a);
	free(map);
}

static int keep_even(void *ctx, uint32_t node)
{
	++*(int *)ctx;
	return node % 2 == 0;
}

static void test_stack_filter_is_asked_once_per_stack(void **state)
{
	(void)state;
	int calls = 0;
	struct hfp_accum a;
	hfp_accum_init(&a);
	a.keep = keep_even;
	a.keep_ctx = &calls;
	for (uint64_t i = 0; i < 100; i++)
		alloc(&a, 1, (uint32_t)(1 + i % 4), 10, 0x1000 + i);
	hfp_accum_finish(&a);
	assert_int_equal(calls, 4);
	assert_true(a.allocations == 50 && a.nstats == 2);
	hfp_accum_free(&a);
}

static void test_damaged_sequences_stay_consistent(void **state)
{
	(void)state;
	struct hfp_accum a;
	hfp_accum_init(&a);
	release(&a, 1, 0x10);          /* never allocated */
	alloc(&a, 1, 1, 10, 0x20);
	alloc(&a, 1, 2, 30, 0x20);     /* the same address live twice */
	alloc(&a, 1, 3, 5, 0);         /* address 0 */
	release(&a, 1, 0);
	ev(&a, HF_EV_MARK, 0, 1, 0, 0, 0);
	struct hf_event s = { .type = HF_EV_SAMPLE, .rss = 12345 };
	hfp_accum_event(&a, &s);
	hfp_accum_finish(&a);
	assert_true(a.unmatched_frees == 1 && a.duplicates == 1);
	assert_true(a.live_bytes == 30 && a.live_count == 1);
	expect(&a, 1, 1, 10, 0, 0, 10); /* released when the duplicate came, after the peak */
	expect(&a, 2, 1, 30, 0, 30, 30);
	expect(&a, 3, 1, 5, 1, 0, 0);
	assert_true(a.nmarks == 1 && a.peak_rss == 12345);
	hfp_accum_free(&a);
}

static void test_live_table_survives_growth_and_churn(void **state)
{
	(void)state;
	/* Many live blocks, freed in an order unrelated to insertion: backward-shift deletion must
	 * keep every remaining block findable. */
	struct hfp_accum a;
	hfp_accum_init(&a);
	const uint64_t n = 50000;
	for (uint64_t i = 0; i < n; i++)
		alloc(&a, 1, 1, 1, 0x10000 + 16 * i);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t j = (i * 7919) % n;
		if (j % 3)
			release(&a, 1, 0x10000 + 16 * j);
	}
	hfp_accum_finish(&a);
	assert_true(a.unmatched_frees == 0);
	assert_true(a.live_count == (n + 2) / 3);
	hfp_accum_free(&a);
}

/* hfp_accum_sort: the stacks in the order of their node's key, equal keys in the order they
 * were first seen, a node past the keys last; each keeps its own figures; then the drain hands
 * them over in that order, the ahead hook HFP_DRAIN_AHEAD places before. Enough stacks to span
 * several blocks of stats, so the moves cross blocks. */
struct drained {
	uint32_t *node;
	uint64_t *bytes;
	size_t n;
	uint32_t *ahead;
	size_t nahead;
};

static void take(void *ctx, size_t i, const struct hfp_stat *st)
{
	struct drained *d = ctx;
	assert_int_equal(i, d->n);
	d->node[d->n] = st->node;
	d->bytes[d->n++] = st->c.bytes;
}

static void look_ahead(void *ctx, uint32_t node)
{
	struct drained *d = ctx;
	d->ahead[d->nahead++] = node;
}

static void test_sorted_drain_keeps_each_stack_whole(void **state)
{
	(void)state;
	struct hfp_accum a;
	hfp_accum_init(&a);
	const uint32_t n = 3 * HFP_STAT_BLOCK + 123; /* nodes 1 .. n, first seen in this order */
	for (uint32_t node = 1; node <= n; node++)
		unit(&a, 1, node, node * 3, 0x1000);
	hfp_accum_finish(&a);
	/* key: nodes in descending order by tens, equal keys within a ten; the last node has no key */
	uint32_t *key = calloc(n, sizeof *key); /* keys for nodes 0 .. n-1 */
	for (uint32_t node = 1; node < n; node++)
		key[node] = (n - node) / 10;
	uint32_t *given = malloc(n * sizeof *given); /* hfp_accum_sort frees what it is given */
	memcpy(given, key, n * sizeof *given);
	hfp_accum_sort(&a, given, n);
	struct drained d = { calloc(n, sizeof *d.node), calloc(n, sizeof *d.bytes), 0,
			     calloc(n, sizeof *d.ahead), 0 };
	hfp_accum_drain(&a, take, look_ahead, &d);
	assert_int_equal(d.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d.bytes[i], (uint64_t)d.node[i] * 3);
		if (i + 1 < n - 1) { /* in key order, equal keys by node (the order first seen) */
			uint32_t x = d.node[i], y = d.node[i + 1];
			assert_true(key[x] < key[y] || (key[x] == key[y] && x < y));
		}
	}
	assert_int_equal(d.node[n - 1], n);
	assert_int_equal(d.nahead, n - HFP_DRAIN_AHEAD);
	for (size_t i = 0; i < d.nahead; i++)
		assert_int_equal(d.ahead[i], d.node[i + HFP_DRAIN_AHEAD]);
	assert_int_equal(a.nstats, 0);
	free(key);
	free(d.node);
	free(d.bytes);
	free(d.ahead);
	hfp_accum_free(&a);
}

static int keep_odd(void *ctx, uint32_t node)
{
	(void)ctx;
	return node % 2 == 1 || node == 4;
}

/* Units take a shorter path in the common case (hfp_accum.plain); the general one gives the
 * same costs for every stack and the same totals, on a random mix of units (runs from one stack,
 * as a loop makes them, and single ones), allocations and frees from 20 threads (the per-thread
 * table grows under a unit: it starts with one, of a thread not seen yet), with stacks the
 * function filter drops. */
static void test_units_short_path_counts_as_the_general_one(void **state)
{
	(void)state;
	struct hfp_accum a[2];
	for (int k = 0; k < 2; k++) {
		hfp_accum_init(&a[k]);
		a[k].keep = keep_odd;
		if (k)
			a[k].plain = 0;
	}
	uint64_t rng = 12345, live[64] = { 0 }, next_ptr = 0x1000;
	uint64_t clock0 = clock_ns;
	for (int k = 0; k < 2; k++) {
		rng = 12345;
		memset(live, 0, sizeof live);
		next_ptr = 0x1000;
		clock_ns = clock0;
		unit(&a[k], 7, 1, 100, 0x99000);
		for (int i = 0; i < 20000; i++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			uint32_t r = (uint32_t)(rng >> 33), thread = 1 + r % 20, node = 1 + (r >> 5) % 6;
			uint64_t size = 1 + (r >> 8) % 3000;
			unsigned slot = (r >> 17) % 64;
			if ((r >> 23) % 4 == 0) {
				for (unsigned n = 1 + (r >> 25) % 8; n; n--) /* a run from one stack */
					unit(&a[k], thread, node, size + n, 0x99000);
			} else if ((r >> 23) % 4 == 1) {
				unit(&a[k], thread, node, size, next_ptr += 64);
			} else if (live[slot]) {
				release(&a[k], thread, live[slot]);
				live[slot] = 0;
			} else {
				alloc(&a[k], thread, node, size, live[slot] = next_ptr += 64);
			}
		}
		hfp_accum_finish(&a[k]);
	}
	assert_int_equal(a[0].plain, 1);
	assert_true(a[0].allocations == a[1].allocations && a[0].bytes == a[1].bytes);
	assert_true(a[0].temporary == a[1].temporary && a[0].units == a[1].units);
	assert_true(a[0].peak_bytes == a[1].peak_bytes && a[0].peak_time_ns == a[1].peak_time_ns);
	assert_true(a[0].live_bytes == a[1].live_bytes && a[0].alloc_index == a[1].alloc_index);
	assert_true(a[0].filtered_function == a[1].filtered_function && a[0].filtered_function > 0);
	assert_true(a[0].nthreads == 20 && a[1].nthreads == 20);
	for (size_t t = 0; t < 20; t++)
		assert_true(a[0].tseq[t] == a[1].tseq[t]);
	assert_int_equal(a[0].nstats, a[1].nstats);
	for (uint32_t node = 1; node <= 6; node++) {
		struct hfp_costs x = costs(&a[0], node), y = costs(&a[1], node);
		assert_memory_equal(&x, &y, sizeof x);
	}
	assert_true(costs(&a[0], 1).peak + costs(&a[0], 3).peak + costs(&a[0], 5).peak +
		    costs(&a[0], 4).peak == a[0].peak_bytes);
	for (int k = 0; k < 2; k++)
		hfp_accum_free(&a[k]);
}

/* The counts of a second part of a trace added to the first's: each stack's allocations and bytes,
 * stacks only the second part has made in the first, the run's counts summed. */
static void test_second_part_counts_add_to_the_first(void **state)
{
	(void)state;
	struct hfp_accum a, b;
	hfp_accum_init(&a);
	hfp_accum_init(&b);
	unit(&a, 1, 5, 10, 0x100);
	alloc(&a, 1, 6, 20, 0x200);
	unit(&b, 2, 5, 30, 0x300);
	unit(&b, 2, 5, 40, 0x300);
	alloc(&b, 2, 7, 50, 0x400);
	release(&b, 2, 0x999); /* a block of the other part */
	hfp_accum_add_counts(&a, &b);
	hfp_accum_finish(&a);
	assert_true(costs(&a, 5).allocations == 3 && costs(&a, 5).bytes == 80);
	assert_true(costs(&a, 6).allocations == 1 && costs(&a, 6).bytes == 20);
	assert_true(costs(&a, 7).allocations == 1 && costs(&a, 7).bytes == 50);
	assert_true(a.allocations == 5 && a.bytes == 150 && a.alloc_index == 5 && a.units == 3);
	assert_true(a.events == 6 && a.unmatched_frees == 1);
	hfp_accum_free(&a);
	hfp_accum_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cost_type_on_a_known_sequence),
		cmocka_unit_test(test_peak_is_each_stack_at_the_global_maximum),
		cmocka_unit_test(test_temporary_threshold_counts_other_allocations),
		cmocka_unit_test(test_temporary_is_per_thread),
		cmocka_unit_test(test_sparse_stream_numbers),
		cmocka_unit_test(test_realloc_frees_then_allocates),
		cmocka_unit_test(test_size_filters_select_exactly),
		cmocka_unit_test(test_temporary_only_counts_at_free_or_with_the_prepass),
		cmocka_unit_test(test_stack_filter_is_asked_once_per_stack),
		cmocka_unit_test(test_damaged_sequences_stay_consistent),
		cmocka_unit_test(test_live_table_survives_growth_and_churn),
		cmocka_unit_test(test_sorted_drain_keeps_each_stack_whole),
		cmocka_unit_test(test_units_short_path_counts_as_the_general_one),
		cmocka_unit_test(test_second_part_counts_add_to_the_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
