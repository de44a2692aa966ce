/* hf_events.h: the event records of a thread's stream (docs/format.md, section 2), each encoder
 * beside its decoder, so that the recorder and the reader cannot disagree about a field.
 *
 * Encoders write the tag and each field into its column (hf_columns.h: the recorder writes a
 * thread's chunk in columns); they are inline and allocation-free (the recorder calls them on
 * the allocation fast path). Decoders read each field from its column's cursor (struct hf_colr:
 * for a body of records, the older formats', one cursor stands for every column), start after
 * the tag, stay inside each cursor's end and return 0, or -1 for a truncated or out-of-range
 * field. The table of each record's columns in hf_columns.c (the split that test tools use) is
 * the third place that knows a record's fields: tests/unit/test_columns.c checks the three. The state records
 * are relative to (the stream's previous address P and epoch C, its rings of recent addresses)
 * belongs to the caller: the recorder keeps it per thread, the reader per stream. */
#ifndef HF_EVENTS_H
#define HF_EVENTS_H

#include "hf_codec.h"
#include "hf_columns.h"

/* One varint into column c. */
static inline void hf_col_put(struct hf_colw *w, unsigned c, uint64_t v)
{
	w->p[c] = hf_put_varint(w->p[c], v);
}

static inline void hf_col_tag(struct hf_colw *w, uint8_t tag)
{
	*w->p[HF_COL_TAG]++ = tag;
}

/* ALLOC: node, size, address as a delta from P. */
struct hf_ev_alloc {
	uint32_t node;
	uint64_t size;
	int64_t dptr;
};

static inline void hf_enc_alloc(struct hf_colw *w, uint32_t node, uint64_t size, int64_t dptr)
{
	hf_col_tag(w, HF_TAG_ALLOC);
	hf_col_put(w, HF_COL_NODE, node);
	hf_col_put(w, HF_COL_SIZE, size);
	hf_col_put(w, HF_COL_APTR, hf_zigzag(dptr));
}

/* ALLOC_FAILED: node, size (no address: nothing was allocated). */
struct hf_ev_failed {
	uint32_t node;
	uint64_t size;
};

static inline void hf_enc_failed(struct hf_colw *w, uint32_t node, uint64_t size)
{
	hf_col_tag(w, HF_TAG_ALLOC_FAILED);
	hf_col_put(w, HF_COL_NODE, node);
	hf_col_put(w, HF_COL_SIZE, size);
}

/* FREE: address as a delta from P, epoch as a delta from C. */
struct hf_ev_free {
	int64_t dptr;
	uint64_t depoch;
};

static inline void hf_enc_free(struct hf_colw *w, int64_t dptr, uint64_t depoch)
{
	hf_col_tag(w, HF_TAG_FREE);
	hf_col_put(w, HF_COL_FPTR, hf_zigzag(dptr));
	hf_col_put(w, HF_COL_EPOCH, depoch);
}

/* FREE_LAST: the block of the record just before, freed; no fields. */
static inline void hf_enc_free_last(struct hf_colw *w)
{
	hf_col_tag(w, HF_TAG_FREE_LAST);
}

/* REALLOC: node, size, old address from P, new address from old, the free half's epoch from C,
 * the allocation half's from the free half's + 1. */
struct hf_ev_realloc {
	uint32_t node;
	uint64_t size;
	int64_t dold, dnew;
	uint64_t depoch, dr;
};

static inline void hf_enc_realloc(struct hf_colw *w, const struct hf_ev_realloc *r)
{
	hf_col_tag(w, HF_TAG_REALLOC);
	hf_col_put(w, HF_COL_NODE, r->node);
	hf_col_put(w, HF_COL_SIZE, r->size);
	hf_col_put(w, HF_COL_FPTR, hf_zigzag(r->dold));
	hf_col_put(w, HF_COL_APTR, hf_zigzag(r->dnew));
	hf_col_put(w, HF_COL_EPOCH, r->depoch);
	hf_col_put(w, HF_COL_EPOCH, r->dr);
}

/* REALLOC_LAST (format 2): the block of the record just before (L), reallocated in place to size
 * bytes by node. No address and no epoch: the block was never free, so no other thread could
 * have it in between (format.md 3). */
struct hf_ev_realloc_last {
	uint32_t node;
	uint64_t size;
};

static inline void hf_enc_realloc_last(struct hf_colw *w, uint32_t node, uint64_t size)
{
	hf_col_tag(w, HF_TAG_REALLOC_LAST);
	hf_col_put(w, HF_COL_NODE, node);
	hf_col_put(w, HF_COL_SIZE, size);
}

/* The stream's recent addresses (format 4): F holds the last HF_RECENT_N addresses the chunk freed
 * (FREE, FREE_LAST, FREE_AT or FREE_RECENT, REALLOC's old block), A the last it allocated (ALLOC,
 * ALLOC_AT or ALLOC_RECENT, REALLOC's new block), both empty at the start of a chunk. An allocator
 * hands a thread back the blocks it freed last (glibc's and jemalloc's thread caches are stacks per
 * size class) and programs free what they allocated shortly before, so an address is often in one
 * of them: it is then written as its place there (0: the newest), one byte that compresses well,
 * instead of a delta from P that mostly does not. The recorder and the reader keep the same two
 * rings and push the same addresses; an entry of 0 is empty (0 is never a block's address). */
#define HF_RECENT_N 16u
#define HF_SIZES_N 64u

/* Since format 5, place HF_PLACE_CLASS of ALLOC_AT (ALLOC_RECENT) names K[hf_class_slot(size)]: the
 * address of the chunk's last ALLOC, ALLOC_AT or ALLOC_RECENT record whose size fell in the same
 * 16-byte class (slot: the class mod HF_CLASSES_N). An allocator keeps a cache of freed blocks per
 * size class, so a size whose class was last asked for a while ago gets that request's block again,
 * which F, holding the last few frees whatever their size, has long forgotten: the seed loop (sizes
 * 1 to 1000 in turn) meets each class again 63 classes later. The class is glibc's (chunks of 16
 * bytes with an 8-byte header). Where an allocator's classes are coarser (jemalloc's past 128
 * bytes, musl's), two of ours share one of its caches and a slot misses now and then: that address
 * is written as before, a place in F or a delta from P. */
#define HF_PLACE_CLASS HF_RECENT_N
#define HF_CLASSES_N 64u

static inline unsigned hf_class_slot(uint64_t size)
{
	return (unsigned)((size + 23) >> 4) % HF_CLASSES_N;
}

struct hf_recent {
	uint64_t f[HF_RECENT_N], a[HF_RECENT_N];
	uint32_t nf, na; /* pushes so far: the newest entry is at (n - 1) % HF_RECENT_N */
	uint64_t k[HF_CLASSES_N]; /* by hf_class_slot: the last allocation of that class */
	/* The size code's memory (below): the last node and size seen in each slot. */
	uint32_t size_node[HF_SIZES_N];
	uint64_t size[HF_SIZES_N];
};

static inline void hf_recent_reset(struct hf_recent *r)
{
	memset(r, 0, sizeof *r);
}

/* An allocation record's size field (format 4) is a code: if the chunk's last allocation record
 * in the node's slot (node % HF_SIZES_N) named the same node, the zigzag of the size's difference
 * from that record's size, else the size itself; either way the slot then holds this node and
 * size. A call site asks for sizes alike or a little apart each time (a struct, a growing
 * buffer, a key's value): redis-server's sizes compressed to a sixth, the seed loop's (which
 * grow by one) to a seventh. Slot node 0 is empty (0 is never a node). */
static inline uint64_t hf_size_code(struct hf_recent *r, uint32_t node, uint64_t size)
{
	unsigned k = node % HF_SIZES_N;
	uint64_t code = r->size_node[k] == node ? hf_zigzag((int64_t)(size - r->size[k])) : size;
	r->size_node[k] = node;
	r->size[k] = size;
	return code;
}

/* The size a code stands for (the reader's side of hf_size_code). */
static inline uint64_t hf_size_value(struct hf_recent *r, uint32_t node, uint64_t code)
{
	unsigned k = node % HF_SIZES_N;
	uint64_t size = r->size_node[k] == node ? r->size[k] + (uint64_t)hf_unzigzag(code) : code;
	r->size_node[k] = node;
	r->size[k] = size;
	return size;
}

static inline void hf_recent_push(uint64_t *ring, uint32_t *n, uint64_t addr)
{
	ring[(*n)++ % HF_RECENT_N] = addr;
}

/* The place of addr in ring (0: the newest), or -1. Newest first: an allocator's stack of freed
 * blocks makes the first few places the likely ones. */
static inline int hf_recent_find(const uint64_t *ring, uint32_t n, uint64_t addr)
{
	for (uint32_t j = 0; j < HF_RECENT_N; j++)
		if (ring[(n - 1 - j) % HF_RECENT_N] == addr)
			return (int)j;
	return -1;
}

/* The address at place j (< HF_RECENT_N) of ring; 0 if that place is empty. */
static inline uint64_t hf_recent_at(const uint64_t *ring, uint32_t n, uint32_t j)
{
	return ring[(n - 1 - j) % HF_RECENT_N];
}

/* ALLOC_AT (format 6): an ALLOC whose address is at place i of F, or (i = HF_PLACE_CLASS) in its
 * size's class slot of K; the place is in the tag. Formats 4 and 5 wrote the same as
 * ALLOC_RECENT, with the place in a column of its own: a place says much about the tag (a loop's
 * records repeat both together), and one byte for both made redis-server's traces 18% smaller,
 * sqlite3's and the seed loop's 14%, producer/consumer's 9% (docs/performance.md). */
static inline void hf_enc_alloc_at(struct hf_colw *w, uint32_t node, uint64_t size, unsigned i)
{
	hf_col_tag(w, HF_TAG_ALLOC_AT + i); /* i at most HF_PLACE_CLASS */
	hf_col_put(w, HF_COL_NODE, node);
	hf_col_put(w, HF_COL_SIZE, size);
}

/* FREE_AT (format 6): a FREE, at C, of the address at place i of A; the place is in the tag, and
 * there is no field: a free at a later epoch follows an EPOCH record (FREE_RECENT's epoch delta,
 * formats 4 and 5, was 0 nearly always). */
static inline void hf_enc_free_at(struct hf_colw *w, unsigned i)
{
	hf_col_tag(w, HF_TAG_FREE_AT + i); /* i below HF_RECENT_N */
}

/* EPOCH: C advanced by a delta (other threads freed since this stream last looked). */
static inline void hf_enc_epoch(struct hf_colw *w, uint64_t delta)
{
	hf_col_tag(w, HF_TAG_EPOCH);
	hf_col_put(w, HF_COL_EPOCH, delta);
}

/* --- decoders ------------------------------------------------------------------------------ */

/* A field of column c: a body in columns (cols 1) reads column c with its own cursor s[c], a body
 * of records (formats 1 to 3; cols 0) reads every field with the one cursor s[0]. The reader
 * passes cols as a constant, so the compiler sees which cursors are distinct. */
#define HF_DEC_INLINE __attribute__((always_inline)) /* cols must be a constant where inlined */
#define HF_COLR(s, cols, c) (&(s)[(cols) ? (c) : 0].p), (s)[(cols) ? (c) : 0].end

static inline HF_DEC_INLINE int hf_dec_alloc(struct hf_colrd *s, int cols, struct hf_ev_alloc *r)
{
	return hf_dec_u32(HF_COLR(s, cols, HF_COL_NODE), &r->node) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_SIZE), &r->size) < 0 ||
			       hf_dec_s64(HF_COLR(s, cols, HF_COL_APTR), &r->dptr) < 0
		       ? -1
		       : 0;
}

static inline HF_DEC_INLINE int hf_dec_failed(struct hf_colrd *s, int cols, struct hf_ev_failed *r)
{
	return hf_dec_u32(HF_COLR(s, cols, HF_COL_NODE), &r->node) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_SIZE), &r->size) < 0
		       ? -1
		       : 0;
}

static inline HF_DEC_INLINE int hf_dec_free(struct hf_colrd *s, int cols, struct hf_ev_free *r)
{
	return hf_dec_s64(HF_COLR(s, cols, HF_COL_FPTR), &r->dptr) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_EPOCH), &r->depoch) < 0
		       ? -1
		       : 0;
}

static inline HF_DEC_INLINE int hf_dec_realloc(struct hf_colrd *s, int cols, struct hf_ev_realloc *r)
{
	return hf_dec_u32(HF_COLR(s, cols, HF_COL_NODE), &r->node) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_SIZE), &r->size) < 0 ||
			       hf_dec_s64(HF_COLR(s, cols, HF_COL_FPTR), &r->dold) < 0 ||
			       hf_dec_s64(HF_COLR(s, cols, HF_COL_APTR), &r->dnew) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_EPOCH), &r->depoch) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_EPOCH), &r->dr) < 0
		       ? -1
		       : 0;
}

static inline HF_DEC_INLINE int hf_dec_realloc_last(struct hf_colrd *s, int cols, struct hf_ev_realloc_last *r)
{
	return hf_dec_u32(HF_COLR(s, cols, HF_COL_NODE), &r->node) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_SIZE), &r->size) < 0
		       ? -1
		       : 0;
}

/* ALLOC_AT: node, size (the place is the tag's). */
static inline HF_DEC_INLINE int hf_dec_alloc_at(struct hf_colrd *s, int cols, struct hf_ev_alloc *r)
{
	return hf_dec_u32(HF_COLR(s, cols, HF_COL_NODE), &r->node) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_SIZE), &r->size) < 0
		       ? -1
		       : 0;
}

/* ALLOC_RECENT (formats 4 and 5): node, size, place (a varint up to HF_PLACE_CLASS). */
static inline HF_DEC_INLINE int hf_dec_alloc_recent(struct hf_colrd *s, int cols, struct hf_ev_alloc *r, uint32_t *i)
{
	return hf_dec_u32(HF_COLR(s, cols, HF_COL_NODE), &r->node) < 0 ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_SIZE), &r->size) < 0 ||
			       hf_dec_u32(HF_COLR(s, cols, HF_COL_PLACE), i) < 0 || *i > HF_PLACE_CLASS
		       ? -1
		       : 0;
}

/* FREE_RECENT (formats 4 and 5): place, epoch delta. */
static inline HF_DEC_INLINE int hf_dec_free_recent(struct hf_colrd *s, int cols, uint32_t *i, uint64_t *depoch)
{
	return hf_dec_u32(HF_COLR(s, cols, HF_COL_PLACE), i) < 0 || *i >= HF_RECENT_N ||
			       hf_get_varint(HF_COLR(s, cols, HF_COL_EPOCH), depoch) < 0
		       ? -1
		       : 0;
}

static inline HF_DEC_INLINE int hf_dec_epoch(struct hf_colrd *s, int cols, uint64_t *delta)
{
	return hf_get_varint(HF_COLR(s, cols, HF_COL_EPOCH), delta);
}

/* --- the stream's other records ------------------------------------------------------------- */

/* TIME: the stream's clock moved by dt nanoseconds. */
static inline void hf_enc_time(struct hf_colw *w, uint64_t dt)
{
	hf_col_tag(w, HF_TAG_TIME);
	hf_col_put(w, HF_COL_OTHER, dt);
}

static inline HF_DEC_INLINE int hf_dec_time(struct hf_colrd *s, int cols, uint64_t *dt)
{
	return hf_get_varint(HF_COLR(s, cols, HF_COL_OTHER), dt);
}

/* The sized records (tag 0x40 and up: tag, body length, body; a reader skips a tag it does not
 * know). Bodies: THREAD_START: tid, parent thread (0: not known), name (string); THREAD_END:
 * empty; MARK: label (string). */
#define HF_THREAD_NAME_MAX 16
#define HF_MAX_THREAD_START_BODY (2 * HF_VARINT_MAX + 1 + HF_THREAD_NAME_MAX)

static inline uint8_t *hf_enc_thread_start_body(uint8_t *q, uint64_t tid, uint32_t parent, const char *name,
						size_t len)
{
	q = hf_put_varint(hf_put_varint(q, tid), parent);
	return hf_put_str(q, name, len);
}

static inline int hf_dec_thread_start_body(const uint8_t **p, const uint8_t *end, uint64_t *tid,
					   uint32_t *parent, const uint8_t **name, size_t *len)
{
	return hf_get_varint(p, end, tid) < 0 || hf_dec_u32(p, end, parent) < 0 ||
			       hf_get_str(p, end, name, len) < 0
		       ? -1
		       : 0;
}

/* A sized record: its tag, then its length and body in HF_COL_OTHER (HF_COLS_SIZED_ROOM holds
 * any one; a MARK's label is at most HF_STRING_MAX bytes). */
static inline void hf_enc_sized(struct hf_colw *w, uint8_t tag, const uint8_t *body, size_t len)
{
	hf_col_tag(w, tag);
	hf_col_put(w, HF_COL_OTHER, len);
	if (len)
		memcpy(w->p[HF_COL_OTHER], body, len); /* body may be NULL when len is 0 (THREAD_END) */
	w->p[HF_COL_OTHER] += len;
}

/* MARK: the label as a string. */
static inline void hf_enc_mark(struct hf_colw *w, const char *label, size_t len)
{
	hf_col_tag(w, HF_TAG_MARK);
	hf_col_put(w, HF_COL_OTHER, hf_varint_len(len) + len);
	w->p[HF_COL_OTHER] = hf_put_str(w->p[HF_COL_OTHER], label, len);
}

static inline int hf_dec_mark_body(const uint8_t **p, const uint8_t *end, const uint8_t **label, size_t *len)
{
	return hf_get_str(p, end, label, len);
}

#endif
