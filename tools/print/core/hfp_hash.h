/* hfp_hash.h: the one hash table of heapfold_print, behind every map it keeps (live blocks,
 * threads, sizes, interned strings, frames, return addresses, merged stacks, flame graph nodes).
 *
 * Open addressing with linear probing in one array of fixed-size entries: no allocation per
 * entry and no pointer to chase, which matters for the live-block table, touched by every event.
 * The capacity is a power of two; the table doubles before an insertion would fill more than
 * max_load percent of it, so memory stays proportional to the entries. Removal shifts the rest of
 * the probe run back instead of leaving tombstones, which a long run of frees would pile up.
 *
 * Two kinds of keys:
 * - fixed-size (key_size > 0): the key is the first key_size bytes of the entry, hashed and
 *   compared byte for byte by the table (so a key struct must have no padding). A slot whose key
 *   bytes are all zero is free; the one entry whose key is all zero is kept beside the array.
 * - kept elsewhere (key_size 0): strings, frame sequences. The caller passes the key's bytes; the
 *   entry starts with a uint64_t the table owns (the key's hash, never 0) and `same` tells
 *   whether an entry with that hash is the key.
 * The hash is seeded from the table's address, which varies from run to run: a crafted trace
 * cannot aim its pointers or stream numbers at one probe sequence. Nothing printed depends on the
 * order of the entries.
 *
 * The operations are written once, at the end of this file, as inline functions taking the key
 * size: the one-word versions (hfp_hash_find64 and the others) compile them with the constant 8
 * into their callers, since the live-block table does a lookup or two per event and a call costs
 * about as much as the lookup; hfp_hash.c compiles them once more for keys of any kind. */
#ifndef HFP_HASH_H
#define HFP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* For keys kept elsewhere: 1 if entry is the key (len bytes at key). */
typedef int (*hfp_hash_same_fn)(const void *entry, const void *key, size_t len, void *ctx);

/* What a table holds; one static const description per kind of table. */
struct hfp_hash_type {
	size_t entry_size;     /* bytes per entry, a multiple of 8 */
	size_t key_size;       /* > 0: fixed-size keys at the start of the entry; 0: keys kept elsewhere */
	hfp_hash_same_fn same; /* keys kept elsewhere only */
	size_t min_cap;        /* slots at the first insertion: a power of two */
	unsigned max_load;     /* percent of the slots in use, at most, before the table doubles;
				* below 100, so that every probe run ends at a free slot */
};

struct hfp_hash {
	const struct hfp_hash_type *type;
	void *ctx;              /* for `same` */
	size_t esize;           /* type->entry_size */
	unsigned char *slot;    /* cap entries */
	size_t cap, n;          /* n: entries in the array (the all-zero key's is not) */
	size_t limit;           /* n that makes the table grow: cap * max_load / 100 */
	uint64_t seed;
	/* The slot of an entry is its offset divided by esize, an exact division: the offset
	 * shifted right by the power of two in esize, times the inverse of the odd rest modulo
	 * 2^64. A multiply instead of a divide on every removal. */
	unsigned eshift;
	uint64_t einverse;
	unsigned char *zero;    /* the entry whose fixed-size key is all zero, when has_zero */
	int has_zero;
};

void hfp_hash_init(struct hfp_hash *t, const struct hfp_hash_type *type, void *ctx);
void hfp_hash_free(struct hfp_hash *t);

/* key: len bytes (len is key_size for fixed-size keys). An entry returned stays where it is
 * until the next hfp_hash_put or hfp_hash_remove. */
void *hfp_hash_find(const struct hfp_hash *t, const void *key, size_t len);
/* The entry of key, added if missing (*added = 1). A new entry has its key set and the rest
 * unspecified (a removed entry's bytes may be there): the caller fills it. */
void *hfp_hash_put(struct hfp_hash *t, const void *key, size_t len, int *added);
/* Removes an entry that hfp_hash_find or hfp_hash_put returned. */
void hfp_hash_remove(struct hfp_hash *t, void *entry);

/* The same for tables of one-word keys (key_size 8), inline (see the top). */
static inline void *hfp_hash_find64(const struct hfp_hash *t, uint64_t key);
static inline void *hfp_hash_put64(struct hfp_hash *t, uint64_t key, int *added);
static inline void hfp_hash_remove64(struct hfp_hash *t, void *entry);

/* Entries in no particular order: *pos = 0 first; NULL after the last. */
void *hfp_hash_next(const struct hfp_hash *t, size_t *pos);
size_t hfp_hash_count(const struct hfp_hash *t);

/* ---- the operations, for hfp_hash.c and the inline versions above --------------------------- */

/* Out of line, in hfp_hash.c: the rare paths. */
void hfp_hash__grow(struct hfp_hash *t);
void *hfp_hash__zero_put(struct hfp_hash *t, int *added);
void hfp_hash__zero_remove(struct hfp_hash *t);

static inline uint64_t hfp_hash__word(const void *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* One multiply and an xor-shift, so that the low bits (the slot) depend on the high bits of the
 * word: allocator addresses share their low bits (alignment) and their high bits (arenas). */
static inline uint64_t hfp_hash__mix(uint64_t w)
{
	uint64_t h = w * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/* Keys of one word, the common case, are hashed in one step. */
static inline uint64_t hfp_hash__bytes(const void *key, size_t n, uint64_t seed)
{
	const unsigned char *p = key;
	if (n == 8)
		return hfp_hash__mix(hfp_hash__word(p) ^ seed);
	uint64_t h = seed ^ n;
	for (; n >= 8; n -= 8, p += 8)
		h = hfp_hash__mix(h ^ hfp_hash__word(p));
	if (n) {
		uint64_t w = 0;
		memcpy(&w, p, n);
		h = hfp_hash__mix(h ^ w);
	}
	return hfp_hash__mix(h ^ (h >> 32));
}

static inline int hfp_hash__is_zero(const void *k, size_t n)
{
	if (n == 8)
		return hfp_hash__word(k) == 0;
	const unsigned char *p = k;
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* In what follows ks is the key size, 0 for keys kept elsewhere. A slot is free when its key
 * bytes (for keys kept elsewhere, its hash) are zero. */
static inline int hfp_hash__free_slot(const unsigned char *e, size_t ks)
{
	return ks ? hfp_hash__is_zero(e, ks) : hfp_hash__word(e) == 0;
}

static inline uint64_t hfp_hash__key_hash(const struct hfp_hash *t, const void *key, size_t len,
					  size_t ks)
{
	if (ks)
		return hfp_hash__bytes(key, ks, t->seed);
	uint64_t h = hfp_hash__bytes(key, len, t->seed);
	return h ? h : 1; /* 0 marks a free slot */
}

static inline uint64_t hfp_hash__entry_hash(const struct hfp_hash *t, const unsigned char *e,
					    size_t ks)
{
	return ks ? hfp_hash__bytes(e, ks, t->seed) : hfp_hash__word(e);
}

/* The slot holding key (hash h), *hit = 1; or the free slot that ends its probe run, *hit = 0.
 * The key is not all zero (a free slot never matches it), and the table is never full
 * (max_load < 100), so every run ends. */
static inline size_t hfp_hash__probe(const struct hfp_hash *t, const void *key, size_t len,
				     uint64_t h, int *hit, size_t ks)
{
	size_t mask = t->cap - 1, es = t->esize, i = (size_t)h & mask;
	for (;; i = (i + 1) & mask) {
		const unsigned char *e = t->slot + i * es;
		if (ks == 8 || !ks) {
			uint64_t w = hfp_hash__word(e);
			if (!w)
				break;
			if (ks ? w == hfp_hash__word(key) : w == h && t->type->same(e, key, len, t->ctx)) {
				*hit = 1;
				return i;
			}
		} else {
			if (memcmp(e, key, ks) == 0) {
				*hit = 1;
				return i;
			}
			if (hfp_hash__is_zero(e, ks))
				break;
		}
	}
	*hit = 0;
	return i;
}

static inline void *hfp_hash__find(const struct hfp_hash *t, const void *key, size_t len, size_t ks)
{
	if (ks && hfp_hash__is_zero(key, ks))
		return t->has_zero ? t->zero : NULL;
	if (!t->n)
		return NULL;
	int hit;
	size_t i = hfp_hash__probe(t, key, len, hfp_hash__key_hash(t, key, len, ks), &hit, ks);
	return hit ? t->slot + i * t->esize : NULL;
}

static inline void *hfp_hash__put(struct hfp_hash *t, const void *key, size_t len, int *added,
				  size_t ks)
{
	if (ks && hfp_hash__is_zero(key, ks))
		return hfp_hash__zero_put(t, added);
	/* Grown before probing, so the slot found stays valid; at worst one insertion early. */
	if (t->n + 1 > t->limit)
		hfp_hash__grow(t);
	uint64_t h = hfp_hash__key_hash(t, key, len, ks);
	int hit;
	unsigned char *e = t->slot + hfp_hash__probe(t, key, len, h, &hit, ks) * t->esize;
	*added = !hit;
	if (!hit) {
		if (ks)
			memcpy(e, key, ks);
		else
			memcpy(e, &h, sizeof h);
		t->n++;
	}
	return e;
}

static inline void hfp_hash__remove(struct hfp_hash *t, void *entry, size_t ks)
{
	if (entry == t->zero) {
		hfp_hash__zero_remove(t);
		return;
	}
	size_t mask = t->cap - 1, es = t->esize;
	uint64_t offset = (uint64_t)((unsigned char *)entry - t->slot);
	size_t hole = (size_t)((offset >> t->eshift) * t->einverse);
	/* Backward shift: move later entries of the probe run into the hole when that keeps them
	 * reachable from their home slot, so lookups never need tombstones. */
	for (size_t k = (hole + 1) & mask; !hfp_hash__free_slot(t->slot + k * es, ks);
	     k = (k + 1) & mask) {
		size_t home = (size_t)hfp_hash__entry_hash(t, t->slot + k * es, ks) & mask;
		if (((k - home) & mask) >= ((k - hole) & mask)) {
			memcpy(t->slot + hole * es, t->slot + k * es, es);
			hole = k;
		}
	}
	memset(t->slot + hole * es, 0, ks ? ks : sizeof(uint64_t)); /* free: its key bytes are zero */
	t->n--;
}

static inline void *hfp_hash_find64(const struct hfp_hash *t, uint64_t key)
{
	return hfp_hash__find(t, &key, sizeof key, sizeof key);
}

static inline void *hfp_hash_put64(struct hfp_hash *t, uint64_t key, int *added)
{
	return hfp_hash__put(t, &key, sizeof key, added, sizeof key);
}

static inline void hfp_hash_remove64(struct hfp_hash *t, void *entry)
{
	hfp_hash__remove(t, entry, sizeof(uint64_t));
}

#endif
