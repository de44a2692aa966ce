/* Ground truth for the C API (include/heapfold.h) in a program linked with heapfold:
 *
 *   link_api WINDOW_TRACE MISSING_DIR_TRACE
 *
 * It checks itself (exit 99 and a message on a failed check; "link_api: ok" and exit 0 when all
 * hold): hf_stats values, exact at each step, against usable sizes the program computes with
 * malloc_usable_size; error codes; hf_start/hf_stop/hf_mark. The trace checks are in
 * tests/integration/link_api.sh, which expects:
 *   - the first trace (started at program start from HEAPFOLD_OUTPUT, ended by hf_stop):
 *     before_window() 30 x malloc(40), 20 freed (10 leaked as far as the trace knows);
 *   - the window trace (hf_start(WINDOW_TRACE) ... hf_stop): in_window() 25 x calloc(3, 16),
 *     all freed, between the marks "window-begin" and "window-end", and frees of 5 blocks
 *     from before the window (unknown to that trace); nothing of after_window();
 *   - after_window() 7 x malloc(1000): counted by hf_stats, in no trace.
 * Run with HEAPFOLD_DISABLE=1, or with LINK_API_FIRST_FAILS=1 and HEAPFOLD_OUTPUT naming a
 * file that exists (never overwritten: the first trace cannot be created), it records nothing at
 * start (hf_stop says HF_EBUSY), the statistics hold all the same, and the window trace holds
 * the window's events only (no block of the program's kept as one of before the start). */
#include <malloc.h>
#include <stdint.h>

#include "gt.h"
#include "heapfold.h"

static hf_stats_t now(void)
{
	hf_stats_t s = { .size = sizeof s };
	GT_CHECK(hf_stats(&s) == HF_OK);
	return s;
}

static void *before[30];

__attribute__((noinline)) static uint64_t before_window(void)
{
	uint64_t usable = 0;
	for (int i = 0; i < 30; i++) {
		before[i] = malloc(40);
		GT_CHECK(before[i]);
		usable += malloc_usable_size(before[i]);
	}
	for (int i = 0; i < 20; i++) {
		usable -= malloc_usable_size(before[i]);
		free(before[i]);
	}
	return usable; /* what stays live */
}

__attribute__((noinline)) static void in_window(void)
{
	void *p[25];
	for (int i = 0; i < 25; i++) {
		p[i] = calloc(3, 16);
		GT_CHECK(p[i]);
	}
	for (int i = 0; i < 25; i++)
		free(p[i]);
}

__attribute__((noinline)) static void after_window(void **keep)
{
	for (int i = 0; i < 7; i++) {
		keep[i] = malloc(1000);
		GT_CHECK(keep[i]);
	}
}

int main(int argc, char **argv)
{
	GT_CHECK(argc == 3);
	GT_CHECK(hf_version() == HF_VERSION_NUM);
	int disabled = getenv("HEAPFOLD_DISABLE") != NULL || getenv("LINK_API_FIRST_FAILS") != NULL;

	/* Bad arguments. */
	hf_stats_t bad = { .size = sizeof bad - 8 };
	GT_CHECK(hf_stats(NULL) == HF_EINVAL);
	GT_CHECK(hf_stats(&bad) == HF_EINVAL);
	GT_CHECK(hf_mark(NULL) == HF_EINVAL);
	GT_CHECK(hf_flush() == HF_OK);

	/* Counting: exact deltas. */
	hf_stats_t s0 = now();
	uint64_t live = before_window();
	hf_stats_t s1 = now();
	GT_CHECK(s1.total_allocs == s0.total_allocs + 30);
	GT_CHECK(s1.total_bytes == s0.total_bytes + 30 * 40);
	GT_CHECK(s1.total_frees == s0.total_frees + 20);
	GT_CHECK(s1.current_blocks == s0.current_blocks + 10);
	GT_CHECK(s1.current_bytes == s0.current_bytes + live);
	GT_CHECK(s1.temporary == s0.temporary); /* the frees came after other allocations */
	GT_CHECK(s1.peak_bytes >= s1.current_bytes);

	/* A temporary block, and the peak of one code path. */
	GT_CHECK(hf_stats_reset_peak() == HF_OK);
	hf_stats_t s2 = now();
	GT_CHECK(s2.peak_bytes == s2.current_bytes && s2.peak_blocks == s2.current_blocks);
	void *t = malloc(5000);
	GT_CHECK(t);
	uint64_t tu = malloc_usable_size(t);
	gt_keep(t);
	free(t);
	hf_stats_t s3 = now();
	GT_CHECK(s3.current_bytes == s2.current_bytes);
	GT_CHECK(s3.peak_bytes == s2.current_bytes + tu);
	GT_CHECK(s3.peak_blocks == s2.current_blocks + 1);
	GT_CHECK(s3.temporary == s2.temporary + 1);

	/* A failed allocation. */
	volatile size_t huge = SIZE_MAX / 2;
	GT_CHECK(calloc(huge, 4) == NULL);
	hf_stats_t s4 = now();
	GT_CHECK(s4.failed == s3.failed + 1 && s4.total_allocs == s3.total_allocs);

	/* The first trace ends; a second stop has nothing to stop. */
	GT_CHECK(hf_stop() == (disabled ? HF_EBUSY : HF_OK));
	GT_CHECK(hf_stop() == HF_EBUSY);
	GT_CHECK(hf_mark("not recording") == HF_OK);

	/* A trace that cannot be created: HF_EIO with errno; nothing changes. */
	errno = 0;
	GT_CHECK(hf_start(argv[2]) == HF_EIO && errno == ENOENT);
	GT_CHECK(hf_stop() == HF_EBUSY);

	/* The window. */
	GT_CHECK(hf_start(argv[1]) == HF_OK);
	GT_CHECK(hf_start(argv[1]) == HF_EBUSY);
	GT_CHECK(hf_mark("window-begin") == HF_OK);
	in_window();
	for (int i = 20; i < 25; i++)
		free(before[i]); /* allocated before this trace began */
	GT_CHECK(hf_mark("window-end") == HF_OK);
	GT_CHECK(hf_flush() == HF_OK);
	GT_CHECK(hf_stop() == HF_OK);

	hf_stats_t s5 = now();
	GT_CHECK(s5.total_allocs == s4.total_allocs + 25);
	GT_CHECK(s5.total_bytes == s4.total_bytes + 25 * 48);
	GT_CHECK(s5.total_frees == s4.total_frees + 30);
	GT_CHECK(s5.current_blocks == s4.current_blocks - 5);

	void *keep[7];
	after_window(keep);
	hf_stats_t s6 = now();
	GT_CHECK(s6.total_allocs == s5.total_allocs + 7);
	for (int i = 0; i < 7; i++)
		free(keep[i]);
	for (int i = 25; i < 30; i++)
		free(before[i]);
	hf_stats_t s7 = now();
	GT_CHECK(s7.current_bytes == s0.current_bytes);
	GT_CHECK(s7.current_blocks == s0.current_blocks);
	gt_say("link_api: ok\n");
	return 0;
}
