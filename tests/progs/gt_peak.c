/* gt_peak: hf_stats found with dlsym under LD_PRELOAD (tests/integration/rec_peak.sh). The
 * program imports nothing of heapfold, so the recorder cannot see that it reads statistics: the
 * peak is tracked only with HEAPFOLD_PEAK=1 (lib/record/hf_stats.c). Everything else is exact either
 * way.
 *   gt_peak off    peak_bytes and peak_blocks read HF_STATS_NO_PEAK
 *   gt_peak on     the peak of 1,000 + 3,000 bytes live together is exact */
#include <dlfcn.h>
#include <malloc.h>

#include "heapfold.h"

#include "gt.h"

typedef int (*stats_fn)(hf_stats_t *);
typedef int (*reset_fn)(void);

int main(int argc, char **argv)
{
	GT_CHECK(argc == 2);
	int on = !strcmp(argv[1], "on");
	stats_fn stats = (stats_fn)dlsym(RTLD_DEFAULT, "hf_stats");
	reset_fn reset = (reset_fn)dlsym(RTLD_DEFAULT, "hf_stats_reset_peak");
	GT_CHECK(stats && reset);
	hf_stats_t s0 = { .size = sizeof s0 }, s1 = s0;
	GT_CHECK(reset() == HF_OK);
	GT_CHECK(stats(&s0) == HF_OK);
	char *a = malloc(1000), *b = malloc(3000);
	GT_CHECK(a && b);
	size_t ua = malloc_usable_size(a), ub = malloc_usable_size(b);
	free(a);
	free(b);
	char *c = malloc(100);
	GT_CHECK(c);
	size_t uc = malloc_usable_size(c);
	GT_CHECK(stats(&s1) == HF_OK);
	GT_CHECK(s1.current_bytes == s0.current_bytes + uc);
	GT_CHECK(s1.current_blocks == s0.current_blocks + 1);
	GT_CHECK(s1.total_allocs == s0.total_allocs + 3);
	GT_CHECK(s1.total_frees == s0.total_frees + 2);
	if (on) {
		GT_CHECK(s0.peak_bytes == s0.current_bytes);
		GT_CHECK(s1.peak_bytes == s0.current_bytes + ua + ub);
		GT_CHECK(s1.peak_blocks == s0.current_blocks + 2);
	} else {
		GT_CHECK(s1.peak_bytes == HF_STATS_NO_PEAK);
		GT_CHECK(s1.peak_blocks == HF_STATS_NO_PEAK);
	}
	free(c);
	gt_say("gt_peak: ok\n");
	return 0;
}
