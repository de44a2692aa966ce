/* hfp_accum.c: accumulation of events into per-stack costs (allocations, bytes, temporary,
 * leaked, peak), in one streaming pass whose memory is proportional to live blocks and stacks.
 *
 * Definitions (DESIGN.md, docs in the man page):
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
 * deferred to the free, and live/peak need the pre-pass bitmap (classify_only), see hfp_run.c. */
#include <stdlib.h>
#include <string.h>

#include "hfp.h"

/* ---- live blocks: open addressing keyed by pointer, backward-shift deletion ------------------ */

struct live_ent {
	uint64_t ptr;
	uint64_t size;
	uint64_t seq;   /* the thread's allocation number */
	uint64_t index; /* global allocation number (pre-pass bitmap) */
	uint32_t stat;  /* stat index, or UINT32_MAX in the pre-pass */
	uint32_t thread; /* the allocating thread's slot (thread_slot) */
};

#define LIVE_COUNTED 0x80000000u /* in .thread: the block counts toward live bytes */

struct hfp_live {
	struct live_ent *e;
	size_t cap, n; /* cap is a power of two; key 0 marks an empty slot */
	int has_zero;  /* a block at address 0 (hostile input) lives outside the table */
	struct live_ent zero;
};

static size_t slot_of(uint64_t ptr, size_t cap)
{
	/* Allocator addresses share low bits (alignment) and high bits (arenas): mix them. */
	uint64_t h = ptr * 0x9E3779B97F4A7C15ull;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static void live_grow(struct hfp_live *l)
{
	size_t cap = l->cap ? l->cap * 2 : 1024;
	struct live_ent *e = hfp_calloc(cap, sizeof *e);
	for (size_t i = 0; i < l->cap; i++) {
		if (!l->e[i].ptr)
			continue;
		size_t j = slot_of(l->e[i].ptr, cap);
		while (e[j].ptr)
			j = (j + 1) & (cap - 1);
		e[j] = l->e[i];
	}
	free(l->e);
	l->e = e;
	l->cap = cap;
}

/* Inserts ent; if the pointer is already live, returns 1 and the old entry in *old. */
static int live_put(struct hfp_live *l, const struct live_ent *ent, struct live_ent *old)
{
	if (ent->ptr == 0) {
		int had = l->has_zero;
		if (had)
			*old = l->zero;
		l->zero = *ent;
		l->has_zero = 1;
		return had;
	}
	if ((l->n + 1) * 4 > l->cap * 3)
		live_grow(l);
	size_t j = slot_of(ent->ptr, l->cap);
	while (l->e[j].ptr) {
		if (l->e[j].ptr == ent->ptr) {
			*old = l->e[j];
			l->e[j] = *ent;
			return 1;
		}
		j = (j + 1) & (l->cap - 1);
	}
	l->e[j] = *ent;
	l->n++;
	return 0;
}

/* Removes ptr into *out. Returns 0, or -1 if it is not live. */
static int live_take(struct hfp_live *l, uint64_t ptr, struct live_ent *out)
{
	if (ptr == 0) {
		if (!l->has_zero)
			return -1;
		*out = l->zero;
		l->has_zero = 0;
		return 0;
	}
	if (!l->cap)
		return -1;
	size_t mask = l->cap - 1, j = slot_of(ptr, l->cap);
	while (l->e[j].ptr != ptr) {
		if (!l->e[j].ptr)
			return -1;
		j = (j + 1) & mask;
	}
	*out = l->e[j];
	/* Backward shift: move later entries of the probe run into the hole so lookups never need
	 * tombstones (a long run of frees would otherwise fill the table with them). */
	size_t hole = j;
	for (size_t k = (j + 1) & mask; l->e[k].ptr; k = (k + 1) & mask) {
		size_t home = slot_of(l->e[k].ptr, l->cap);
		if (((k - home) & mask) >= ((k - hole) & mask)) {
			l->e[hole] = l->e[k];
			hole = k;
		}
	}
	l->e[hole].ptr = 0;
	l->n--;
	return 0;
}

/* ---- costs ---------------------------------------------------------------------------------- */

uint64_t hfp_cost_get(const struct hfp_costs *c, int cost)
{
	switch (cost) {
	case HFP_COST_ALLOCATIONS: return c->allocations;
	case HFP_COST_BYTES: return c->bytes;
	case HFP_COST_TEMPORARY: return c->temporary;
	case HFP_COST_LEAKED: return c->leaked;
	case HFP_COST_PEAK: return c->peak;
	default: return 0;
	}
}

void hfp_costs_add(struct hfp_costs *to, const struct hfp_costs *c)
{
	to->allocations += c->allocations;
	to->bytes += c->bytes;
	to->temporary += c->temporary;
	to->leaked += c->leaked;
	to->leaked_count += c->leaked_count;
	to->peak += c->peak;
}

/* ---- accumulator ---------------------------------------------------------------------------- */

void hfp_accum_init(struct hfp_accum *a)
{
	memset(a, 0, sizeof *a);
	a->max_size = UINT64_MAX;
	a->live = hfp_calloc(1, sizeof *a->live);
	/* Heap addresses vary from run to run: a crafted trace cannot aim its stream numbers at
	 * one probe sequence of the thread hash. */
	a->thread_seed = (uint64_t)(uintptr_t)a->live * 0x9E3779B97F4A7C15ull;
}

void hfp_accum_free(struct hfp_accum *a)
{
	if (a->live)
		free(a->live->e);
	free(a->live);
	free(a->stat_of_node);
	free(a->stats);
	free(a->tseq);
	free(a->thread_of_slot);
	free(a->thread_hash);
	free(a->map);
	free(a->hist_key);
	free(a->hist_count);
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

static size_t thread_home(const struct hfp_accum *a, uint32_t thread)
{
	uint64_t h = (thread ^ a->thread_seed) * 0x9E3779B97F4A7C15ull;
	return (size_t)(h ^ (h >> 32)) & (a->thread_hash_cap - 1);
}

/* The dense slot of a stream number (event.thread), numbered in order of first appearance.
 * Stream numbers are meant to be dense too (format.md: the N-th thread seen), but they are a
 * 32-bit field of the file: an array indexed by them would let a damaged or hostile trace with
 * a stream 4,000,000,000 allocate 32 GiB (found by tests/fuzz/fuzz_print.c). Slots follow the
 * streams actually present, and stay below LIVE_COUNTED (a live_ent keeps its slot beside that
 * flag): a trace cannot hold 2^31 streams of at least one 72-byte chunk each and be read. */
static uint32_t thread_slot(struct hfp_accum *a, uint32_t thread)
{
	if (a->nthreads && a->last_thread == thread)
		return a->last_slot;
	if (a->thread_hash_cap) {
		for (size_t j = thread_home(a, thread); a->thread_hash[j];
		     j = (j + 1) & (a->thread_hash_cap - 1))
			if (a->thread_of_slot[a->thread_hash[j] - 1] == thread) {
				a->last_thread = thread;
				return a->last_slot = a->thread_hash[j] - 1;
			}
	}
	if (a->nthreads == a->tseq_cap) {
		a->tseq_cap = a->tseq_cap ? a->tseq_cap * 2 : 16;
		a->tseq = hfp_reallocarray(a->tseq, a->tseq_cap, sizeof *a->tseq);
		a->thread_of_slot = hfp_reallocarray(a->thread_of_slot, a->tseq_cap, sizeof *a->thread_of_slot);
	}
	if (2 * (a->nthreads + 1) > a->thread_hash_cap) { /* at most half full */
		free(a->thread_hash);
		a->thread_hash_cap = a->thread_hash_cap ? a->thread_hash_cap * 2 : 64;
		a->thread_hash = hfp_calloc(a->thread_hash_cap, sizeof *a->thread_hash);
		for (size_t i = 0; i < a->nthreads; i++) {
			size_t j = thread_home(a, a->thread_of_slot[i]);
			while (a->thread_hash[j])
				j = (j + 1) & (a->thread_hash_cap - 1);
			a->thread_hash[j] = (uint32_t)i + 1;
		}
	}
	uint32_t slot = (uint32_t)a->nthreads++;
	size_t j = thread_home(a, thread);
	while (a->thread_hash[j])
		j = (j + 1) & (a->thread_hash_cap - 1);
	a->thread_hash[j] = slot + 1;
	a->thread_of_slot[slot] = thread;
	a->tseq[slot] = 0;
	a->last_thread = thread;
	return a->last_slot = slot;
}

/* Stat index of the stack ending at node, or UINT32_MAX if the stack is filtered out. */
static uint32_t stat_for(struct hfp_accum *a, uint32_t node)
{
	if (node >= a->node_cap) {
		size_t n = a->node_cap ? a->node_cap : 1024;
		while (n <= node)
			n *= 2;
		a->stat_of_node = hfp_reallocarray(a->stat_of_node, n, sizeof *a->stat_of_node);
		memset(a->stat_of_node + a->node_cap, 0, (n - a->node_cap) * sizeof *a->stat_of_node);
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
	if (a->nstats == a->stats_cap) {
		a->stats_cap = a->stats_cap ? a->stats_cap * 2 : 256;
		a->stats = hfp_reallocarray(a->stats, a->stats_cap, sizeof *a->stats);
	}
	struct hfp_stat *st = &a->stats[a->nstats];
	memset(st, 0, sizeof *st);
	st->node = node;
	a->stat_of_node[node] = (uint32_t)++a->nstats;
	return (uint32_t)(a->nstats - 1);
}

static void hist_add(struct hfp_accum *a, uint64_t size)
{
	if (!a->want_histogram)
		return;
	if ((a->hist_n + 1) * 2 > a->hist_cap) {
		size_t cap = a->hist_cap ? a->hist_cap * 2 : 256;
		uint64_t *k = hfp_calloc(cap, sizeof *k), *c = hfp_calloc(cap, sizeof *c);
		for (size_t i = 0; i < a->hist_cap; i++) {
			if (!a->hist_count[i])
				continue;
			size_t j = slot_of(a->hist_key[i], cap);
			while (c[j])
				j = (j + 1) & (cap - 1);
			k[j] = a->hist_key[i];
			c[j] = a->hist_count[i];
		}
		free(a->hist_key);
		free(a->hist_count);
		a->hist_key = k;
		a->hist_count = c;
		a->hist_cap = cap;
	}
	size_t j = slot_of(size, a->hist_cap);
	while (a->hist_count[j] && a->hist_key[j] != size)
		j = (j + 1) & (a->hist_cap - 1);
	if (!a->hist_count[j]) {
		a->hist_key[j] = size;
		a->hist_n++;
	}
	a->hist_count[j]++;
}

static void count_alloc(struct hfp_accum *a, struct hfp_stat *st, uint64_t size)
{
	st->c.allocations++;
	st->c.bytes += size;
	a->allocations++;
	a->bytes += size;
	hist_add(a, size);
}

static void count_temporary(struct hfp_accum *a, struct hfp_stat *st)
{
	st->c.temporary++;
	a->temporary++;
}

/* Changes a stack's live bytes by +size (sign > 0) or -size, keeping the peak (see top). */
static void live_change(struct hfp_accum *a, struct hfp_stat *st, uint64_t size, int sign,
			uint64_t time_ns)
{
	if (st->last_tick <= a->peak_tick)
		st->c.peak = st->live; /* its value at the current peak, before it changes */
	a->tick++;
	st->last_tick = a->tick;
	if (sign > 0) {
		st->live += size;
		st->live_count++;
		a->live_bytes += size;
		a->live_count++;
		if (a->live_bytes > a->peak_bytes) {
			a->peak_bytes = a->live_bytes;
			a->peak_tick = a->tick;
			a->peak_time_ns = time_ns;
		}
	} else {
		st->live -= size;
		st->live_count--;
		a->live_bytes -= size;
		a->live_count--;
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
	if ((e->thread & ~LIVE_COUNTED) != slot)
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
	struct hfp_stat *st = &a->stats[e->stat];
	int deferred = a->temporary_only && !a->tempmap;
	if (temporary) {
		if (deferred)
			count_alloc(a, st, e->size);
		count_temporary(a, st);
	}
	if (e->thread & LIVE_COUNTED)
		live_change(a, st, e->size, -1, time_ns);
}

static void on_alloc(struct hfp_accum *a, const struct hf_event *ev)
{
	uint32_t slot = thread_slot(a, ev->thread);
	uint64_t seq = a->tseq[slot]++;
	uint64_t index = a->alloc_index++;
	int unit = (ev->flags & HF_EVF_UNIT) != 0;

	if (a->classify_only) {
		if (unit) {
			set_bit(a, index);
			return;
		}
		struct live_ent e = { ev->ptr, ev->size, seq, index, UINT32_MAX, slot }, old;
		if (live_put(a->live, &e, &old))
			a->duplicates++;
		return;
	}
	if (ev->size < a->min_size || ev->size > a->max_size)
		return;
	uint32_t si = stat_for(a, ev->node);
	if (si == UINT32_MAX)
		return;
	if (a->temporary_only && a->tempmap && !get_bit(a, index))
		return; /* the pre-pass says it will not be temporary */
	struct hfp_stat *st = &a->stats[si];
	int deferred = a->temporary_only && !a->tempmap;

	if (unit) {
		count_alloc(a, st, ev->size);
		count_temporary(a, st);
		if (!deferred) { /* it was live for an instant: it may be the peak */
			live_change(a, st, ev->size, +1, ev->time_ns);
			live_change(a, st, ev->size, -1, ev->time_ns);
		}
		return;
	}
	if (!deferred) {
		count_alloc(a, st, ev->size);
		live_change(a, st, ev->size, +1, ev->time_ns);
	}
	struct live_ent e = { ev->ptr, ev->size, seq, index, si,
			      slot | (deferred ? 0 : LIVE_COUNTED) }, old;
	if (live_put(a->live, &e, &old)) {
		/* The same address live twice: a damaged trace. Release the older block as a
		 * non-temporary free so every total stays consistent. */
		a->duplicates++;
		release(a, &old, 0, ev->time_ns);
	}
}

static void on_free(struct hfp_accum *a, const struct hf_event *ev)
{
	struct live_ent e;
	if (live_take(a->live, ev->ptr, &e) < 0) {
		/* Freed blocks that were filtered out at allocation time land here too. */
		a->unmatched_frees++;
		return;
	}
	a->frees++;
	release(a, &e, is_temporary(a, &e, thread_slot(a, ev->thread)), ev->time_ns);
}

void hfp_accum_event(struct hfp_accum *a, const struct hf_event *ev)
{
	a->events++;
	if (ev->time_ns > a->last_time_ns)
		a->last_time_ns = ev->time_ns;
	switch (ev->type) {
	case HF_EV_ALLOC:
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

void hfp_accum_finish(struct hfp_accum *a)
{
	for (size_t i = 0; i < a->nstats; i++) {
		struct hfp_stat *st = &a->stats[i];
		if (st->last_tick <= a->peak_tick)
			st->c.peak = st->live;
		st->c.leaked = st->live;
		st->c.leaked_count = st->live_count;
	}
}
