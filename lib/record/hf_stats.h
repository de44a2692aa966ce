/* hf_stats.h: live heap statistics (hf_stats.c), with the inline counting the hooks do. */
#ifndef HF_STATS_H
#define HF_STATS_H

#include "hf_base.h"
#include "hf_thread.h"
/* Counted on every call of the malloc family from program start (recording or not), except
 * nested ones, in per-thread counters summed when read. The peak needs the order of every
 * thread's allocations: while it is tracked (hf_peak_on), current bytes also go through one
 * global atomic (hf_stats.c: why, the cost, and when the peak is tracked). */
struct hf_live {
	uint64_t bytes, blocks; /* hf_live: bytes only; hf_peak: both */
	char pad[48];
} __attribute__((aligned(64)));
extern struct hf_live hf_live, hf_peak;
/* 1 while the peak is tracked; from program start until the constructor decides, and for good
 * when something in the process can read it (hf_stats_init). Read-mostly. */
extern int hf_peak_on;

#define HF_OWED_MAX (64u << 10) /* freed bytes a thread may hold back from hf_live.bytes */

struct hf_tstat {
	uint64_t allocs, bytes, frees, temporary, failed; /* owner writes, anyone reads */
	uint64_t ualloc, ufree; /* usable bytes allocated and freed: current bytes are the sum */
	uint64_t owed; /* bytes freed but not yet taken off hf_live.bytes (hf_stats.c) */
	struct hf_tstat *next;                            /* registry: all blocks, set once */
	struct hf_tstat *next_free;
	int live;
} __attribute__((aligned(64)));

/* Once, from the constructor: the thread-exit key (recycles blocks), and whether the peak stays
 * tracked. */
void hf_stats_init(void);
/* A thread's first counted call: its block (never NULL). */
struct hf_tstat *hf_stats_attach(struct hf_tls *t);
/* hf_live.bytes passed the peak (g: its value after this thread's update): the true total,
 * without what other threads owe, may be a new peak; raise it and note the blocks live. */
void hf_stats_peak(struct hf_tstat *self, uint64_t g);
/* Fork child: the registry lock starts over. */
void hf_stats_fork_child(void);
/* hf_dynamic.c. Whether an object loaded in the process imports one of names (a NULL-terminated
 * list) from its dynamic symbol table. */
int hf_imports_any(const char *const *names);
/* A loaded object's dynamic section (ElfW(Dyn) entries), NULL if it has none; and an address
 * read from it, made absolute (glibc's loader relocates them in place, musl's does not). */
struct dl_phdr_info;
const void *hf_dyn_section(const struct dl_phdr_info *info);
uintptr_t hf_dyn_addr(const struct dl_phdr_info *info, uintptr_t v);

HF_INLINE struct hf_tstat *hf_stat_block(struct hf_tls *t)
{
	struct hf_tstat *s = t->ts;
	return hf_likely(s != NULL) ? s : hf_stats_attach(t);
}

HF_INLINE void hf_stat_inc(uint64_t *c, uint64_t d)
{
	hf_store(c, hf_load(c) + d); /* owner only: a plain add, readable by hf_stats */
}

/* An allocation of u bytes paid by the thread's own frees (it owed at least u; left: what it
 * owes after this one). hf_live.bytes already counts those bytes, so it stays as it is: the
 * block writes the thread's own line only, and reads the shared ones. The peak cannot have been
 * passed unless hf_live.bytes, less what this thread still owes, is above it (what the others
 * owe is never negative). The exchange is a full barrier between the store of the debt and the
 * load of hf_live.bytes, as a locked add is on the other side: a thread whose add passes the
 * peak reads the debts after it (hf_stats_peak), so either it sees this thread's smaller one and
 * counts this block, or this thread sees its add and checks the peak itself. */
HF_INLINE void hf_stat_alloc_owed(struct hf_tstat *s, uint64_t left)
{
	__atomic_exchange_n(&s->owed, left, __ATOMIC_SEQ_CST);
	uint64_t g = __atomic_load_n(&hf_live.bytes, __ATOMIC_RELAXED);
	if (hf_unlikely(g > left && g - left > hf_load(&hf_peak.bytes)))
		hf_stats_peak(s, g - left);
}

/* After an allocation call: p what it returned (NULL: failed), req the size asked for. With the
 * peak tracked, a thread that owes at least the block's usable size (its frees since it last
 * paid) takes it off its debt; otherwise one atomic add carries the block's size less the debt. */
HF_INLINE void hf_stat_alloc(struct hf_tls *t, void *p, size_t req)
{
	struct hf_tstat *s = hf_stat_block(t);
	if (hf_unlikely(!p)) {
		hf_stat_inc(&s->failed, 1);
		return;
	}
	size_t u = hf_real.malloc_usable_size(p);
	hf_stat_inc(&s->allocs, 1);
	hf_stat_inc(&s->bytes, req);
	hf_stat_inc(&s->ualloc, u);
	t->last_ptr = (uintptr_t)p;
	t->last_usable = u;
	if (hf_unlikely(hf_load(&hf_peak_on))) {
		uint64_t owed = hf_load(&s->owed);
		if (hf_likely(owed >= u)) {
			hf_stat_alloc_owed(s, owed - u);
			return;
		}
		uint64_t g = __atomic_add_fetch(&hf_live.bytes, u - owed, __ATOMIC_RELAXED);
		if (owed)
			hf_store(&s->owed, 0);
		if (hf_unlikely(g > hf_load(&hf_peak.bytes)))
			hf_stats_peak(s, g);
	}
}

/* The usable size of p, which is about to be freed (before the real call). Always asked of the
 * allocator: the same address as this thread's last allocation may be another thread's block by
 * now, of another size (freed there and handed back; tests/progs/gt_pingpong.c). */
HF_INLINE size_t hf_stat_usable(struct hf_tls *t, void *p)
{
	(void)t;
	return hf_real.malloc_usable_size(p);
}

/* hf_stat_usable for a block the hook knows is still the one this thread's last recorded
 * allocation returned (the FREE_LAST conditions held: p is that block, nothing recorded since,
 * and no thread freed anything since, so no other thread can have had p in between): the size
 * counted when this thread last allocated, if that returned p, without asking the allocator
 * (a call into it, and under jemalloc a lookup of the block's extent). */
HF_INLINE size_t hf_stat_usable_unit(struct hf_tls *t, void *p)
{
	return (uintptr_t)p == t->last_ptr ? t->last_usable : hf_real.malloc_usable_size(p);
}

/* A free of p (not NULL) whose usable size is u (hf_stat_usable before the real call). With the
 * peak tracked, u is owed until the thread's next allocation, or until it owes more than
 * HF_OWED_MAX. */
HF_INLINE void hf_stat_free(struct hf_tls *t, void *p, size_t u)
{
	struct hf_tstat *s = hf_stat_block(t);
	if ((uintptr_t)p == t->last_ptr) { /* freed before this thread allocated again */
		hf_stat_inc(&s->temporary, 1);
		t->last_ptr = 0;
	}
	hf_stat_inc(&s->frees, 1);
	hf_stat_inc(&s->ufree, u);
	if (hf_unlikely(hf_load(&hf_peak_on))) {
		uint64_t owed = hf_load(&s->owed) + u;
		if (hf_likely(owed <= HF_OWED_MAX)) {
			hf_store(&s->owed, owed);
		} else {
			__atomic_sub_fetch(&hf_live.bytes, owed, __ATOMIC_RELAXED);
			hf_store(&s->owed, 0);
		}
	}
}

/* Fills the public struct (hf_api.c). */
struct hf_stats;
void hf_stats_read(struct hf_stats *out);
void hf_stats_reset(void);

#endif
