/* hf_stack.h: stack interning (hf_stack.c), with the per-thread cache the hooks look up inline. */
#ifndef HF_STACK_H
#define HF_STACK_H

#include "hf_base.h"
#include "hf_thread.h"
int hf_stack_init(void);
/* Slow path of hf_stack_node: takes the meta lock, inserts missing trie nodes (appending their
 * NODE records), fills the cache entry. Returns the allocator node, 0 if out of memory. */
uint32_t hf_stack_intern(struct hf_cache_ent *e, uint64_t h, const uintptr_t *ips, unsigned n,
			 unsigned key);
/* Under the meta lock: the number of NODE records so far. */
uint32_t hf_stack_count(void);
/* Under the meta lock, in a followed child: append every known node again, same ids. */
void hf_stack_replay(void);
/* Under the meta lock, for a new trace (hf_start after hf_stop): forget every node. */
void hf_stack_reset(void);
/* Under the meta lock: node id's parent (0 at the root) and frame; 0 if id is unknown. */
int hf_stack_node_at(uint32_t id, uint32_t *parent, uint64_t *frame);
/* Under the meta lock: calls fn for every node's frame address (pseudo-frames skipped). */
void hf_stack_frames(void (*fn)(uint64_t frame, void *arg), void *arg);

/* key = allocator kind (HF_FRAME_MALLOC to HF_FRAME_LAST_ALLOCATOR) | truncated << 8 |
 * before start << 9 (hf_early.c) | trusted << 16 (hf_unwind_capture's). Two independent
 * multiply lanes keep the dependency chain at half the frames: about 1 ns per 2 frames. Always
 * odd (0 = empty slot). */
static inline uint64_t hf_stack_hash(const uintptr_t *ips, unsigned n, unsigned key)
{
	uint64_t a = 0x9e3779b97f4a7c15ull * (key + 1), b = 0x6a09e667f3bcc909ull ^ n;
	unsigned i = 0;
	for (; i + 1 < n; i += 2) {
		a = (a ^ ips[i]) * 0xff51afd7ed558ccdull;
		b = (b ^ ips[i + 1]) * 0xc4ceb9fe1a85ec53ull;
	}
	if (i < n)
		a = (a ^ ips[i]) * 0xff51afd7ed558ccdull;
	uint64_t h = a ^ (b >> 31) ^ (b << 33);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	return h | 1;
}

/* The allocator node for this stack: a per-thread direct-mapped cache of 64-bit hashes (no
 * lock; a hit costs the hash and one compare), the shared table behind it on a miss. */
static inline uint32_t hf_stack_node(struct hf_thread *tb, const uintptr_t *ips, unsigned n,
				     unsigned key)
{
	uint64_t h = hf_stack_hash(ips, n, key);
	struct hf_cache_ent *e = &tb->cache[(h >> 1) & (HF_CACHE_N - 1)];
	if (hf_likely(e->hash == h && e->depth == n))
		return e->node;
	return hf_stack_intern(e, h, ips, n, key);
}

#endif
