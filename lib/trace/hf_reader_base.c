/* hf_reader_base.c: what every file of the reader builds on: errors and warnings, the arena its
 * strings and tables live in, reading the file and inflating a chunk. It calls none of them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_columns.h"
#include "hf_reader_int.h"

/* ---- errors and warnings ---------------------------------------------------------------- */

static int vfail(hf_trace *t, int code, const char *prefix, const char *fmt, va_list ap)
	HF_PRINTF(4, 0);

static int vfail(hf_trace *t, int code, const char *prefix, const char *fmt, va_list ap)
{
	/* The first error is the one that matters: a later failure while cleaning up must not
	 * replace its message. */
	if (t->err)
		return t->err;
	size_t n = (size_t)snprintf(t->errmsg, sizeof t->errmsg, "%s", prefix);
	if (n < sizeof t->errmsg)
		vsnprintf(t->errmsg + n, sizeof t->errmsg - n, fmt, ap);
	t->err = code;
	return code;
}

int hf__fail(hf_trace *t, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(t, code, "", fmt, ap);
	va_end(ap);
	return rc;
}

int hf__chunk_fail(hf_trace *t, const struct hf_chunk_ref *c, const char *fmt, ...)
{
	char prefix[128];
	snprintf(prefix, sizeof prefix, "corrupt chunk at offset %llu (stream %u, seq %u): ",
		 (unsigned long long)c->offset, c->h.stream, c->h.seq);
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(t, HF_TRACE_ERR_CORRUPT, prefix, fmt, ap);
	va_end(ap);
	return rc;
}

int hf__warn(hf_trace *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **w = realloc(t->warn, (t->nwarn + 2) * sizeof *w);
	if (!w)
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
	t->warn = w;
	if (!(w[t->nwarn] = strdup(buf)))
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
	w[++t->nwarn] = NULL;
	return 0;
}

/* ---- the arena ----------------------------------------------------------------------------- */

struct hf_arena_blk {
	struct hf_arena_blk *next;
	size_t used, cap;
	_Alignas(16) uint8_t data[];
};

void *hf__arena_alloc(struct hf_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct hf_arena_blk *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		if (!(b = malloc(sizeof *b + cap)))
			return NULL;
		b->used = 0;
		b->cap = cap;
		/* A big block goes behind the current one so the current one's free space stays
		 * in use. */
		if (a->head && n > 65536) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

const char *hf__arena_str(struct hf_arena *a, const uint8_t *s, size_t n)
{
	char *p = hf__arena_alloc(a, n + 1);
	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

void hf__arena_free(struct hf_arena *a)
{
	while (a->head) {
		struct hf_arena_blk *b = a->head;
		a->head = b->next;
		free(b);
	}
}

/* ---- file access and inflating ------------------------------------------------------------- */

int hf__read_at(hf_trace *t, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t r = pread(t->fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hf__fail(t, HF_TRACE_ERR_IO, "cannot read the trace at offset %llu: %s",
					(unsigned long long)off, strerror(errno));
		if (r == 0)
			return hf__fail(t, HF_TRACE_ERR_IO,
					"cannot read the trace at offset %llu: the file shrank while being read",
					(unsigned long long)off);
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Chunk bodies are recycled: the merge inflates one chunk after another, most of similar size. */
static uint8_t *body_get(hf_trace *t, size_t n, size_t *cap)
{
	size_t best = 4;
	for (size_t i = 0; i < 4; i++)
		if (t->pool[i] && t->pool_cap[i] >= n && (best == 4 || t->pool_cap[i] < t->pool_cap[best]))
			best = i;
	if (best < 4) {
		uint8_t *b = t->pool[best];
		*cap = t->pool_cap[best];
		t->pool[best] = NULL;
		return b;
	}
	*cap = n ? n : 1;
	return malloc(*cap);
}

void hf__body_put(hf_trace *t, uint8_t *body, size_t cap)
{
	if (!body)
		return;
	size_t slot = 4;
	for (size_t i = 0; i < 4; i++) {
		if (!t->pool[i]) {
			slot = i;
			break;
		}
		if (t->pool_cap[i] < cap && (slot == 4 || t->pool_cap[i] < t->pool_cap[slot]))
			slot = i;
	}
	if (slot == 4) {
		free(body);
		return;
	}
	free(t->pool[slot]);
	t->pool[slot] = body;
	t->pool_cap[slot] = cap;
}

int hf__inflate(hf_trace *t, const struct hf_chunk_ref *c, uint8_t **bodyp, size_t *capp)
{
	size_t clen = c->h.clen, ulen = c->h.ulen, need = clen + HF_MEMBER_TRAILER_SIZE;
	int rc;

	*bodyp = NULL;
	if (t->zbuf_cap < need) {
		uint8_t *z = realloc(t->zbuf, need);
		if (!z)
			return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
		t->zbuf = z;
		t->zbuf_cap = need;
	}
	if ((rc = hf__read_at(t, t->zbuf, need, c->offset + HF_MEMBER_HDR_SIZE)) < 0)
		return rc;
	size_t cap;
	uint8_t *body = body_get(t, ulen, &cap);
	if (!body)
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
	if (!t->dz && !(t->dz = libdeflate_alloc_decompressor())) {
		hf__body_put(t, body, cap);
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory (inflate)");
	}
	size_t in_used = 0, out_used = 0;
	enum libdeflate_result lr =
		libdeflate_deflate_decompress_ex(t->dz, t->zbuf, clen, body, ulen, &in_used, &out_used);
	const char *what = NULL;
	char detail[160];
	if (lr == LIBDEFLATE_INSUFFICIENT_SPACE) {
		snprintf(detail, sizeof detail, "the body inflates to more than ulen %zu bytes", ulen);
		what = detail;
	} else if (lr != LIBDEFLATE_SUCCESS) { /* also deflate data that ends early */
		snprintf(detail, sizeof detail, "bad deflate data (clen %zu)", clen);
		what = detail;
	} else if (in_used != clen) {
		snprintf(detail, sizeof detail, "the deflate data ends after %zu of clen %zu bytes",
			 in_used, clen);
		what = detail;
	} else if (out_used != ulen) {
		snprintf(detail, sizeof detail, "the body inflates to %zu bytes, not ulen %zu", out_used,
			 ulen);
		what = detail;
	} else {
		uint32_t crc = libdeflate_crc32(0, body, ulen), want = le32(t->zbuf + clen);
		uint32_t isize = le32(t->zbuf + clen + 4);
		if (crc != want) {
			snprintf(detail, sizeof detail,
				 "CRC-32 mismatch (trailer at offset %llu says %08x, body has %08x)",
				 (unsigned long long)(c->offset + HF_MEMBER_HDR_SIZE + clen), want, crc);
			what = detail;
		} else if (isize != ulen) {
			snprintf(detail, sizeof detail, "ISIZE %u (at offset %llu) is not ulen %zu", isize,
				 (unsigned long long)(c->offset + HF_MEMBER_HDR_SIZE + clen + 4), ulen);
			what = detail;
		}
	}
	if (what) {
		hf__body_put(t, body, cap);
		return hf__chunk_fail(t, c, "%s", what);
	}
	if ((c->h.flags & HF_CHUNK_COLUMNS) && c->h.kind != HF_CHUNK_EVENTS) {
		hf__body_put(t, body, cap);
		return hf__chunk_fail(t, c, "a meta chunk flagged as columns");
	}
	*bodyp = body;
	*capp = cap;
	return 0;
}

