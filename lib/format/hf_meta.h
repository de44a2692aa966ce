/* hf_meta.h: the bodies of the meta stream's records (docs/format.md, section 2.2: HEADER,
 * MODULE, MODULE_UNLOAD, NODE, SAMPLE, SYMBOLS, CLOSE), each encoder beside its decoder, so that
 * the recorder and the reader cannot disagree about a field.
 *
 * Bodies only: the tag and the body's length are the stream's framing (the recorder's
 * hf_meta_record, the reader's chunk loop). Encoders are allocation-free and write into the
 * caller's buffer, at most the HF_MAX_*_BODY bytes given where the body has a fixed bound.
 * Decoders read the fields at *p, stay inside [*p, end), advance *p, and return 0, or -1 for a
 * truncated field or one out of its type's range; what a field means against the rest of the
 * trace (ids defined before use, counts the record can hold) the reader checks. */
#ifndef HF_META_H
#define HF_META_H

#include "hf_codec.h"

/* ---- HEADER: the trace's first record ------------------------------------------------------- */

#define HF_HEADER_MAGIC "HEAPFOLD"

/* Its fixed start: the magic (8 bytes, not a string), then these varints. After them come, in
 * this order: the executable's path (string), argc (varint) and as many argument strings, the
 * C library and the recorder's version (strings), the number of options (varint) and as many
 * (name, value) string pairs, and since format 1.2 the sampling rate (varint, 0: every
 * allocation). */
struct hf_rec_header {
	uint64_t major, minor, pid, ppid, start_realtime_ns, clock_resolution_ns, page_size,
		pointer_size, link_mode;
};
#define HF_MAX_HEADER_START (8 + 9 * HF_VARINT_MAX)

static inline uint8_t *hf_enc_header_start(uint8_t *q, const struct hf_rec_header *h)
{
	memcpy(q, HF_HEADER_MAGIC, 8);
	q += 8;
	const uint64_t v[] = { h->major, h->minor, h->pid, h->ppid, h->start_realtime_ns,
			       h->clock_resolution_ns, h->page_size, h->pointer_size, h->link_mode };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		q = hf_put_varint(q, v[i]);
	return q;
}

/* Returns 1 (and nothing read) when the body does not start with the magic: not a trace. The
 * caller checks major before it reads more: another major's fields may differ from here on. */
static inline int hf_dec_header_magic(const uint8_t **p, const uint8_t *end)
{
	if (end - *p < 8 || memcmp(*p, HF_HEADER_MAGIC, 8) != 0)
		return 1;
	*p += 8;
	return 0;
}

static inline int hf_dec_header_version(const uint8_t **p, const uint8_t *end, struct hf_rec_header *h)
{
	return hf_get_varint(p, end, &h->major) < 0 || hf_get_varint(p, end, &h->minor) < 0 ? -1 : 0;
}

static inline int hf_dec_header_rest(const uint8_t **p, const uint8_t *end, struct hf_rec_header *h)
{
	uint64_t *v[] = { &h->pid, &h->ppid, &h->start_realtime_ns, &h->clock_resolution_ns,
			  &h->page_size, &h->pointer_size, &h->link_mode };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (hf_get_varint(p, end, v[i]) < 0)
			return -1;
	return 0;
}

/* ---- MODULE: a loaded object ------------------------------------------------------------------ */

/* Its start; then nseg segments of hf_enc_module_seg. */
struct hf_rec_module {
	uint32_t id;
	const uint8_t *path, *build_id;
	size_t path_len, build_id_len;
	uint64_t bias, nseg;
};

static inline uint8_t *hf_enc_module(uint8_t *q, const struct hf_rec_module *m)
{
	q = hf_put_varint(q, m->id);
	q = hf_put_str(q, m->path, m->path_len);
	q = hf_put_str(q, m->build_id, m->build_id_len);
	q = hf_put_varint(q, m->bias);
	return hf_put_varint(q, m->nseg);
}

static inline int hf_dec_module(const uint8_t **p, const uint8_t *end, struct hf_rec_module *m)
{
	return hf_dec_u32(p, end, &m->id) < 0 || hf_get_str(p, end, &m->path, &m->path_len) < 0 ||
			       hf_get_str(p, end, &m->build_id, &m->build_id_len) < 0 ||
			       hf_get_varint(p, end, &m->bias) < 0 || hf_get_varint(p, end, &m->nseg) < 0
		       ? -1
		       : 0;
}

/* A PT_LOAD segment: its vaddr (before the load bias), memsz and p_flags & 7. At least 3
 * bytes, which bounds the count a record can hold. */
struct hf_rec_segment {
	uint64_t vaddr, memsz;
	uint32_t flags;
};
#define HF_MAX_SEGMENT (3 * HF_VARINT_MAX)

static inline uint8_t *hf_enc_module_seg(uint8_t *q, uint64_t vaddr, uint64_t memsz, uint32_t flags)
{
	q = hf_put_varint(q, vaddr);
	q = hf_put_varint(q, memsz);
	return hf_put_varint(q, flags);
}

static inline int hf_dec_module_seg(const uint8_t **p, const uint8_t *end, struct hf_rec_segment *s)
{
	return hf_get_varint(p, end, &s->vaddr) < 0 || hf_get_varint(p, end, &s->memsz) < 0 ||
			       hf_dec_u32(p, end, &s->flags) < 0
		       ? -1
		       : 0;
}

/* ---- MODULE_UNLOAD, NODE, SAMPLE ---------------------------------------------------------------- */

#define HF_MAX_MODULE_UNLOAD_BODY HF_VARINT_MAX

static inline uint8_t *hf_enc_module_unload(uint8_t *q, uint32_t id)
{
	return hf_put_varint(q, id);
}

static inline int hf_dec_module_unload(const uint8_t **p, const uint8_t *end, uint32_t *id)
{
	return hf_dec_u32(p, end, id);
}

/* NODE: a stack-trie node; its id is its position among the NODE records. */
struct hf_rec_node {
	uint32_t parent;
	uint64_t frame;
};
#define HF_MAX_NODE_BODY (2 * HF_VARINT_MAX)

/* Since format 3 a node's fields are relative to what the reader already has: its id (its
 * position) and its parent's frame. The parent is written as the distance up to it, shifted
 * left once, the low bit saying whether the frame is a pseudo-frame code; a pseudo-frame code
 * follows as it is, a return address as its difference (zigzag) from the parent's return
 * address (0 at the root or under a pseudo-frame). A new stack's nodes mostly hang one under
 * the other (distance 1) within a few functions: 3 to 5 bytes a node instead of 7 to 12, and
 * repetitive enough for deflate. id is the node's own; parent < id. */
static inline uint8_t *hf_enc_node(uint8_t *q, uint32_t id, uint32_t parent, uint64_t frame,
				   uint64_t parent_frame)
{
	int pseudo = frame < HF_FRAME_MIN_ADDR;
	q = hf_put_varint(q, (uint64_t)(id - parent) << 1 | (unsigned)pseudo);
	if (pseudo)
		return hf_put_varint(q, frame);
	uint64_t base = parent_frame >= HF_FRAME_MIN_ADDR ? parent_frame : 0;
	return hf_put_varint(q, hf_zigzag((int64_t)(frame - base)));
}

/* The fields of a format 3 NODE whose id is id: its parent, and in *value either its
 * pseudo-frame code (*pseudo = 1) or its return address's difference from its parent's, which
 * hf_node_frame turns into the address. -1 if truncated, -2 if the parent would not come before
 * the node. */
static inline int hf_dec_node_rel(const uint8_t **p, const uint8_t *end, uint32_t id,
				  uint32_t *parent, int *pseudo, uint64_t *value)
{
	uint64_t up;
	if (hf_get_varint(p, end, &up) < 0 || hf_get_varint(p, end, value) < 0)
		return -1;
	*pseudo = (int)(up & 1);
	up >>= 1;
	if (up < 1 || up > id)
		return -2;
	*parent = id - (uint32_t)up;
	return 0;
}

static inline uint64_t hf_node_frame(int pseudo, uint64_t value, uint64_t parent_frame)
{
	if (pseudo)
		return value;
	uint64_t base = parent_frame >= HF_FRAME_MIN_ADDR ? parent_frame : 0;
	return base + (uint64_t)hf_unzigzag(value);
}

/* Formats 1 and 2: both fields absolute. */
static inline int hf_dec_node(const uint8_t **p, const uint8_t *end, struct hf_rec_node *n)
{
	return hf_dec_u32(p, end, &n->parent) < 0 || hf_get_varint(p, end, &n->frame) < 0 ? -1 : 0;
}

/* SAMPLE: the RSS at a moment, keyed by the meta stream's epoch and time registers (deltas). */
struct hf_rec_sample {
	uint64_t dc, dt, rss;
};
#define HF_MAX_SAMPLE_BODY (3 * HF_VARINT_MAX)

static inline uint8_t *hf_enc_sample(uint8_t *q, const struct hf_rec_sample *s)
{
	return hf_put_varint(hf_put_varint(hf_put_varint(q, s->dc), s->dt), s->rss);
}

static inline int hf_dec_sample(const uint8_t **p, const uint8_t *end, struct hf_rec_sample *s)
{
	return hf_get_varint(p, end, &s->dc) < 0 || hf_get_varint(p, end, &s->dt) < 0 ||
			       hf_get_varint(p, end, &s->rss) < 0
		       ? -1
		       : 0;
}

/* ---- SYMBOLS: a module's symbol table (static binaries) ------------------------------------------ */

/* Its start; then n symbols of hf_enc_symbol, by increasing start address. */
static inline uint8_t *hf_enc_symbols(uint8_t *q, uint32_t module, uint64_t n)
{
	return hf_put_varint(hf_put_varint(q, module), n);
}

static inline int hf_dec_symbols(const uint8_t **p, const uint8_t *end, uint32_t *module, uint64_t *n)
{
	return hf_dec_u32(p, end, module) < 0 || hf_get_varint(p, end, n) < 0 ? -1 : 0;
}

/* A symbol: its start as a delta from the previous one's (the first from 0), its size, its
 * name. At least 3 bytes, which bounds the count a record can hold. */
static inline uint8_t *hf_enc_symbol(uint8_t *q, uint64_t dstart, uint64_t size, const char *name,
				     size_t len)
{
	q = hf_put_varint(hf_put_varint(q, dstart), size);
	return hf_put_str(q, name, len);
}

static inline int hf_dec_symbol(const uint8_t **p, const uint8_t *end, uint64_t *dstart, uint64_t *size,
				const uint8_t **name, size_t *len)
{
	return hf_get_varint(p, end, dstart) < 0 || hf_get_varint(p, end, size) < 0 ||
			       hf_get_str(p, end, name, len) < 0
		       ? -1
		       : 0;
}

/* ---- CLOSE: the clean end, with the recorder's own totals --------------------------------------- */

struct hf_rec_close {
	uint64_t allocations, frees, failed, bytes, threads, nodes, chunks, end_time_ns, exit_status;
};
#define HF_MAX_CLOSE_BODY (9 * HF_VARINT_MAX)

static inline uint8_t *hf_enc_close(uint8_t *q, const struct hf_rec_close *c)
{
	const uint64_t v[] = { c->allocations, c->frees,  c->failed,      c->bytes,      c->threads,
			       c->nodes,       c->chunks, c->end_time_ns, c->exit_status };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		q = hf_put_varint(q, v[i]);
	return q;
}

static inline int hf_dec_close(const uint8_t **p, const uint8_t *end, struct hf_rec_close *c)
{
	uint64_t *v[] = { &c->allocations, &c->frees,  &c->failed,      &c->bytes,      &c->threads,
			  &c->nodes,       &c->chunks, &c->end_time_ns, &c->exit_status };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (hf_get_varint(p, end, v[i]) < 0)
			return -1;
	return 0;
}

#endif
