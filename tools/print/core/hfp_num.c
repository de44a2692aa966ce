/* hfp_num.c: numbers read from the command line (counts, sizes with units) and numbers written
 * for people (human-readable bytes, grouped digits), in integer arithmetic only. */
#include <inttypes.h>
#include <stdio.h>

#include "hfp_num.h"

int hfp_parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int hfp_parse_size(const char *s, uint64_t *out)
{
	/* Integer part and an optional fraction of up to 9 digits, exact in integer arithmetic
	 * (1.5K = 1536): a size filter must not depend on floating-point rounding. */
	uint64_t ip = 0, frac = 0, fscale = 1;
	const char *p = s;
	if (!p || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (ip > (UINT64_MAX - d) / 10)
			return -1;
		ip = ip * 10 + d;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (fscale >= 1000000000)
				return -1;
			frac = frac * 10 + (uint64_t)(*p - '0');
			fscale *= 10;
		}
	}
	unsigned shift = 0;
	switch (*p) {
	case 'k': case 'K': shift = 10; p++; break;
	case 'm': case 'M': shift = 20; p++; break;
	case 'g': case 'G': shift = 30; p++; break;
	case 't': case 'T': shift = 40; p++; break;
	default: break;
	}
	if (shift && *p == 'i')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -1;
	uint64_t mul = (uint64_t)1 << shift;
	if (ip > UINT64_MAX / mul)
		return -1;
	uint64_t v = ip * mul;
	if (frac) {
		if (!shift)
			return -1; /* "1.5" bytes makes no sense */
		uint64_t f = frac * mul / fscale; /* frac < 1e9, mul <= 2^40: fits */
		if (v > UINT64_MAX - f)
			return -1;
		v += f;
	}
	*out = v;
	return 0;
}

char *hfp_human_bytes(uint64_t v, char *buf, size_t cap)
{
	static const char unit[] = "KMGTPE";
	if (v < 1024) {
		snprintf(buf, cap, "%" PRIu64 "B", v);
		return buf;
	}
	/* Two decimals, rounded half up, in integer arithmetic so output never depends on libm. */
	int u = 0;
	uint64_t div = 1024;
	while (u < 5 && v / div >= 1024) {
		div <<= 10;
		u++;
	}
	uint64_t whole = v / div;
	uint64_t rest = v % div;
	uint64_t cents = (uint64_t)(((unsigned __int128)rest * 100 + div / 2) / div);
	if (cents >= 100) {
		whole++;
		cents -= 100;
	}
	snprintf(buf, cap, "%" PRIu64 ".%02" PRIu64 "%c", whole, cents, unit[u]);
	return buf;
}

char *hfp_group_digits(uint64_t v, char *buf, size_t cap)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
	size_t o = 0;
	for (int i = 0; i < n && o + 1 < cap; i++) {
		if (i && (n - i) % 3 == 0 && o + 2 < cap)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}
