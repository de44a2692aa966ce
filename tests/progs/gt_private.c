/* Ground truth: 2 threads that each allocate and free only their own blocks: 100,000 times
 * malloc, use, free (sizes 1 to 1,000), then 20,000 buffers grown by calloc and 4 reallocs, then
 * freed. No block crosses threads, so the recorder's hooks must not write the one counter all
 * threads share (the free epoch) for these, whatever the interleaving
 * (tests/integration/rec_private.sh). Expected: 2 x 200,000 allocations of worker_alloc,
 * 2 x 20,000 of worker_grow's calloc, 2 x 80,000 of its realloc, all temporary, nothing leaked. */
#include <pthread.h>
#include "gt.h"

#define LOOPS 100000
#define GROWN 20000

static volatile unsigned sink;

__attribute__((noinline)) static unsigned char *worker_alloc(size_t n)
{
	unsigned char *p = malloc(n);
	GT_CHECK(p);
	return p;
}

__attribute__((noinline)) static void worker_grow(void)
{
	for (int k = 0; k < GROWN; k++) {
		size_t n = (size_t)(k % 200) + 8;
		unsigned char *p = calloc(n, 1);
		GT_CHECK(p);
		for (int step = 0; step < 4; step++) {
			unsigned char *q = realloc(p, n + n / 2 + 16);
			GT_CHECK(q);
			memset(q + n, 1, n / 2 + 16);
			p = q;
			n += n / 2 + 16;
		}
		sink += p[n - 1];
		free(p);
	}
}

__attribute__((noinline)) static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < LOOPS; i++) {
		size_t n = (size_t)(i % 1000) + 1;
		unsigned char *p = worker_alloc(n);
		memset(p, 1, n);
		sink += p[n - 1];
		free(p);
	}
	worker_grow();
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		GT_CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	gt_say("gt_private: ok\n");
	return 0;
}
