/* stacks: 2^20 distinct stacks, each allocated once (docs/performance.md, "Many distinct
 * stacks"): a depth-20 recursion that picks one of two functions at each level from the bits of
 * the iteration, one malloc and free at the bottom. 4.2 million stack-trie nodes; the shape
 * where interning, not unwinding or compression, is the cost.
 *   cc -O2 -g -fno-omit-frame-pointer tests/bench/stacks.c -o stacks */
#include <stdlib.h>

__attribute__((noinline)) static void leaf(void)
{
	void *volatile p = malloc(16);
	free(p);
}

__attribute__((noinline)) static void a(int d, unsigned bits);
__attribute__((noinline)) static void b(int d, unsigned bits);

__attribute__((noinline)) static void a(int d, unsigned bits)
{
	if (!d) {
		leaf();
		return;
	}
	if (bits & 1)
		a(d - 1, bits >> 1);
	else
		b(d - 1, bits >> 1);
	__asm__ volatile("" ::: "memory"); /* no tail call: every level keeps its frame */
}

__attribute__((noinline)) static void b(int d, unsigned bits)
{
	if (!d) {
		leaf();
		return;
	}
	if (bits & 1)
		a(d - 1, bits >> 1);
	else
		b(d - 1, bits >> 1);
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	for (unsigned i = 0; i < (1u << 20); i++)
		a(20, i);
	return 0;
}
