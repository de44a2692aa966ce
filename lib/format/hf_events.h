/* hf_events.h: the event records of a thread's stream (docs/format.md, section 2), each encoder
 * beside its decoder, so that the recorder and the reader cannot disagree about a field.
 *
 * Encoders write the tag and the fields and return the end; they are inline and allocation-free
 * (the recorder calls them on the allocation fast path) and write at most HF_MAX_<RECORD> bytes.
 * The state they are relative to (the stream's previous address P and epoch C) belongs to the
 * caller: the recorder keeps it per thread, the reader per stream. Decoders start after the tag,
 * stay inside [*p, end) and return 0, or -1 for a truncated or out-of-range field. */
#ifndef HF_EVENTS_H
#define HF_EVENTS_H

#include "hf_codec.h"

/* ALLOC: node, size, address as a delta from P. */
struct hf_ev_alloc {
	uint32_t node;
	uint64_t size;
	int64_t dptr;
};

static inline uint8_t *hf_enc_alloc(uint8_t *q, uint32_t node, uint64_t size, int64_t dptr)
{
	*q++ = HF_TAG_ALLOC;
	q = hf_put_varint(q, node);
	q = hf_put_varint(q, size);
	return hf_put_svarint(q, dptr);
}

/* ALLOC_FAILED: node, size (no address: nothing was allocated). */
struct hf_ev_failed {
	uint32_t node;
	uint64_t size;
};

static inline uint8_t *hf_enc_failed(uint8_t *q, uint32_t node, uint64_t size)
{
	*q++ = HF_TAG_ALLOC_FAILED;
	q = hf_put_varint(q, node);
	return hf_put_varint(q, size);
}

/* FREE: address as a delta from P, epoch as a delta from C. */
struct hf_ev_free {
	int64_t dptr;
	uint64_t depoch;
};

static inline uint8_t *hf_enc_free(uint8_t *q, int64_t dptr, uint64_t depoch)
{
	*q++ = HF_TAG_FREE;
	q = hf_put_svarint(q, dptr);
	return hf_put_varint(q, depoch);
}

/* FREE_LAST: the block of the record just before, freed; no fields. */
static inline uint8_t *hf_enc_free_last(uint8_t *q)
{
	*q++ = HF_TAG_FREE_LAST;
	return q;
}

/* REALLOC: node, size, old address from P, new address from old, the free half's epoch from C,
 * the allocation half's from the free half's + 1. */
struct hf_ev_realloc {
	uint32_t node;
	uint64_t size;
	int64_t dold, dnew;
	uint64_t depoch, dr;
};

static inline uint8_t *hf_enc_realloc(uint8_t *q, const struct hf_ev_realloc *r)
{
	*q++ = HF_TAG_REALLOC;
	q = hf_put_varint(q, r->node);
	q = hf_put_varint(q, r->size);
	q = hf_put_svarint(q, r->dold);
	q = hf_put_svarint(q, r->dnew);
	q = hf_put_varint(q, r->depoch);
	return hf_put_varint(q, r->dr);
}

/* REALLOC_LAST (format 2): the block of the record just before (L), reallocated in place to size
 * bytes by node. No address and no epoch: the block was never free, so no other thread could
 * have it in between (format.md 3). */
struct hf_ev_realloc_last {
	uint32_t node;
	uint64_t size;
};

#define HF_MAX_REALLOC_LAST (1 + 2 * HF_VARINT_MAX)

static inline uint8_t *hf_enc_realloc_last(uint8_t *q, uint32_t node, uint64_t size)
{
	*q++ = HF_TAG_REALLOC_LAST;
	q = hf_put_varint(q, node);
	return hf_put_varint(q, size);
}

/* EPOCH: C advanced by a delta (other threads freed since this stream last looked). */
static inline uint8_t *hf_enc_epoch(uint8_t *q, uint64_t delta)
{
	*q++ = HF_TAG_EPOCH;
	return hf_put_varint(q, delta);
}

/* --- decoders ------------------------------------------------------------------------------ */

static inline int hf_dec_alloc(const uint8_t **p, const uint8_t *end, struct hf_ev_alloc *r)
{
	return hf_dec_u32(p, end, &r->node) < 0 || hf_get_varint(p, end, &r->size) < 0 ||
			       hf_dec_s64(p, end, &r->dptr) < 0
		       ? -1
		       : 0;
}

static inline int hf_dec_failed(const uint8_t **p, const uint8_t *end, struct hf_ev_failed *r)
{
	return hf_dec_u32(p, end, &r->node) < 0 || hf_get_varint(p, end, &r->size) < 0 ? -1 : 0;
}

static inline int hf_dec_free(const uint8_t **p, const uint8_t *end, struct hf_ev_free *r)
{
	return hf_dec_s64(p, end, &r->dptr) < 0 || hf_get_varint(p, end, &r->depoch) < 0 ? -1 : 0;
}

static inline int hf_dec_realloc(const uint8_t **p, const uint8_t *end, struct hf_ev_realloc *r)
{
	return hf_dec_u32(p, end, &r->node) < 0 || hf_get_varint(p, end, &r->size) < 0 ||
			       hf_dec_s64(p, end, &r->dold) < 0 || hf_dec_s64(p, end, &r->dnew) < 0 ||
			       hf_get_varint(p, end, &r->depoch) < 0 || hf_get_varint(p, end, &r->dr) < 0
		       ? -1
		       : 0;
}

static inline int hf_dec_realloc_last(const uint8_t **p, const uint8_t *end, struct hf_ev_realloc_last *r)
{
	return hf_dec_u32(p, end, &r->node) < 0 || hf_get_varint(p, end, &r->size) < 0 ? -1 : 0;
}

static inline int hf_dec_epoch(const uint8_t **p, const uint8_t *end, uint64_t *delta)
{
	return hf_get_varint(p, end, delta);
}

/* --- the stream's other records ------------------------------------------------------------- */

/* TIME: the stream's clock moved by dt nanoseconds. */
#define HF_MAX_TIME (1 + HF_VARINT_MAX)

static inline uint8_t *hf_enc_time(uint8_t *q, uint64_t dt)
{
	*q++ = HF_TAG_TIME;
	return hf_put_varint(q, dt);
}

static inline int hf_dec_time(const uint8_t **p, const uint8_t *end, uint64_t *dt)
{
	return hf_get_varint(p, end, dt);
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

/* MARK, tag and length included: at most 1 + 2 * HF_VARINT_MAX + len bytes. */
static inline uint8_t *hf_enc_mark(uint8_t *q, const char *label, size_t len)
{
	*q++ = HF_TAG_MARK;
	q = hf_put_varint(q, hf_varint_len(len) + len);
	return hf_put_str(q, label, len);
}

static inline int hf_dec_mark_body(const uint8_t **p, const uint8_t *end, const uint8_t **label, size_t *len)
{
	return hf_get_str(p, end, label, len);
}

#endif
