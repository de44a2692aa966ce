/* fuzz_mutate.h: a structure-aware libFuzzer mutator for heapfold traces, shared by the fuzz
 * targets (fuzz_reader.c, fuzz_print.c).
 *
 * Why: a trace is a row of gzip members whose bodies are deflate data guarded by a CRC-32, so
 * byte-level mutations almost never reach the record decoders: they break the deflate stream or
 * the CRC, and the reader rightly stops at the chunk's first check. This mutator keeps inputs as
 * real trace files (the corpus and the regression files replay as they are) and mutates them at
 * three levels:
 *   - a chunk body: inflate it, mutate the records with libFuzzer's own mutator, recount the
 *     records and the epoch register (usually, so that the chunk passes those checks), deflate it
 *     again with a correct header, CRC-32 and ISIZE;
 *   - a chunk header field (kind, stream, seq, records, epochs, versions, ...);
 *   - the chunk sequence (drop, duplicate, swap, renumber the seqs of each stream);
 * and, some of the time, the raw bytes (the container: truncation, stray bytes, headers).
 * A crossover splices the chunks of two traces.
 *
 * Not compiled into the replay test (HF_FUZZ_REPLAY): it only makes inputs. */
#ifndef HF_FUZZ_MUTATE_H
#define HF_FUZZ_MUTATE_H
#ifndef HF_FUZZ_REPLAY

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hf_codec.h"
#include "../unit/util_zdeflate.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
/* The entry points each fuzzer defines (libFuzzer declares none of them). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t n1, const uint8_t *d2, size_t n2,
				 uint8_t *out, size_t max_out, unsigned int seed);

#define FZM_MAX_MEMBERS 512
#define FZM_MAX_BODY (1u << 20) /* larger bodies are left to raw mutations */

struct fzm_member {
	size_t off, len;
	struct hf_chunk_hdr h;
};

struct fzm_rng {
	uint64_t s;
};

static uint64_t fzm_next(struct fzm_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static size_t fzm_below(struct fzm_rng *r, size_t n)
{
	return n ? (size_t)(fzm_next(r) % n) : 0;
}

/* The complete members at the start of d (stops at the first thing that is not one). */
static size_t fzm_split(const uint8_t *d, size_t n, struct fzm_member *m, size_t *end)
{
	size_t k = 0, off = 0;
	while (k < FZM_MAX_MEMBERS && n - off >= HF_MEMBER_HDR_SIZE) {
		struct hf_chunk_hdr h;
		if (hf_chunk_parse(d + off, &h) < 0)
			break;
		size_t len = HF_MEMBER_HDR_SIZE + (size_t)h.clen + HF_MEMBER_TRAILER_SIZE;
		if (len > n - off)
			break;
		m[k++] = (struct fzm_member){ off, len, h };
		off += len;
	}
	*end = off;
	return k;
}

/* Best effort: the records of a body and the epoch register after them (format.md 2). Stops at
 * the first record it cannot decode (counting it). */
static void fzm_recount(const uint8_t *b, size_t n, int meta, uint64_t epoch_start, uint32_t *records,
			uint64_t *epoch_end)
{
	static const unsigned fields[] = { 0, 3, 2, 0, 6, 2, 1, 1 }; /* varints per fixed tag */
	const uint8_t *p = b, *end = b + n;
	uint64_t C = epoch_start, v[6];
	uint32_t count = 0;
	while (p < end) {
		unsigned tag = *p++;
		count++;
		if (tag >= 0x40 && tag <= 0x7f) {
			uint64_t len;
			if (hf_get_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
				break;
			const uint8_t *q = p;
			p += len;
			if (meta && tag == HF_TAG_SAMPLE && hf_get_varint(&q, p, &v[0]) == 0 &&
			    v[0] <= HF_EPOCH_MAX - C)
				C += v[0];
			continue;
		}
		if (meta || tag == 0 || tag >= sizeof fields / sizeof fields[0])
			break;
		unsigned k = 0;
		while (k < fields[tag] && hf_get_varint(&p, end, &v[k]) == 0)
			k++;
		if (k < fields[tag])
			break;
		uint64_t e, r;
		switch (tag) {
		case HF_TAG_FREE:
			e = C + (v[1] < HF_EPOCH_MAX ? v[1] : HF_EPOCH_MAX);
			C = e < HF_EPOCH_MAX ? e + 1 : HF_EPOCH_MAX;
			break;
		case HF_TAG_REALLOC:
			e = C + (v[4] < HF_EPOCH_MAX ? v[4] : HF_EPOCH_MAX);
			r = e + 1 + (v[5] < HF_EPOCH_MAX ? v[5] : HF_EPOCH_MAX);
			C = r < HF_EPOCH_MAX ? r : HF_EPOCH_MAX;
			break;
		case HF_TAG_EPOCH:
			C += v[0] < HF_EPOCH_MAX ? v[0] : HF_EPOCH_MAX;
			if (C > HF_EPOCH_MAX)
				C = HF_EPOCH_MAX;
			break;
		}
	}
	*records = count;
	*epoch_end = C;
}

static void fzm_put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Replaces [off, off + len) of data (size bytes) with rep[0..n). Returns the new size, or 0 if
 * it would exceed max. */
static size_t fzm_splice(uint8_t *data, size_t size, size_t max, size_t off, size_t len,
			 const uint8_t *rep, size_t n)
{
	if (size - len + n > max)
		return 0;
	memmove(data + off + n, data + off + len, size - off - len);
	if (n)
		memcpy(data + off, rep, n);
	return size - len + n;
}

/* Inflates member m's body into a new buffer of cap bytes; NULL if it does not inflate. */
static uint8_t *fzm_inflate(const uint8_t *data, const struct fzm_member *m, size_t cap)
{
	uint8_t *body = malloc(cap ? cap : 1);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (!body || inflateInit2(&zs, -15) != Z_OK) {
		free(body);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)(data + m->off + HF_MEMBER_HDR_SIZE);
	zs.avail_in = m->h.clen;
	zs.next_out = body;
	zs.avail_out = m->h.ulen;
	int zr = inflate(&zs, Z_FINISH);
	int ok = zr == Z_STREAM_END && zs.total_out == m->h.ulen;
	inflateEnd(&zs);
	if (!ok) {
		free(body);
		return NULL;
	}
	return body;
}

/* Mutates the records of one chunk. Returns the new size, 0 if it could not. */
static size_t fzm_body(uint8_t *data, size_t size, size_t max, const struct fzm_member *m,
		       struct fzm_rng *r)
{
	static z_stream ds;
	static int ds_ready;
	if (m->h.ulen > FZM_MAX_BODY || m->h.clen > hf_chunk_clen_max(m->h.ulen))
		return 0;
	size_t cap = m->h.ulen + m->h.ulen / 2 + 256;
	uint8_t *body = fzm_inflate(data, m, cap);
	if (!body)
		return 0;
	size_t n = LLVMFuzzerMutate(body, m->h.ulen, cap);
	struct hf_chunk_hdr h = m->h;
	if (fzm_below(r, 4) != 0) /* usually consistent, so that decoding goes on past the chunk */
		fzm_recount(body, n, h.kind == HF_CHUNK_META, h.epoch_start, &h.records, &h.epoch_end);
	size_t ocap = hf_chunk_bound(n), out = 0;
	uint8_t *o = malloc(ocap);
	if (!ds_ready && deflateInit2(&ds, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK)
		ds_ready = 1;
	if (o && ds_ready) {
		uint8_t major = h.major, minor = h.minor;
		struct hf_deflater d = uz_deflater(&ds);
		size_t k = hf_chunk_encode(&d, &h, body, n, o, ocap);
		if (k) {
			o[16] = major; /* keep what the header said, even a mutated version */
			o[17] = minor;
			out = fzm_splice(data, size, max, m->off, m->len, o, k);
		}
	}
	free(o);
	free(body);
	return out;
}

/* Sets one header field of one chunk to an interesting value. */
static size_t fzm_header(uint8_t *data, size_t size, const struct fzm_member *m, struct fzm_rng *r)
{
	static const struct {
		uint8_t at, len;
	} field[] = {
		{ 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 4 }, { 8, 4 }, { 12, 4 }, { 16, 4 },
		{ 20, 4 }, { 24, 8 }, { 32, 8 }, { 40, 8 },
	};
	size_t f = fzm_below(r, sizeof field / sizeof field[0]);
	uint8_t *p = data + m->off + 16 + field[f].at;
	uint64_t old = 0;
	for (size_t i = 0; i < field[f].len; i++)
		old |= (uint64_t)p[i] << (8 * i);
	uint64_t v;
	switch (fzm_below(r, 9)) {
	case 0: v = 0; break;
	case 1: v = 1; break;
	case 2: v = old + 1; break;
	case 3: v = old - 1; break;
	case 4: v = old * 2; break;
	case 5: v = UINT64_MAX; break;
	case 6: v = HF_EPOCH_MAX - fzm_below(r, 2); break;
	case 7: v = HF_CHUNK_MAX_ULEN + fzm_below(r, 2); break;
	default: v = fzm_next(r) >> fzm_below(r, 64); break;
	}
	fzm_put_le(p, v, field[f].len);
	return size;
}

/* Gives every chunk of each stream the seqs 0, 1, 2, ... in file order. */
static void fzm_renumber(uint8_t *data, size_t size)
{
	struct fzm_member m[FZM_MAX_MEMBERS];
	size_t end, n = fzm_split(data, size, m, &end);
	for (size_t i = 0; i < n; i++) {
		uint32_t seq = 0;
		for (size_t j = 0; j < i; j++)
			seq += m[j].h.stream == m[i].h.stream;
		fzm_put_le(data + m[i].off + 16 + 8, seq, 4);
	}
}

/* Drops, duplicates or swaps chunks. */
static size_t fzm_chunks(uint8_t *data, size_t size, size_t max, const struct fzm_member *m, size_t n,
			 struct fzm_rng *r)
{
	size_t i = fzm_below(r, n), out = 0;
	switch (fzm_below(r, 3)) {
	case 0: /* drop */
		out = fzm_splice(data, size, max, m[i].off, m[i].len, NULL, 0);
		break;
	case 1: { /* duplicate, right after itself or at the end */
		uint8_t *copy = malloc(m[i].len);
		if (!copy)
			return 0;
		memcpy(copy, data + m[i].off, m[i].len);
		size_t at = fzm_below(r, 2) ? m[i].off + m[i].len : m[n - 1].off + m[n - 1].len;
		out = fzm_splice(data, size, max, at, 0, copy, m[i].len);
		free(copy);
		break;
	}
	default: { /* swap with the next one */
		if (i + 1 >= n)
			return 0;
		size_t a = m[i].len, b = m[i + 1].len;
		uint8_t *tmp = malloc(a + b);
		if (!tmp)
			return 0;
		memcpy(tmp, data + m[i + 1].off, b);
		memcpy(tmp + b, data + m[i].off, a);
		memcpy(data + m[i].off, tmp, a + b);
		free(tmp);
		out = size;
		break;
	}
	}
	if (out && fzm_below(r, 2))
		fzm_renumber(data, out);
	return out;
}

/* Mutates the trace in data[0..size) (room for max bytes). Returns the new size. */
static size_t fzm_mutate_trace(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fzm_rng r = { (uint64_t)seed * UINT64_C(0x9e3779b97f4a7c15) | 1 };
	struct fzm_member *m = malloc(FZM_MAX_MEMBERS * sizeof *m);
	size_t end = 0, n = m ? fzm_split(data, size, m, &end) : 0, out = 0;
	if (n) {
		size_t what = fzm_below(&r, 10), i = fzm_below(&r, n);
		if (what < 5)
			out = fzm_body(data, size, max, &m[i], &r);
		else if (what < 7)
			out = fzm_header(data, size, &m[i], &r);
		else if (what < 8)
			out = fzm_chunks(data, size, max, m, n, &r);
	}
	free(m);
	return out ? out : LLVMFuzzerMutate(data, size, max);
}

/* The first members of one trace, then the last members of another. */
static size_t fzm_cross_traces(const uint8_t *d1, size_t n1, const uint8_t *d2, size_t n2, uint8_t *out,
			       size_t max, unsigned seed)
{
	struct fzm_rng r = { (uint64_t)seed * UINT64_C(0xbf58476d1ce4e5b9) | 1 };
	struct fzm_member *m1 = malloc(2 * FZM_MAX_MEMBERS * sizeof *m1), *m2 = m1 + FZM_MAX_MEMBERS;
	size_t e1, e2, k1, k2, len = 0;
	if (!m1)
		return 0;
	k1 = fzm_split(d1, n1, m1, &e1);
	k2 = fzm_split(d2, n2, m2, &e2);
	if (k1 && k2) {
		size_t a = m1[fzm_below(&r, k1)].off + 0, b = m2[fzm_below(&r, k2)].off;
		if (a == 0)
			a = m1[0].len; /* keep the first chunk (the header) */
		if (a <= max && n2 - b <= max - a) {
			memcpy(out, d1, a);
			memcpy(out + a, d2 + b, n2 - b);
			len = a + n2 - b;
			if (fzm_below(&r, 2))
				fzm_renumber(out, len);
		}
	}
	free(m1);
	return len;
}

#endif /* HF_FUZZ_REPLAY */
#endif
