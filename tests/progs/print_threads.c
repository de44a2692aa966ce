/* Ground truth for per-thread temporary allocations (tests/integration/print_threads.sh): two
 * threads run at the same time, each making 20000 malloc(24)/free pairs in temp_pair(), so the
 * pairs of one thread interleave with the other's. Every pair is temporary for its thread:
 * 40000 temporary allocations. A global "no allocation in between" rule (heaptrack's) misses
 * the pairs another thread interleaved. */
#include <pthread.h>
#include "gt.h"

#define PAIRS 20000

static pthread_barrier_t start;

__attribute__((noinline)) static void temp_pair(void)
{
	void *p = malloc(24);
	GT_CHECK(p);
	gt_keep(p);
	free(p);
}

__attribute__((noinline)) static void *pair_worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < PAIRS; i++)
		temp_pair();
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	GT_CHECK(pthread_barrier_init(&start, NULL, 2) == 0);
	for (int i = 0; i < 2; i++)
		GT_CHECK(pthread_create(&t[i], NULL, pair_worker, NULL) == 0);
	for (int i = 0; i < 2; i++)
		GT_CHECK(pthread_join(t[i], NULL) == 0);
	gt_say("print_threads: ok\n");
	return 0;
}
