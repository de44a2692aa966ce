/* hfp_accum.c: accumulation of events into per-stack costs (allocations, bytes, temporary,
 * leaked, peak), in one streaming pass whose memory is proportional to live blocks and stacks.
 *
 * Definitions (the man page gives them to users under DEFINITIONS):
 * - temporary: freed by the thread that allocated it before that thread made more than
 *   `threshold` other allocations. Each thread counts its own allocations (tseq), so threads
 *   interleaving temporary allocations do not hide each other (heaptrack's global counter does).
 *   Units (HF_EVF_UNIT: allocated and freed with nothing in between) are temporary.
 * - peak: the highest total of live requested bytes over the merged order of events; per stack
 *   the bytes it held at that moment.
 * - leaked: bytes live when the trace ends.
 *
 * Peak per stack without a second pass: every change of a stack's live bytes gets a tick; when
 * the total reaches a new maximum we only remember that tick. A stack's value at the peak is its
 * live value as of its last change at or before the peak tick, so it is taken lazily: just before
 * a stack changes, and at the end, if its last change was at or before the peak tick, its current
 * value is its value at the peak. O(1) per event, no snapshots.
 *
 * Filters: --min-size/--max-size/--filter-bt-function drop allocations at allocation time; the
 * per-thread counters still see every allocation (temporariness is a property of the program,
 * filters only choose what is shown). --temporary is known only at free time: counts are then
 * deferred to the free, and live/peak need the pre-pass bitmap (classify_only), which the
 * pipeline makes with a first pass over the trace (core/hfp_run.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_mem.h"
#include "../core/hfp_order.h"
#include "hfp_accum.h"

/* ---- the tables: live blocks, threads, sizes ------------------------------------------------ */

struct live_ent {
	uint64_t ptr;   /* the key */
	uint64_t size;
	uint64_t seq;   /* the thread's allocation number */
	union {
		uint64_t index; /* global allocation number (pre-pass bitmap) */
		uint64_t mult;  /* a sampled trace's: how many allocations this one stands for */
	};
	uint32_t stat;  /* stat index, or UINT32_MAX in the pre-pass */
	uint32_t thread; /* the allocating thread's slot (thread_slot) */
};

#define LIVE_COUNTED 0x80000000u /* in .thread: the block counts toward live bytes */

/* The one big table, an entry per live block: filled up to 3/4 before it doubles, which keeps
 * its memory down while probe runs stay short. The small tables below stay half full. */
static const struct hfp_hash_type live_type = {
	.entry_size = sizeof(struct live_ent),
	.key_size = sizeof(uint64_t),
	.min_cap = 1024,
	.max_load = 75,
};

struct thread_ent {
	uint32_t stream; /* the key: event.thread */
	uint32_t slot;
};

static const struct hfp_hash_type thread_type = {
	.entry_size = sizeof(struct thread_ent),
	.key_size = sizeof(uint32_t),
	.min_cap = 64,
	.max_load = 50,
};

static const struct hfp_hash_type hist_type = {
	.entry_size = sizeof(struct hfp_size_count),
	.key_size = sizeof(uint64_t),
	.min_cap = 256,
	.max_load = 50,
};

/* Inserts ent; if the pointer is already live, returns 1 and the old entry in *old. */
static inline int live_put(struct hfp_hash *live, const struct live_ent *ent, struct live_ent *old)
{
	int added;
	struct live_ent *e = hfp_hash_put64(live, ent->ptr, &added);
	if (!added)
		*old = *e;
	*e = *ent;
	return !added;
}

/* ---- accumulator ---------------------------------------------------------------------------- */

void hfp_accum_init(struct hfp_accum *a)
{
	memset(a, 0, sizeof *a);
	a->max_size = UINT64_MAX;
	a->series.stride = a->rss.stride = 1;
	a->plain = -1;
	hfp_hash_init(&a->live, &live_type, NULL);
	hfp_hash_init(&a->threads, &thread_type, NULL);
	hfp_hash_init(&a->hist, &hist_type, NULL);
}

void hfp_accum_free(struct hfp_accum *a)
{
	hfp_hash_free(&a->live);
	hfp_hash_free(&a->threads);
	hfp_hash_free(&a->hist);
	free(a->series.p);
	free(a->rss.p);
	free(a->stat_of_node);
	for (size_t i = 0; i < a->nstats; i += HFP_STAT_BLOCK)
		free(a->stat_block[i / HFP_STAT_BLOCK]);
	free(a->stat_block);
	free(a->tseq);
	free(a->map);
	for (size_t i = 0; i < a->nmarks; i++)
		free(a->marks[i].label);
	free(a->marks);
	memset(a, 0, sizeof *a);
}

uint8_t *hfp_accum_take_tempmap(struct hfp_accum *a, size_t *bits)
{
	uint8_t *m = a->map;
	*bits = a->map_bytes * 8;
	a->map = NULL;
	a->map_bytes = 0;
	return m;
}

/* The dense slot of a stream number (event.thread), numbered in order of first appearance.
 * Stream numbers are meant to be dense too (the recorder numbers its threads in the order it
 * sees them), but they are a 32-bit field of the file: an array indexed by them would let a
 * damaged or hostile trace with a stream 4,000,000,000 allocate 32 GiB (found by
 * tests/fuzz/fuzz_print.c). Slots follow the streams actually present, and stay below
 * LIVE_COUNTED (a live_ent keeps its slot beside that flag): a trace cannot hold 2^31 streams of
 * at least one 72-byte chunk each and be read. */
static uint32_t thread_slot_lookup(struct hfp_accum *a, uint32_t thread)
{
	int added;
	struct thread_ent *e = hfp_hash_put(&a->threads, &thread, sizeof thread, &added);
	if (added) {
		if (a->nthreads == a->tseq_cap) {
			a->tseq_cap = a->tseq_cap ? a->tseq_cap * 2 : 16;
			a->tseq = hfp_reallocarray(a->tseq, a->tseq_cap, sizeof *a->tseq);
		}
		e->slot = (uint32_t)a->nthreads++;
		a->tseq[e->slot] = 0;
	}
	a->last_thread = thread;
	return a->last_slot = e->slot;
}

/* Consecutive events mostly come from one thread: that case is inline, the table lookup not. */
static inline uint32_t thread_slot(struct hfp_accum *a, uint32_t thread)
{
	if (a->nthreads && a->last_thread == thread)
		return a->last_slot;
	return thread_slot_lookup(a, thread);
}

/* Stat index of the stack ending at node, or UINT32_MAX if the stack is filtered out. */
static uint32_t stat_for(struct hfp_accum *a, uint32_t node)
{
	if (node >= a->node_cap) {
		/* Zeroed by calloc, not memset: the pages of nodes never seen are never touched. */
		size_t n = a->node_cap ? a->node_cap : a->node_ids > node ? a->node_ids : 1024;
		while (n <= node)
			n *= 2;
		uint32_t *m = hfp_calloc(n, sizeof *m);
		if (a->node_cap)
			memcpy(m, a->stat_of_node, a->node_cap * sizeof *m);
		free(a->stat_of_node);
		a->stat_of_node = m;
		a->node_cap = n;
	}
	uint32_t s = a->stat_of_node[node];
	if (s == UINT32_MAX)
		return UINT32_MAX;
	if (s)
		return s - 1;
	if (a->keep && !a->keep(a->keep_ctx, node)) {
		a->stat_of_node[node] = UINT32_MAX;
		return UINT32_MAX;
	}
	if (a->nstats % HFP_STAT_BLOCK == 0) {
		size_t b = a->nstats / HFP_STAT_BLOCK;
		if (b == a->nblocks_cap) {
			a->nblocks_cap = a->nblocks_cap ? a->nblocks_cap * 2 : 16;
			a->stat_block = hfp_reallocarray(a->stat_block, a->nblocks_cap, sizeof *a->stat_block);
		}
		a->stat_block[b] = hfp_reallocarray(NULL, HFP_STAT_BLOCK, sizeof **a->stat_block);
		hfp_mem_present(a->stat_block[b], HFP_STAT_BLOCK * sizeof **a->stat_block);
	}
	struct hfp_stat *st = hfp_accum_stat(a, a->nstats);
	memset(st, 0, sizeof *st);
	st->node = node;
	a->stat_of_node[node] = (uint32_t)++a->nstats;
	return (uint32_t)(a->nstats - 1);
}

/* Out of line: only -H needs it, and inlined it would weigh on every allocation's path. */
static __attribute__((noinline)) void hist_count(struct hfp_accum *a, uint64_t size, uint64_t n)
{
	int added;
	struct hfp_size_count *e = hfp_hash_put64(&a->hist, size, &added);
	if (added)
		e->count = 0;
	e->count += n;
}

static inline void hist_add(struct hfp_accum *a, uint64_t size, uint64_t n)
{
	if (a->want_histogram)
		hist_count(a, size, n);
}

/* n allocations of size bytes (n > 1: one sampled allocation standing for n). */
static inline void count_alloc(struct hfp_accum *a, struct hfp_stat *st, uint64_t size, uint64_t n)
{
	st->c.allocations += n;
	st->c.bytes += size * n;
	a->allocations += n;
	a->bytes += size * n;
	hist_add(a, size, n);
}

static void count_temporary(struct hfp_accum *a, struct hfp_stat *st)
{
	st->c.temporary++;
	a->temporary++;
}

/* The heap over time (-M, --html): see struct hfp_series. Each point kept stands for the values
 * offered from it to the next one kept, and holds the largest of them (with its time), so the
 * heap's highest moment survives any thinning: the chart's envelope, and the peak of several
 * processes summed (hfp_merge.c). */
void hfp_series_add(struct hfp_series *x, uint64_t time_ns, uint64_t value)
{
	if (x->count++ % x->stride) {
		if (value > x->p[x->n - 1].bytes)
			x->p[x->n - 1] = (struct hfp_tpoint){ time_ns, value };
		return;
	}
	if (!x->p)
		x->p = hfp_calloc(HFP_SERIES_MAX + 1, sizeof *x->p); /* + hfp_accum_finish's last */
	if (x->n == HFP_SERIES_MAX) {
		for (size_t i = 0; i < HFP_SERIES_MAX / 2; i++)
			x->p[i] = x->p[2 * i + 1].bytes > x->p[2 * i].bytes ? x->p[2 * i + 1] : x->p[2 * i];
		x->n = HFP_SERIES_MAX / 2;
		x->stride *= 2;
	}
	x->p[x->n++] = (struct hfp_tpoint){ time_ns, value };
}

/* Changes a stack's live bytes by +size (sign > 0) or -size and its live blocks by n, keeping
 * the peak (see top). */
static void live_change(struct hfp_accum *a, struct hfp_stat *st, uint64_t size, uint64_t n, int sign,
			uint64_t time_ns)
{
	if (st->last_tick <= a->peak_tick)
		st->c.peak = st->c.leaked; /* its value at the current peak, before it changes */
	a->tick++;
	st->last_tick = a->tick;
	if (sign > 0) {
		st->c.leaked += size;
		st->c.leaked_count += n;
		a->live_bytes += size;
		a->live_count += n;
		if (a->live_bytes > a->peak_bytes) {
			a->peak_bytes = a->live_bytes;
			a->peak_tick = a->tick;
			a->peak_time_ns = time_ns;
		}
		if (__builtin_expect(a->want_series, 0))
			hfp_series_add(&a->series, time_ns, a->live_bytes);
	} else {
		st->c.leaked -= size;
		st->c.leaked_count -= n;
		a->live_bytes -= size;
		a->live_count -= n;
		if (__builtin_expect(a->want_series, 0))
			hfp_series_add(&a->series, time_ns, a->live_bytes);
	}
}

/* A unit (allocated and freed with nothing in between): live_change(+) then live_change(-) in
 * one step. The heap goes up by size and straight back down, so only the peak can change: when
 * it does, the second change would have taken the stack's value at it, leaked + size. */
static inline void live_blip(struct hfp_accum *a, struct hfp_stat *st, uint64_t size, uint64_t time_ns)
{
	if (st->last_tick <= a->peak_tick)
		st->c.peak = st->c.leaked;
	a->tick++;
	if (a->live_bytes + size > a->peak_bytes) {
		a->peak_bytes = a->live_bytes + size;
		a->peak_tick = a->tick;
		a->peak_time_ns = time_ns;
		st->c.peak = st->c.leaked + size;
	}
	a->tick++;
	st->last_tick = a->tick;
	if (__builtin_expect(a->want_series, 0)) {
		hfp_series_add(&a->series, time_ns, a->live_bytes + size);
		hfp_series_add(&a->series, time_ns, a->live_bytes);
	}
}

static void set_bit(struct hfp_accum *a, uint64_t i)
{
	size_t byte = (size_t)(i / 8);
	if (byte >= a->map_bytes) {
		size_t n = a->map_bytes ? a->map_bytes * 2 : 4096;
		while (n <= byte)
			n *= 2;
		a->map = hfp_realloc(a->map, n);
		memset(a->map + a->map_bytes, 0, n - a->map_bytes);
		a->map_bytes = n;
	}
	a->map[byte] |= (uint8_t)(1u << (i % 8));
}

static int get_bit(const struct hfp_accum *a, uint64_t i)
{
	if (i / 8 >= a->tempmap_bits / 8)
		return 0;
	return (a->tempmap[i / 8] >> (i % 8)) & 1;
}

/* A block just freed by the thread in `slot`: temporary if the same thread allocated it and made
 * at most threshold other allocations since. */
static int is_temporary(struct hfp_accum *a, const struct live_ent *e, uint32_t slot)
{
	if (a->sample_rate || (e->thread & ~LIVE_COUNTED) != slot)
		return 0;
	uint64_t now = a->tseq[slot]; /* allocations made so far by the thread */
	return now - e->seq - 1 <= a->threshold;
}

static void release(struct hfp_accum *a, const struct live_ent *e, int temporary, uint64_t time_ns)
{
	if (a->classify_only) {
		if (temporary)
			set_bit(a, e->index);
		return;
	}
	struct hfp_stat *st = hfp_accum_stat(a, e->stat);
	int deferred = a->temporary_only && !a->tempmap;
	if (temporary) {
		if (deferred)
			count_alloc(a, st, e->size, 1);
		count_temporary(a, st);
	}
	uint64_t n = a->sample_rate ? e->mult : 1;
	if (e->thread & LIVE_COUNTED)
		live_change(a, st, e->size * n, n, -1, time_ns);
}

/* A sampled trace (HEAPFOLD_SAMPLE_BYTES=R): an allocation of s bytes was recorded with
 * probability 1 - exp(-s/R), so it stands for w = 1/(1 - exp(-s/R)) allocations on average
 * (the unbiased estimator of pprof's heap profiles). It is counted as floor(w) or floor(w) + 1
 * at random, with the fraction as probability: unbiased, and reproducible (a fixed seed). */
static uint64_t multiplicity(struct hfp_accum *a, uint64_t size)
{
	if (!a->sample_rate || size == 0)
		return 1;
	double w = 1.0 / -expm1(-(double)size / (double)a->sample_rate), f = floor(w);
	uint64_t z = (a->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	double u = (double)(z >> 11) / 9007199254740992.0;
	return (uint64_t)f + (u < w - f);
}

static void on_alloc(struct hfp_accum *a, const struct hf_event *ev)
{
	uint32_t slot = thread_slot(a, ev->thread);
	uint64_t seq = a->tseq[slot]++;
	uint64_t index = a->alloc_index++;
	int unit = (ev->flags & HF_EVF_UNIT) != 0;
	a->units += unit;

	if (a->classify_only) {
		if (unit) {
			set_bit(a, index);
			return;
		}
		struct live_ent e = { ev->ptr, ev->size, seq, { index }, UINT32_MAX, slot }, old;
		if (live_put(&a->live, &e, &old))
			a->duplicates++;
		return;
	}
	if (ev->size < a->min_size || ev->size > a->max_size) {
		a->filtered_size++;
		return;
	}
	uint32_t si = stat_for(a, ev->node);
	if (si == UINT32_MAX) {
		a->filtered_function++;
		return;
	}
	if (a->temporary_only && a->tempmap && !get_bit(a, index))
		return; /* the pre-pass says it will not be temporary */
	struct hfp_stat *st = hfp_accum_stat(a, si);
	int deferred = a->temporary_only && !a->tempmap;
	uint64_t n = multiplicity(a, ev->size);

	if (unit) {
		count_alloc(a, st, ev->size, n);
		if (!a->sample_rate)
			count_temporary(a, st);
		if (!deferred) /* it was live for an instant: it may be the peak */
			live_blip(a, st, ev->size * n, ev->time_ns);
		return;
	}
	if (!deferred) {
		count_alloc(a, st, ev->size, n);
		live_change(a, st, ev->size * n, n, +1, ev->time_ns);
	}
	struct live_ent e = { ev->ptr, ev->size, seq, { a->sample_rate ? n : index }, si,
			      slot | (deferred ? 0 : LIVE_COUNTED) }, old;
	if (live_put(&a->live, &e, &old)) {
		/* The same address live twice: a damaged trace. Release the older block as a
		 * non-temporary free so every total stays consistent. */
		a->duplicates++;
		release(a, &old, 0, ev->time_ns);
	}
}

/* on_alloc for a unit when a->plain: the same counts, without the checks that cannot apply. */
static inline void on_unit_plain(struct hfp_accum *a, const struct hf_event *ev)
{
	uint32_t slot = thread_slot(a, ev->thread); /* first: a new thread may move tseq */
	a->tseq[slot]++;
	a->alloc_index++;
	a->units++;
	struct hfp_stat *st = a->last_st;
	if (ev->node != a->last_node || !st) {
		uint32_t si = stat_for(a, ev->node);
		if (si == UINT32_MAX) {
			a->filtered_function++;
			return;
		}
		st = a->last_st = hfp_accum_stat(a, si);
		a->last_node = ev->node;
	}
	count_alloc(a, st, ev->size, 1);
	count_temporary(a, st);
	live_blip(a, st, ev->size, ev->time_ns);
}

static int is_plain(const struct hfp_accum *a)
{
	return !a->classify_only && !a->temporary_only && !a->sample_rate && !a->want_histogram &&
	       !a->want_series && a->min_size == 0 && a->max_size == UINT64_MAX;
}

static void on_free(struct hfp_accum *a, const struct hf_event *ev)
{
	struct live_ent *e = hfp_hash_find64(&a->live, ev->ptr);
	if (!e) {
		/* Freed blocks that were filtered out at allocation time land here too. */
		a->unmatched_frees++;
		return;
	}
	a->frees++;
	/* Released in place: neither step touches the live table. */
	release(a, e, is_temporary(a, e, thread_slot(a, ev->thread)), ev->time_ns);
	hfp_hash_remove64(&a->live, e);
}

static inline void accum_event(struct hfp_accum *a, const struct hf_event *ev)
{
	a->events++;
	if (ev->time_ns > a->last_time_ns)
		a->last_time_ns = ev->time_ns;
	if (__builtin_expect(a->plain < 0, 0))
		a->plain = is_plain(a);
	switch (ev->type) {
	case HF_EV_ALLOC:
		if (a->plain && ev->flags == HF_EVF_UNIT)
			on_unit_plain(a, ev);
		else
			on_alloc(a, ev);
		break;
	case HF_EV_FREE:
		on_free(a, ev);
		break;
	case HF_EV_ALLOC_FAILED:
		if (!a->classify_only)
			a->failed++;
		break;
	case HF_EV_SAMPLE:
		if (ev->rss > a->peak_rss)
			a->peak_rss = ev->rss;
		if (__builtin_expect(a->want_series, 0) && !a->classify_only)
			hfp_series_add(&a->rss, ev->time_ns, ev->rss);
		break;
	case HF_EV_MARK:
		if (!a->classify_only) {
			a->marks = hfp_reallocarray(a->marks, a->nmarks + 1, sizeof *a->marks);
			a->marks[a->nmarks].time_ns = ev->time_ns;
			a->marks[a->nmarks].label = hfp_strdup(ev->text ? ev->text : "");
			a->nmarks++;
		}
		break;
	default:
		break;
	}
}

void hfp_accum_event(struct hfp_accum *a, const struct hf_event *ev)
{
	accum_event(a, ev);
}

int hfp_accum_take(void *a, const struct hf_event *ev)
{
	accum_event(a, ev);
	return 0;
}

void hfp_accum_add_counts(struct hfp_accum *a, const struct hfp_accum *b)
{
	for (size_t i = 0; i < b->nstats; i++) {
		const struct hfp_stat *from = hfp_accum_stat(b, i);
		uint32_t si = stat_for(a, from->node);
		if (si == UINT32_MAX)
			continue; /* a has no function filter where this is used; kept consistent */
		struct hfp_stat *st = hfp_accum_stat(a, si);
		st->c.allocations += from->c.allocations;
		st->c.bytes += from->c.bytes;
	}
	a->allocations += b->allocations;
	a->bytes += b->bytes;
	a->failed += b->failed;
	a->alloc_index += b->alloc_index;
	a->units += b->units;
	a->filtered_size += b->filtered_size;
	a->filtered_function += b->filtered_function;
	a->frees += b->frees;
	a->unmatched_frees += b->unmatched_frees;
	a->duplicates += b->duplicates;
	a->events += b->events;
	if (b->last_time_ns > a->last_time_ns)
		a->last_time_ns = b->last_time_ns;
	if (b->peak_rss > a->peak_rss)
		a->peak_rss = b->peak_rss;
}

void hfp_accum_finish(struct hfp_accum *a)
{
	for (size_t i = 0; i < a->nstats; i++) {
		struct hfp_stat *st = hfp_accum_stat(a, i);
		if (st->last_tick <= a->peak_tick)
			st->c.peak = st->c.leaked;
	}
	/* The heap's last value, which the last point may not hold (it holds the largest of its
	 * window): the chart ends where the heap did. */
	struct hfp_series *x = &a->series;
	if (x->n && x->p[x->n - 1].bytes != a->live_bytes)
		x->p[x->n++] = (struct hfp_tpoint){ a->last_time_ns, a->live_bytes };
}

void hfp_accum_nodes_done(struct hfp_accum *a)
{
	a->last_st = NULL; /* the stats move or go from here on */
	free(a->stat_of_node);
	a->stat_of_node = NULL;
	a->node_cap = 0;
}

void hfp_accum_sort(struct hfp_accum *a, uint32_t *key, size_t nkeys)
{
	hfp_accum_nodes_done(a);
	size_t n = a->nstats;
	if (n < 2 || n > UINT32_MAX) {
		free(key);
		return;
	}
	/* Each stack's key first goes where its last_tick was, which nothing reads after
	 * hfp_accum_finish: key is freed before any array of the sort is made. */
	for (size_t i = 0; i < n; i++) {
		struct hfp_stat *st = hfp_accum_stat(a, i);
		st->last_tick = st->node < nkeys ? key[st->node] : UINT32_MAX;
	}
	free(key);
	uint32_t *k = hfp_reallocarray(NULL, n, sizeof *k);
	for (size_t i = 0; i < n; i++)
		k[i] = (uint32_t)hfp_accum_stat(a, i)->last_tick;
	uint32_t *from = hfp_order_by_key(k, n); /* place i takes stat from[i] */
	free(k);
	/* In place, one cycle of the permutation after the other; a place filled is marked by
	 * from[i] = i. */
	for (size_t i = 0; i < n; i++) {
		if (from[i] == i)
			continue;
		struct hfp_stat first = *hfp_accum_stat(a, i);
		size_t j = i;
		while (from[j] != i) {
			*hfp_accum_stat(a, j) = *hfp_accum_stat(a, from[j]);
			size_t next = from[j];
			from[j] = (uint32_t)j;
			j = next;
		}
		*hfp_accum_stat(a, j) = first;
		from[j] = (uint32_t)j;
	}
	free(from);
}

void hfp_accum_drain(struct hfp_accum *a, void (*fn)(void *ctx, size_t i, const struct hfp_stat *st),
		     void (*ahead)(void *ctx, uint32_t node), void *ctx)
{
	/* Nothing looks a node up any more: its table goes first. */
	hfp_accum_nodes_done(a);
	for (size_t i = 0; i < a->nstats; i++) {
		if (ahead && i + HFP_DRAIN_AHEAD < a->nstats)
			ahead(ctx, hfp_accum_stat(a, i + HFP_DRAIN_AHEAD)->node);
		fn(ctx, i, hfp_accum_stat(a, i));
		if ((i + 1) % HFP_STAT_BLOCK == 0 || i + 1 == a->nstats) {
			free(a->stat_block[i / HFP_STAT_BLOCK]);
			a->stat_block[i / HFP_STAT_BLOCK] = NULL;
		}
	}
	free(a->stat_block);
	a->stat_block = NULL;
	a->nstats = a->nblocks_cap = 0;
}
