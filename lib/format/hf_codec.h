/* hf_codec.h: the trace format's constants and record encoding, shared by the recorder and the
 * reader (docs/format.md is the specification; keep the two in step).
 *
 * Encoders are inline and allocation-free: the recorder calls them on the allocation fast path.
 * The meta stream's write at most the bytes of their HF_MAX_* constant (hf_meta.h); the event
 * records' bounds are per column (hf_columns.h). */
#ifndef HF_CODEC_H
#define HF_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 6.0: ALLOC_AT and FREE_AT, ALLOC_RECENT and FREE_RECENT with the place in the tag (and FREE_AT
 * at the stream's epoch, an EPOCH record before it when later), which the recorder writes
 * instead of those two (hf_events.h). 5.0: ALLOC_RECENT's place 16, the size class's last
 * address (hf_events.h). 4.0: ALLOC_RECENT and FREE_RECENT (addresses named by their place in
 * the stream's last frees or allocations), bodies in columns, size codes. 3.0: NODE relative to
 * the node's id and its parent's frame. 2.0: REALLOC_LAST. Majors 1 (minor 1: pseudo-frame
 * HF_FRAME_BEFORE_START; 2: HEADER sample_bytes) to 5 are still read: major 5 is major 6
 * without ALLOC_AT and FREE_AT, major 4 is major 5 without place 16, major 3 is major 4 without
 * the two records, major 2 is major 3 with absolute NODE fields, major 1 is major 2 without
 * REALLOC_LAST. */
#define HF_FORMAT_MAJOR 6
#define HF_FORMAT_MINOR 0
#define HF_FORMAT_MAJOR_OLDEST 1
/* HEADER sample_bytes (since format 1.2): the largest a reader accepts (the recorder's option stops at
 * 2 GiB). */
#define HF_SAMPLE_BYTES_MAX (UINT64_C(1) << 40)

/* Chunk (gzip member) layout constants. */
#define HF_CHUNK_HDR_SIZE 48      /* our header inside the gzip FEXTRA subfield */
#define HF_MEMBER_HDR_SIZE 64     /* gzip header including FEXTRA */
#define HF_MEMBER_TRAILER_SIZE 8  /* CRC-32 + ISIZE */
#define HF_CHUNK_MAX_ULEN (16u << 20)

/* Largest clen a reader accepts for a body of ulen bytes (format.md section 1): deflate's
 * worst-case expansion with a 32 KiB window (stored blocks) stays well inside it. */
static inline uint64_t hf_chunk_clen_max(uint64_t ulen)
{
	return ulen + ulen / 8 + 1024;
}

/* Longest string or bytes field (format.md, preamble). */
#define HF_STRING_MAX 65536u
/* Largest epoch value (C, e, r) a reader accepts, so that the keys 2C and 2e+1 fit in 64 bits
 * with room to spare; a trace reaching it would have made 2^62 frees. */
#define HF_EPOCH_MAX (UINT64_C(1) << 62)

enum hf_chunk_kind { HF_CHUNK_META = 0, HF_CHUNK_EVENTS = 1 };

/* Record tags (format.md section 2). 0x01-0x3f: fixed schema; 0x40-0x7f: sized (varint length). */
enum hf_tag {
	HF_TAG_ALLOC = 0x01,
	HF_TAG_FREE = 0x02,
	HF_TAG_FREE_LAST = 0x03,
	HF_TAG_REALLOC = 0x04,
	HF_TAG_ALLOC_FAILED = 0x05,
	HF_TAG_EPOCH = 0x06,
	HF_TAG_TIME = 0x07,
	HF_TAG_REALLOC_LAST = 0x08, /* format 2 */
	HF_TAG_ALLOC_RECENT = 0x09, /* format 4 */
	HF_TAG_FREE_RECENT = 0x0a,  /* format 4 */
	HF_TAG_ALLOC_AT = 0x10,      /* format 6: 0x10 + place, places 0 to 16 */
	HF_TAG_ALLOC_AT_LAST = 0x20,
	HF_TAG_FREE_AT = 0x21,       /* format 6: 0x21 + place, places 0 to 15 */
	HF_TAG_FREE_AT_LAST = 0x30,
	HF_TAG_THREAD_START = 0x40,
	HF_TAG_THREAD_END = 0x41,
	HF_TAG_MARK = 0x42,
	HF_TAG_HEADER = 0x50,
	HF_TAG_MODULE = 0x51,
	HF_TAG_MODULE_UNLOAD = 0x52,
	HF_TAG_NODE = 0x53,
	HF_TAG_SAMPLE = 0x54,
	HF_TAG_SYMBOLS = 0x55,
	HF_TAG_CLOSE = 0x56,
};

/* Pseudo-frame codes of NODE records (frame < HF_FRAME_MIN_ADDR): enum hf_frame_pseudo of the
 * public include/heapfold_trace.h, which readers outside this tree use too; one definition. */
#include "heapfold_trace.h"

/* Link modes of the HEADER record. */
enum hf_link_mode { HF_LINK_PRELOAD = 0, HF_LINK_DYNAMIC = 1, HF_LINK_STATIC = 2 };

#define HF_VARINT_MAX 10

static inline uint8_t *hf_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint64_t hf_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t hf_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline uint8_t *hf_put_svarint(uint8_t *p, int64_t v)
{
	return hf_put_varint(p, hf_zigzag(v));
}

/* Signed difference of two addresses, well defined for any pair. */
static inline int64_t hf_delta(uint64_t to, uint64_t from)
{
	return (int64_t)(to - from);
}

/* Number of bytes hf_put_varint writes for v. */
static inline size_t hf_varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Decodes a varint from [*pp, end). Returns 0 and advances *pp, or -1 if truncated or over-long
 * (more than 10 bytes, or bits beyond 64). Never reads past end. Most fields (tags' operands,
 * small sizes, node ids of hot stacks) fit in one byte: that case is inline, in a reader's
 * hottest loop. */
int hf_get_varint_long(const uint8_t **pp, const uint8_t *end, uint64_t *out);

static inline int hf_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	if (p < end && *p < 0x80) {
		*out = *p;
		*pp = p + 1;
		return 0;
	}
	if (end - p >= 2 && p[1] < 0x80) { /* sizes up to 16 KiB, most pointer deltas */
		*out = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return 0;
	}
	return hf_get_varint_long(pp, end, out);
}

/* A varint that must fit 32 bits, and a signed one (zigzag). */
static inline int hf_dec_u32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
	uint64_t u;
	if (hf_get_varint(p, end, &u) < 0 || u > UINT32_MAX)
		return -1;
	*v = (uint32_t)u;
	return 0;
}

static inline int hf_dec_s64(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	uint64_t u;
	if (hf_get_varint(p, end, &u) < 0)
		return -1;
	*v = hf_unzigzag(u);
	return 0;
}

/* A string: its length, then its bytes (no terminating NUL), at most HF_STRING_MAX. */
static inline uint8_t *hf_put_str(uint8_t *q, const void *s, size_t n)
{
	q = hf_put_varint(q, n);
	memcpy(q, s, n);
	return q + n;
}

static inline int hf_get_str(const uint8_t **p, const uint8_t *end, const uint8_t **s, size_t *n)
{
	uint64_t len;
	if (hf_get_varint(p, end, &len) < 0 || len > HF_STRING_MAX || len > (uint64_t)(end - *p))
		return -1;
	*s = *p;
	*n = (size_t)len;
	*p += len;
	return 0;
}

/* --- chunks (hf_chunk.c) -------------------------------------------------------------------- */

struct hf_chunk_hdr {
	uint8_t major, minor, kind, flags;
	uint32_t stream;
	uint32_t seq;
	uint32_t clen;
	uint32_t ulen;
	uint32_t records;
	uint64_t epoch_start;
	uint64_t epoch_end;
	uint64_t time_start;
};

/* Upper bound of the bytes hf_chunk_encode writes for a body of n bytes. */
size_t hf_chunk_bound(size_t n);

/* A raw deflate compressor (RFC 1951, no wrapper), whichever library does it: the recorder's is
 * libdeflate (lib/record/hf_writer.c), the tests' zlib. compress writes the deflate data of
 * in[0..n) at out, at most room bytes, and returns its length, or 0 if it does not fit or
 * fails; crc32 is the gzip trailer's CRC-32 (crc32(0, in, n) starts one). */
struct hf_deflater {
	size_t (*compress)(void *ctx, const void *in, size_t n, void *out, size_t room);
	uint32_t (*crc32)(uint32_t crc, const void *in, size_t n);
	void *ctx;
};

/* Compresses body[0..n) with d into one complete gzip member (header with hdr, raw deflate data,
 * CRC-32 and ISIZE) at out, which holds cap >= hf_chunk_bound(n) bytes. hdr->major and
 * hdr->minor (set to HF_FORMAT_MAJOR/MINOR), hdr->clen and hdr->ulen are filled in here; the
 * caller sets the other fields. Allocates nothing (unless d does). Returns the member's size,
 * or 0 if d fails, n > HF_CHUNK_MAX_ULEN, or cap is too small for the compressed data. */
size_t hf_chunk_encode(const struct hf_deflater *d, struct hf_chunk_hdr *hdr, const void *body,
		       size_t n, void *out, size_t cap);

/* Parses the 64 bytes at p as a member header. Returns 0, or -1 if it is not a heapfold chunk
 * (no gzip magic, CM not deflate, FLG not FEXTRA alone, XLEN/SI1/SI2/LEN not as in format.md).
 * MTIME, XFL and OS are not checked (nothing depends on them). Does not check versions or
 * limits. */
int hf_chunk_parse(const uint8_t *p, struct hf_chunk_hdr *hdr);

/* Whether the n bytes at p (the start of a member cut short, n < HF_MEMBER_HDR_SIZE) agree with
 * the fixed bytes of a member header as far as they go: 1 if they do, 0 if not. */
int hf_chunk_prefix_match(const uint8_t *p, size_t n);

#endif
