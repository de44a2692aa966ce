/* Ground truth for sampling (tests/integration/rec_sample.sh): a deterministic mix whose exact
 * and sampled traces are compared. Four sites, each its own stack:
 *   small   300,000 x malloc(64), freed at once                    (19.2 MB allocated)
 *   big       2,000 x malloc(100,000), freed at once               (200 MB)
 *   mixed   100,000 x malloc(16..4015) + realloc to twice the size (about 600 MB; realloc chains)
 *   leak     20,000 x malloc(1,000), never freed                   (20 MB leaked)
 * and 2 threads doing the mixed loop too (cross-thread sampling state), 20,000 each. */
#include <pthread.h>
#include <stdint.h>
#include "gt.h"

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

int main(void)
{
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
