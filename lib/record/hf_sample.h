/* hf_sample.h: sampling (HEAPFOLD_SAMPLE_BYTES, hf_sample.c): which allocations are recorded, and
 * the set of recorded blocks whose frees must be recorded too. */
#ifndef HF_SAMPLE_H
#define HF_SAMPLE_H

#include "hf_base.h"
#include "hf_thread.h"

/* The mean number of bytes between samples; 0: every allocation is recorded (the default).
 * Set once at start, read-mostly. */
extern uint64_t hf_sample_rate;

/* From the constructor, after the options. -1 (said in one line): sampling asked for but not
 * possible; the trace must not start. */
int hf_sample_init(void);
/* The rate of the traces started from now on (no trace is being recorded): hf_set_sample_bytes.
 * -1 without memory for the filter. */
int hf_sample_set_rate(uint64_t rate);
/* A new trace starts (no thread records yet): the set of an older trace's blocks is emptied. */
void hf_sample_new_trace(void);
/* A thread's first countdown in a trace (hf_thread_attach, hf_thread_regen). */
void hf_sample_thread_init(struct hf_thread *tb);
/* Slow path of hf_sample_take: the countdown crossed zero; draws the next one. */
void hf_sample_next(struct hf_thread *tb);

/* Whether an allocation of size bytes is sampled: a Poisson process over allocated bytes with
 * mean hf_sample_rate, as a per-thread countdown (tcmalloc's and jemalloc's way). Unsampled, it
 * costs a subtraction and a branch on the thread's own line. */
HF_INLINE int hf_sample_take(struct hf_thread *tb, size_t size)
{
	int64_t left = tb->sample_left - (int64_t)(size < (1ull << 62) ? size : 1ull << 62);
	tb->sample_left = left;
	if (hf_likely(left > 0))
		return 0;
	hf_sample_next(tb);
	return 1;
}

/* The set of sampled blocks now live. A counting filter in front of it answers "not sampled"
 * for almost every free with one load and no lock; the set itself is behind a spin lock, taken
 * only for sampled blocks (and the filter's rare false positives). */
#define HF_SFILTER_BITS 16
extern uint16_t *hf_sfilter; /* 1 << HF_SFILTER_BITS counts, mapped when sampling starts */

HF_INLINE uint32_t hf_sfilter_slot(uintptr_t p)
{
	return (uint32_t)(((uint64_t)p * 0x9e3779b97f4a7c15ull) >> (64 - HF_SFILTER_BITS));
}

/* Whether p is surely not a sampled block (one load, no lock). */
HF_INLINE int hf_sample_unseen(uintptr_t p)
{
	return hf_load(&hf_sfilter[hf_sfilter_slot(p)]) == 0;
}

/* Records that block p was sampled (after it was recorded). */
void hf_sample_add(uintptr_t p);
/* Takes p out of the set before it is freed: 1 if it was sampled (its free must be recorded). */
int hf_sample_forget_slow(uintptr_t p);
HF_INLINE int hf_sample_forget(uintptr_t p)
{
	if (hf_likely(hf_sample_unseen(p)))
		return 0;
	return hf_sample_forget_slow(p);
}
/* Fork child: the lock starts over. */
void hf_sample_fork_child(void);

#endif
