/* hfp_accum.h: the accumulator: trace events, in their restored order, into per-stack costs and
 * run totals, in one streaming pass. It takes plain struct hf_event values, so tests can feed it
 * synthetic sequences. */
#ifndef HFP_ACCUM_H
#define HFP_ACCUM_H

#include <stddef.h>
#include <stdint.h>

#define HFP_SERIES_MAX 256

#include "heapfold_trace.h"

#include "../core/hfp_cost.h"
#include "../core/hfp_hash.h"

/* One stack (one allocator leaf node) and its costs. While events come, c.leaked and
 * c.leaked_count are its bytes and blocks live now: at the end, what leaked. 64 bytes: a trace
 * may have millions of stacks. */
struct hfp_stat {
	uint32_t node;      /* allocator leaf node */
	struct hfp_costs c;
	uint64_t last_tick; /* tick of the last change of its live bytes (see the peak in hfp_accum.c) */
};

/* Stats are kept in blocks of HFP_STAT_BLOCK rather than one array grown by doubling: no copy
 * twice the size when it grows, and hfp_accum_drain frees each block once handed over. */
#define HFP_STAT_BLOCK 16384

/* A phase marker the program set (hf_mark). */
/* Values over time in fixed memory: at most HFP_SERIES_MAX points, one every stride values
 * offered, the stride doubling (neighbours paired) when full, so the points stay evenly spread
 * over the run; each point holds the largest value of those it stands for. */
struct hfp_tpoint {
	uint64_t time_ns, bytes;
};
struct hfp_series {
	struct hfp_tpoint *p;
	size_t n;
	uint64_t stride, count;
};

struct hfp_mark {
	uint64_t time_ns;
	char *label;
};

/* Decides once per stack whether it passes --filter-bt-function. */
typedef int (*hfp_keep_fn)(void *ctx, uint32_t node);

struct hfp_accum {
	/* configuration, set before the first event */
	uint64_t min_size, max_size; /* inclusive range of sizes counted */
	uint64_t threshold;          /* --temporary-threshold */
	int temporary_only;          /* --temporary */
	int classify_only;           /* pre-pass: only build tempmap */
	uint64_t sample_rate;        /* a sampled trace's HEAPFOLD_SAMPLE_BYTES; 0: every event */
	int want_series;             /* keep the heap over time (-M): series below */
	uint64_t rng;                /* its random rounding (hfp_accum.c: multiplicity) */
	const uint8_t *tempmap;      /* from a pre-pass: bit i = allocation i is temporary */
	size_t tempmap_bits;
	hfp_keep_fn keep;
	void *keep_ctx;
	size_t node_ids;             /* node ids are below this (0: not known): the node -> stat
				      * table is made that size at once, not grown by copies */
	int want_histogram;

	/* per stack */
	uint32_t *stat_of_node; /* node id -> stat index + 1; 0 unseen; UINT32_MAX filtered out */
	size_t node_cap;
	struct hfp_stat **stat_block; /* stat i: stat_block[i / HFP_STAT_BLOCK][i % HFP_STAT_BLOCK] */
	size_t nstats, nblocks_cap;

	/* live blocks (pointer -> block) and per-thread allocation counters; threads are dense
	 * slots (stream number -> slot, in order of first appearance), not the trace's stream numbers */
	struct hfp_hash live;
	struct hfp_hash threads;
	uint64_t *tseq;            /* slot -> allocations made by the thread */
	size_t nthreads, tseq_cap;
	uint32_t last_thread, last_slot;

	/* pre-pass output */
	uint8_t *map;
	size_t map_bytes;

	/* histogram: requested size -> count (struct hfp_size_count entries) */
	struct hfp_hash hist;

	/* totals over the counted allocations */
	uint64_t allocations, bytes, temporary, failed;
	uint64_t live_bytes, live_count;
	uint64_t peak_bytes, peak_time_ns;
	uint64_t tick, peak_tick;
	uint64_t alloc_index; /* every allocation event, counted or not */
	/* The heap over time (want_series): the live bytes at their changes, and the RSS samples. */
	struct hfp_series series, rss;
	uint64_t units;       /* of which allocated and freed at once (HF_EVF_UNIT) */
	uint64_t filtered_size, filtered_function; /* allocations --min/max-size, --filter-bt-function removed */
	uint64_t frees, unmatched_frees, duplicates;
	uint64_t peak_rss;
	uint64_t last_time_ns;
	uint64_t events;

	/* The common case, decided at the first event: no pre-pass, filter of sizes, --temporary,
	 * sampling, histogram or series (-1: not decided yet). Units then take a shorter path,
	 * which finds the stack of the unit before it again without a lookup. */
	int plain;
	uint32_t last_node;
	struct hfp_stat *last_st;

	struct hfp_mark *marks;
	size_t nmarks;
};

/* Offers one value to a series (it keeps one value every stride offered). */
void hfp_series_add(struct hfp_series *x, uint64_t time_ns, uint64_t value);

/* An entry of hfp_accum.hist. */
struct hfp_size_count {
	uint64_t size;
	uint64_t count;
};

/* Stat i, i < nstats. */
static inline struct hfp_stat *hfp_accum_stat(const struct hfp_accum *a, size_t i)
{
	return &a->stat_block[i / HFP_STAT_BLOCK][i % HFP_STAT_BLOCK];
}

void hfp_accum_init(struct hfp_accum *a);
/* Feeds one event in restored order. */
void hfp_accum_event(struct hfp_accum *a, const struct hf_event *ev);
/* The same as a callback of hf_trace_each (a: the accumulator): the events of a whole trace
 * without a call between the reader and the accumulator. Returns 0 (go on). */
int hfp_accum_take(void *a, const struct hf_event *ev);
/* Adds what b counted of another part of the same trace (hf_trace_split) into a: each stack's
 * allocations and bytes, and the run's counts of events. Nothing that depends on which free
 * ends which block (temporary, live bytes, leaks, peak): a part may free a block of another,
 * and an address handed between threads of two parts can match the wrong allocation in each.
 * Before hfp_accum_finish. */
void hfp_accum_add_counts(struct hfp_accum *a, const struct hfp_accum *b);
/* Ends the stream: snapshots peak bytes of stacks untouched since the peak. */
void hfp_accum_finish(struct hfp_accum *a);
/* After hfp_accum_finish: nothing looks a node up any more; the node -> stack table is freed
 * (hfp_accum_sort and hfp_accum_drain do it too). */
void hfp_accum_nodes_done(struct hfp_accum *a);
/* After hfp_accum_finish: puts the stacks in the order of key[node] (a node at or past nkeys
 * last), equal keys in their present order, for a drain whose taker gains from it (the stack
 * layer, in a depth-first order of the stack tree: hfp_run.c). Frees key (a malloc'ed array)
 * as soon as it has read it, before the sort's own arrays are made: with millions of nodes it
 * is the largest of them. */
void hfp_accum_sort(struct hfp_accum *a, uint32_t *key, size_t nkeys);
/* After hfp_accum_finish: hands each stack to fn, in the order they were first seen (or sorted
 * in), i from 0, freeing the stats as it goes, so that the stack layer that takes them over
 * does not grow beside all of them. Afterwards the accumulator has no stacks (nstats is 0); its
 * totals stay. ahead, if not NULL, gets the node of the stack HFP_DRAIN_AHEAD places on before
 * fn gets each one: a taker can have its memory on the way (hfp_stacks_prefetch). */
#define HFP_DRAIN_AHEAD 16
void hfp_accum_drain(struct hfp_accum *a, void (*fn)(void *ctx, size_t i, const struct hfp_stat *st),
		     void (*ahead)(void *ctx, uint32_t node), void *ctx);
void hfp_accum_free(struct hfp_accum *a);
/* After a classify_only pass: hands over the temporary bitmap (caller frees it). */
uint8_t *hfp_accum_take_tempmap(struct hfp_accum *a, size_t *bits);

#endif
