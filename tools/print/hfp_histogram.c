/* hfp_histogram.c: -H, the allocation size histogram: "size<TAB>count" per line, sizes
 * ascending, exact numbers, the same lines heaptrack_print -H writes (so its plotting scripts
 * work). Counts the allocations the filters keep. */
#include <stdlib.h>

#include "hfp.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int hfp_histogram_write(FILE *f, const struct hfp_accum *a)
{
	/* Pairs (size, count) sorted by size. */
	uint64_t *pairs = hfp_calloc(a->hist_n ? a->hist_n * 2 : 2, sizeof *pairs);
	size_t n = 0;
	for (size_t i = 0; i < a->hist_cap; i++) {
		if (!a->hist_count[i])
			continue;
		pairs[2 * n] = a->hist_key[i];
		pairs[2 * n + 1] = a->hist_count[i];
		n++;
	}
	qsort(pairs, n, 2 * sizeof *pairs, cmp_u64); /* compares the first element: the size */
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (fprintf(f, "%" PRIu64 "\t%" PRIu64 "\n", pairs[2 * i], pairs[2 * i + 1]) < 0)
			rc = -1;
	free(pairs);
	return rc || ferror(f) ? -1 : 0;
}
