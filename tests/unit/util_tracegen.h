/* util_tracegen.h: a test-side trace builder. It writes records with the hf_codec.h encoders
 * and chunks with hf_chunk_encode, keeping the decoder registers the way the recorder does, so
 * tests say what happened (thread 2 allocated p at epoch 5) and get a valid trace; and it can
 * break that trace on purpose (raw bytes, patched headers, reordered or dropped members).
 *
 * Errors in the test's own use of the builder abort (they are bugs of the test). */
#ifndef UTIL_TRACEGEN_H
#define UTIL_TRACEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "heapfold_trace.h"

struct tg;

struct tg_header {
	unsigned major, minor; /* of the HEADER record; major 1: of every chunk too (format 1) */
	uint64_t pid, ppid, start_realtime, clock_resolution, page_size, pointer_size;
	unsigned link_mode;
	const char *exe;
	size_t argc;
	const char *const *argv;
	const char *libc, *recorder;
	size_t nopt;
	const char *const *opt_name, *const *opt_value;
	uint64_t sample_bytes; /* written from format 1.2 on, unless no_sample_bytes */
	int no_sample_bytes;
	int omit; /* write no HEADER record at all */
};

void tg_header_defaults(struct tg_header *h);

/* A builder whose meta stream starts with the HEADER h (defaults if NULL). */
struct tg *tg_new(const struct tg_header *h);
void tg_destroy(struct tg *g);
/* zlib level of the chunks (default 6), and a body size after which a stream is flushed
 * automatically before its next record (0, the default: only explicit flushes). */
void tg_set_level(struct tg *g, int level);
void tg_set_chunk_size(struct tg *g, size_t n);
/* Thread chunks' bodies in columns (format 4, as the recorder writes them; default: records). */
void tg_set_columns(struct tg *g, int on);

/* ---- meta records (stream 0) ---- */
void tg_module(struct tg *g, uint32_t id, const char *path, const void *build_id, size_t bid_len,
	       uint64_t bias, size_t nseg, const struct hf_segment *seg);
void tg_module_unload(struct tg *g, uint32_t id);
uint32_t tg_node(struct tg *g, uint32_t parent, uint64_t frame); /* returns the new id */
void tg_symbols(struct tg *g, uint32_t module, size_t n, const struct hf_symbol *sym);
void tg_sample(struct tg *g, uint64_t epoch, uint64_t dt, uint64_t rss); /* epoch: absolute */
/* Flushes every stream (in stream order), then writes CLOSE with the builder's own totals, or
 * with *override if not NULL, into a last meta chunk. */
struct tg_totals {
	uint64_t allocations, frees, failed, bytes, threads, nodes, chunks, end_time, exit_status;
};
void tg_close(struct tg *g, const struct tg_totals *override);
void tg_totals(const struct tg *g, struct tg_totals *out); /* what tg_close would write now */

/* ---- event records (stream s >= 1) ---- */
void tg_thread_start(struct tg *g, uint32_t s, uint64_t tid, uint32_t parent, const char *name);
void tg_thread_end(struct tg *g, uint32_t s);
void tg_mark(struct tg *g, uint32_t s, const char *label);
void tg_epoch(struct tg *g, uint32_t s, uint64_t c); /* EPOCH up to absolute c (> current) */
void tg_time(struct tg *g, uint32_t s, uint64_t d);
void tg_alloc(struct tg *g, uint32_t s, uint32_t node, uint64_t size, uint64_t ptr);
void tg_free(struct tg *g, uint32_t s, uint64_t ptr, uint64_t e); /* e >= the stream's C */
void tg_free_last(struct tg *g, uint32_t s);
/* Format 4: ALLOC_RECENT and FREE_RECENT with the place given (the reader's rings decide the address). */
void tg_alloc_recent(struct tg *g, uint32_t s, uint32_t node, uint64_t size, unsigned place, uint64_t ptr);
void tg_free_recent(struct tg *g, uint32_t s, unsigned place, uint64_t e);
/* Format 6: ALLOC_AT and FREE_AT, the place in the tag; FREE_AT frees at the stream's epoch (an
 * EPOCH record first, tg_epoch, for a later one). */
void tg_alloc_at(struct tg *g, uint32_t s, uint32_t node, uint64_t size, unsigned place, uint64_t ptr);
void tg_free_at(struct tg *g, uint32_t s, unsigned place);
/* REALLOC_LAST: the block just allocated, reallocated in place (format 2). */
void tg_realloc_last(struct tg *g, uint32_t s, uint32_t node, uint64_t size);
void tg_realloc(struct tg *g, uint32_t s, uint32_t node, uint64_t size, uint64_t old, uint64_t ptr,
		uint64_t e, uint64_t r);
void tg_alloc_failed(struct tg *g, uint32_t s, uint32_t node, uint64_t size);
/* Sets a stream's epoch register without a record: the next chunk's epoch_start says it. */
void tg_set_start_epoch(struct tg *g, uint32_t s, uint64_t c);
uint64_t tg_epoch_of(const struct tg *g, uint32_t s);

/* Raw bytes appended to stream s's body, counted as `records` records (meta or events). */
void tg_raw(struct tg *g, uint32_t s, const void *bytes, size_t n, uint32_t records);
/* A whole chunk of stream s whose body is given in columns (format.md 2.4), written at once. */
void tg_raw_columns(struct tg *g, uint32_t s, const void *body, size_t n, uint32_t records);

/* Ends stream s's current chunk (nothing happens if it holds no record). Returns the member's
 * index or -1. */
int tg_flush(struct tg *g, uint32_t s);
/* Flushes s even if empty (a chunk with no records). */
int tg_flush_empty(struct tg *g, uint32_t s);

/* ---- the members (chunks) ---- */
size_t tg_member_count(const struct tg *g);
/* Events (struct hf_event) the member's records produce, its stream and its seq. */
size_t tg_member_events(const struct tg *g, size_t i);
uint32_t tg_member_stream(const struct tg *g, size_t i);
/* Byte access to member i (to patch its header: the header is not covered by the CRC). */
uint8_t *tg_member_bytes(struct tg *g, size_t i, size_t *len);
void tg_patch_u32(struct tg *g, size_t i, size_t hdr_off, uint32_t v); /* hdr_off: in the 48 */
void tg_patch_u64(struct tg *g, size_t i, size_t hdr_off, uint64_t v);
void tg_patch_u8(struct tg *g, size_t i, size_t hdr_off, uint8_t v);
/* The file order of the members: a permutation (or a subset, to drop some) of their indices. */
void tg_set_order(struct tg *g, const size_t *order, size_t n);
/* The file: members in order. *len is its size; the buffer belongs to g and stays valid until
 * a member is added or the order changes. */
const uint8_t *tg_file(struct tg *g, size_t *len);
/* Where member i ends in the file (offset of its last byte + 1), or 0 if it is not in it. */
size_t tg_member_end(struct tg *g, size_t i);
/* Writes the file to path; returns path. */
const char *tg_write(struct tg *g, const char *path);
/* Bytes fed to the compressor and bytes of members, over all chunks so far. */
void tg_sizes(const struct tg *g, uint64_t *raw, uint64_t *members);

/* ---- helpers for tests ---- */
/* A fresh path in the test's scratch directory (HF_TEST_TMP, TMPDIR or /tmp), to free(). */
char *tg_tmp_path(const char *name);
int tg_write_bytes(const char *path, const void *p, size_t n);

/* All events of a trace, read with the public API. */
struct tg_read {
	int open_rc, next_rc; /* next_rc: HF_TRACE_END or the error */
	char error[512];
	size_t nwarn;
	char warn[4][512];
	struct hf_trace_info info;
	struct hf_event *ev; /* text fields are copied into texts, ev[i].text points there */
	size_t nev;
	char *texts;
};
/* Reads path; stops after max_events (then next_rc is HF_TRACE_OK). Reads it again with
 * hf_trace_each and aborts, saying where, if that gives anything else. */
void tg_read_all(const char *path, struct tg_read *r, size_t max_events);
void tg_read_free(struct tg_read *r);

#endif
