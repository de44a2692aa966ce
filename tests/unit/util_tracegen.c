/* util_tracegen.c: the test-side trace builder (see util_tracegen.h). */
#include "util_tracegen.h"

#define ZLIB_CONST
#include <zlib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_columns.h"
#include "hf_events.h"
#include "hf_meta.h"
#include "util_zdeflate.h"

struct tg_stream {
	uint32_t id;
	uint8_t *body;
	size_t len, cap;
	uint32_t records, seq;
	uint64_t C, T, P;
	uint64_t epoch_start, time_start;
	size_t events;
	int raw_columns; /* the body is a body in columns as given (tg_raw_columns) */
	struct hf_recent sizes; /* format 4's size codes (hf_size_code), per chunk */
};

struct tg_member {
	uint8_t *bytes;
	size_t len;
	uint32_t stream, seq;
	size_t events;
};

struct tg {
	struct tg_stream *s;
	size_t ns;
	struct tg_member *m;
	size_t nm;
	size_t *order, norder;
	int custom_order;
	uint8_t *file;
	size_t flen, fcap;
	z_stream zs;
	int level;
	size_t chunk_size;
	uint32_t nodes;
	uint64_t *frames; /* by node id - 1: format 3 writes a node's frame relative to its parent's */
	unsigned major;   /* of the HEADER record */
	struct tg_totals tot;
	uint64_t raw, member_bytes;
	unsigned old_major, old_minor; /* a HEADER of an older major: chunks say so too, 0 if not */
	int columns;                   /* thread chunks' bodies in columns, as the recorder writes */
};

static void die(const char *what)
{
	fprintf(stderr, "tracegen: %s\n", what);
	abort();
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

/* ---- streams and bytes --------------------------------------------------------------------- */

static struct tg_stream *stream(struct tg *g, uint32_t id)
{
	for (size_t i = 0; i < g->ns; i++)
		if (g->s[i].id == id)
			return &g->s[i];
	g->s = xrealloc(g->s, (g->ns + 1) * sizeof *g->s);
	struct tg_stream *s = &g->s[g->ns++];
	memset(s, 0, sizeof *s);
	s->id = id;
	return s;
}

static void reserve(struct tg_stream *s, size_t n)
{
	if (s->cap - s->len < n) {
		s->cap = (s->cap + n) * 2;
		s->body = xrealloc(s->body, s->cap);
	}
}

static void put_bytes(struct tg_stream *s, const void *p, size_t n)
{
	reserve(s, n);
	if (n)
		memcpy(s->body + s->len, p, n);
	s->len += n;
}

static void put_u(struct tg_stream *s, uint64_t v)
{
	reserve(s, HF_VARINT_MAX);
	s->len = (size_t)(hf_put_varint(s->body + s->len, v) - s->body);
}

static void put_s(struct tg_stream *s, int64_t v)
{
	put_u(s, hf_zigzag(v));
}

/* A growable scratch body for sized records. */
struct sbuf {
	struct tg_stream s;
};

static void sbuf_str(struct sbuf *b, const char *str)
{
	size_t n = strlen(str);
	put_u(&b->s, n);
	put_bytes(&b->s, str, n);
}

/* Before a new record: the automatic flush, when the body has reached the chunk size. */
static struct tg_stream *begin(struct tg *g, uint32_t id)
{
	struct tg_stream *s = stream(g, id);
	if (g->chunk_size && s->len >= g->chunk_size) {
		tg_flush(g, id);
		s = stream(g, id);
	}
	return s;
}

static void sized(struct tg *g, uint32_t id, uint8_t tag, struct sbuf *b, size_t events)
{
	struct tg_stream *s = begin(g, id);
	put_bytes(s, &tag, 1);
	put_u(s, b->s.len);
	put_bytes(s, b->s.body, b->s.len);
	s->records++;
	s->events += events;
	free(b->s.body);
}

/* ---- the builder ---------------------------------------------------------------------------- */

void tg_header_defaults(struct tg_header *h)
{
	static const char *const argv[] = { "./app", "--port", "8080" };
	static const char *const on[] = { "HEAPFOLD_OUTPUT", "HEAPFOLD_DEPTH" };
	static const char *const ov[] = { "trace.gz", "64" };
	memset(h, 0, sizeof *h);
	h->major = HF_FORMAT_MAJOR;
	h->minor = HF_FORMAT_MINOR;
	h->pid = 4242;
	h->ppid = 1;
	h->start_realtime = UINT64_C(1700000000000000000);
	h->clock_resolution = 1;
	h->page_size = 4096;
	h->pointer_size = 8;
	h->link_mode = HF_LINK_PRELOAD;
	h->exe = "/usr/bin/app";
	h->argc = 3;
	h->argv = argv;
	h->libc = "glibc 2.36";
	h->recorder = "heapfold 0.1.0";
	h->nopt = 2;
	h->opt_name = on;
	h->opt_value = ov;
}

struct tg *tg_new(const struct tg_header *hp)
{
	struct tg_header def;
	struct tg *g = calloc(1, sizeof *g);
	if (!g)
		die("out of memory");
	g->level = 6;
	if (deflateInit2(&g->zs, g->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	if (!hp) {
		tg_header_defaults(&def);
		hp = &def;
	}
	g->major = hp->major;
	if (hp->major < HF_FORMAT_MAJOR) {
		g->old_major = hp->major;
		g->old_minor = hp->minor;
	}
	stream(g, 0);
	if (hp->omit)
		return g;
	struct sbuf b = { 0 };
	put_bytes(&b.s, "HEAPFOLD", 8);
	put_u(&b.s, hp->major);
	put_u(&b.s, hp->minor);
	put_u(&b.s, hp->pid);
	put_u(&b.s, hp->ppid);
	put_u(&b.s, hp->start_realtime);
	put_u(&b.s, hp->clock_resolution);
	put_u(&b.s, hp->page_size);
	put_u(&b.s, hp->pointer_size);
	put_u(&b.s, hp->link_mode);
	sbuf_str(&b, hp->exe);
	put_u(&b.s, hp->argc);
	for (size_t i = 0; i < hp->argc; i++)
		sbuf_str(&b, hp->argv[i]);
	sbuf_str(&b, hp->libc);
	sbuf_str(&b, hp->recorder);
	put_u(&b.s, hp->nopt);
	for (size_t i = 0; i < hp->nopt; i++) {
		sbuf_str(&b, hp->opt_name[i]);
		sbuf_str(&b, hp->opt_value[i]);
	}
	if ((hp->major >= 2 || hp->minor >= 2) && !hp->no_sample_bytes)
		put_u(&b.s, hp->sample_bytes);
	sized(g, 0, HF_TAG_HEADER, &b, 0);
	return g;
}

void tg_destroy(struct tg *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->ns; i++)
		free(g->s[i].body);
	for (size_t i = 0; i < g->nm; i++)
		free(g->m[i].bytes);
	free(g->s);
	free(g->m);
	free(g->order);
	free(g->frames);
	free(g->file);
	deflateEnd(&g->zs);
	free(g);
}

void tg_set_level(struct tg *g, int level)
{
	g->level = level;
	if (deflateParams(&g->zs, level, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateParams");
}

void tg_set_chunk_size(struct tg *g, size_t n)
{
	g->chunk_size = n;
}

void tg_set_columns(struct tg *g, int on)
{
	g->columns = on;
}

/* ---- meta records ---------------------------------------------------------------------------- */

void tg_module(struct tg *g, uint32_t id, const char *path, const void *build_id, size_t bid_len,
	       uint64_t bias, size_t nseg, const struct hf_segment *seg)
{
	struct sbuf b = { 0 };
	put_u(&b.s, id);
	sbuf_str(&b, path);
	put_u(&b.s, bid_len);
	put_bytes(&b.s, build_id, bid_len);
	put_u(&b.s, bias);
	put_u(&b.s, nseg);
	for (size_t i = 0; i < nseg; i++) {
		put_u(&b.s, seg[i].vaddr);
		put_u(&b.s, seg[i].memsz);
		put_u(&b.s, seg[i].flags);
	}
	sized(g, 0, HF_TAG_MODULE, &b, 0);
}

void tg_module_unload(struct tg *g, uint32_t id)
{
	struct sbuf b = { 0 };
	put_u(&b.s, id);
	sized(g, 0, HF_TAG_MODULE_UNLOAD, &b, 0);
}

uint32_t tg_node(struct tg *g, uint32_t parent, uint64_t frame)
{
	struct sbuf b = { 0 };
	uint32_t id = g->nodes + 1;
	if (g->major < 3) {
		put_u(&b.s, parent);
		put_u(&b.s, frame);
	} else if (parent >= id) { /* a parent not defined before: distance 0, which is invalid */
		put_u(&b.s, frame < HF_FRAME_MIN_ADDR);
		put_u(&b.s, frame);
	} else {
		uint8_t tmp[HF_MAX_NODE_BODY];
		uint64_t pf = parent ? g->frames[parent - 1] : 0;
		uint8_t *q = hf_enc_node(tmp, id, parent, frame, pf);
		put_bytes(&b.s, tmp, (size_t)(q - tmp));
	}
	sized(g, 0, HF_TAG_NODE, &b, 0);
	if ((id & (id - 1)) == 0) /* a power of two: double */
		g->frames = xrealloc(g->frames, 2 * id * sizeof *g->frames);
	g->frames[id - 1] = frame;
	return ++g->nodes;
}

void tg_symbols(struct tg *g, uint32_t module, size_t n, const struct hf_symbol *sym)
{
	struct sbuf b = { 0 };
	uint64_t prev = 0;
	put_u(&b.s, module);
	put_u(&b.s, n);
	for (size_t i = 0; i < n; i++) {
		put_u(&b.s, sym[i].start - prev);
		prev = sym[i].start;
		put_u(&b.s, sym[i].size);
		sbuf_str(&b, sym[i].name);
	}
	sized(g, 0, HF_TAG_SYMBOLS, &b, 0);
}

void tg_sample(struct tg *g, uint64_t epoch, uint64_t dt, uint64_t rss)
{
	struct sbuf b = { 0 };
	struct tg_stream *s = begin(g, 0);
	if (epoch < s->C)
		die("sample epoch goes backwards");
	put_u(&b.s, epoch - s->C);
	put_u(&b.s, dt);
	put_u(&b.s, rss);
	s->C = epoch;
	s->T += dt;
	sized(g, 0, HF_TAG_SAMPLE, &b, 1);
}

void tg_totals(const struct tg *g, struct tg_totals *out)
{
	*out = g->tot;
	out->nodes = g->nodes;
	out->threads = 0;
	for (size_t i = 0; i < g->ns; i++)
		if (g->s[i].id != 0 && (g->s[i].seq > 0 || g->s[i].records > 0))
			out->threads++;
	size_t pending = 0, meta_pending = 0;
	for (size_t i = 0; i < g->ns; i++) {
		pending += g->s[i].id != 0 && g->s[i].records > 0;
		meta_pending += g->s[i].id == 0 && g->s[i].records > 0;
	}
	/* Flushing an event stream flushes pending meta records first, in a chunk of their own. */
	out->chunks = g->nm + pending + (pending && meta_pending) + 1; /* + the closing chunk */
}

static int by_id(const void *a, const void *b)
{
	const struct tg_stream *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

void tg_close(struct tg *g, const struct tg_totals *override)
{
	struct tg_totals t;
	qsort(g->s, g->ns, sizeof *g->s, by_id);
	for (size_t i = 0; i < g->ns; i++)
		if (g->s[i].id != 0)
			tg_flush(g, g->s[i].id);
	tg_totals(g, &t);
	if (override)
		t = *override;
	struct sbuf b = { 0 };
	put_u(&b.s, t.allocations);
	put_u(&b.s, t.frees);
	put_u(&b.s, t.failed);
	put_u(&b.s, t.bytes);
	put_u(&b.s, t.threads);
	put_u(&b.s, t.nodes);
	put_u(&b.s, t.chunks);
	put_u(&b.s, t.end_time);
	put_u(&b.s, t.exit_status);
	/* The CLOSE record goes into the last chunk: meta records pending before it stay in it. */
	sized(g, 0, HF_TAG_CLOSE, &b, 0);
	tg_flush(g, 0);
}

/* ---- event records --------------------------------------------------------------------------- */

static struct tg_stream *ev_begin(struct tg *g, uint32_t s, uint8_t tag)
{
	if (s == 0)
		die("event record in the meta stream");
	struct tg_stream *st = begin(g, s);
	put_bytes(st, &tag, 1);
	st->records++;
	return st;
}

/* An allocation record's size field: a code since format 4, as the recorder writes it. */
static uint64_t size_field(struct tg *g, struct tg_stream *st, uint32_t node, uint64_t size)
{
	return g->major >= 4 ? hf_size_code(&st->sizes, node, size) : size;
}

void tg_thread_start(struct tg *g, uint32_t s, uint64_t tid, uint32_t parent, const char *name)
{
	struct sbuf b = { 0 };
	put_u(&b.s, tid);
	put_u(&b.s, parent);
	sbuf_str(&b, name);
	sized(g, s, HF_TAG_THREAD_START, &b, 1);
}

void tg_thread_end(struct tg *g, uint32_t s)
{
	struct sbuf b = { 0 };
	sized(g, s, HF_TAG_THREAD_END, &b, 1);
}

void tg_mark(struct tg *g, uint32_t s, const char *label)
{
	struct sbuf b = { 0 };
	sbuf_str(&b, label);
	sized(g, s, HF_TAG_MARK, &b, 1);
}

void tg_epoch(struct tg *g, uint32_t s, uint64_t c)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_EPOCH);
	if (c <= st->C)
		die("EPOCH must advance");
	put_u(st, c - st->C);
	st->C = c;
}

void tg_time(struct tg *g, uint32_t s, uint64_t d)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_TIME);
	put_u(st, d);
	st->T += d;
}

void tg_alloc(struct tg *g, uint32_t s, uint32_t node, uint64_t size, uint64_t ptr)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_ALLOC);
	put_u(st, node);
	put_u(st, size_field(g, st, node, size));
	put_s(st, hf_delta(ptr, st->P));
	st->P = ptr;
	st->events++;
	g->tot.allocations++;
	g->tot.bytes += size;
}

void tg_free(struct tg *g, uint32_t s, uint64_t ptr, uint64_t e)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_FREE);
	if (e < st->C)
		die("free epoch below the stream's register");
	put_s(st, hf_delta(ptr, st->P));
	put_u(st, e - st->C);
	st->P = ptr;
	st->C = e + 1;
	st->events++;
	g->tot.frees++;
}

/* Format 4: the address named by its place in the reader's rings; ptr is the address the test
 * expects there (ALLOC_RECENT moves P to it, FREE_RECENT leaves P). */
void tg_alloc_recent(struct tg *g, uint32_t s, uint32_t node, uint64_t size, unsigned place, uint64_t ptr)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_ALLOC_RECENT);
	put_u(st, node);
	put_u(st, size_field(g, st, node, size));
	put_u(st, place);
	st->P = ptr;
	st->events++;
	g->tot.allocations++;
	g->tot.bytes += size;
}

void tg_free_recent(struct tg *g, uint32_t s, unsigned place, uint64_t e)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_FREE_RECENT);
	if (e < st->C)
		die("free epoch below the stream's register");
	put_u(st, place);
	put_u(st, e - st->C);
	st->C = e + 1;
	st->events++;
	g->tot.frees++;
}

/* Format 6: the same with the place in the tag; FREE_AT frees at the stream's C. */
void tg_alloc_at(struct tg *g, uint32_t s, uint32_t node, uint64_t size, unsigned place, uint64_t ptr)
{
	struct tg_stream *st = ev_begin(g, s, (uint8_t)(HF_TAG_ALLOC_AT + place));
	put_u(st, node);
	put_u(st, size_field(g, st, node, size));
	st->P = ptr;
	st->events++;
	g->tot.allocations++;
	g->tot.bytes += size;
}

void tg_free_at(struct tg *g, uint32_t s, unsigned place)
{
	struct tg_stream *st = ev_begin(g, s, (uint8_t)(HF_TAG_FREE_AT + place));
	st->C++;
	st->events++;
	g->tot.frees++;
}

void tg_free_last(struct tg *g, uint32_t s)
{
	/* No automatic flush here: FREE_LAST must share the chunk of its allocation. */
	struct tg_stream *st = stream(g, s);
	uint8_t tag = HF_TAG_FREE_LAST;
	put_bytes(st, &tag, 1);
	st->records++;
	g->tot.frees++;
}

void tg_realloc_last(struct tg *g, uint32_t s, uint32_t node, uint64_t size)
{
	/* No automatic flush here: REALLOC_LAST must share the chunk of its allocation. */
	struct tg_stream *st = stream(g, s);
	uint8_t tag = HF_TAG_REALLOC_LAST;
	put_bytes(st, &tag, 1);
	put_u(st, node);
	put_u(st, size_field(g, st, node, size));
	st->records++;
	st->events++;
	g->tot.allocations++;
	g->tot.frees++;
	g->tot.bytes += size;
}

void tg_realloc(struct tg *g, uint32_t s, uint32_t node, uint64_t size, uint64_t old, uint64_t ptr,
		uint64_t e, uint64_t r)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_REALLOC);
	if (e < st->C || r < e + 1)
		die("realloc epochs out of order");
	put_u(st, node);
	put_u(st, size_field(g, st, node, size));
	put_s(st, hf_delta(old, st->P));
	put_s(st, hf_delta(ptr, old));
	put_u(st, e - st->C);
	put_u(st, r - (e + 1));
	st->P = ptr;
	st->C = r;
	st->events += 2;
	g->tot.allocations++;
	g->tot.frees++;
	g->tot.bytes += size;
}

void tg_alloc_failed(struct tg *g, uint32_t s, uint32_t node, uint64_t size)
{
	struct tg_stream *st = ev_begin(g, s, HF_TAG_ALLOC_FAILED);
	put_u(st, node);
	put_u(st, size_field(g, st, node, size));
	st->events++;
	g->tot.failed++;
}

void tg_set_start_epoch(struct tg *g, uint32_t s, uint64_t c)
{
	struct tg_stream *st = stream(g, s);
	if (st->records)
		die("tg_set_start_epoch on a chunk with records");
	st->C = st->epoch_start = c;
}

uint64_t tg_epoch_of(const struct tg *g, uint32_t s)
{
	for (size_t i = 0; i < g->ns; i++)
		if (g->s[i].id == s)
			return g->s[i].C;
	return 0;
}

void tg_raw(struct tg *g, uint32_t s, const void *bytes, size_t n, uint32_t records)
{
	struct tg_stream *st = stream(g, s);
	put_bytes(st, bytes, n);
	st->records += records;
}

static int flush(struct tg *g, uint32_t id, int even_empty);

void tg_raw_columns(struct tg *g, uint32_t s, const void *body, size_t n, uint32_t records)
{
	struct tg_stream *st = stream(g, s);
	if (st->len || st->records)
		flush(g, s, 0);
	st = stream(g, s);
	put_bytes(st, body, n);
	st->records = records;
	st->raw_columns = 1;
	flush(g, s, 0);
}

/* ---- chunks ------------------------------------------------------------------------------------ */

static int flush(struct tg *g, uint32_t id, int even_empty)
{
	struct tg_stream *s = stream(g, id);
	if (!s->records && !s->len && !even_empty)
		return -1;
	/* The meta chunk holding the nodes an event chunk references goes first (format.md 4). */
	if (id != 0) {
		struct tg_stream *m = stream(g, 0);
		if (m->records)
			flush(g, 0, 0);
		s = stream(g, id);
	}
	struct hf_chunk_hdr h = {
		.kind = id ? HF_CHUNK_EVENTS : HF_CHUNK_META,
		.stream = id,
		.seq = s->seq,
		.records = s->records,
		.epoch_start = s->epoch_start,
		.epoch_end = s->C,
		.time_start = s->time_start,
	};
	const uint8_t *body = s->body;
	size_t len = s->len;
	uint8_t *cols = NULL;
	if (s->raw_columns) {
		h.flags = HF_CHUNK_COLUMNS;
		s->raw_columns = 0;
	} else if (g->columns && id != 0) {
		uint8_t *scratch = xrealloc(NULL, HF_COLS_N * len + 1);
		cols = xrealloc(NULL, len + HF_COLS_N * HF_VARINT_MAX);
		if (!(len = hf_cols_split(s->body, s->len, scratch, cols)) && s->len)
			die("hf_cols_split failed");
		free(scratch);
		body = cols;
		h.flags = HF_CHUNK_COLUMNS;
	}
	size_t cap = hf_chunk_bound(len);
	uint8_t *out = xrealloc(NULL, cap);
	struct hf_deflater d = uz_deflater(&g->zs);
	size_t n = hf_chunk_encode(&d, &h, body, len, out, cap);
	free(cols);
	if (!n)
		die("hf_chunk_encode failed");
	if (g->old_major) { /* outside the CRC: as a format 1 recorder wrote them */
		out[16] = (uint8_t)g->old_major;
		out[17] = (uint8_t)g->old_minor;
	}
	g->m = xrealloc(g->m, (g->nm + 1) * sizeof *g->m);
	g->m[g->nm] = (struct tg_member){ out, n, id, s->seq, s->events };
	g->raw += s->len;
	g->member_bytes += n;
	s->seq++;
	s->len = 0;
	s->records = 0;
	s->events = 0;
	s->epoch_start = s->C;
	s->time_start = s->T;
	s->P = 0;
	memset(&s->sizes, 0, sizeof s->sizes);
	return (int)g->nm++;
}

int tg_flush(struct tg *g, uint32_t s)
{
	return flush(g, s, 0);
}

int tg_flush_empty(struct tg *g, uint32_t s)
{
	return flush(g, s, 1);
}

size_t tg_member_count(const struct tg *g)
{
	return g->nm;
}

size_t tg_member_events(const struct tg *g, size_t i)
{
	return g->m[i].events;
}

uint32_t tg_member_stream(const struct tg *g, size_t i)
{
	return g->m[i].stream;
}

uint8_t *tg_member_bytes(struct tg *g, size_t i, size_t *len)
{
	if (len)
		*len = g->m[i].len;
	return g->m[i].bytes;
}

void tg_patch_u8(struct tg *g, size_t i, size_t off, uint8_t v)
{
	g->m[i].bytes[16 + off] = v;
}

void tg_patch_u32(struct tg *g, size_t i, size_t off, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		g->m[i].bytes[16 + off + k] = (uint8_t)(v >> (8 * k));
}

void tg_patch_u64(struct tg *g, size_t i, size_t off, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		g->m[i].bytes[16 + off + k] = (uint8_t)(v >> (8 * k));
}

void tg_set_order(struct tg *g, const size_t *order, size_t n)
{
	g->order = xrealloc(g->order, n * sizeof *order);
	memcpy(g->order, order, n * sizeof *order);
	g->norder = n;
	g->custom_order = 1;
}

static size_t order_at(const struct tg *g, size_t k)
{
	return g->custom_order ? g->order[k] : k;
}

const uint8_t *tg_file(struct tg *g, size_t *len)
{
	size_t n = g->custom_order ? g->norder : g->nm, total = 0;
	for (size_t k = 0; k < n; k++)
		total += g->m[order_at(g, k)].len;
	/* The buffer only moves when it grows, so a pointer from an earlier call stays valid
	 * across tg_write of the same members. */
	if (total > g->fcap) {
		g->file = xrealloc(g->file, total);
		g->fcap = total;
	}
	g->flen = 0;
	for (size_t k = 0; k < n; k++) {
		const struct tg_member *m = &g->m[order_at(g, k)];
		memcpy(g->file + g->flen, m->bytes, m->len);
		g->flen += m->len;
	}
	*len = g->flen;
	return g->file;
}

size_t tg_member_end(struct tg *g, size_t i)
{
	size_t n = g->custom_order ? g->norder : g->nm, off = 0;
	for (size_t k = 0; k < n; k++) {
		off += g->m[order_at(g, k)].len;
		if (order_at(g, k) == i)
			return off;
	}
	return 0;
}

int tg_write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

const char *tg_write(struct tg *g, const char *path)
{
	size_t n;
	const uint8_t *p = tg_file(g, &n);
	if (tg_write_bytes(path, p, n) < 0)
		die("cannot write the trace");
	return path;
}

void tg_sizes(const struct tg *g, uint64_t *raw, uint64_t *members)
{
	*raw = g->raw;
	*members = g->member_bytes;
}

/* ---- helpers ----------------------------------------------------------------------------------- */

char *tg_tmp_path(const char *name)
{
	const char *dir = getenv("HF_TEST_TMP");
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	size_t n = strlen(dir) + strlen(name) + 32;
	char *p = xrealloc(NULL, n);
	snprintf(p, n, "%s/hftest-%ld-%s", dir, (long)getpid(), name);
	return p;
}

/* hf_trace_each's events, checked against hf_trace_next's (r, read first): the same events with
 * the same texts, then the same status and error. It stops every seventh event and takes the
 * next one with hf_trace_next, so the two ways are mixed as a caller may mix them. */
struct each_check {
	const char *path;
	const struct tg_read *r;
	size_t i, max;
};

static int same_event(const struct hf_event *a, const struct hf_event *b)
{
	if ((a->text == NULL) != (b->text == NULL) || (a->text && strcmp(a->text, b->text) != 0))
		return 0;
	return a->type == b->type && a->flags == b->flags && a->thread == b->thread && a->key == b->key &&
	       a->time_ns == b->time_ns && a->ptr == b->ptr && a->old_ptr == b->old_ptr &&
	       a->size == b->size && a->node == b->node && a->parent == b->parent && a->tid == b->tid &&
	       a->rss == b->rss;
}

static void each_mismatch(const char *path, const char *what, size_t i)
{
	fprintf(stderr, "%s: hf_trace_each differs from hf_trace_next: %s at event %zu\n", path, what, i);
	abort();
}

static int each_one(void *ctx, const struct hf_event *ev)
{
	struct each_check *k = ctx;
	if (k->i >= k->r->nev || !same_event(ev, &k->r->ev[k->i]))
		each_mismatch(k->path, "event", k->i);
	k->i++;
	return k->i % 7 == 0 || k->i == k->max;
}

static void check_each(const char *path, const struct tg_read *r, size_t max_events)
{
	hf_trace *t;
	if (hf_trace_open(path, &t) != HF_TRACE_OK) {
		hf_trace_close(t);
		return;
	}
	struct each_check k = { path, r, 0, max_events };
	int rc;
	while ((rc = hf_trace_each(t, each_one, &k)) == HF_TRACE_OK && k.i < max_events) {
		struct hf_event ev;
		if ((rc = hf_trace_next(t, &ev)) != HF_TRACE_OK)
			break;
		if (k.i >= r->nev || !same_event(&ev, &r->ev[k.i]))
			each_mismatch(path, "event after a stop", k.i);
		k.i++;
	}
	if (k.i != r->nev || (k.i < max_events && rc != r->next_rc) || strcmp(hf_trace_error(t), r->error) != 0)
		each_mismatch(path, "count, status or error", k.i);
	hf_trace_close(t);
}

void tg_read_all(const char *path, struct tg_read *r, size_t max_events)
{
	hf_trace *t;
	size_t cap = 0, tlen = 0, tcap = 0;
	size_t *toff = NULL;

	memset(r, 0, sizeof *r);
	r->open_rc = hf_trace_open(path, &t);
	r->next_rc = r->open_rc;
	if (t)
		snprintf(r->error, sizeof r->error, "%s", hf_trace_error(t));
	if (r->open_rc == HF_TRACE_OK) {
		struct hf_event ev;
		r->info = *hf_trace_info(t);
		while (r->nev < max_events && (r->next_rc = hf_trace_next(t, &ev)) == HF_TRACE_OK) {
			if (r->nev == cap) {
				cap = cap ? 2 * cap : 256;
				r->ev = xrealloc(r->ev, cap * sizeof *r->ev);
				toff = xrealloc(toff, cap * sizeof *toff);
			}
			toff[r->nev] = SIZE_MAX;
			if (ev.text) {
				size_t n = strlen(ev.text) + 1;
				if (tcap - tlen < n) {
					tcap = (tcap + n) * 2;
					r->texts = xrealloc(r->texts, tcap);
				}
				memcpy(r->texts + tlen, ev.text, n);
				toff[r->nev] = tlen;
				tlen += n;
			}
			r->ev[r->nev++] = ev;
		}
		for (size_t i = 0; i < r->nev; i++)
			r->ev[i].text = toff[i] == SIZE_MAX ? NULL : r->texts + toff[i];
		snprintf(r->error, sizeof r->error, "%s", hf_trace_error(t));
		/* Pointers of info die with the trace. */
		r->info.exe = r->info.libc = r->info.recorder = NULL;
		r->info.argv = r->info.opt_name = r->info.opt_value = NULL;
	}
	for (const char *w; t && (w = hf_trace_warning(t, r->nwarn)) && r->nwarn < 4; r->nwarn++)
		snprintf(r->warn[r->nwarn], sizeof r->warn[0], "%s", w);
	free(toff);
	hf_trace_close(t);
	if (r->open_rc == HF_TRACE_OK)
		check_each(path, r, max_events);
}

void tg_read_free(struct tg_read *r)
{
	free(r->ev);
	free(r->texts);
	memset(r, 0, sizeof *r);
}
