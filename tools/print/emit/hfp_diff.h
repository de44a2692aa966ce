/* hfp_diff.h: -d/--diff BASE: the differences between two runs (hfp_diff.c). */
#ifndef HFP_DIFF_H
#define HFP_DIFF_H

#include <stdio.h>

struct hfp_folded;

/* "stack base new" lines, the union of both runs' stacks sorted by text: the form FlameGraph's
 * difffolded.pl writes and flamegraph.pl draws as a differential flame graph. 0 or -1. */
int hfp_diff_write_folded(FILE *f, const struct hfp_folded *base, const struct hfp_folded *now);
/* The report's DIFFERENCES section: totals, then the stacks that grew most and shrank most
 * (limit of each), in the unit of the cost. */
void hfp_diff_write_report(FILE *f, const struct hfp_folded *base, const struct hfp_folded *now,
			   const char *cost_name, const char *base_path, unsigned long limit);

#endif
