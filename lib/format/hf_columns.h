/* hf_columns.h: a thread chunk's body in columns (format 4, docs/format.md 2.4).
 *
 * The recorder writes each field of an event record into the column of its kind (sizes with
 * sizes, address deltas with address deltas, a byte per record in the tag column), where deflate
 * finds the repeats that interleaved records hid from it: the traces of services are about half
 * the size. The reader's decoders (hf_events.h) read each field from its column's cursor
 * (struct hf_colr), without a copy; over a body of records (formats 1 to 3, and format 4
 * without the chunk flag) every column's cursor is the same one.
 *
 * Body layout: the varint lengths of columns 1 to HF_COLS_N - 1, then the tag column (one byte
 * per record: the header's `records` bytes), then columns 1, 2, ... in order. */
#ifndef HF_COLUMNS_H
#define HF_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "hf_codec.h"

/* The chunk header's flags bit that says the body is in columns (event chunks only). */
#define HF_CHUNK_COLUMNS 0x01

enum hf_col {
	HF_COL_TAG,   /* every record's tag */
	HF_COL_NODE,  /* the stack node of an allocation record */
	HF_COL_SIZE,  /* its size */
	HF_COL_APTR,  /* an allocated address's delta (ALLOC's from P, REALLOC's new from old) */
	HF_COL_FPTR,  /* a freed address's delta from P (FREE, REALLOC's old) */
	HF_COL_PLACE, /* ALLOC_RECENT's and FREE_RECENT's places */
	HF_COL_EPOCH, /* epoch deltas (FREE, FREE_RECENT, REALLOC's two, EPOCH) */
	HF_COL_OTHER, /* TIME's delta; a sized record's length and body */
	HF_COLS_N
};

/* --- the writer's buffer ---------------------------------------------------------------------- */

/* A writer appends to every column at once, so each column has a region of its own in one
 * buffer, HF_COLS_REGION bytes (the column of sized records HF_COLS_SIZED_ROOM more, for their
 * bodies: a MARK's label is at most HF_STRING_MAX bytes). The writer checks one cursor per
 * event, the tag column's, against a limit worked out from the room left: hf_colw_fit is how
 * many more records surely fit, each writing at most hf_cols_rec_max bytes to each column (a
 * node is a 32-bit varint, a REALLOC puts two epochs in one record) and HF_COLS_REC_MAX in all.
 * When that limit is reached the writer works the figure out again from the columns as they
 * are, and cuts the chunk only when the body is HF_COLS_CHUNK bytes or a column is full: a
 * chunk holds as many records as a body of records of that size did. (Larger chunks compress
 * better, deflate starting each one with an empty window: the seed loop's trace was 0.82x as
 * large with bodies of 2 MiB, 0.75x with 4 MiB, before the size codes, for 2 and 4 MiB more
 * memory a thread.) The
 * regions are address space; only the pages a chunk writes to are touched. */
#define HF_COLS_CHUNK ((size_t)1 << 20)
#define HF_COLS_REGION HF_COLS_CHUNK
#define HF_COLS_REC_MAX 56 /* the longest record: REALLOC, a tag and six varints */
#define HF_COLS_SIZED_ROOM ((size_t)HF_STRING_MAX + 512)

static inline size_t hf_cols_rec_max(unsigned col)
{
	static const uint8_t max[HF_COLS_N] = { 1, 5, 10, 10, 10, 1, 20, 10 };
	return max[col];
}

static inline size_t hf_cols_offset(unsigned col)
{
	return (size_t)col * HF_COLS_REGION;
}

/* The whole buffer, and the most bytes a body gathered from it takes. */
#define HF_COLS_BUFFER (HF_COLS_N * HF_COLS_REGION + HF_COLS_SIZED_ROOM)
#define HF_COLS_BODY_MAX (HF_COLS_BUFFER + (HF_COLS_N - 1) * HF_VARINT_MAX)
_Static_assert(HF_COLS_N * ((uint64_t)1 << 20) + HF_STRING_MAX + 512 + 70 <= HF_CHUNK_MAX_ULEN,
	       "a chunk's body must stay inside what readers accept");

/* A writer's cursors: p[c] is the next free byte of column c. */
struct hf_colw {
	uint8_t *p[HF_COLS_N];
};

/* Empties every column of the buffer at buf (HF_COLS_BUFFER bytes). */
static inline void hf_colw_reset(struct hf_colw *w, uint8_t *buf)
{
	for (unsigned c = 0; c < HF_COLS_N; c++)
		w->p[c] = buf + hf_cols_offset(c);
}

/* The bytes written to column c so far. */
static inline size_t hf_colw_len(const struct hf_colw *w, const uint8_t *buf, unsigned c)
{
	return (size_t)(w->p[c] - (buf + hf_cols_offset(c)));
}

/* Whether anything was written (every record has a tag). */
static inline int hf_colw_empty(const struct hf_colw *w, const uint8_t *buf)
{
	return w->p[HF_COL_TAG] == buf;
}

/* How many more records surely fit, whatever they are, with sized_left bytes kept for sized
 * records' bodies in their column, and the body under HF_COLS_CHUNK bytes. */
static inline size_t hf_colw_fit(const struct hf_colw *w, const uint8_t *buf, size_t sized_left)
{
	size_t total = 0;
	for (unsigned c = 0; c < HF_COLS_N; c++)
		total += hf_colw_len(w, buf, c);
	size_t fit = total < HF_COLS_CHUNK ? (HF_COLS_CHUNK - total) / HF_COLS_REC_MAX : 0;
	for (unsigned c = 0; c < HF_COLS_N; c++) {
		size_t end = HF_COLS_REGION + (c == HF_COL_OTHER ? HF_COLS_SIZED_ROOM - sized_left : 0);
		size_t len = hf_colw_len(w, buf, c);
		size_t k = (end > len ? end - len : 0) / hf_cols_rec_max(c);
		if (k < fit)
			fit = k;
	}
	return fit;
}

/* The length of the body hf_cols_gather makes of the columns. */
static inline size_t hf_colw_body_len(const struct hf_colw *w, const uint8_t *buf)
{
	size_t n = 0;
	for (unsigned c = 0; c < HF_COLS_N; c++) {
		size_t len = hf_colw_len(w, buf, c);
		n += len + (c ? hf_varint_len(len) : 0);
	}
	return n;
}

/* The body (layout above) of the columns in buf, written to out (hf_colw_body_len bytes, at
 * most HF_COLS_BODY_MAX); returns its length. Allocation-free: the recorder calls it. */
size_t hf_cols_gather(const struct hf_colw *w, const uint8_t *buf, uint8_t *out);

/* --- the reader -------------------------------------------------------------------------------- */

/* A reader's cursors over a thread chunk's body: c_[k] reads column k. Over a body of records
 * (formats 1 to 3, and meta chunks) every c_[k] is the one cursor col[0], so the same decoders
 * read both forms, field after field, with no copy. Points into itself: never moved once set. */
struct hf_colrd {
	const uint8_t *p, *end;
};

struct hf_colr {
	const uint8_t *base; /* the body: positions in messages count from here */
	struct hf_colrd col[HF_COLS_N];
	struct hf_colrd *c_[HF_COLS_N];
};

/* Over n bytes of records. */
void hf_colr_records(struct hf_colr *r, const uint8_t *body, size_t n);

/* Over a body in columns (n bytes, `records` records). Returns 0, or -1 with *why set to a phrase
 * for the error message (the body is untrusted: its lengths are checked against it). */
int hf_colr_columns(struct hf_colr *r, const uint8_t *body, size_t n, uint32_t records, const char **why);

/* Whether a column still holds bytes (checked when the records are all read: a body in columns
 * must be used up, as a body of records is). */
int hf_colr_left(const struct hf_colr *r);

/* Records into a body in columns, for tools and tests that hold records (tests/unit's trace
 * generator, the fuzzers' seed traces): n bytes of well-formed records into out (n + (HF_COLS_N - 1) * HF_VARINT_MAX
 * bytes), through scratch (HF_COLS_N * n bytes). Returns the body's length, or 0 if a record is
 * not one of a thread chunk's. */
size_t hf_cols_split(const uint8_t *in, size_t n, uint8_t *scratch, uint8_t *out);

#endif
