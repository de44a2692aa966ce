/* hf_profile.h: the live heap profile behind pprof snapshots (hf_pprof.c): per stack, what was
 * allocated since the last snapshot and what is in use now, kept while the trace records.
 *
 * On only with HEAPFOLD_PPROF_DIR or HEAPFOLD_PPROF=1. Each recorded allocation (every one, or
 * the sampled ones) enters a table of blocks keyed by address with its stack, size and weight
 * (1, or a sampled block's estimator 1 / (1 - exp(-size / rate))), and its stack's counters grow;
 * its recorded free takes it out. Table and counters sit behind one spin lock: every recorded
 * event takes it, which is cheap when sampling makes recorded events rare (the production
 * setting) and a cost of its own when every event is recorded.
 *
 * When sampling, a sampled block is also in the sampled set (hf_sample.c): that set only holds
 * addresses, behind the counting filter that lets every other free through with one load, and
 * exists whether profiles are kept or not; this table holds what a profile needs, for every
 * recorded block in exact runs too. A free reaches this table only past the filter. */
#ifndef HF_PROFILE_H
#define HF_PROFILE_H

#include "hf_base.h"

extern int hf_profile_on; /* read-mostly: set once at start */

/* From the constructor, after the options. */
void hf_profile_init(void);
/* Block p, size bytes, allocated at the stack of leaf node: recorded. */
void hf_profile_alloc(uintptr_t p, uint32_t node, size_t size);
/* Block p is about to be freed (before the real free, so that its address cannot be handed to
 * another thread's allocation first): out of the table, if it is there. */
void hf_profile_free(uintptr_t p);
/* realloc: old leaves the table before the real call, into *b (1 if it was there); when the
 * call fails, old comes back as it was. */
struct hf_profile_block {
	uintptr_t p; /* 0 empty, 1 deleted */
	uint32_t node;
	uint32_t unused;
	uint64_t size, weight;
};
int hf_profile_take(uintptr_t old, struct hf_profile_block *b);
void hf_profile_restore(const struct hf_profile_block *b);
/* 1 once memory ran out for a block or a stack's counters: the profile misses some. */
int hf_profile_incomplete(void);
/* A new trace: the profile starts over. */
void hf_profile_reset(void);
/* Fork child: the lock starts over. */
void hf_profile_fork_child(void);

/* A snapshot: per leaf node with anything to show, objects and bytes allocated since the last
 * snapshot (weights summed, rounded) and in use now. Calls fn for each under the lock (fn must
 * not record: the caller runs in HF_MODE_INSIDE), zeroing the "since" counters. Returns the
 * number of nodes reported. */
struct hf_profile_row {
	uint32_t node;
	uint64_t alloc_objects, alloc_bytes, inuse_objects, inuse_bytes;
};
size_t hf_profile_collect(void (*fn)(const struct hf_profile_row *row, void *arg), void *arg);

#endif
