/* hfp_cost.h: the cost types heapfold_print measures, and the costs of one stack: the vocabulary
 * the accumulator, the stack layer and every output share. */
#ifndef HFP_COST_H
#define HFP_COST_H

#include <stdint.h>

/* The cost types, as the man page defines them (DEFINITIONS): allocations made, bytes asked
 * for, temporary allocations, bytes leaked at the end, bytes live at the global peak. */
enum hfp_cost {
	HFP_COST_ALLOCATIONS,
	HFP_COST_BYTES,
	HFP_COST_TEMPORARY,
	HFP_COST_LEAKED,
	HFP_COST_PEAK,
	HFP_COST_N
};

/* Their names on the command line (--flamegraph-cost-type). */
extern const char *const hfp_cost_names[HFP_COST_N];

/* Costs of one stack (or of several, summed). */
struct hfp_costs {
	uint64_t allocations; /* allocations counted (all, or the temporary ones with --temporary) */
	uint64_t bytes;       /* their requested bytes */
	uint64_t temporary;   /* temporary allocations among them */
	uint64_t leaked;      /* bytes still live at the end */
	uint64_t leaked_count;
	uint64_t peak;        /* bytes live at the moment of the global peak */
};

/* The value of one cost type (enum hfp_cost); 0 for an unknown one. */
uint64_t hfp_cost_get(const struct hfp_costs *c, int cost);
void hfp_costs_add(struct hfp_costs *to, const struct hfp_costs *c);

#endif
