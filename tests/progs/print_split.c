/* Ground truth for a trace read in two parts (tests/integration/print_split.sh): more than 8
 * million events, from three threads at once, each allocating from its own site, with blocks
 * freed by another thread and buffers grown by realloc:
 *   a_pair  2,500,000 malloc/free pairs, sizes 1 to 100 in turn: 126,250,000 bytes
 *   b_pair  1,500,000 malloc(64)/free pairs: 96,000,000 bytes
 *   b_keep  1,000,000 malloc(32), freed by main after the join: 32,000,000 bytes
 *   c_grow    500,000 calloc(1, 16) grown by realloc to 32, 48 and 64, then freed: 2,000,000
 *             allocations (a realloc that returns memory is one), 80,000,000 bytes */
#include <pthread.h>
#include "gt.h"

#define A_PAIRS 2500000
#define B_PAIRS 1500000
#define B_KEEP 1000000
#define C_GROWS 500000

static void **kept;
static pthread_barrier_t start;

__attribute__((noinline)) static void a_pair(size_t n)
{
	void *p = malloc(n);
	GT_CHECK(p);
	gt_keep(p);
	free(p);
}

__attribute__((noinline)) static void b_pair(void)
{
	void *p = malloc(64);
	GT_CHECK(p);
	gt_keep(p);
	free(p);
}

__attribute__((noinline)) static void *b_keep(void)
{
	void *p = malloc(32);
	GT_CHECK(p);
	return p;
}

__attribute__((noinline)) static void c_grow(void)
{
	char *p = calloc(1, 16);
	GT_CHECK(p);
	for (size_t n = 32; n <= 64; n += 16) {
		char *q = realloc(p, n);
		GT_CHECK(q);
		p = q;
	}
	gt_keep(p);
	free(p);
}

static void *a_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < A_PAIRS; i++)
		a_pair((size_t)(i % 100) + 1);
	return NULL;
}

static void *b_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < B_PAIRS; i++) {
		b_pair();
		if (i % 3 == 0 && i / 3 * 2 < B_KEEP) /* the kept blocks among the pairs */
			kept[i / 3 * 2] = b_keep(), kept[i / 3 * 2 + 1] = b_keep();
	}
	return NULL;
}

static void *c_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < C_GROWS; i++)
		c_grow();
	return NULL;
}

int main(void)
{
	kept = calloc(B_KEEP, sizeof *kept);
	GT_CHECK(kept);
	GT_CHECK(pthread_barrier_init(&start, NULL, 3) == 0);
	pthread_t a, b, c;
	GT_CHECK(pthread_create(&a, NULL, a_thread, NULL) == 0);
	GT_CHECK(pthread_create(&b, NULL, b_thread, NULL) == 0);
	GT_CHECK(pthread_create(&c, NULL, c_thread, NULL) == 0);
	GT_CHECK(pthread_join(a, NULL) == 0 && pthread_join(b, NULL) == 0 && pthread_join(c, NULL) == 0);
	for (int i = 0; i < B_KEEP; i++) {
		GT_CHECK(kept[i]);
		free(kept[i]);
	}
	free(kept);
	gt_say("print_split: ok\n");
	return 0;
}
