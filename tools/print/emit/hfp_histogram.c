/* hfp_histogram.c: -H, the allocation size histogram: "size<TAB>count" per line, sizes
 * ascending, exact numbers, the same lines heaptrack_print -H writes (so its plotting scripts
 * work). Counts the allocations the filters keep. */
#include <inttypes.h>
#include <stdlib.h>

#include "../accum/hfp_accum.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_options.h"
#include "hfp_emit.h"

static int cmp_size(const void *a, const void *b)
{
	const struct hfp_size_count *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

static const char *histogram_path(const struct hfp_options *o)
{
	return o->histogram;
}

static int emit_histogram(FILE *f, const struct hfp_emit_in *in)
{
	const struct hfp_hash *hist = &in->acc->hist;
	size_t n = hfp_hash_count(hist), pos = 0;
	struct hfp_size_count *v = hfp_calloc(n ? n : 1, sizeof *v), *e;
	for (size_t i = 0; (e = hfp_hash_next(hist, &pos)) != NULL; i++)
		v[i] = *e;
	qsort(v, n, sizeof *v, cmp_size); /* sizes are distinct */
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (fprintf(f, "%" PRIu64 "\t%" PRIu64 "\n", v[i].size, v[i].count) < 0)
			rc = -1;
	free(v);
	return rc || ferror(f) ? -1 : 0;
}

const struct hfp_emitter hfp_emitter_histogram = {
	.path = histogram_path,
	.write = emit_histogram,
};
