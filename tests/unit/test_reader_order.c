/* test_reader_order.c: hf_trace_next restores the global order of format.md section 3, whatever
 * the order of the chunks in the file, with bounded memory; and a trace read in parts
 * (hf_trace_split) holds the same events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/trace/hf_reader_int.h"
#include "util_tracegen.h"

static uint32_t malloc_node(struct tg *g)
{
	uint32_t main_ = tg_node(g, 0, 0x401000);
	return tg_node(g, main_, HF_FRAME_MALLOC);
}

static void read_path(struct tg *g, const char *name, struct tg_read *r)
{
	char *path = tg_tmp_path(name);
	tg_write(g, path);
	tg_read_all(path, r, SIZE_MAX);
	assert_int_equal(r->open_rc, HF_TRACE_OK);
	if (r->next_rc != HF_TRACE_END)
		fail_msg("%s", r->error);
	unlink(path);
	free(path);
}

static void expect(const struct hf_event *ev, int type, uint32_t thread, uint64_t key, uint64_t ptr)
{
	assert_int_equal(ev->type, type);
	assert_int_equal(ev->thread, thread);
	assert_true(ev->key == key);
	assert_true(ev->ptr == ptr);
}

static void test_cross_thread_free_sits_between_alloc_and_reuse(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t m = malloc_node(g);
	const uint64_t p = 0x5555aaaa0010;
	tg_flush(g, 0);
	tg_set_start_epoch(g, 2, 5);
	tg_alloc(g, 2, m, 64, p); /* thread 2 allocates p: key 2*5 */
	int c2 = tg_flush(g, 2);
	tg_free(g, 1, p, 7);      /* thread 1 frees it: key 2*7+1 */
	int c1 = tg_flush(g, 1);
	tg_set_start_epoch(g, 3, 8);
	tg_alloc(g, 3, m, 32, p); /* thread 3 gets the block back: key 2*8 */
	int c3 = tg_flush(g, 3);
	tg_close(g, NULL);
	/* In the file: meta, then the three chunks in reverse order of their events. */
	size_t order[] = { 0, (size_t)c3, (size_t)c1, (size_t)c2, tg_member_count(g) - 1 };
	tg_set_order(g, order, 5);

	struct tg_read r;
	read_path(g, "cross.gz", &r);
	assert_int_equal(r.nev, 3);
	expect(&r.ev[0], HF_EV_ALLOC, 2, 10, p);
	expect(&r.ev[1], HF_EV_FREE, 1, 15, p);
	expect(&r.ev[2], HF_EV_ALLOC, 3, 16, p);
	assert_int_equal(r.ev[2].size, 32);
	tg_read_free(&r);
	tg_destroy(g);
}

static void test_realloc_halves_bracket_other_threads_events(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t m = malloc_node(g);
	uint32_t re = tg_node(g, 1, HF_FRAME_REALLOC);
	tg_alloc(g, 1, m, 10, 0x1000);                 /* key 0 */
	tg_realloc(g, 1, re, 20, 0x1000, 0x2000, 3, 6); /* free half 7, alloc half 12 */
	tg_flush(g, 1);
	tg_epoch(g, 2, 4);
	tg_alloc(g, 2, m, 5, 0x3000);                  /* key 8 */
	tg_free(g, 2, 0x3000, 4);                      /* key 9 */
	tg_close(g, NULL);
	struct tg_read r;
	read_path(g, "realloc.gz", &r);
	assert_int_equal(r.nev, 5);
	expect(&r.ev[0], HF_EV_ALLOC, 1, 0, 0x1000);
	expect(&r.ev[1], HF_EV_FREE, 1, 7, 0x1000);
	assert_int_equal(r.ev[1].flags, HF_EVF_REALLOC);
	expect(&r.ev[2], HF_EV_ALLOC, 2, 8, 0x3000);
	expect(&r.ev[3], HF_EV_FREE, 2, 9, 0x3000);
	expect(&r.ev[4], HF_EV_ALLOC, 1, 12, 0x2000);
	assert_int_equal(r.ev[4].flags, HF_EVF_REALLOC);
	assert_true(r.ev[4].old_ptr == 0x1000);
	assert_int_equal(r.ev[4].size, 20);
	assert_int_equal(r.ev[4].node, re);
	tg_read_free(&r);
	tg_destroy(g);
}

static void test_unit_is_one_event_at_its_allocation_key(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t m = malloc_node(g);
	tg_epoch(g, 1, 2);
	tg_alloc(g, 1, m, 100, 0x1000); /* key 4 */
	tg_free_last(g, 1);
	tg_free(g, 2, 0x9000, 1);       /* key 3 */
	tg_free(g, 2, 0x9100, 2);       /* key 5 */
	tg_close(g, NULL);
	struct tg_read r;
	read_path(g, "unit.gz", &r);
	assert_int_equal(r.nev, 3);
	expect(&r.ev[0], HF_EV_FREE, 2, 3, 0x9000);
	expect(&r.ev[1], HF_EV_ALLOC, 1, 4, 0x1000);
	assert_int_equal(r.ev[1].flags, HF_EVF_UNIT);
	expect(&r.ev[2], HF_EV_FREE, 2, 5, 0x9100);
	tg_read_free(&r);
	tg_destroy(g);
}

static void test_equal_keys_take_stream_order_then_stream_number(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t m = malloc_node(g);
	for (uint32_t s = 3; s >= 1; s--) {
		for (int i = 0; i < 3; i++) {
			tg_alloc(g, s, m, 1, 0x1000 * s + (uint64_t)i);
			if (i == 1)
				tg_flush(g, s);
		}
		tg_mark(g, s, "m");
	}
	tg_close(g, NULL);
	struct tg_read r;
	read_path(g, "ties.gz", &r);
	assert_int_equal(r.nev, 12);
	for (uint32_t s = 1; s <= 3; s++) {
		for (int i = 0; i < 3; i++)
			expect(&r.ev[(s - 1) * 4 + (uint32_t)i], HF_EV_ALLOC, s, 0, 0x1000 * s + (uint64_t)i);
		assert_int_equal(r.ev[(s - 1) * 4 + 3].type, HF_EV_MARK);
	}
	tg_read_free(&r);
	tg_destroy(g);
}

/* ---- a random multi-threaded run, checked against the definition of the order ---- */

struct gen_ev {
	uint64_t key;
	uint32_t stream;
	uint32_t idx; /* position in its stream */
	int type;
	uint64_t ptr;
};

static int gen_cmp(const void *a, const void *b)
{
	const struct gen_ev *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Simulates the recorder: a global free epoch E, threads that allocate (reading E) and free
 * blocks allocated by any thread (taking e = E++), flushing their buffers at random. */
static void test_200_threads_merge_in_key_order(void **state)
{
	(void)state;
	enum { THREADS = 200, STEPS = 40000 };
	struct tg *g = tg_new(NULL);
	uint32_t m = malloc_node(g);
	tg_flush(g, 0);
	struct gen_ev *gen = calloc(STEPS, sizeof *gen);
	uint32_t *count = calloc(THREADS + 1, sizeof *count);
	uint64_t *live = calloc(STEPS, sizeof *live);
	size_t nlive = 0, n = 0;
	uint64_t E = 0, seed = 0x9e3779b97f4a7c15, next_ptr = 0x10000;

	for (size_t i = 0; i < STEPS; i++) {
		uint32_t s = 1 + (uint32_t)(rnd(&seed) % THREADS);
		struct gen_ev *e = &gen[n++];
		e->stream = s;
		e->idx = count[s]++;
		if (nlive && rnd(&seed) % 2) {
			size_t k = rnd(&seed) % nlive;
			e->type = HF_EV_FREE;
			e->ptr = live[k];
			live[k] = live[--nlive];
			e->key = 2 * E + 1;
			tg_free(g, s, e->ptr, E++);
		} else {
			if (tg_epoch_of(g, s) < E)
				tg_epoch(g, s, E);
			e->type = HF_EV_ALLOC;
			e->ptr = live[nlive++] = next_ptr;
			next_ptr += 16 * (1 + rnd(&seed) % 8);
			e->key = 2 * E;
			tg_alloc(g, s, m, 16, e->ptr);
		}
		if (rnd(&seed) % 64 == 0)
			tg_flush(g, s);
	}
	tg_close(g, NULL);
	qsort(gen, n, sizeof *gen, gen_cmp);

	struct tg_read r;
	read_path(g, "threads.gz", &r);
	assert_int_equal(r.info.streams, THREADS);
	assert_int_equal(r.nev, n);
	for (size_t i = 0; i < n; i++) {
		if (r.ev[i].type != gen[i].type || r.ev[i].thread != gen[i].stream ||
		    r.ev[i].key != gen[i].key || r.ev[i].ptr != gen[i].ptr)
			fail_msg("event %zu: got type %d thread %u key %llu, want type %d thread %u key %llu", i,
				 r.ev[i].type, r.ev[i].thread, (unsigned long long)r.ev[i].key, gen[i].type,
				 gen[i].stream, (unsigned long long)gen[i].key);
	}
	tg_read_free(&r);
	free(gen);
	free(count);
	free(live);
	tg_destroy(g);
}

static size_t peak_bodies(struct tg *g, const char *name, size_t *nev)
{
	char *path = tg_tmp_path(name);
	tg_write(g, path);
	hf_trace *t;
	assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
	struct hf_event ev;
	int rc;
	*nev = 0;
	while ((rc = hf_trace_next(t, &ev)) == HF_TRACE_OK)
		(*nev)++;
	assert_int_equal(rc, HF_TRACE_END);
	size_t peak = hf__merge_peak_bodies(t);
	hf_trace_close(t);
	unlink(path);
	free(path);
	return peak;
}

static void test_merge_inflates_only_chunks_whose_keys_overlap(void **state)
{
	(void)state;
	enum { THREADS = 50 };
	struct tg *g = tg_new(NULL);
	uint32_t m = malloc_node(g);
	/* Threads one after another, each over its own epoch range, three chunks each, written
	 * to the file last thread first. */
	for (uint32_t s = THREADS; s >= 1; s--) {
		tg_set_start_epoch(g, s, 100 * s);
		for (int c = 0; c < 3; c++) {
			tg_alloc(g, s, m, 8, 0x1000 + s);
			tg_free(g, s, 0x1000 + s, 100 * s + 10 * (uint64_t)c);
			tg_flush(g, s);
		}
	}
	tg_close(g, NULL);
	size_t nev;
	assert_true(peak_bodies(g, "sequential.gz", &nev) <= 2);
	assert_int_equal(nev, THREADS * 6);
	tg_destroy(g);

	/* All threads active together (their chunks' keys interleave): one body per stream at
	 * most. */
	g = tg_new(NULL);
	m = malloc_node(g);
	for (uint64_t c = 0; c < 3; c++)
		for (uint32_t s = 1; s <= THREADS; s++) {
			tg_epoch(g, s, 10 * c + 1);
			tg_alloc(g, s, m, 8, 0x1000 + s);
			tg_free(g, s, 0x1000 + s, 10 * c + 1 + s % 7);
			tg_flush(g, s);
		}
	tg_close(g, NULL);
	size_t peak = peak_bodies(g, "overlapping.gz", &nev);
	assert_true(peak >= THREADS / 2 && peak <= THREADS);
	tg_destroy(g);
}

/* A part's events, read with hf_trace_split(k, n), and its totals. */
static size_t read_part(const char *path, unsigned k, unsigned n, struct hf_event **out,
			struct hf_trace_seen *seen)
{
	hf_trace *t;
	assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
	assert_int_equal(hf_trace_split(t, n, n), HF_TRACE_ERR_ARG);
	assert_int_equal(hf_trace_split(t, k, n), HF_TRACE_OK);
	size_t m = 0, cap = 1024;
	struct hf_event *ev = malloc(cap * sizeof *ev);
	int rc;
	while ((rc = hf_trace_next(t, &ev[m])) == HF_TRACE_OK) {
		assert_int_equal(hf_trace_split(t, k, n), HF_TRACE_ERR_ARG); /* too late */
		assert_true(m == 0 || ev[m].key >= ev[m - 1].key);
		if (++m == cap)
			ev = realloc(ev, (cap *= 2) * sizeof *ev);
	}
	assert_int_equal(rc, HF_TRACE_END); /* no totals check in a part */
	hf_trace_seen(t, seen);
	hf_trace_close(t);
	*out = ev;
	return m;
}

static int event_cmp(const void *a, const void *b)
{
	const struct hf_event *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

/* The parts of a trace of 20 threads (cross-thread frees, units, RSS samples): every stream in
 * one part, its events in their order; the parts' events, merged by (key, stream), the whole
 * trace's; their totals add up to the clean-exit record's; the samples in part 0; every part
 * gets streams. */
static void test_split_parts_hold_each_stream_once(void **state)
{
	(void)state;
	enum { THREADS = 20, STEPS = 20000 };
	struct tg *g = tg_new(NULL);
	uint32_t m = malloc_node(g);
	tg_flush(g, 0);
	uint64_t *live = calloc(STEPS, sizeof *live);
	size_t nlive = 0;
	uint64_t E = 0, seed = 0x2545f4914f6cdd1d, next_ptr = 0x10000;
	for (size_t i = 0; i < STEPS; i++) {
		uint32_t s = 1 + (uint32_t)(rnd(&seed) % THREADS);
		uint64_t r = rnd(&seed) % 8;
		if (nlive && r < 3) {
			size_t k = rnd(&seed) % nlive;
			tg_free(g, s, live[k], E++);
			live[k] = live[--nlive];
		} else {
			if (tg_epoch_of(g, s) < E)
				tg_epoch(g, s, E);
			tg_alloc(g, s, m, 16 + 16 * r, next_ptr);
			if (r == 7)
				tg_free_last(g, s);
			else
				live[nlive++] = next_ptr;
			next_ptr += 16 * (1 + rnd(&seed) % 8);
		}
		if (rnd(&seed) % 64 == 0)
			tg_flush(g, s);
		if (i % 5000 == 0)
			tg_sample(g, E, 1000, 4096 * (i + 1));
	}
	tg_flush(g, 0);
	tg_close(g, NULL);
	char *path = tg_tmp_path("split.gz");
	tg_write(g, path);
	struct tg_read whole;
	tg_read_all(path, &whole, SIZE_MAX);
	assert_int_equal(whole.next_rc, HF_TRACE_END);

	for (unsigned n = 1; n <= 3; n++) {
		struct hf_event *all = malloc(whole.nev * sizeof *all);
		size_t total = 0;
		struct hf_trace_seen sum = { 0 };
		int part_of[THREADS + 1];
		for (int s = 0; s <= THREADS; s++)
			part_of[s] = -1;
		for (unsigned k = 0; k < n; k++) {
			struct hf_event *ev;
			struct hf_trace_seen seen;
			size_t got = read_part(path, k, n, &ev, &seen);
			assert_true(got > 0);
			assert_true(total + got <= whole.nev);
			for (size_t i = 0; i < got; i++) {
				uint32_t s = ev[i].thread;
				assert_true(s <= THREADS);
				assert_true(part_of[s] == -1 || part_of[s] == (int)k);
				part_of[s] = (int)k;
				if (ev[i].type == HF_EV_SAMPLE)
					assert_int_equal(k, 0);
				ev[i].text = NULL;
				all[total++] = ev[i];
			}
			sum.allocations += seen.allocations;
			sum.frees += seen.frees;
			sum.failed += seen.failed;
			sum.bytes += seen.bytes;
			free(ev);
		}
		assert_int_equal(total, whole.nev);
		/* Stable: equal (key, stream) keep a stream's own order, which a part keeps. */
		for (size_t i = 1; i < total; i++)
			for (size_t j = i; j > 0 && event_cmp(&all[j - 1], &all[j]) > 0; j--) {
				struct hf_event tmp = all[j];
				all[j] = all[j - 1];
				all[j - 1] = tmp;
			}
		for (size_t i = 0; i < total; i++)
			if (all[i].type != whole.ev[i].type || all[i].thread != whole.ev[i].thread ||
			    all[i].key != whole.ev[i].key || all[i].ptr != whole.ev[i].ptr ||
			    all[i].size != whole.ev[i].size || all[i].flags != whole.ev[i].flags)
				fail_msg("%u parts: event %zu differs from the whole trace's", n, i);
		assert_true(sum.allocations == whole.info.close.allocations);
		assert_true(sum.frees == whole.info.close.frees);
		assert_true(sum.failed == whole.info.close.failed);
		assert_true(sum.bytes == whole.info.close.bytes);
		free(all);
	}
	tg_read_free(&whole);
	unlink(path);
	free(path);
	free(live);
	tg_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_thread_free_sits_between_alloc_and_reuse),
		cmocka_unit_test(test_realloc_halves_bracket_other_threads_events),
		cmocka_unit_test(test_unit_is_one_event_at_its_allocation_key),
		cmocka_unit_test(test_equal_keys_take_stream_order_then_stream_number),
		cmocka_unit_test(test_200_threads_merge_in_key_order),
		cmocka_unit_test(test_merge_inflates_only_chunks_whose_keys_overlap),
		cmocka_unit_test(test_split_parts_hold_each_stream_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
