/* test_codec.c: varints and chunks (hf_codec.c, hf_chunk.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define ZLIB_CONST
#include <zlib.h>

#include "hf_codec.h"
#include "util_zdeflate.h"

static const uint64_t edge_values[] = {
	0, 1, 127, 128, 255, 16383, 16384, UINT32_MAX, (uint64_t)1 << 32, ((uint64_t)1 << 63) - 1,
	(uint64_t)1 << 63, UINT64_MAX - 1, UINT64_MAX,
};

static void test_varint_round_trips_edge_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof edge_values / sizeof edge_values[0]; i++) {
		uint8_t buf[16];
		uint64_t v = edge_values[i], got = 12345;
		uint8_t *end = hf_put_varint(buf, v);
		assert_int_equal((size_t)(end - buf), hf_varint_len(v));
		assert_true(end - buf <= HF_VARINT_MAX);
		const uint8_t *p = buf;
		assert_int_equal(hf_get_varint(&p, end, &got), 0);
		assert_true(got == v);
		assert_ptr_equal(p, end);
	}
	uint8_t buf[16];
	assert_int_equal(hf_put_varint(buf, 127) - buf, 1);
	assert_int_equal(hf_put_varint(buf, 128) - buf, 2);
	assert_int_equal(hf_put_varint(buf, UINT64_MAX) - buf, 10);
}

static void test_varint_rejects_truncated_input(void **state)
{
	(void)state;
	uint8_t buf[16];
	size_t n = (size_t)(hf_put_varint(buf, UINT64_MAX) - buf);
	for (size_t cut = 0; cut < n; cut++) {
		const uint8_t *p = buf;
		uint64_t v;
		assert_int_equal(hf_get_varint(&p, buf + cut, &v), -1);
		assert_ptr_equal(p, buf); /* not advanced on failure */
	}
}

static void test_varint_rejects_bits_beyond_64(void **state)
{
	(void)state;
	uint8_t buf[12] = { 0 };
	uint64_t v;
	const uint8_t *p;

	/* Ten bytes whose last holds bit 63 only: 2^63, fine. */
	memset(buf, 0x80, 9);
	buf[9] = 0x01;
	p = buf;
	assert_int_equal(hf_get_varint(&p, buf + 10, &v), 0);
	assert_true(v == (uint64_t)1 << 63);
	/* A 10th byte above 1 overflows. */
	buf[9] = 0x02;
	p = buf;
	assert_int_equal(hf_get_varint(&p, buf + 10, &v), -1);
	/* An 11th byte is never valid, even for a zero value. */
	memset(buf, 0x80, 10);
	buf[10] = 0x00;
	p = buf;
	assert_int_equal(hf_get_varint(&p, buf + 11, &v), -1);
}

static void test_svarint_round_trips_pointer_deltas(void **state)
{
	(void)state;
	const uint64_t ptrs[] = { 0, 0x1000, 0x7fffffffe000, 0x555555554000, UINT64_MAX, 16, 0xffff800000000000 };
	uint64_t prev = 0;
	for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) {
		uint8_t buf[16];
		int64_t d = hf_delta(ptrs[i], prev);
		uint8_t *end = hf_put_svarint(buf, d);
		const uint8_t *p = buf;
		uint64_t z;
		assert_int_equal(hf_get_varint(&p, end, &z), 0);
		assert_true(prev + (uint64_t)hf_unzigzag(z) == ptrs[i]);
		prev = ptrs[i];
	}
	assert_true(hf_zigzag(-1) == 1 && hf_zigzag(1) == 2 && hf_zigzag(-64) == 127);
	assert_true(hf_unzigzag(hf_zigzag(INT64_MIN)) == INT64_MIN);
	assert_true(hf_unzigzag(hf_zigzag(INT64_MAX)) == INT64_MAX);
	/* Small negative steps (a free below the last pointer) stay one byte. */
	uint8_t buf[16];
	assert_int_equal(hf_put_svarint(buf, -64) - buf, 1);
}

/* ---- chunks ---- */

static int allocs;

static voidpf count_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	allocs++;
	return calloc(items, size);
}

static void count_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

static void deflate_init(z_stream *zs, int level)
{
	memset(zs, 0, sizeof *zs);
	zs->zalloc = count_alloc;
	zs->zfree = count_free;
	assert_int_equal(deflateInit2(zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
}

static struct hf_chunk_hdr sample_hdr(void)
{
	struct hf_chunk_hdr h = {
		.kind = HF_CHUNK_EVENTS, .flags = 0, .stream = 0x01020304, .seq = 7, .records = 3,
		.epoch_start = 0x1122334455667788, .epoch_end = 0x1122334455667790,
		.time_start = 0xa1a2a3a4a5a6a7a8,
	};
	return h;
}

static void test_chunk_header_round_trips_little_endian(void **state)
{
	(void)state;
	z_stream zs;
	deflate_init(&zs, 6);
	struct hf_deflater d = uz_deflater(&zs);
	const char body[] = "three records of body";
	struct hf_chunk_hdr h = sample_hdr(), got;
	uint8_t out[512];
	size_t n = hf_chunk_encode(&d, &h, body, sizeof body, out, sizeof out);
	assert_true(n > HF_MEMBER_HDR_SIZE + HF_MEMBER_TRAILER_SIZE);
	assert_int_equal(n, HF_MEMBER_HDR_SIZE + h.clen + HF_MEMBER_TRAILER_SIZE);
	assert_int_equal(h.ulen, sizeof body);
	assert_int_equal(h.major, HF_FORMAT_MAJOR);
	assert_int_equal(h.minor, HF_FORMAT_MINOR);
	/* The fixed bytes of format.md section 1. */
	const uint8_t fixed[16] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 52, 0, 'H', 'F', 48, 0 };
	assert_memory_equal(out, fixed, 16);
	assert_int_equal(out[16], HF_FORMAT_MAJOR);
	assert_int_equal(out[18], HF_CHUNK_EVENTS);
	const uint8_t stream_le[4] = { 4, 3, 2, 1 };
	assert_memory_equal(out + 20, stream_le, 4);
	assert_int_equal(out[16 + 24], 0x88); /* epoch_start, low byte first */
	assert_int_equal(out[16 + 31], 0x11);
	assert_int_equal(hf_chunk_parse(out, &got), 0);
	assert_int_equal(got.major, h.major);
	assert_int_equal(got.kind, h.kind);
	assert_int_equal(got.stream, h.stream);
	assert_int_equal(got.seq, h.seq);
	assert_int_equal(got.clen, h.clen);
	assert_int_equal(got.ulen, h.ulen);
	assert_int_equal(got.records, h.records);
	assert_true(got.epoch_start == h.epoch_start && got.epoch_end == h.epoch_end);
	assert_true(got.time_start == h.time_start);
	deflateEnd(&zs);
}

static void test_chunk_is_a_gzip_member_zlib_can_read(void **state)
{
	(void)state;
	z_stream zs;
	deflate_init(&zs, 1);
	struct hf_deflater d = uz_deflater(&zs);
	uint8_t body[5000];
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)(i * 7 % 251);
	struct hf_chunk_hdr h = sample_hdr();
	size_t cap = hf_chunk_bound(sizeof body);
	uint8_t *out = malloc(2 * cap);
	size_t n1 = hf_chunk_encode(&d, &h, body, sizeof body, out, cap);
	size_t n2 = hf_chunk_encode(&d, &h, body, 100, out + n1, cap); /* two members */
	assert_true(n1 && n2);

	/* zlib's own gzip decoder (as zcat uses it) reads both members and the extra field. */
	z_stream in;
	memset(&in, 0, sizeof in);
	assert_int_equal(inflateInit2(&in, 16 + 15), Z_OK);
	gz_header gh;
	uint8_t extra[64];
	memset(&gh, 0, sizeof gh);
	gh.extra = extra;
	gh.extra_max = sizeof extra;
	assert_int_equal(inflateGetHeader(&in, &gh), Z_OK);
	uint8_t got[6000];
	in.next_in = out;
	in.avail_in = (uInt)(n1 + n2);
	in.next_out = got;
	in.avail_out = sizeof got;
	assert_int_equal(inflate(&in, Z_FINISH), Z_STREAM_END);
	assert_int_equal(in.total_out, sizeof body);
	assert_memory_equal(got, body, sizeof body);
	assert_int_equal(gh.extra_len, 52);
	assert_int_equal(extra[0], 'H');
	assert_int_equal(extra[1], 'F');
	assert_int_equal(gh.os, 3);
	/* The second member. */
	assert_int_equal(inflateReset(&in), Z_OK);
	in.next_out = got;
	in.avail_out = sizeof got;
	assert_int_equal(inflate(&in, Z_FINISH), Z_STREAM_END);
	assert_int_equal(in.total_out, 100);
	assert_int_equal(in.avail_in, 0);
	inflateEnd(&in);
	deflateEnd(&zs);
	free(out);
}

static void test_chunk_encode_does_not_allocate(void **state)
{
	(void)state;
	z_stream zs;
	deflate_init(&zs, 6);
	struct hf_deflater d = uz_deflater(&zs);
	uint8_t body[70000], out[80000 + 2048];
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)(i ^ (i >> 5));
	struct hf_chunk_hdr h = sample_hdr();
	allocs = 0;
	for (int i = 0; i < 3; i++)
		assert_true(hf_chunk_encode(&d, &h, body, sizeof body, out, sizeof out) > 0);
	assert_int_equal(allocs, 0);
	deflateEnd(&zs);
}

static void test_chunk_incompressible_body_fits_bound(void **state)
{
	(void)state;
	z_stream zs;
	deflate_init(&zs, 9);
	struct hf_deflater d = uz_deflater(&zs);
	size_t n = 1 << 20;
	uint8_t *body = malloc(n);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		body[i] = (uint8_t)x;
	}
	size_t cap = hf_chunk_bound(n);
	uint8_t *out = malloc(cap);
	struct hf_chunk_hdr h = sample_hdr();
	size_t m = hf_chunk_encode(&d, &h, body, n, out, cap);
	assert_true(m > n && m <= cap);
	assert_true(h.clen <= hf_chunk_clen_max(n));
	deflateEnd(&zs);
	free(body);
	free(out);
}

static void test_chunk_encode_refuses_oversized_body_and_small_buffer(void **state)
{
	(void)state;
	z_stream zs;
	deflate_init(&zs, 6);
	struct hf_deflater d = uz_deflater(&zs);
	struct hf_chunk_hdr h = sample_hdr();
	uint8_t body[4000], out[100];
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)(i * 131 + (i >> 3));
	assert_int_equal(hf_chunk_encode(&d, &h, body, sizeof body, out, sizeof out), 0);
	assert_int_equal(hf_chunk_encode(&d, &h, body, (size_t)HF_CHUNK_MAX_ULEN + 1, out, sizeof out), 0);
	/* An empty body is a valid chunk. */
	uint8_t small[200];
	assert_true(hf_chunk_encode(&d, &h, NULL, 0, small, sizeof small) > 0);
	assert_int_equal(h.ulen, 0);
	deflateEnd(&zs);
}

static void test_chunk_parse_rejects_foreign_members(void **state)
{
	(void)state;
	z_stream zs;
	deflate_init(&zs, 6);
	struct hf_deflater d = uz_deflater(&zs);
	struct hf_chunk_hdr h = sample_hdr(), got;
	uint8_t out[256];
	assert_true(hf_chunk_encode(&d, &h, "x", 1, out, sizeof out) > 0);
	for (size_t i = 0; i < 16; i++) {
		uint8_t copy[256];
		memcpy(copy, out, sizeof copy);
		copy[i] ^= 0x40;
		int mtime_xfl_os = i >= 4 && i <= 9;
		assert_int_equal(hf_chunk_parse(copy, &got), mtime_xfl_os ? 0 : -1);
		assert_int_equal(hf_chunk_prefix_match(copy, i + 1), mtime_xfl_os);
		assert_int_equal(hf_chunk_prefix_match(copy, i), 1);
	}
	assert_int_equal(hf_chunk_prefix_match(out, 0), 1);
	assert_int_equal(hf_chunk_prefix_match(out, 63), 1);
	deflateEnd(&zs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_round_trips_edge_values),
		cmocka_unit_test(test_varint_rejects_truncated_input),
		cmocka_unit_test(test_varint_rejects_bits_beyond_64),
		cmocka_unit_test(test_svarint_round_trips_pointer_deltas),
		cmocka_unit_test(test_chunk_header_round_trips_little_endian),
		cmocka_unit_test(test_chunk_is_a_gzip_member_zlib_can_read),
		cmocka_unit_test(test_chunk_encode_does_not_allocate),
		cmocka_unit_test(test_chunk_incompressible_body_fits_bound),
		cmocka_unit_test(test_chunk_encode_refuses_oversized_body_and_small_buffer),
		cmocka_unit_test(test_chunk_parse_rejects_foreign_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
