/* util_zdeflate.h: hf_chunk_encode's compressor over a zlib stream, for tests and fuzzers that
 * make chunks (the recorder's is libdeflate; a reader cannot tell them apart). zs is a stream
 * the caller made with deflateInit2(zs, level, Z_DEFLATED, -15, memlevel, strategy). */
#ifndef UTIL_ZDEFLATE_H
#define UTIL_ZDEFLATE_H

#include <stdint.h>
#include <zlib.h>

#include "hf_codec.h"

static inline size_t uz_compress(void *ctx, const void *in, size_t n, void *out, size_t room)
{
	z_stream *zs = ctx;
	if (deflateReset(zs) != Z_OK)
		return 0;
	zs->next_in = (Bytef *)(uintptr_t)in;
	zs->avail_in = (uInt)n;
	zs->next_out = out;
	zs->avail_out = (uInt)room;
	return deflate(zs, Z_FINISH) == Z_STREAM_END ? (size_t)zs->total_out : 0;
}

static inline uint32_t uz_crc32(uint32_t crc, const void *in, size_t n)
{
	return (uint32_t)crc32(crc, in, (uInt)n);
}

static inline struct hf_deflater uz_deflater(z_stream *zs)
{
	return (struct hf_deflater){ uz_compress, uz_crc32, zs };
}

#endif
