/* hf_pb.h: protobuf's wire format, as much as pprof's profile.proto needs: varint fields and the
 * heads of length-delimited ones. Pure encoders into the caller's bytes, like the record
 * encoders beside them, shared by the recorder's live profiles (lib/record/hf_pprof.c) and
 * heapfold_print's --pprof (tools/print/emit/hfp_pprof.c), each with its own buffers. */
#ifndef HF_PB_H
#define HF_PB_H

#include "hf_codec.h"

/* The most bytes hf_pb_uint or hf_pb_len writes. */
#define HF_PB_MAX_HEAD (2 * HF_VARINT_MAX)

/* A varint field (wire type 0): its key and value; nothing for 0, proto3's default. */
static inline uint8_t *hf_pb_uint(uint8_t *q, unsigned field, uint64_t v)
{
	if (!v)
		return q;
	return hf_put_varint(hf_put_varint(q, (uint64_t)field << 3), v);
}

/* The head of a length-delimited field (wire type 2: strings, bytes, sub-messages, packed
 * repeated varints): its key and length; the n bytes follow. */
static inline uint8_t *hf_pb_len(uint8_t *q, unsigned field, uint64_t n)
{
	return hf_put_varint(hf_put_varint(q, (uint64_t)field << 3 | 2), n);
}

#endif
