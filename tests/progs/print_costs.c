/* Ground truth for heapfold_print's cost types and filters (tests/integration/print_costs.sh).
 * Single-threaded; main runs, in order (live bytes in brackets):
 *   small_temp   100 x malloc(16), each freed at once: 100 temporary allocations      [0]
 *   thresh       5 x { a = alloc_outer() 32 B; b = alloc_inner() 8 B; free(a); free(b) }:
 *                a is freed after one other allocation (temporary from threshold 1),
 *                b with none in between (temporary at threshold 0)                     [0]
 *   sized        malloc of 1023, 1024, 1025, 4096, 4097 bytes, kept                    [11265]
 *   mid_alloc    10 x malloc(1000), kept                                               [21265]
 *   big_leak     2 x malloc(100000), never freed                                       [221265] peak
 *   free_mids, free_sized                                                              [200000]
 * So: peak 221265 (sized 11265, mid_alloc 10000, big_leak 200000), leaked 200000 (big_leak).
 * No stdio: nothing else in main allocates. */
#include "gt.h"

static void *mids[10];
static void *sizes[5];
static void *leaks[2];

/* Every allocating function stores its block after the call, so no call becomes a tail call
 * and every function keeps its frame. */
__attribute__((noinline)) static void small_temp(void)
{
	for (int i = 0; i < 100; i++) {
		void *p = malloc(16);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
}

__attribute__((noinline)) static void *alloc_outer(void)
{
	void *p = malloc(32);
	GT_CHECK(p);
	gt_keep(p);
	return p;
}

__attribute__((noinline)) static void *alloc_inner(void)
{
	void *p = malloc(8);
	GT_CHECK(p);
	gt_keep(p);
	return p;
}

__attribute__((noinline)) static void thresh(void)
{
	for (int i = 0; i < 5; i++) {
		void *a = alloc_outer();
		void *b = alloc_inner();
		free(a);
		free(b);
	}
}

__attribute__((noinline)) static void sized(void)
{
	static const size_t n[5] = { 1023, 1024, 1025, 4096, 4097 };
	for (int i = 0; i < 5; i++) {
		sizes[i] = malloc(n[i]);
		GT_CHECK(sizes[i]);
	}
}

__attribute__((noinline)) static void mid_alloc(void)
{
	for (int i = 0; i < 10; i++) {
		mids[i] = malloc(1000);
		GT_CHECK(mids[i]);
	}
}

__attribute__((noinline)) static void big_leak(void)
{
	for (int i = 0; i < 2; i++) {
		leaks[i] = malloc(100000);
		GT_CHECK(leaks[i]);
		gt_keep(leaks[i]);
	}
}

__attribute__((noinline)) static void free_mids(void)
{
	for (int i = 0; i < 10; i++)
		free(mids[i]);
}

__attribute__((noinline)) static void free_sized(void)
{
	for (int i = 0; i < 5; i++)
		free(sizes[i]);
}

int main(void)
{
	small_temp();
	thresh();
	sized();
	mid_alloc();
	big_leak();
	free_mids();
	free_sized();
	gt_say("print_costs: ok\n");
	return 0;
}
