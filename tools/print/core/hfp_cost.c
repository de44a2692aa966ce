/* hfp_cost.c: the cost types' names and the arithmetic of per-stack costs. */
#include "hfp_cost.h"

const char *const hfp_cost_names[HFP_COST_N] = {
	[HFP_COST_ALLOCATIONS] = "allocations",
	[HFP_COST_BYTES] = "bytes",
	[HFP_COST_TEMPORARY] = "temporary",
	[HFP_COST_LEAKED] = "leaked",
	[HFP_COST_PEAK] = "peak",
};

uint64_t hfp_cost_get(const struct hfp_costs *c, int cost)
{
	switch (cost) {
	case HFP_COST_ALLOCATIONS: return c->allocations;
	case HFP_COST_BYTES: return c->bytes;
	case HFP_COST_TEMPORARY: return c->temporary;
	case HFP_COST_LEAKED: return c->leaked;
	case HFP_COST_PEAK: return c->peak;
	default: return 0;
	}
}

void hfp_costs_add(struct hfp_costs *to, const struct hfp_costs *c)
{
	to->allocations += c->allocations;
	to->bytes += c->bytes;
	to->temporary += c->temporary;
	to->leaked += c->leaked;
	to->leaked_count += c->leaked_count;
	to->peak += c->peak;
}
