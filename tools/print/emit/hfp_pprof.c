/* hfp_pprof.c: --pprof FILE, the run as a gzip-compressed profile.proto, the format of
 * `go tool pprof`, Pyroscope, Parca and Grafana's profiles view.
 *
 * Four sample types, in the order pprof's heap profiles use: alloc_objects/count and
 * alloc_space/bytes (over the whole run), inuse_objects/count and inuse_space/bytes (live when
 * the trace ends: what the report calls leaked). One sample per displayed stack (the same
 * stacks as -F, after the filters and the cut at main and at the allocation functions), its
 * locations innermost first as profile.proto wants. The profile is symbolized: a location per
 * displayed frame (function, file, line; an inlined function is a frame of its own, as in -F),
 * a function per name and file (name and system_name alike: the names are demangled already),
 * a mapping per module file, all with ids 1..N without gaps (Parca's rule). Addresses are not
 * kept by the display stacks, so locations carry none: the profile needs no binary to read.
 * period_type space/bytes, period 1, or the sampling rate for a sampled trace (whose values are
 * then heapfold_print's estimates).
 *
 * The protobuf wire format is written by hand (lib/format/hf_pb.h, which the recorder's live
 * profiles share): the profile's few messages do not call for a protobuf library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>

#include "../accum/hfp_accum.h"
#include "../core/hfp_buf.h"
#include "../core/hfp_hash.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_options.h"
#include "../symbol/hfp_stack.h"
#include "heapfold_trace.h"
#include "hf_pb.h"
#include "hfp_emit.h"

/* ---- the wire format -------------------------------------------------------------------------- */

static void put_varint(struct hfp_buf *b, uint64_t v)
{
	uint8_t c[HF_VARINT_MAX];
	hfp_buf_put(b, c, (size_t)(hf_put_varint(c, v) - c));
}

static void put_uint(struct hfp_buf *b, unsigned field, uint64_t v)
{
	uint8_t c[HF_PB_MAX_HEAD];
	hfp_buf_put(b, c, (size_t)(hf_pb_uint(c, field, v) - c));
}

static void put_bytes(struct hfp_buf *b, unsigned field, const void *p, size_t n)
{
	uint8_t c[HF_PB_MAX_HEAD];
	hfp_buf_put(b, c, (size_t)(hf_pb_len(c, field, n) - c));
	hfp_buf_put(b, p, n);
}

static void put_message(struct hfp_buf *b, unsigned field, struct hfp_buf *m)
{
	put_bytes(b, field, m->p, m->len);
	m->len = 0;
}

/* ---- the string table and the ids -------------------------------------------------------------- */

struct str_ent {
	const char *s; /* the key: interned strings, compared by pointer */
	uint64_t id;
};

static const struct hfp_hash_type ptr_type = {
	.entry_size = sizeof(struct str_ent),
	.key_size = sizeof(const char *),
	.min_cap = 256,
	.max_load = 50,
};

/* A function is a name in a file (two static functions of one name in two files are two). */
struct func_ent {
	const char *name, *file; /* the key */
	uint64_t id;
};

static const struct hfp_hash_type func_type = {
	.entry_size = sizeof(struct func_ent),
	.key_size = 2 * sizeof(const char *),
	.min_cap = 256,
	.max_load = 50,
};

struct pp {
	struct hfp_buf out, m, sub;
	struct hfp_hash strings; /* interned string -> index in the string table */
	uint64_t nstrings;
	struct hfp_hash funcs;   /* (frame name, file) -> function id */
	uint64_t nfuncs;
	struct hfp_hash maps;    /* module path -> mapping id */
	uint64_t nmaps;
	const struct hfp_stacks *s;
	const struct hfp_emit_in *in;
};

static uint64_t string_id(struct pp *p, const char *s)
{
	if (!s || !*s)
		return 0; /* string_table[0] is "" */
	int added;
	struct str_ent *e = hfp_hash_put(&p->strings, &s, sizeof s, &added);
	if (added) {
		e->id = ++p->nstrings;
		put_bytes(&p->out, 6, s, strlen(s));
	}
	return e->id;
}

static uint64_t mapping_id(struct pp *p, const char *path)
{
	if (!path || !*path)
		return 0;
	int added;
	struct str_ent *e = hfp_hash_put(&p->maps, &path, sizeof path, &added);
	if (added) {
		e->id = ++p->nmaps;
		put_uint(&p->m, 1, e->id);
		put_uint(&p->m, 5, string_id(p, path)); /* filename */
		size_t blen = 0;
		const uint8_t *bid = p->in->build_id ? p->in->build_id(p->in->build_id_ctx, path, &blen) : NULL;
		if (bid && blen) { /* build_id: lower-case hex, as pprof and Parca write it */
			char hex[2 * 64 + 1];
			size_t k = 0;
			for (size_t i = 0; i < blen && k + 2 < sizeof hex; i++)
				k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x", bid[i]);
			put_bytes(&p->out, 6, hex, k); /* a string of its own: not interned */
			put_uint(&p->m, 6, ++p->nstrings);
		}
		put_uint(&p->m, 7, 1);                  /* has_functions */
		put_uint(&p->m, 8, 1);                  /* has_filenames */
		put_uint(&p->m, 9, 1);                  /* has_line_numbers */
		put_uint(&p->m, 10, 1);                 /* has_inline_frames */
		put_message(&p->out, 3, &p->m);
	}
	return e->id;
}

static uint64_t function_id(struct pp *p, const struct hfp_frame *f)
{
	int added;
	const char *key[2] = { f->name, f->file };
	struct func_ent *e = hfp_hash_put(&p->funcs, key, sizeof key, &added);
	if (added) {
		e->id = ++p->nfuncs;
		uint64_t name = string_id(p, f->name);
		put_uint(&p->m, 1, e->id);
		put_uint(&p->m, 2, name);                      /* name */
		put_uint(&p->m, 3, name);                      /* system_name */
		put_uint(&p->m, 4, string_id(p, f->file));     /* filename */
		put_message(&p->out, 5, &p->m);
	}
	return e->id;
}

/* ---- the profile ------------------------------------------------------------------------------- */

static void value_type(struct pp *p, unsigned field, const char *type, const char *unit)
{
	put_uint(&p->m, 1, string_id(p, type));
	put_uint(&p->m, 2, string_id(p, unit));
	put_message(&p->out, field, &p->m);
}

/* Writes b gzip-compressed to f: a gzip member for each GZ_CHUNK bytes, which readers of gzip
 * take as one stream (RFC 1952 2.2; Go's compress/gzip, so go tool pprof, Pyroscope and Parca;
 * zcat), compressed by libdeflate at zlib's default level: zlib's deflate was a quarter of the
 * time of --pprof on a million distinct stacks. libdeflate compresses whole buffers only: by
 * members, the output buffer is a chunk's, not the profile's. 0 or -1. */
#define GZ_CHUNK (4u << 20)

static int write_gzip(FILE *f, const struct hfp_buf *b)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	if (!c)
		return -1;
	size_t cap = libdeflate_gzip_compress_bound(c, GZ_CHUNK);
	unsigned char *out = hfp_reallocarray(NULL, cap, 1);
	int bad = 0;
	size_t at = 0;
	do { /* an empty profile is one empty member */
		size_t n = b->len - at < GZ_CHUNK ? b->len - at : GZ_CHUNK;
		size_t z = libdeflate_gzip_compress(c, b->p + at, n, out, cap);
		if (!z || fwrite(out, 1, z, f) != z)
			bad = 1;
		at += n;
	} while (!bad && at < b->len);
	free(out);
	libdeflate_free_compressor(c);
	return bad ? -1 : 0;
}

static int emit_pprof(FILE *f, const struct hfp_emit_in *in)
{
	const struct hfp_stacks *s = in->stacks;
	struct pp p = { .s = s, .in = in };
	hfp_hash_init(&p.strings, &ptr_type, NULL);
	hfp_hash_init(&p.funcs, &func_type, NULL);
	hfp_hash_init(&p.maps, &ptr_type, NULL);
	put_bytes(&p.out, 6, "", 0); /* string_table[0] */

	value_type(&p, 1, "alloc_objects", "count");
	value_type(&p, 1, "alloc_space", "bytes");
	value_type(&p, 1, "inuse_objects", "count");
	value_type(&p, 1, "inuse_space", "bytes");

	/* A location per displayed frame id that a stack uses: ids 1..N in order of first use. */
	uint64_t *loc = hfp_calloc(s->nframe ? s->nframe : 1, sizeof *loc), nloc = 0;
	struct hfp_framebuf fb = { 0 };
	for (size_t i = 0; i < s->nd; i++) {
		struct hfp_dstack dv = hfp_stacks_get(s, i);
		const struct hfp_dstack *d = &dv;
		const struct hfp_costs *c = &d->c;
		if (!c->allocations && !c->leaked_count)
			continue;
		const uint32_t *frames = hfp_dstack_frames(s, d, &fb);
		for (uint32_t k = 0; k < d->depth; k++) {
			uint32_t fid = frames[k];
			if (loc[fid])
				continue;
			const struct hfp_frame *fr = &s->frame[fid];
			uint64_t func = function_id(&p, fr), map = mapping_id(&p, fr->module);
			loc[fid] = ++nloc;
			put_uint(&p.m, 1, nloc);
			put_uint(&p.m, 2, map);
			put_uint(&p.sub, 1, func);
			put_uint(&p.sub, 2, fr->line);
			put_message(&p.m, 4, &p.sub); /* line */
			put_message(&p.out, 4, &p.m);
		}
		/* The sample: locations innermost first, then the four values. */
		for (uint32_t k = d->depth; k-- > 0;)
			put_varint(&p.sub, loc[frames[k]]);
		put_message(&p.m, 1, &p.sub); /* packed location_id */
		put_varint(&p.sub, c->allocations);
		put_varint(&p.sub, c->bytes);
		put_varint(&p.sub, c->leaked_count);
		put_varint(&p.sub, c->leaked);
		put_message(&p.m, 2, &p.sub); /* packed value */
		put_message(&p.out, 2, &p.m);
	}
	free(loc);
	hfp_framebuf_free(&fb);

	uint64_t rate = in->acc ? in->acc->sample_rate : 0;
	value_type(&p, 11, "space", "bytes"); /* period_type */
	put_uint(&p.out, 12, rate ? rate : 1);  /* period */
	if (in->info) {
		put_uint(&p.out, 9, in->info->start_realtime_ns); /* time_nanos */
		if (in->info->complete)
			put_uint(&p.out, 10, in->info->close.end_time_ns); /* duration_nanos */
	}
	put_uint(&p.out, 13, string_id(&p, rate ? "heapfold: a sampled trace; every value is an estimate"
					     : "heapfold: every allocation recorded"));
	put_uint(&p.out, 14, string_id(&p, "inuse_space")); /* default_sample_type */

	int rc = write_gzip(f, &p.out);
	hfp_buf_free(&p.out);
	hfp_buf_free(&p.m);
	hfp_buf_free(&p.sub);
	hfp_hash_free(&p.strings);
	hfp_hash_free(&p.funcs);
	hfp_hash_free(&p.maps);
	return rc || ferror(f) ? -1 : 0;
}

static const char *pprof_path(const struct hfp_options *o)
{
	return o->pprof;
}

const struct hfp_emitter hfp_emitter_pprof = {
	.path = pprof_path,
	.write = emit_pprof,
};
