/* Ground truth for inlined frames (tests/integration/print_symbols.sh), built at -O2:
 * main -> inl_caller (not inlined) -> inl_middle (always_inline) -> inl_leaf (always_inline),
 * which makes 4 allocations of 48 bytes. The folded stack must read
 * main;inl_caller;inl_middle;inl_leaf: the caller first, the innermost inlined function last. */
#include "gt.h"

static void *kept[4];

static inline __attribute__((always_inline)) void inl_leaf(int i)
{
	kept[i] = malloc(48);
	GT_CHECK(kept[i]);
}

static inline __attribute__((always_inline)) void inl_middle(int i)
{
	inl_leaf(i);
	gt_keep(kept[i]);
}

__attribute__((noinline)) static void inl_caller(void)
{
	for (int i = 0; i < 4; i++)
		inl_middle(i);
}

int main(void)
{
	inl_caller();
	gt_say("inl_print: ok\n");
	return 0;
}
