/* hfp_limits_check.c: --fail-if and --fail-on-leak against a run (core/hfp_limits.c parses
 * them): one line on stderr per broken limit, naming the stack that contributes most to it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../accum/hfp_accum.h"
#include "../core/hfp_base.h"
#include "../core/hfp_buf.h"
#include "../core/hfp_cost.h"
#include "../core/hfp_limits.h"
#include "../core/hfp_num.h"
#include "../symbol/hfp_stack.h"
#include "hfp_emit.h"

static uint64_t total(int what, const struct hfp_accum *a)
{
	switch (what) {
	case HFP_LIMIT_PEAK: return a->peak_bytes;
	case HFP_LIMIT_LEAKED: return a->live_bytes;
	case HFP_LIMIT_ALLOCATIONS: return a->allocations;
	case HFP_LIMIT_TEMPORARY: return a->temporary;
	default: return a->bytes;
	}
}

/* "216.08K (221,265 bytes)" or "1,234" */
static const char *amount(int what, uint64_t v, char *buf, size_t cap)
{
	char h[32], d[32];
	if (!hfp_limit_kinds[what].is_size)
		return hfp_group_digits(v, buf, cap);
	snprintf(buf, cap, "%s (%s bytes)", hfp_human_bytes(v, h, sizeof h), hfp_group_digits(v, d, sizeof d));
	return buf;
}

size_t hfp_limits_check(const struct hfp_limit *l, size_t n, const struct hfp_accum *a,
			const struct hfp_stacks *s, int estimated)
{
	size_t broken = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = total(l[i].what, a);
		if (v <= l[i].max)
			continue;
		broken++;
		/* The stack that holds the most of it. */
		struct hfp_dstack bv;
		const struct hfp_dstack *big = NULL;
		uint64_t most = 0;
		for (size_t k = 0; k < s->nd; k++) {
			struct hfp_dstack d = hfp_stacks_get(s, k);
			uint64_t c = hfp_cost_get(&d.c, hfp_limit_kinds[l[i].what].cost);
			if (c > most)
				most = c, bv = d, big = &bv;
		}
		char b1[64], b2[64], b3[64];
		struct hfp_buf b = { 0 };
		hfp_buf_printf(&b, "limit broken: %s %s > %s%s", hfp_limit_kinds[l[i].what].name,
			       amount(l[i].what, v, b1, sizeof b1), amount(l[i].what, l[i].max, b2, sizeof b2),
			       estimated ? " (estimated: sampled trace)" : "");
		if (big) {
			hfp_buf_puts(&b, "; most from ");
			struct hfp_framebuf fb = { 0 };
			const uint32_t *frames = hfp_dstack_frames(s, big, &fb);
			for (uint32_t f = 0; f < big->depth; f++)
				hfp_buf_printf(&b, "%s%s", f ? ";" : "", s->frame[frames[f]].name);
			hfp_framebuf_free(&fb);
			hfp_buf_printf(&b, ": %s", amount(l[i].what, most, b3, sizeof b3));
		}
		fprintf(stderr, HFP_NAME ": %s\n", hfp_buf_str(&b));
		hfp_buf_free(&b);
	}
	return broken;
}
