/* hf_chunk.c: one chunk = one gzip member with the HF header in its FEXTRA field (format.md 1).
 *
 * hf_chunk_encode runs inside the recorder's malloc hooks, so it allocates nothing: the caller
 * owns the compressor and the output buffer. The fixed header is written with explicit
 * little-endian byte stores, so the layout never depends on struct padding or host order. */
#include <string.h>

#include "hf_codec.h"

/* The 16 fixed bytes in front of the chunk header; MTIME (4..7), XFL (8) and OS (9) included. */
static const uint8_t member_prefix[16] = {
	0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, HF_CHUNK_HDR_SIZE + 4, 0, 'H', 'F', HF_CHUNK_HDR_SIZE, 0,
};

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

size_t hf_chunk_bound(size_t n)
{
	return HF_MEMBER_HDR_SIZE + (size_t)hf_chunk_clen_max(n) + HF_MEMBER_TRAILER_SIZE;
}

static void put_header(uint8_t *out, const struct hf_chunk_hdr *hdr)
{
	uint8_t *h = out + 16;

	memcpy(out, member_prefix, sizeof member_prefix);
	h[0] = hdr->major;
	h[1] = hdr->minor;
	h[2] = hdr->kind;
	h[3] = hdr->flags;
	put_le32(h + 4, hdr->stream);
	put_le32(h + 8, hdr->seq);
	put_le32(h + 12, hdr->clen);
	put_le32(h + 16, hdr->ulen);
	put_le32(h + 20, hdr->records);
	put_le64(h + 24, hdr->epoch_start);
	put_le64(h + 32, hdr->epoch_end);
	put_le64(h + 40, hdr->time_start);
}

size_t hf_chunk_encode(const struct hf_deflater *d, struct hf_chunk_hdr *hdr, const void *body,
		       size_t n, void *out, size_t cap)
{
	uint8_t *o = out;
	const size_t overhead = HF_MEMBER_HDR_SIZE + HF_MEMBER_TRAILER_SIZE;

	if (!d || !hdr || !o || (n && !body) || n > HF_CHUNK_MAX_ULEN || cap < overhead)
		return 0;
	/* Never produce a member a reader would reject for its clen. */
	size_t room = cap - overhead;
	if (room > hf_chunk_clen_max(n))
		room = (size_t)hf_chunk_clen_max(n);
	size_t clen = d->compress(d->ctx, body, n, o + HF_MEMBER_HDR_SIZE, room);
	if (!clen)
		return 0;

	hdr->major = HF_FORMAT_MAJOR;
	hdr->minor = HF_FORMAT_MINOR;
	hdr->clen = (uint32_t)clen;
	hdr->ulen = (uint32_t)n;
	put_header(o, hdr);
	uint8_t *t = o + HF_MEMBER_HDR_SIZE + clen;
	put_le32(t, d->crc32(0, body, n));
	put_le32(t + 4, (uint32_t)n);
	return clen + overhead;
}

int hf_chunk_parse(const uint8_t *p, struct hf_chunk_hdr *hdr)
{
	/* Bytes 4..9 (MTIME, XFL, OS) change nothing about the layout: accept any value. */
	if (memcmp(p, member_prefix, 4) != 0 || memcmp(p + 10, member_prefix + 10, 6) != 0)
		return -1;
	const uint8_t *h = p + 16;
	hdr->major = h[0];
	hdr->minor = h[1];
	hdr->kind = h[2];
	hdr->flags = h[3];
	hdr->stream = get_le32(h + 4);
	hdr->seq = get_le32(h + 8);
	hdr->clen = get_le32(h + 12);
	hdr->ulen = get_le32(h + 16);
	hdr->records = get_le32(h + 20);
	hdr->epoch_start = get_le64(h + 24);
	hdr->epoch_end = get_le64(h + 32);
	hdr->time_start = get_le64(h + 40);
	return 0;
}

int hf_chunk_prefix_match(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && i < sizeof member_prefix; i++)
		if ((i < 4 || i >= 10) && p[i] != member_prefix[i])
			return 0;
	return 1;
}
