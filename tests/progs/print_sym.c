/* Ground truth for symbolization (tests/integration/print_symbols.sh): static functions three
 * deep, main -> sym_outer -> sym_middle -> sym_leaf, which makes 3 allocations of 64 bytes and
 * leaks them. Built twice by the test, once with -DVARIANT=2 (another build-id, other code). */
#include "gt.h"

#ifndef VARIANT
#define VARIANT 1
#endif

static void *kept[3 * VARIANT];

__attribute__((noinline)) static void sym_leaf(void)
{
	for (int i = 0; i < 3 * VARIANT; i++) {
		kept[i] = malloc(64);
		GT_CHECK(kept[i]);
	}
}

__attribute__((noinline)) static void sym_middle(void)
{
	sym_leaf();
	gt_keep(kept[0]);
}

__attribute__((noinline)) static void sym_outer(void)
{
	sym_middle();
	gt_keep(kept[1]);
}

int main(void)
{
	sym_outer();
	gt_say("print_sym: ok\n");
	return 0;
}
