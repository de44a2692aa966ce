/* Ground truth: one malloc(777) made DEPTH (argv[1], default 100) calls down a non-inlined
 * recursion, freed; then one malloc(555) from main, leaked. */
#include "gt.h"

__attribute__((noinline)) static void *deep(int n)
{
	void *p = n == 0 ? malloc(777) : deep(n - 1);
	gt_keep(p); /* not a tail call: every level keeps its frame */
	return p;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 100;
	free(deep(depth));
	gt_keep(malloc(555));
	gt_say("gt_deep: ok\n");
	return 0;
}
