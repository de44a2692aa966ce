/* hfp_limits.c: --fail-if and --fail-on-leak, for a test suite that must fail on a leak or a
 * heap that grew too big, as pytest-memray's and dhat-rs's limits do. Each limit names one
 * total over the allocations the filters keep, and says which: peak is the highest total of
 * live bytes at one moment (not the sum of allocations), leaked what is still allocated at the
 * end, allocations and bytes what was allocated over the run. This file parses them;
 * emit/hfp_limits_check.c checks them against a run. */
#include <string.h>

#include "hfp_cost.h"
#include "hfp_limits.h"
#include "hfp_num.h"

const struct hfp_limit_kind hfp_limit_kinds[] = {
	[HFP_LIMIT_PEAK] = { "peak", 1, HFP_COST_PEAK },
	[HFP_LIMIT_LEAKED] = { "leaked", 1, HFP_COST_LEAKED },
	[HFP_LIMIT_ALLOCATIONS] = { "allocations", 0, HFP_COST_ALLOCATIONS },
	[HFP_LIMIT_TEMPORARY] = { "temporary", 0, HFP_COST_TEMPORARY },
	[HFP_LIMIT_BYTES] = { "bytes", 1, HFP_COST_BYTES },
};
#define NKINDS (sizeof hfp_limit_kinds / sizeof hfp_limit_kinds[0])

int hfp_limit_parse(const char *s, struct hfp_limit *out)
{
	const char *gt = strchr(s, '>');
	if (!gt)
		return -1;
	size_t n = (size_t)(gt - s);
	for (size_t k = 0; k < NKINDS; k++) {
		if (strlen(hfp_limit_kinds[k].name) != n || strncmp(s, hfp_limit_kinds[k].name, n) != 0)
			continue;
		uint64_t v;
		int bad = hfp_limit_kinds[k].is_size ? hfp_parse_size(gt + 1, &v) : hfp_parse_uint(gt + 1, &v);
		if (bad)
			return -1;
		*out = (struct hfp_limit){ (int)k, v, s };
		return 0;
	}
	return -1;
}

