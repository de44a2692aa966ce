/* gt_peak_weak: imports hf_stats through a weak reference (HF_WEAK) and runs under LD_PRELOAD
 * (tests/integration/rec_peak.sh, glibc and musl): the import alone makes the recorder track
 * the peak (lib/record/hf_stats.c, lib/record/hf_dynamic.c), exact for 1,000 + 3,000 bytes live together. */
#include <malloc.h>

#define HF_WEAK
#include "heapfold.h"

#include "gt.h"

int main(void)
{
	hf_stats_t s0 = { .size = sizeof s0 }, s1 = s0;
	GT_CHECK(hf_stats_reset_peak() == HF_OK);
	GT_CHECK(hf_stats(&s0) == HF_OK);
	char *a = malloc(1000), *b = malloc(3000);
	GT_CHECK(a && b);
	size_t ua = malloc_usable_size(a), ub = malloc_usable_size(b);
	free(a);
	free(b);
	GT_CHECK(hf_stats(&s1) == HF_OK);
	GT_CHECK(s1.current_bytes == s0.current_bytes);
	GT_CHECK(s1.peak_bytes == s0.current_bytes + ua + ub);
	GT_CHECK(s1.peak_blocks == s0.current_blocks + 2);
	gt_say("gt_peak_weak: ok\n");
	return 0;
}
