/* Ground truth: allocations whose sizes walk through many size classes, so that most are at
 * their class's last address (the allocator's per-class cache hands it back) and the recorder
 * names them by their class's slot (docs/format.md, register K), and frees that name real,
 * older addresses, so that an address decoded wrongly cannot go unnoticed (a free of the block
 * just allocated would pair with whatever address the reader made up).
 *
 *   loop_alloc: N allocations of n = i % 1000 + 1 bytes, each freed at once: N temporary, no leak.
 *   kept_alloc: N allocations of the same sizes; the blocks with i % 7 == 0 are kept (leaked),
 *               the others go through a queue of 50 and are freed oldest first.
 * The leaked blocks are ceil(N / 7); their bytes the sum of i % 1000 + 1 over those i. */
#include "gt.h"

#define N 20000
#define QUEUE 50

__attribute__((noinline)) static void *loop_alloc(size_t n)
{
	void *p = malloc(n);
	GT_CHECK(p);
	return p;
}

__attribute__((noinline)) static void *kept_alloc(size_t n)
{
	void *p = malloc(n);
	GT_CHECK(p);
	return p;
}

static void *kept[N / 7 + 1];

int main(void)
{
	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i % 1000 + 1);
		unsigned char *p = loop_alloc(n);
		memset(p, 1, n);
		free(p);
	}
	void *queue[QUEUE] = { 0 };
	int nkept = 0;
	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i % 1000 + 1);
		unsigned char *p = kept_alloc(n);
		memset(p, 1, n);
		if (i % 7 == 0) {
			kept[nkept++] = p;
			continue;
		}
		free(queue[i % QUEUE]); /* free(NULL) for the first ones: not a call that counts */
		queue[i % QUEUE] = p;
	}
	for (int i = 0; i < QUEUE; i++)
		free(queue[i]);
	gt_keep(kept);
	return 0;
}
