/* hf_reader_int.h: what the reader's files share (hf_reader_base.c: errors, the arena, reading
 * and inflating; hf_reader.c: open, chunk index, public API; hf_reader_meta.c: the meta stream;
 * hf_reader_merge.c: hf_trace_next; hf_reader_modmap.c: address -> module). Internal names
 * carry the hf__ prefix. */
#ifndef HF_READER_INT_H
#define HF_READER_INT_H

#include <libdeflate.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "heapfold_trace.h"
#include "hf_codec.h"
#include "hf_meta.h"

#if defined(__GNUC__)
#define HF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HF_PRINTF(f, a)
#endif

/* One complete chunk of the file, found by the scan (pass 1). */
struct hf_chunk_ref {
	uint64_t offset; /* of its gzip member */
	struct hf_chunk_hdr h;
	uint32_t samples; /* meta chunks: SAMPLE records in the body (counted when the open decodes it) */
};

/* A bounds-checked view of a chunk body: every read stays inside [base, end). */
struct hf_body {
	const uint8_t *base, *p, *end;
};

static inline int hf__get_u64(struct hf_body *b, uint64_t *v)
{
	return hf_get_varint(&b->p, b->end, v);
}

static inline int hf__get_s64(struct hf_body *b, int64_t *v)
{
	uint64_t u;
	if (hf_get_varint(&b->p, b->end, &u) < 0)
		return -1;
	*v = hf_unzigzag(u);
	return 0;
}

static inline int hf__get_u32(struct hf_body *b, uint32_t *v)
{
	return hf_dec_u32(&b->p, b->end, v);
}

static inline int hf__get_str(struct hf_body *b, const uint8_t **s, size_t *n)
{
	return hf_get_str(&b->p, b->end, s, n);
}

static inline size_t hf__body_pos(const struct hf_body *b)
{
	return (size_t)(b->p - b->base);
}

/* Memory that lives as long as the trace (strings, segments): never moved, freed at once. */
struct hf_arena_blk;
struct hf_arena {
	struct hf_arena_blk *head;
};
void *hf__arena_alloc(struct hf_arena *a, size_t n);
const char *hf__arena_str(struct hf_arena *a, const uint8_t *s, size_t n);
void hf__arena_free(struct hf_arena *a);

/* Address -> module among the modules loaded at a point of the meta stream (hf_reader_modmap.c):
 * a skip list of segments keyed by start address, so that dlopen/dlclose between NODE records
 * costs O(log n) each, whatever the trace holds. */
struct hf_modmap;
struct hf_modmap *hf__modmap_new(void);
int hf__modmap_add(struct hf_modmap *m, uint64_t start, uint64_t end, uint32_t module, uint32_t seg);
void hf__modmap_remove(struct hf_modmap *m, uint64_t start, uint32_t module, uint32_t seg);
uint32_t hf__modmap_find(const struct hf_modmap *m, uint64_t addr);
void hf__modmap_free(struct hf_modmap *m);

/* Per module data beside the public struct hf_module. */
struct hf_modext {
	struct hf_symbol *sym;
	size_t nsym, cap;
};

/* A stream's position in the merge (hf_reader_merge.c). */
struct hf_cursor;

struct hf_trace {
	int fd;
	uint64_t file_size;
	int err;             /* the error every later call repeats, 0 if none */
	char errmsg[512];
	char **warn;
	size_t nwarn;
	struct hf_trace_info info;
	struct hf_arena arena;

	/* Chunk index: chunks in file order; order[] lists them by (stream, seq). */
	struct hf_chunk_ref *chunks;
	size_t nchunks;
	uint32_t *order;
	size_t nmeta; /* meta chunks: order[0 .. nmeta) */

	/* Meta stream contents. */
	struct hf_module *mods;
	struct hf_modext *modx;
	size_t nmods, modcap;
	uint32_t *modhash; /* open addressing: module id -> index + 1 */
	uint64_t seed;     /* of the module hash */
	size_t modhash_cap;
	struct hf_modmap *modmap;
	/* Stack nodes (hf_reader_nodes.c): id n is nodes[n - 1], its parent and the index of its
	 * frame in frames (below HF_NODE_PSEUDO_FRAMES: the pseudo-frame code itself). */
	struct hf_node_ref *nodes;
	size_t nnodes, nodecap;
	size_t nodes_present;  /* bytes of nodes made present ahead of use */
	struct hf_node *frames; /* distinct (frame, module) pairs; parent 0 */
	size_t nframes, framecap;
	uint32_t *framehash;    /* open addressing: (frame, module) -> index in frames */
	size_t framehash_cap;

	/* Inflating: libdeflate, since a chunk is one buffer whose inflated size its header gives
	 * (about twice zlib's speed there, and the merge waits on it). */
	struct libdeflate_decompressor *dz;
	uint8_t *zbuf;
	size_t zbuf_cap;
	uint8_t *pool[4]; /* spare chunk bodies, reused by the merge */
	size_t pool_cap[4];

	/* The merge. */
	int merge_state; /* 0 not started, 1 running, 2 ended */
	unsigned split_k, split_n; /* hf_trace_split: this reader's part of the streams (n 0: all) */
	struct hf_cursor *cur;
	size_t ncur;
	size_t *heap;
	size_t nheap;
	struct hf_cursor *emitted; /* advanced at the next call, so ev->text stays valid */
	size_t bodies, bodies_peak; /* chunk bodies held by cursors */
	char *text;
	struct hf_trace_seen seen; /* what the events decoded so far hold (hf_trace_seen) */
};

/* hf_reader.c */
int hf__fail(hf_trace *t, int code, const char *fmt, ...) HF_PRINTF(3, 4);
int hf__chunk_fail(hf_trace *t, const struct hf_chunk_ref *c, const char *fmt, ...)
	HF_PRINTF(3, 4);
int hf__warn(hf_trace *t, const char *fmt, ...) HF_PRINTF(2, 3);
/* Inflates chunk c into a buffer of *cap >= c->h.ulen bytes (*body, to give back with
 * hf__body_put) and checks it against the trailer's CRC-32 and ISIZE. A meta chunk flagged as
 * columns is refused here; a thread chunk's columns are read where its records are. */
int hf__inflate(hf_trace *t, const struct hf_chunk_ref *c, uint8_t **body, size_t *cap);
/* n bytes at offset off of the trace file: 0, or an error (already reported). */
int hf__read_at(hf_trace *t, void *buf, size_t n, uint64_t off);
void hf__body_put(hf_trace *t, uint8_t *body, size_t cap);

/* hf_reader_meta.c */
int hf__read_meta(hf_trace *t);
void hf__meta_free(hf_trace *t);

/* hf_reader_nodes.c */
/* Appends node nnodes + 1: NULL, or what went wrong. */
const char *hf__node_add(hf_trace *t, uint32_t parent, uint64_t frame, uint32_t module);
void hf__nodes_free(hf_trace *t);
/* Node id's frame (1 <= id <= nnodes, nodes not dropped). */
static inline uint64_t hf__node_frame(const hf_trace *t, uint32_t id)
{
	return t->frames[t->nodes[id - 1].frame].frame;
}
/* Whether node id (1 <= id <= nnodes) is an allocator pseudo-frame. */
static inline int hf__node_is_allocator(const hf_trace *t, uint32_t id)
{
	uint32_t f = t->nodes[id - 1].frame;
	return f >= HF_FRAME_MALLOC && f <= HF_FRAME_LAST_ALLOCATOR;
}

/* hf_reader_merge.c */
void hf__merge_free(hf_trace *t);
/* The most chunk bodies the merge held at once (for tests of the memory bound). */
size_t hf__merge_peak_bodies(const hf_trace *t);

#endif
