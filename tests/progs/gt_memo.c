/* Ground truth for the unwinder's memo of the last trace (tools/dev/patches/
 * libunwind-trace-memo.patch): stacks that share their frames at the same stack addresses and
 * differ only further out, or only further in. 1,000 rounds, each:
 *   via_a -> mid -> leaf -> malloc(16), from main's first call site        1,000 x 16 bytes
 *   via_b -> mid -> leaf -> malloc(24)  (via_a's frame size: mid and leaf
 *                                         lie at the same addresses)         1,000 x 24 bytes
 *   via_a -> mid -> leaf -> malloc(32), from main's second call site, in
 *                                         rounds i % 3 == 0                    334 x 32 bytes
 *   rec(d) -> ... -> malloc(100 + d), d = i % 7 levels of recursion       143 or 142 each
 * Every block is freed at once. */
#include "gt.h"

__attribute__((noinline)) static void *leaf(size_t n)
{
	void *p = malloc(n);
	gt_keep(p);
	return p;
}

__attribute__((noinline)) static void *mid(size_t n)
{
	void *p = leaf(n);
	gt_keep(p);
	return p;
}

__attribute__((noinline)) static void *via_a(size_t n)
{
	void *p = mid(n);
	gt_keep(p);
	return p;
}

__attribute__((noinline)) static void *via_b(size_t n)
{
	void *p = mid(n);
	gt_keep(p);
	return p;
}

__attribute__((noinline)) static void *rec(int d, size_t n)
{
	void *p = d == 0 ? malloc(n) : rec(d - 1, n);
	gt_keep(p);
	return p;
}

int main(void)
{
	for (int i = 0; i < 1000; i++) {
		free(via_a(16));
		free(via_b(24));
		if (i % 3 == 0)
			free(via_a(32));
		free(rec(i % 7, 100 + (size_t)(i % 7)));
	}
	gt_say("gt_memo: ok\n");
	return 0;
}
