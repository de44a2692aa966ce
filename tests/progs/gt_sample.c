/* Ground truth for sampling (tests/integration/rec_sample.sh): a deterministic mix whose exact
 * and sampled traces are compared. Four sites, each its own stack:
 *   small   300,000 x malloc(64), freed at once                    (19.2 MB allocated)
 *   big       2,000 x malloc(100,000), freed at once               (200 MB)
 *   mixed   100,000 x malloc(16..4015) + realloc to twice the size (about 600 MB; realloc chains)
 *   leak     20,000 x malloc(1,000), never freed                   (20 MB leaked)
 * and 2 threads doing the mixed loop too (cross-thread sampling state), 20,000 each.
 *
 * gt_sample api SAMPLED EXACT (run with HEAPFOLD_DISABLE=1): the same mix without the threads,
 * twice, each into a trace started with hf_start: first at hf_set_sample_bytes(4096), then at
 * hf_set_sample_bytes(0). Checks the API's answers (EBUSY while recording, EINVAL above 2^31 - 1)
 * and that hf_stats counts every allocation of the sampled trace exactly. */
#include <pthread.h>
#include <stdint.h>
#include "gt.h"
#define HF_WEAK /* preloaded, or linked */
#include "heapfold.h"

__attribute__((noinline)) static void small(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(64);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
}

__attribute__((noinline)) static void big(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(100000);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
}

__attribute__((noinline)) static void mixed(int n, unsigned seed)
{
	for (int i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		size_t z = 16 + (seed >> 16) % 4000;
		void *p = malloc(z);
		GT_CHECK(p);
		gt_keep(p);
		p = realloc(p, z * 2);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
}

__attribute__((noinline)) static void leak(int n)
{
	for (int i = 0; i < n; i++)
		GT_CHECK((gt_sink = malloc(1000)) != NULL);
}

static void *worker(void *arg)
{
	mixed(20000, (unsigned)(uintptr_t)arg);
	return NULL;
}

/* The mix, in this thread only: allocations, frees and bytes asked for (realloc: one of each). */
#define MIX_ALLOCS (300000 + 2000 + 2 * 100000 + 20000)
#define MIX_FREES (300000 + 2000 + 2 * 100000)
static uint64_t mix(void)
{
	uint64_t bytes = 300000 * 64ull + 2000 * 100000ull + 20000 * 1000ull;
	unsigned seed = 1;
	for (int i = 0; i < 100000; i++) {
		seed = seed * 1103515245u + 12345u;
		bytes += 3 * (16 + (seed >> 16) % 4000);
	}
	small(300000);
	big(2000);
	mixed(100000, 1);
	leak(20000);
	return bytes;
}

static int api(const char *sampled, const char *exact)
{
	GT_CHECK(hf_set_sample_bytes(4096) == HF_OK);
	GT_CHECK(hf_set_sample_bytes(1ull << 31) == HF_EINVAL);
	GT_CHECK(hf_start(sampled) == HF_OK);
	GT_CHECK(hf_set_sample_bytes(0) == HF_EBUSY);
	hf_stats_t s0 = { .size = sizeof s0 }, s1 = { .size = sizeof s1 };
	GT_CHECK(hf_stats(&s0) == HF_OK);
	uint64_t bytes = mix();
	GT_CHECK(hf_stats(&s1) == HF_OK);
	GT_CHECK(s1.total_allocs - s0.total_allocs == MIX_ALLOCS);
	GT_CHECK(s1.total_frees - s0.total_frees == MIX_FREES);
	GT_CHECK(s1.total_bytes - s0.total_bytes == bytes);
	GT_CHECK(s1.current_blocks - s0.current_blocks == 20000);
	GT_CHECK(hf_stop() == HF_OK);
	GT_CHECK(hf_set_sample_bytes(0) == HF_OK);
	GT_CHECK(hf_start(exact) == HF_OK);
	mix();
	GT_CHECK(hf_stop() == HF_OK);
	gt_say("gt_sample: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "api"))
		return api(argv[2], argv[3]);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		GT_CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 2)) == 0);
	small(300000);
	big(2000);
	mixed(100000, 1);
	leak(20000);
	for (int i = 0; i < 2; i++)
		GT_CHECK(pthread_join(t[i], NULL) == 0);
	gt_say("gt_sample: ok\n");
	return 0;
}
