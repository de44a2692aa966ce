/* hfp_hash.c: the hash table of hfp_hash.h: its rare paths (growing, the all-zero key), iteration,
 * and its operations compiled for keys of any kind. */
#include <stdlib.h>
#include <string.h>

#include "hfp_hash.h"
#include "hfp_mem.h"

void hfp_hash_init(struct hfp_hash *t, const struct hfp_hash_type *type, void *ctx)
{
	memset(t, 0, sizeof *t);
	t->type = type;
	t->ctx = ctx;
	t->esize = type->entry_size;
	/* esize = 2^eshift * odd; Newton's iteration doubles the correct low bits of the odd
	 * part's inverse each step, from 3 (odd * odd = 1 modulo 8): 5 steps give 64. */
	uint64_t odd = type->entry_size;
	while (!(odd & 1)) {
		odd >>= 1;
		t->eshift++;
	}
	uint64_t inv = odd;
	for (int i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	t->einverse = inv;
	/* Addresses vary from run to run (ASLR): a seed no trace can know in advance. */
	t->seed = (uint64_t)(uintptr_t)t * 0x9E3779B97F4A7C15ull;
}

void hfp_hash_free(struct hfp_hash *t)
{
	free(t->slot);
	free(t->zero);
	memset(t, 0, sizeof *t);
}

/* Re-inserts every entry into an array twice as big; inline so that one-word keys get their
 * own copy below, as in the lookups: a table of live blocks grows through millions of them. */
static inline void rehash(struct hfp_hash *t, size_t ks)
{
	size_t es = t->esize, cap = t->cap ? t->cap * 2 : t->type->min_cap;
	unsigned char *slot = hfp_calloc(cap, es);
	for (size_t i = 0; i < t->cap; i++) {
		const unsigned char *e = t->slot + i * es;
		if (hfp_hash__free_slot(e, ks))
			continue;
		size_t j = (size_t)hfp_hash__entry_hash(t, e, ks) & (cap - 1);
		while (!hfp_hash__free_slot(slot + j * es, ks))
			j = (j + 1) & (cap - 1);
		memcpy(slot + j * es, e, es);
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	t->limit = cap * t->type->max_load / 100;
}

void hfp_hash__grow(struct hfp_hash *t)
{
	if (t->type->key_size == 8)
		rehash(t, 8);
	else
		rehash(t, t->type->key_size);
}

/* The entry of the all-zero key lives beside the array, where a zero key means a free slot. */
void *hfp_hash__zero_put(struct hfp_hash *t, int *added)
{
	*added = !t->has_zero;
	if (!t->zero)
		t->zero = hfp_calloc(1, t->esize);
	t->has_zero = 1;
	return t->zero;
}

void hfp_hash__zero_remove(struct hfp_hash *t)
{
	memset(t->zero, 0, t->esize);
	t->has_zero = 0;
}

void *hfp_hash_find(const struct hfp_hash *t, const void *key, size_t len)
{
	return hfp_hash__find(t, key, len, t->type->key_size);
}

void *hfp_hash_put(struct hfp_hash *t, const void *key, size_t len, int *added)
{
	return hfp_hash__put(t, key, len, added, t->type->key_size);
}

void hfp_hash_remove(struct hfp_hash *t, void *entry)
{
	hfp_hash__remove(t, entry, t->type->key_size);
}

void *hfp_hash_next(const struct hfp_hash *t, size_t *pos)
{
	for (; *pos < t->cap; ++*pos) {
		unsigned char *e = t->slot + *pos * t->esize;
		if (!hfp_hash__free_slot(e, t->type->key_size)) {
			++*pos;
			return e;
		}
	}
	if (*pos == t->cap && t->has_zero) {
		++*pos;
		return t->zero;
	}
	return NULL;
}

size_t hfp_hash_count(const struct hfp_hash *t)
{
	return t->n + (t->has_zero ? 1 : 0);
}
