/* hfp_idindex.h: an index of ids whose keys are kept elsewhere (display stacks, by their frames
 * in the stack layer's pool), in 8 bytes a slot: the id and 32 bits of its key's hash. An
 * hfp_hash entry for such keys takes 16 (the whole hash, the id, padding), and a trace with a
 * million distinct stacks makes the index of a million. The caller hashes keys and compares
 * them; the 32 bits spare it comparing most keys that only share a probe run. */
#ifndef HFP_IDINDEX_H
#define HFP_IDINDEX_H

#include <stddef.h>
#include <stdint.h>

struct hfp_idindex {
	uint64_t *slot; /* (hash >> 32) << 32 | (id + 1); 0: a free slot */
	size_t mask;    /* slots - 1, a power of two minus one; slots <= 2^32 */
	size_t n, limit; /* ids held; n that makes it grow (3/4 of the slots) */
};

/* Is id the key being looked up? */
typedef int (*hfp_idindex_same_fn)(void *ctx, uint32_t id);

/* The id of the key whose 64-bit hash is h, or UINT32_MAX; then *at is where
 * hfp_idindex_add puts it, if nothing is added in between. A zeroed index is empty. */
uint32_t hfp_idindex_find(const struct hfp_idindex *x, uint64_t h, hfp_idindex_same_fn same, void *ctx,
			  size_t *at);
/* Adds id (below UINT32_MAX) for the key of hash h, not in the index, at what find gave. */
void hfp_idindex_add(struct hfp_idindex *x, uint64_t h, size_t at, uint32_t id);
/* Makes room for n ids in all at once, where that is more than it has: an index grown as ids
 * come holds its old slots and its new, twice as many, while it re-places them. */
void hfp_idindex_reserve(struct hfp_idindex *x, size_t n);
void hfp_idindex_free(struct hfp_idindex *x);
/* Starts loading the slot where a find of hash h begins (for a caller with several finds to make
 * whose hashes it knows in advance). */
static inline void hfp_idindex_prefetch(const struct hfp_idindex *x, uint64_t h)
{
	if (x->slot)
		__builtin_prefetch(&x->slot[(size_t)(h >> 32) & x->mask]);
}

#endif
