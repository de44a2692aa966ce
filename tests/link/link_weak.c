/* The API through weak references (HF_WEAK): built without heapfold, every call returns
 * HF_ENOTAVAIL and hf_version() 0, nothing crashes; built with heapfold (static, musl, dynamic:
 * tests/integration/link_weak.sh), the same source gets the real functions.
 *   link_weak without|with */
#define HF_WEAK
#include "heapfold.h"

#include "gt.h"

int main(int argc, char **argv)
{
	GT_CHECK(argc == 2);
	int with = !strcmp(argv[1], "with");
	hf_stats_t s = { .size = sizeof s };
	if (!with) {
		GT_CHECK(hf_version() == 0);
		GT_CHECK(hf_start(NULL) == HF_ENOTAVAIL);
		GT_CHECK(hf_stop() == HF_ENOTAVAIL);
		GT_CHECK(hf_flush() == HF_ENOTAVAIL);
		GT_CHECK(hf_mark("x") == HF_ENOTAVAIL);
		GT_CHECK(hf_stats(&s) == HF_ENOTAVAIL);
		GT_CHECK(hf_stats_reset_peak() == HF_ENOTAVAIL);
	} else {
		GT_CHECK(hf_version() == HF_VERSION_NUM);
		void *p = malloc(100);
		GT_CHECK(p);
		GT_CHECK(hf_stats(&s) == HF_OK && s.total_allocs >= 1 && s.current_bytes >= 100);
		/* The weak imports are enough for heapfold to track the peak (lib/record/hf_stats.c). */
		GT_CHECK(s.peak_bytes != HF_STATS_NO_PEAK && s.peak_bytes >= s.current_bytes);
		free(p);
		GT_CHECK(hf_mark("weak") == HF_OK);
		GT_CHECK(hf_flush() == HF_OK);
	}
	gt_say(with ? "link_weak with: ok\n" : "link_weak without: ok\n");
	return 0;
}
