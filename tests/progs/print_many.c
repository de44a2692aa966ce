/* Ground truth for a report of many distinct stacks (tests/integration/print_html.sh): main
 * calls a() 2^DEPTH times (DEPTH from argv[1], default 14); each call descends DEPTH levels
 * through a() or b(), chosen by the bits of its number, and leaf() makes one malloc(16), freed
 * at once. So 2^DEPTH distinct stacks, one allocation each, 16 bytes, all temporary. */
#include "gt.h"

__attribute__((noinline)) static void leaf(void)
{
	void *p = malloc(16);
	GT_CHECK(p);
	gt_keep(p);
	free(p);
}

static void b(int depth, unsigned k);

/* Each function does something after its call, so no call becomes a tail call. */
__attribute__((noinline)) static void a(int depth, unsigned k)
{
	if (depth == 0)
		leaf();
	else if (k & 1)
		a(depth - 1, k >> 1);
	else
		b(depth - 1, k >> 1);
	gt_keep(&k);
}

__attribute__((noinline)) static void b(int depth, unsigned k)
{
	if (depth == 0)
		leaf();
	else if (k & 1)
		a(depth - 1, k >> 1);
	else
		b(depth - 1, k >> 1);
	gt_keep(&k);
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 14;
	for (unsigned k = 0; k < 1u << depth; k++)
		a(depth, k);
	return 0;
}
