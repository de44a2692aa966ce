/* hfp_idindex.c: the index of hfp_idindex.h: open addressing with linear probing. A slot's place
 * comes from the high 32 bits of the key's hash, the bits it keeps, so that growing re-places
 * every id without the keys. */
#include <stdlib.h>

#include "hfp_idindex.h"
#include "hfp_mem.h"

static inline uint64_t high(uint64_t h)
{
	return h >> 32;
}

uint32_t hfp_idindex_find(const struct hfp_idindex *x, uint64_t h, hfp_idindex_same_fn same, void *ctx,
			  size_t *at)
{
	if (!x->slot) {
		*at = 0;
		return UINT32_MAX;
	}
	size_t j = (size_t)high(h) & x->mask;
	for (;; j = (j + 1) & x->mask) {
		uint64_t v = x->slot[j];
		if (!v)
			break;
		if (v >> 32 == high(h) && same(ctx, (uint32_t)v - 1))
			return (uint32_t)v - 1;
	}
	*at = j;
	return UINT32_MAX;
}

static void place(uint64_t *slot, size_t mask, uint64_t v)
{
	size_t j = (size_t)(v >> 32) & mask;
	while (slot[j])
		j = (j + 1) & mask;
	slot[j] = v;
}

/* The slots re-placed into cap of them (a power of two). */
static void grow(struct hfp_idindex *x, size_t cap)
{
	uint64_t *slot = hfp_calloc(cap, sizeof *slot);
	if (x->n)
		hfp_mem_present(slot, cap * sizeof *slot); /* re-placing fills every page */
	for (size_t i = 0; x->slot && i <= x->mask; i++)
		if (x->slot[i])
			place(slot, cap - 1, x->slot[i]);
	free(x->slot);
	x->slot = slot;
	x->mask = cap - 1;
	x->limit = cap / 4 * 3;
}

void hfp_idindex_add(struct hfp_idindex *x, uint64_t h, size_t at, uint32_t id)
{
	uint64_t v = high(h) << 32 | ((uint64_t)id + 1);
	if (x->slot && x->n < x->limit) {
		x->slot[at] = v;
		x->n++;
		return;
	}
	grow(x, x->slot ? (x->mask + 1) * 2 : 1024);
	place(x->slot, x->mask, v);
	x->n++;
}

void hfp_idindex_reserve(struct hfp_idindex *x, size_t n)
{
	size_t cap = x->slot ? x->mask + 1 : 1024;
	while (cap / 4 * 3 < n && cap < ((size_t)1 << 32))
		cap *= 2;
	if (!x->slot || cap > x->mask + 1)
		grow(x, cap);
}

void hfp_idindex_free(struct hfp_idindex *x)
{
	free(x->slot);
	x->slot = NULL;
	x->mask = x->n = x->limit = 0;
}
