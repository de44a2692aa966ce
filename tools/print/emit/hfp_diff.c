/* hfp_diff.c: -d/--diff BASE: how a run differs from another, stack by stack. Stacks are
 * matched by their folded text (function names from the root to the allocation site), not by
 * address, so two builds of one program compare. The base run goes through the same pipeline
 * (filters, cuts, cost type) as the new one (core/hfp_run.c), and both arrive here as folded
 * lines, sorted by text, so one merge pass pairs them. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_mem.h"
#include "hfp_diff.h"
#include "hfp_folded.h"

struct pair {
	const char *stack;
	uint64_t base, now;
};

/* The union of both sides, sorted by stack text. */
static struct pair *merge(const struct hfp_folded *b, const struct hfp_folded *n, size_t *len)
{
	struct pair *v = hfp_calloc(b->n + n->n + 1, sizeof *v);
	size_t i = 0, j = 0, k = 0;
	while (i < b->n || j < n->n) {
		int c = i == b->n ? 1 : j == n->n ? -1 : strcmp(b->stack[i], n->stack[j]);
		if (c < 0)
			v[k++] = (struct pair){ b->stack[i], b->count[i], 0 }, i++;
		else if (c > 0)
			v[k++] = (struct pair){ n->stack[j], 0, n->count[j] }, j++;
		else
			v[k++] = (struct pair){ b->stack[i], b->count[i], n->count[j] }, i++, j++;
	}
	*len = k;
	return v;
}

int hfp_diff_write_folded(FILE *f, const struct hfp_folded *base, const struct hfp_folded *now)
{
	size_t n;
	struct pair *v = merge(base, now, &n);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (fprintf(f, "%s %" PRIu64 " %" PRIu64 "\n", v[i].stack, v[i].base, v[i].now) < 0)
			rc = -1;
	free(v);
	return rc || ferror(f) ? -1 : 0;
}

static int64_t delta(const struct pair *p)
{
	return (int64_t)(p->now - p->base);
}

static int by_growth(const void *a, const void *b)
{
	int64_t x = delta(a), y = delta(b);
	return x < y ? 1 : x > y ? -1 : strcmp(((const struct pair *)a)->stack, ((const struct pair *)b)->stack);
}

void hfp_diff_write_report(FILE *f, const struct hfp_folded *base, const struct hfp_folded *now,
			   const char *cost_name, const char *base_path, unsigned long limit)
{
	size_t n;
	struct pair *v = merge(base, now, &n);
	qsort(v, n, sizeof *v, by_growth);
	fprintf(f, "DIFFERENCES against %s (cost %s; stacks matched by function names)\n", base_path,
		cost_name);
	fprintf(f, "total: %" PRIu64 " -> %" PRIu64 " (%+" PRId64 ")\n", base->total, now->total,
		(int64_t)(now->total - base->total));
	fputs("\nBIGGEST INCREASES\n", f);
	size_t shown = 0;
	for (size_t i = 0; i < n && shown < limit && delta(&v[i]) > 0; i++, shown++)
		fprintf(f, "%+" PRId64 " (%" PRIu64 " -> %" PRIu64 ") %s\n", delta(&v[i]), v[i].base,
			v[i].now, v[i].stack);
	if (!shown)
		fputs("none\n", f);
	fputs("\nBIGGEST DECREASES\n", f);
	shown = 0;
	for (size_t i = n; i-- > 0 && shown < limit && delta(&v[i]) < 0; shown++)
		fprintf(f, "%+" PRId64 " (%" PRIu64 " -> %" PRIu64 ") %s\n", delta(&v[i]), v[i].base,
			v[i].now, v[i].stack);
	if (!shown)
		fputs("none\n", f);
	fputc('\n', f);
	free(v);
}
