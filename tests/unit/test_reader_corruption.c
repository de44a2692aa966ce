/* test_reader_corruption.c: damaged and hostile traces give a one-line error naming the place,
 * never a crash, a hang, or a silent wrong answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define ZLIB_CONST
#include <zlib.h>

#include "hf_codec.h"
#include "hf_columns.h"
#include "util_tracegen.h"

/* Chunk header field offsets (format.md 1). */
enum { H_MAJOR = 0, H_MINOR = 1, H_KIND = 2, H_STREAM = 4, H_SEQ = 8, H_CLEN = 12, H_ULEN = 16,
       H_RECORDS = 20, H_EPOCH_START = 24, H_EPOCH_END = 32 };

struct fixture {
	struct tg *g;
	uint32_t main_, m, re;
};

static void begin(struct fixture *f, const struct tg_header *h)
{
	f->g = tg_new(h);
	f->main_ = tg_node(f->g, 0, 0x401000);
	f->m = tg_node(f->g, f->main_, HF_FRAME_MALLOC);
	f->re = tg_node(f->g, f->main_, HF_FRAME_REALLOC);
}

/* Writes the trace, reads it; the error must be `code` (at open if at_open, else from
 * hf_trace_next) and its message must contain want. */
static void expect_error(struct fixture *f, int at_open, int code, const char *want)
{
	char *path = tg_tmp_path("corrupt.gz");
	tg_write(f->g, path);
	struct tg_read r;
	tg_read_all(path, &r, SIZE_MAX);
	int rc = at_open ? r.open_rc : r.next_rc;
	if (rc != code || !strstr(r.error, want) || (!at_open && r.open_rc != HF_TRACE_OK))
		fail_msg("open %d next %d, want %d at %s: \"%s\" (want \"%s\")", r.open_rc, r.next_rc, code,
			 at_open ? "open" : "next", r.error, want);
	assert_null(strchr(r.error, '\n'));
	tg_read_free(&r);
	unlink(path);
	free(path);
	tg_destroy(f->g);
}

static size_t member_offset(struct tg *g, size_t i)
{
	size_t len;
	tg_member_bytes(g, i, &len);
	return tg_member_end(g, i) - len;
}

/* ---- random damage ---- */

struct key_ev {
	uint64_t key, ptr, old_ptr, size;
	int type;
	uint32_t flags, node;
};

static int key_ev_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct key_ev));
}

static struct key_ev *normalized(const struct tg_read *r)
{
	struct key_ev *v = calloc(r->nev + 1, sizeof *v);
	for (size_t i = 0; i < r->nev; i++) {
		const struct hf_event *e = &r->ev[i];
		v[i].key = e->key;
		v[i].ptr = e->ptr;
		v[i].old_ptr = e->old_ptr;
		v[i].size = e->size;
		v[i].type = e->type;
		v[i].flags = e->flags;
		v[i].node = e->node;
	}
	qsort(v, r->nev, sizeof *v, key_ev_cmp);
	return v;
}

static void test_flipped_bytes_never_crash_and_stay_consistent(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	struct tg *g = f.g;
	tg_thread_start(g, 1, 10, 0, "main");
	tg_alloc(g, 1, f.m, 100, 0x1000);
	tg_alloc(g, 1, f.m, 7, 0x1100);
	tg_free_last(g, 1);
	tg_flush(g, 1);
	tg_alloc(g, 2, f.m, 20, 0x2000);
	tg_mark(g, 2, "x");
	tg_flush(g, 2);
	tg_sample(g, 1, 3, 4096);
	tg_free(g, 1, 0x2000, 0);
	tg_realloc(g, 1, f.re, 30, 0x1000, 0x3000, 1, 2);
	tg_flush(g, 1);
	tg_close(g, NULL);
	size_t size;
	const uint8_t *orig = tg_file(g, &size);
	char *path = tg_tmp_path("flip.gz");
	struct tg_read full;
	tg_write(g, path);
	tg_read_all(path, &full, SIZE_MAX);
	assert_int_equal(full.next_rc, HF_TRACE_END);
	struct key_ev *want = normalized(&full);

	uint8_t *buf = malloc(size);
	const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x10 };
	size_t errors = 0, silent = 0, partial = 0;
	for (size_t i = 0; i < size; i++) {
		for (size_t k = 0; k < sizeof masks; k++) {
			memcpy(buf, orig, size);
			buf[i] ^= masks[k];
			assert_int_equal(tg_write_bytes(path, buf, size), 0);
			struct tg_read r;
			tg_read_all(path, &r, 10 * full.nev + 10);
			if (r.open_rc != HF_TRACE_OK || r.next_rc != HF_TRACE_END) {
				/* An error: one line, a place named. */
				assert_true(r.open_rc < 0 || r.next_rc < 0);
				assert_true(r.error[0] != 0);
				assert_null(strchr(r.error, '\n'));
				errors++;
			} else {
				for (size_t e = 1; e < r.nev; e++)
					assert_true(r.ev[e - 1].key <= r.ev[e].key);
				if (r.info.complete && !r.info.truncated_bytes) {
					/* Read without complaint: the same events (only the fields the CRC
					 * does not cover may differ: times, thread numbers, flags). */
					assert_int_equal(r.nev, full.nev);
					struct key_ev *got = normalized(&r);
					assert_memory_equal(got, want, full.nev * sizeof *got);
					free(got);
					silent++;
				} else {
					partial++; /* a damaged clen made the rest look cut off */
				}
			}
			tg_read_free(&r);
		}
	}
	print_message("%zu bytes x %zu masks: %zu errors, %zu read the same, %zu read as cut short\n",
		      size, sizeof masks, errors, silent, partial);
	assert_true(errors > size); /* most damage is detected */
	free(buf);
	free(want);
	tg_read_free(&full);
	unlink(path);
	free(path);
	tg_destroy(g);
}

/* ---- not a trace, other versions ---- */

static void test_not_gzip_file_is_not_a_trace(void **state)
{
	(void)state;
	char *path = tg_tmp_path("text.gz");
	struct tg_read r;
	assert_int_equal(tg_write_bytes(path, "hello, world\n", 13), 0);
	tg_read_all(path, &r, 10);
	assert_int_equal(r.open_rc, HF_TRACE_ERR_NOT_TRACE);
	assert_string_equal(r.error, "not a gzip file");
	tg_read_free(&r);
	assert_int_equal(tg_write_bytes(path, "x", 1), 0);
	tg_read_all(path, &r, 10);
	assert_int_equal(r.open_rc, HF_TRACE_ERR_NOT_TRACE);
	tg_read_free(&r);
	unlink(path);
	free(path);
}

static void test_plain_gzip_file_is_not_a_heapfold_trace(void **state)
{
	(void)state;
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	uint8_t out[4096];
	const char text[] = "just a gzip file, written by zlib like gzip(1) would";
	zs.next_in = (const Bytef *)text;
	zs.avail_in = sizeof text;
	zs.next_out = out;
	zs.avail_out = sizeof out;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	char *path = tg_tmp_path("plain.gz");
	for (int big = 0; big < 2; big++) {
		/* Shorter than a chunk header, and longer. */
		size_t n = big ? 100 + zs.total_out : zs.total_out;
		assert_int_equal(tg_write_bytes(path, out, n), 0);
		struct tg_read r;
		tg_read_all(path, &r, 10);
		assert_int_equal(r.open_rc, HF_TRACE_ERR_NOT_TRACE);
		assert_string_equal(r.error, "gzip file, but not a heapfold trace");
		tg_read_free(&r);
	}
	deflateEnd(&zs);
	unlink(path);
	free(path);
}

static void test_future_major_version_names_both_versions(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	tg_close(f.g, NULL);
	tg_patch_u8(f.g, 0, H_MAJOR, 7);
	expect_error(&f, 1, HF_TRACE_ERR_VERSION, "trace format 7.0 is newer than this reader (6.0)");
	begin(&f, NULL);
	tg_close(f.g, NULL);
	tg_patch_u8(f.g, 0, H_MAJOR, 0);
	expect_error(&f, 1, HF_TRACE_ERR_VERSION, "trace format 0.0 is older than this reader (6.0)");

	/* The HEADER record's version counts too. */
	struct tg_header h;
	tg_header_defaults(&h);
	h.major = 7;
	h.minor = 1;
	begin(&f, &h);
	tg_close(f.g, NULL);
	expect_error(&f, 1, HF_TRACE_ERR_VERSION, "trace format 7.1 is newer than this reader (6.0)");

	/* A later chunk with another major version is damage. */
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u8(f.g, 1, H_MAJOR, 1);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "format version 1.0 differs from the trace's 6.0");
}

static void test_missing_header_record_is_not_a_trace(void **state)
{
	(void)state;
	struct tg_header h;
	tg_header_defaults(&h);
	h.omit = 1;
	struct fixture f;
	begin(&f, &h);
	tg_close(f.g, NULL);
	expect_error(&f, 1, HF_TRACE_ERR_NOT_TRACE, "gzip file, but not a heapfold trace (no HEADER record)");
}

/* ---- the chunk index ---- */

static void test_seq_gap_is_corruption(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	for (int i = 0; i < 3; i++) {
		tg_alloc(f.g, 1, f.m, 1, 0x1000 + (uint64_t)i);
		tg_flush(f.g, 1);
	}
	tg_close(f.g, NULL);
	/* Members: 0 meta, 1..3 stream 1, 4 close. Drop seq 1. */
	size_t order[] = { 0, 1, 3, 4 };
	tg_set_order(f.g, order, 4);
	char want[128];
	snprintf(want, sizeof want,
		 "corrupt chunk at offset %zu (stream 1, seq 2): expected seq 1 of stream 1 (a chunk is missing)",
		 member_offset(f.g, 3));
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, want);
}

static void test_stream_order_and_kinds_are_checked(void **state)
{
	(void)state;
	struct fixture f;
	/* An event chunk first. */
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	size_t order[] = { 1, 0, 2 };
	tg_set_order(f.g, order, 3);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "the first chunk must be chunk 0 of the meta stream");
	/* A thread chunk claiming stream 0, an unknown kind. */
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u32(f.g, 1, H_STREAM, 0);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "a thread event chunk cannot belong to stream 0");
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u8(f.g, 1, H_KIND, 7);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "(stream 1, seq 0): unknown chunk kind 7");
}

static void test_chunk_header_limits_are_enforced(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u32(f.g, 1, H_ULEN, (16u << 20) + 1);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "ulen 16777217 exceeds the limit of 16777216 bytes");

	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u32(f.g, 1, H_CLEN, 2000);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "clen 2000 is too large for ulen 5");

	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u32(f.g, 1, H_RECORDS, 6);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "6 records cannot fit in ulen 5 bytes");

	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_flush(f.g, 1);
	tg_epoch(f.g, 1, 5);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u64(f.g, 2, H_EPOCH_START, 0); /* the second chunk starts below... */
	tg_patch_u64(f.g, 1, H_EPOCH_END, 3);   /* ...where the first ends */
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "epoch_start 0 is below epoch_end 3 of the stream's previous chunk");
}

static void test_record_count_and_epoch_end_are_checked(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_alloc(f.g, 1, f.m, 1, 0x1010);
	tg_close(f.g, NULL);
	tg_patch_u32(f.g, 1, H_RECORDS, 3);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "the body holds 2 records, the header says 3");

	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_alloc(f.g, 1, f.m, 1, 0x1010);
	tg_close(f.g, NULL);
	tg_patch_u32(f.g, 1, H_RECORDS, 1);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "more records than the header's 1 at body byte 5");

	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_free(f.g, 1, 0x1000, 4);
	tg_close(f.g, NULL);
	tg_patch_u64(f.g, 1, H_EPOCH_END, 9);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "the epoch register ends at 5, the header says epoch_end 9");
}

static void test_close_totals_mismatch_is_reported(void **state)
{
	(void)state;
	static const char *const what[] = { "allocations", "frees", "failed allocations", "bytes",
					    "threads", "nodes", "chunks" };
	for (size_t field = 0; field < 7; field++) {
		struct fixture f;
		begin(&f, NULL);
		tg_alloc(f.g, 1, f.m, 10, 0x1000);
		tg_alloc(f.g, 1, f.m, 20, 0x2000);
		tg_free_last(f.g, 1);
		tg_realloc(f.g, 1, f.re, 30, 0x1000, 0x3000, 0, 1);
		tg_alloc_failed(f.g, 2, f.m, 40);
		struct tg_totals t;
		tg_flush(f.g, 1);
		tg_flush(f.g, 2);
		tg_totals(f.g, &t);
		assert_int_equal(t.allocations, 3);
		assert_int_equal(t.frees, 2);
		assert_int_equal(t.bytes, 60);
		assert_int_equal(t.chunks, 4);
		uint64_t *v[] = { &t.allocations, &t.frees, &t.failed, &t.bytes, &t.threads, &t.nodes,
				  &t.chunks };
		uint64_t held = *v[field];
		*v[field] += 1;
		tg_close(f.g, &t);
		char want[128];
		snprintf(want, sizeof want, "totals mismatch: CLOSE says %llu %s, trace holds %llu",
			 (unsigned long long)held + 1, what[field], (unsigned long long)held);
		expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, want);
	}
}

/* ---- records ---- */

static void test_bad_record_tag_names_chunk_and_body_offset(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000); /* 5 bytes: tag, node, size, 2-byte pointer delta */
	tg_raw(f.g, 1, "\x9a", 1, 1);
	tg_close(f.g, NULL);
	char want[128];
	snprintf(want, sizeof want, "corrupt chunk at offset %zu (stream 1, seq 0): bad record tag 0x9a at body byte 5",
		 member_offset(f.g, 1));
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, want);

	const struct {
		uint32_t stream;
		const char *bytes;
		size_t n;
		const char *want;
	} cases[] = {
		{ 1, "\x00", 1, "bad record tag 0x00 at body byte 0" },
		{ 1, "\x0b", 1, "bad record tag 0x0b at body byte 0" },
		{ 1, "\x53\x02\x00\x01", 4, "record 0x53 at body byte 0: meta record in a thread chunk" },
		{ 0, "\x01\x02\x05\x00", 4, "event record tag 0x01 in a meta chunk at body byte" },
		{ 0, "\x42\x01\x00", 3, "thread record tag 0x42 in a meta chunk" },
		{ 0, "\xff", 1, "bad record tag 0xff" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		begin(&f, NULL);
		tg_raw(f.g, cases[i].stream, cases[i].bytes, cases[i].n, 1);
		tg_close(f.g, NULL);
		expect_error(&f, cases[i].stream == 0, HF_TRACE_ERR_CORRUPT, cases[i].want);
	}
}

static void test_lengths_beyond_their_bounds_are_corruption(void **state)
{
	(void)state;
	struct fixture f;
	const struct {
		uint32_t stream;
		const char *bytes;
		size_t n;
		const char *want;
	} cases[] = {
		/* A sized record longer than the body. */
		{ 1, "\x42\x09\x01x", 4, "record length runs past the end of the body" },
		{ 0, "\x53\x7f\x00", 3, "record length runs past the end of the body" },
		/* A fixed record cut by the end of the body. */
		{ 1, "\x01\x02\x05", 3, "ALLOC record at body byte 0: truncated or invalid field" },
		{ 1, "\x02\x80", 2, "FREE record at body byte 0: truncated or invalid field" },
		/* A varint of 11 bytes. */
		{ 1, "\x07\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 12, "TIME record at body byte 0" },
		/* A string longer than its record. */
		{ 1, "\x42\x02\x05x", 4, "MARK record at body byte 0: truncated or invalid field" },
		/* A NODE whose fields overrun its record. */
		{ 0, "\x53\x01\x00", 3, "bad NODE record at body byte" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		begin(&f, NULL);
		tg_raw(f.g, cases[i].stream, cases[i].bytes, cases[i].n, 1);
		tg_close(f.g, NULL);
		expect_error(&f, cases[i].stream == 0, HF_TRACE_ERR_CORRUPT, cases[i].want);
	}

	/* A string over 64 KiB, even with its bytes present. */
	size_t n = 70000 + 16;
	uint8_t *big = calloc(1, n), *p = big;
	*p++ = HF_TAG_MARK;
	p = hf_put_varint(p, 70000 + 3);
	p = hf_put_varint(p, 70000);
	memset(p, 'a', 70000);
	p += 70000;
	begin(&f, NULL);
	tg_raw(f.g, 1, big, (size_t)(p - big), 1);
	tg_close(f.g, NULL);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "MARK record at body byte 0: truncated or invalid field");
	free(big);
}

/* The records before one that must directly follow an allocation of its chunk (where: 0 to 4),
 * so that it does not. */
static void not_after_allocation(struct fixture *f, int where)
{
	switch (where) {
	case 0: /* first record */
		break;
	case 1: /* after a FREE */
		tg_alloc(f->g, 1, f->m, 1, 0x1000);
		tg_free(f->g, 1, 0x1000, 0);
		break;
	case 2: /* after a FREE_LAST */
		tg_alloc(f->g, 1, f->m, 1, 0x1000);
		tg_free_last(f->g, 1);
		break;
	case 3: /* after an EPOCH between it and its allocation */
		tg_alloc(f->g, 1, f->m, 1, 0x1000);
		tg_epoch(f->g, 1, 4);
		break;
	case 4: /* in the chunk after its allocation's */
		tg_alloc(f->g, 1, f->m, 1, 0x1000);
		tg_flush(f->g, 1);
		break;
	}
}

static void test_free_last_out_of_place_is_corruption(void **state)
{
	(void)state;
	struct fixture f;
	for (int where = 0; where < 5; where++) {
		begin(&f, NULL);
		not_after_allocation(&f, where);
		tg_free_last(f.g, 1);
		tg_close(f.g, NULL);
		expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "FREE_LAST record at body byte");
	}
	begin(&f, NULL);
	tg_alloc_failed(f.g, 1, f.m, 1);
	tg_free_last(f.g, 1);
	tg_close(f.g, NULL);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "FREE_LAST not directly after ALLOC, REALLOC or REALLOC_LAST");
}

/* REALLOC_LAST (format 2) follows the same rule; in a format 1 trace its tag is unknown. */
static void test_realloc_last_out_of_place_is_corruption(void **state)
{
	(void)state;
	struct fixture f;
	for (int where = 0; where < 5; where++) {
		begin(&f, NULL);
		not_after_allocation(&f, where);
		tg_realloc_last(f.g, 1, f.re, 2);
		tg_close(f.g, NULL);
		expect_error(&f, 0, HF_TRACE_ERR_CORRUPT,
			     "REALLOC_LAST not directly after ALLOC, REALLOC or REALLOC_LAST");
	}
	struct tg_header h;
	tg_header_defaults(&h);
	h.major = 1;
	h.minor = 2;
	begin(&f, &h);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_realloc_last(f.g, 1, f.re, 2);
	tg_close(f.g, NULL);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "bad record tag 0x08 at body byte 5");
}

/* Format 4's recent addresses: a place past the ring, a place nothing was pushed to, a size class
 * no allocation had (the size 1 allocated is in class 1, the record's 32 or 64 is not), the
 * class place in a trace of format 4 (which had no K), and the two tags in a trace of format 3,
 * which did not have them; the same for format 6's ALLOC_AT and FREE_AT (places in the tag), which
 * format 5 did not have. */
static void test_recent_places_must_name_addresses(void **state)
{
	(void)state;
	struct fixture f;
	const struct {
		unsigned major;
		const char *bytes;
		size_t n;
		const char *want;
	} cases[] = {
		{ 4, "\x0a\x10\x00", 3, "FREE_RECENT record at body byte 5: truncated or invalid field" },
		{ 4, "\x0a\x01\x00", 3, "FREE_RECENT record at body byte 5: names an empty place of the recent allocations" },
		{ 4, "\x09\x02\x01\x00", 4, "ALLOC_RECENT record at body byte 5: names an empty place of the recent frees" },
		{ 5, "\x09\x02\x40\x10", 4, "ALLOC_RECENT record at body byte 5: names an empty size-class slot" },
		{ 5, "\x09\x02\x01\x11", 4, "ALLOC_RECENT record at body byte 5: truncated or invalid field" },
		{ 4, "\x09\x02\x00\x10", 4, "ALLOC_RECENT record at body byte 5: truncated or invalid field" },
		{ 3, "\x0a\x00\x00", 3, "bad record tag 0x0a at body byte 5" },
		{ 3, "\x09\x02\x01\x00", 4, "bad record tag 0x09 at body byte 5" },
		{ 6, "\x22", 1, "FREE_AT record at body byte 5: names an empty place of the recent allocations" },
		{ 6, "\x11\x02\x01", 3, "ALLOC_AT record at body byte 5: names an empty place of the recent frees" },
		{ 6, "\x20\x02\x40", 3, "ALLOC_AT record at body byte 5: names an empty size-class slot" },
		{ 6, "\x10\x02", 2, "ALLOC_AT record at body byte 5: truncated or invalid field" },
		{ 5, "\x21", 1, "bad record tag 0x21 at body byte 5" },
		{ 5, "\x10\x02\x01", 3, "bad record tag 0x10 at body byte 5" },
		{ 6, "\x31", 1, "bad record tag 0x31 at body byte 5" },
		{ 6, "\x0f", 1, "bad record tag 0x0f at body byte 5" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tg_header h;
		tg_header_defaults(&h);
		h.major = cases[i].major;
		begin(&f, &h);
		tg_alloc(f.g, 1, f.m, 1, 0x1000); /* 5 bytes: A holds 0x1000, F nothing */
		tg_raw(f.g, 1, cases[i].bytes, cases[i].n, 1);
		tg_close(f.g, NULL);
		expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, cases[i].want);
	}
}

/* A thread chunk's body in columns (format 4): lengths that do not fit it, a field its column
 * does not hold, a column with bytes left over, a meta chunk said to be in columns. */
static void test_bodies_in_columns_must_hold_their_records(void **state)
{
	(void)state;
	struct fixture f;
	const struct {
		const char *bytes;
		size_t n;
		const char *want;
	} cases[] = {
		{ "\x01\x01\x01\x00\x00\x00\x00\x01\x02\x05\x00", 11, NULL }, /* good: ALLOC 2 5 +0 */
		{ "\x09\x01\x01\x00\x00\x00\x00\x01\x02\x05\x00", 11, "body in columns: a column runs past the end of the body" },
		{ "\x01\x01\x01\x00\x00\x00\x00\x01\x02\x05\x00\x00", 12, "body in columns: bytes after the last column" },
		{ "\x01\x01\x00\x00\x00\x00\x00\x01\x02\x05", 10, "ALLOC record at body byte 7: truncated or invalid field" },
		{ "\x02\x01\x01\x00\x00\x00\x00\x01\x02\x02\x05\x00", 12, "body in columns: a column holds more than its records' fields" },
		{ "\x00\x00\x00\x00\x00\x00\x02\x42\x05\x78", 10, "MARK record at body byte 7: record length runs past the end of the body" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		begin(&f, NULL);
		tg_raw_columns(f.g, 1, cases[i].bytes, cases[i].n, 1);
		struct tg_totals tot;
		tg_totals(f.g, &tot);
		tot.allocations = 1; /* the good body's ALLOC of 5 bytes, never freed */
		tot.bytes = 5;
		tg_close(f.g, &tot);
		if (!cases[i].want) {
			char *path = tg_tmp_path("columns.gz");
			tg_write(f.g, path);
			struct tg_read r;
			tg_read_all(path, &r, SIZE_MAX);
			assert_string_equal(r.error, "");
			assert_int_equal(r.nev, 1);
			assert_int_equal(r.ev[0].size, 5);
			tg_read_free(&r);
			unlink(path);
			free(path);
			tg_destroy(f.g);
			continue;
		}
		expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, cases[i].want);
	}
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	tg_patch_u8(f.g, 0, 3, HF_CHUNK_COLUMNS);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "a meta chunk flagged as columns");
}

static void test_allocations_must_name_allocator_nodes(void **state)
{
	(void)state;
	struct fixture f;
	const uint32_t bad[] = { 0, 1 /* main: a code address */, 4 /* does not exist */ };
	for (size_t i = 0; i < 3; i++) {
		begin(&f, NULL);
		if (i == 2)
			tg_alloc_failed(f.g, 1, bad[i], 1);
		else if (i == 1)
			tg_realloc(f.g, 1, bad[i], 1, 0x1000, 0x2000, 0, 1);
		else
			tg_alloc(f.g, 1, bad[i], 1, 0x1000);
		tg_close(f.g, NULL);
		expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "allocation names a node that is not an allocator node");
	}
}

static void test_epoch_records_are_checked(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	tg_raw(f.g, 1, "\x06\x00", 2, 1);
	tg_close(f.g, NULL);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "EPOCH record at body byte 0: EPOCH of 0");

	/* A free epoch at the limit would make keys overflow. */
	uint8_t rec[16] = { HF_TAG_FREE, 0 }, *p = hf_put_varint(rec + 2, HF_EPOCH_MAX);
	begin(&f, NULL);
	tg_raw(f.g, 1, rec, (size_t)(p - rec), 1);
	tg_close(f.g, NULL);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "FREE record at body byte 0: free epoch beyond the limit");

	begin(&f, NULL);
	tg_close(f.g, NULL);
	tg_patch_u64(f.g, 0, H_EPOCH_END, HF_EPOCH_MAX + 1);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "bad epoch range");
}

static void test_thread_records_keep_their_places(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_thread_start(f.g, 1, 5, 0, "late");
	tg_close(f.g, NULL);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "THREAD_START is not the first record of its stream");

	begin(&f, NULL);
	tg_thread_start(f.g, 1, 5, 0, "t");
	tg_thread_end(f.g, 1);
	tg_flush(f.g, 1);
	tg_alloc(f.g, 1, f.m, 1, 0x1000);
	tg_close(f.g, NULL);
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, "(stream 1, seq 1): ALLOC record at body byte 0: record after THREAD_END");
}

static void test_bad_nodes_are_corruption(void **state)
{
	(void)state;
	struct fixture f;
	const struct {
		uint32_t parent;
		uint64_t frame;
		const char *want;
	} cases[] = {
		{ 99, 0x401000, "bad NODE record at body byte" },
		{ 4, 0x401000, "parent is not a node defined before it" },
		{ 0, 12, "unknown pseudo-frame code" },
		{ 1, HF_FRAME_TRUNCATED_DEPTH, "truncation pseudo-frame is not the outermost frame" },
		{ 2, 0x401000, "parent is an allocator pseudo-frame" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		begin(&f, NULL);
		tg_node(f.g, cases[i].parent, cases[i].frame);
		tg_close(f.g, NULL);
		expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, cases[i].want);
	}
	/* Format 3 flags a pseudo-frame code in the parent's distance: the flag and the frame must
	 * agree. NODE, length 3: distance 1 flagged pseudo with an address; then distance 1 not
	 * flagged, a difference that lands below 4096. */
	const uint8_t flagged[] = { HF_TAG_NODE, 3, 1 << 1 | 1, 0x80, 0x40 };
	const uint8_t unflagged[] = { HF_TAG_NODE, 3, 1 << 1, 0x81, 0x40 };
	for (int i = 0; i < 2; i++) {
		begin(&f, NULL);
		tg_node(f.g, 0, 0x2000);
		tg_raw(f.g, 0, i ? unflagged : flagged, sizeof flagged, 1);
		tg_close(f.g, NULL);
		expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "frame address is a pseudo-frame code, or the reverse");
	}
}

static void test_modules_are_checked(void **state)
{
	(void)state;
	struct fixture f;
	const struct hf_segment seg[] = { { 0, 0x1000, 5 } };
	for (int i = 0; i < 5; i++) {
		begin(&f, NULL);
		const char *want = NULL;
		switch (i) {
		case 0:
			tg_module(f.g, 3, "/a", NULL, 0, 0x10000, 1, seg);
			tg_module(f.g, 3, "/b", NULL, 0, 0x20000, 1, seg);
			want = "bad MODULE record at body byte";
			break;
		case 1:
			tg_module_unload(f.g, 4);
			want = "unloads a module that was never loaded";
			break;
		case 2:
			tg_module(f.g, 3, "/a", NULL, 0, 0x10000, 1, seg);
			tg_module_unload(f.g, 3);
			tg_module_unload(f.g, 3);
			want = "unloads a module twice";
			break;
		case 3:
			tg_symbols(f.g, 5, 0, NULL);
			want = "symbols of a module that was never loaded";
			break;
		case 4:
			tg_module(f.g, 0, "/a", NULL, 0, 0x10000, 1, seg);
			want = "module id 0 is reserved";
			break;
		}
		tg_close(f.g, NULL);
		expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, want);
	}
}

static void test_hostile_counts_fail_without_allocating(void **state)
{
	(void)state;
	struct fixture f;
	uint8_t rec[64], *p;
	/* A MODULE claiming 2^40 segments in a 20-byte record. */
	p = rec;
	*p++ = HF_TAG_MODULE;
	uint8_t *len = p++;
	uint8_t *body = p;
	p = hf_put_varint(p, 9);
	p = hf_put_varint(p, 0);
	p = hf_put_varint(p, 0);
	p = hf_put_varint(p, 0x10000);
	p = hf_put_varint(p, (uint64_t)1 << 40);
	*len = (uint8_t)(p - body);
	begin(&f, NULL);
	tg_raw(f.g, 0, rec, (size_t)(p - rec), 1);
	tg_close(f.g, NULL);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "segment count larger than the record");

	/* SYMBOLS claiming 2^60 symbols. */
	const struct hf_segment seg[] = { { 0, 0x1000, 5 } };
	p = rec;
	*p++ = HF_TAG_SYMBOLS;
	len = p++;
	body = p;
	p = hf_put_varint(p, 2);
	p = hf_put_varint(p, (uint64_t)1 << 60);
	*len = (uint8_t)(p - body);
	begin(&f, NULL);
	tg_module(f.g, 2, "/m", NULL, 0, 0, 1, seg);
	tg_raw(f.g, 0, rec, (size_t)(p - rec), 1);
	tg_close(f.g, NULL);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "symbol count larger than the record");

	/* A HEADER claiming 2^62 arguments. */
	struct tg_header h;
	tg_header_defaults(&h);
	h.omit = 1;
	p = rec;
	*p++ = HF_TAG_HEADER;
	len = p++;
	body = p;
	memcpy(p, "HEAPFOLD", 8);
	p += 8;
	for (int i = 0; i < 9; i++)
		p = hf_put_varint(p, i < 1 ? 1 : 0);
	p = hf_put_varint(p, 0); /* exe "" */
	p = hf_put_varint(p, (uint64_t)1 << 62);
	*len = (uint8_t)(p - body);
	f.g = tg_new(&h); /* no nodes: the raw HEADER must be the first record */
	tg_raw(f.g, 0, rec, (size_t)(p - rec), 1);
	tg_close(f.g, NULL);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "bad HEADER record at body byte 0: argument count larger than the record");
}

static void test_records_after_close_are_corruption(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	tg_close(f.g, NULL);
	tg_node(f.g, 0, 0x401000);
	tg_flush(f.g, 0);
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "record 0x53 after CLOSE");
}

static void test_corrupt_deflate_data_names_the_chunk(void **state)
{
	(void)state;
	struct fixture f;
	begin(&f, NULL);
	for (int i = 0; i < 50; i++)
		tg_alloc(f.g, 1, f.m, (uint64_t)i, 0x1000 + 16 * (uint64_t)i);
	tg_close(f.g, NULL);
	size_t len;
	uint8_t *b = tg_member_bytes(f.g, 1, &len);
	b[len - 8] ^= 1; /* CRC-32 */
	char want[128];
	snprintf(want, sizeof want, "corrupt chunk at offset %zu (stream 1, seq 0): CRC-32 mismatch",
		 member_offset(f.g, 1));
	expect_error(&f, 0, HF_TRACE_ERR_CORRUPT, want);

	begin(&f, NULL);
	tg_close(f.g, NULL);
	b = tg_member_bytes(f.g, 0, &len);
	b[len - 4] ^= 1; /* ISIZE */
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "ISIZE");

	begin(&f, NULL);
	tg_close(f.g, NULL);
	b = tg_member_bytes(f.g, 0, &len);
	b[64] = 0xff; /* deflate block type 3: invalid */
	expect_error(&f, 1, HF_TRACE_ERR_CORRUPT, "corrupt chunk at offset 0 (stream 0, seq 0): bad deflate data");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flipped_bytes_never_crash_and_stay_consistent),
		cmocka_unit_test(test_not_gzip_file_is_not_a_trace),
		cmocka_unit_test(test_plain_gzip_file_is_not_a_heapfold_trace),
		cmocka_unit_test(test_future_major_version_names_both_versions),
		cmocka_unit_test(test_missing_header_record_is_not_a_trace),
		cmocka_unit_test(test_seq_gap_is_corruption),
		cmocka_unit_test(test_stream_order_and_kinds_are_checked),
		cmocka_unit_test(test_chunk_header_limits_are_enforced),
		cmocka_unit_test(test_record_count_and_epoch_end_are_checked),
		cmocka_unit_test(test_close_totals_mismatch_is_reported),
		cmocka_unit_test(test_bad_record_tag_names_chunk_and_body_offset),
		cmocka_unit_test(test_lengths_beyond_their_bounds_are_corruption),
		cmocka_unit_test(test_free_last_out_of_place_is_corruption),
		cmocka_unit_test(test_realloc_last_out_of_place_is_corruption),
		cmocka_unit_test(test_recent_places_must_name_addresses),
		cmocka_unit_test(test_bodies_in_columns_must_hold_their_records),
		cmocka_unit_test(test_allocations_must_name_allocator_nodes),
		cmocka_unit_test(test_epoch_records_are_checked),
		cmocka_unit_test(test_thread_records_keep_their_places),
		cmocka_unit_test(test_bad_nodes_are_corruption),
		cmocka_unit_test(test_modules_are_checked),
		cmocka_unit_test(test_hostile_counts_fail_without_allocating),
		cmocka_unit_test(test_records_after_close_are_corruption),
		cmocka_unit_test(test_corrupt_deflate_data_names_the_chunk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
