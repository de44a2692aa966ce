/* Ground truth for the unwinder's memo of the last trace (tools/dev/patches/
 * libunwind-trace-memo.patch): stacks that share their frames at the same stack addresses and
 * differ only further out, or only further in. 1,000 rounds, each:
 *   via_a -> mid -> leaf -> malloc(16), from main's first call site        1,000 x 16 bytes
 *   via_b -> mid -> leaf -> malloc(24)  (via_a's frame size: mid and leaf
 *                                         lie at the same addresses)         1,000 x 24 bytes
 *   via_a -> mid -> leaf -> malloc(32), from main's second call site, in
 *                                         rounds i % 3 == 0                    334 x 32 bytes
 *   rec(d) -> ... -> malloc(100 + d), d = i % 7 levels of recursion       143 or 142 each
 *   shifted -> mid_here -> mid -> leaf -> malloc(40), called by main        1,000 x 40 bytes
 *   shim -> shifted -> mid_here -> mid -> leaf -> malloc(48), shim called
 *     by main at the same call site, its frame where shifted's was above     1,000 x 48 bytes
 * Every block is freed at once. */
#include <alloca.h>
#include <stdint.h>

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

/* The last two stacks share every stack word a walk reads but one: shim's frame lies where
 * shifted's lies when main calls shifted, with the same saved frame pointer (main's) and the
 * same return address (the same call site in main), and shifted pads its frame down to a fixed
 * address with alloca, so that the frames below it, and their return addresses, lie where
 * they lay before. Only mid_here's saved frame pointer (where shifted's frame is) tells the
 * stacks apart: a memo that checked return addresses alone would give the second the first's
 * frames. */
static uintptr_t floor_at;   /* where shifted's padding ends: set by its first call */
static uintptr_t inner_frame; /* where mid_here's frame was, for the check in main */

__attribute__((noinline)) static void *mid_here(size_t n)
{
	inner_frame = (uintptr_t)__builtin_frame_address(0);
	return mid(n);
}

__attribute__((noinline)) static void *shifted(size_t n)
{
	char here;
	uintptr_t top = (uintptr_t)&here;
	if (!floor_at)
		floor_at = top - 512;
	volatile char *pad = alloca(top - floor_at); /* a multiple of 16: frames are */
	pad[0] = 0;
	void *p = mid_here(n);
	gt_keep(p);
	return p;
}

__attribute__((noinline)) static void *shim(size_t n)
{
	void *p = shifted(n);
	gt_keep(p);
	return p;
}

static volatile int two = 2;

int main(void)
{
	for (int i = 0; i < 1000; i++) {
		free(via_a(16));
		free(via_b(24));
		if (i % 3 == 0)
			free(via_a(32));
		free(rec(i % 7, 100 + (size_t)(i % 7)));
		uintptr_t at[2];
		for (int k = 0; k < two; k++) { /* a count unknown to the compiler: not unrolled */
			void *(*volatile go)(size_t) = k ? shim : shifted;
			free(go(k ? 48 : 40)); /* one call site for both */
			at[k] = inner_frame;
		}
		GT_CHECK(at[0] == at[1]); /* else the two stacks do not share their inner frames */
	}
	gt_say("gt_memo: ok\n");
	return 0;
}
