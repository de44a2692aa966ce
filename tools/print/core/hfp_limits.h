/* hfp_limits.h: limits for CI (--fail-if, --fail-on-leak): a run that breaks one exits with
 * HFP_EXIT_LIMIT and one line per broken limit naming the biggest contributing stack. */
#ifndef HFP_LIMITS_H
#define HFP_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* What a limit bounds: a total over the allocations the filters keep. */
enum hfp_limit_what {
	HFP_LIMIT_PEAK,        /* peak heap bytes (the highest total of live bytes at one moment) */
	HFP_LIMIT_LEAKED,      /* bytes still allocated at the end */
	HFP_LIMIT_ALLOCATIONS, /* number of allocations */
	HFP_LIMIT_TEMPORARY,   /* number of temporary allocations */
	HFP_LIMIT_BYTES,       /* bytes allocated over the whole run */
};

struct hfp_limit_kind {
	const char *name; /* as written in --fail-if */
	int is_size;      /* a number of bytes (K, M, G), else a count */
	int cost;         /* enum hfp_cost: the per-stack cost that contributes to it */
};
extern const struct hfp_limit_kind hfp_limit_kinds[];

struct hfp_limit {
	int what;      /* enum hfp_limit_what */
	uint64_t max;  /* broken when the value is greater */
	const char *text;
};

/* Parses "peak>1M", "leaked>0", "allocations>100000", "temporary>N", "bytes>1G" (sizes with K,
 * M, G). Returns 0, or -1 for anything else. */
int hfp_limit_parse(const char *s, struct hfp_limit *out);

struct hfp_accum;
struct hfp_stacks;
/* emit/hfp_limits_check.c. Checks every limit against the run's totals; prints one line on
 * stderr per broken one. Returns the number broken. estimated: a sampled trace (the line says
 * so). */
size_t hfp_limits_check(const struct hfp_limit *l, size_t n, const struct hfp_accum *a,
			const struct hfp_stacks *s, int estimated);

#endif
