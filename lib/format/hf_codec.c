/* hf_codec.c: the decoding half of the record encoding (the encoders are inline in hf_codec.h). */
#include "hf_codec.h"

int hf_get_varint_long(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;

	for (unsigned i = 0; i < HF_VARINT_MAX; i++) {
		if (p >= end)
			return -1;
		uint8_t b = *p++;
		/* The 10th byte holds bit 63 only: anything above 1 is an overflow or an 11th byte. */
		if (i == HF_VARINT_MAX - 1 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			*pp = p;
			return 0;
		}
	}
	return -1;
}
