/* Ground truth for --diff (tests/integration/print_diff.sh): two variants of one program,
 * "a" and "b", whose sites allocate known numbers of 16-byte blocks (all freed):
 *   site_same    100 / 100
 *   site_grow     50 / 80
 *   site_shrink   40 / 10
 *   site_new       0 / 25
 *   site_gone     15 / 0        totals 205 / 215 */
#include "gt.h"

__attribute__((noinline)) static void alloc_n(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(16);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
}

__attribute__((noinline)) static void site_same(int b) { alloc_n(b ? 100 : 100); gt_keep(0); }
__attribute__((noinline)) static void site_grow(int b) { alloc_n(b ? 80 : 50); gt_keep(0); }
__attribute__((noinline)) static void site_shrink(int b) { alloc_n(b ? 10 : 40); gt_keep(0); }
__attribute__((noinline)) static void site_new(int b) { alloc_n(b ? 25 : 0); gt_keep(0); }
__attribute__((noinline)) static void site_gone(int b) { alloc_n(b ? 0 : 15); gt_keep(0); }

int main(int argc, char **argv)
{
	int b = argc > 1 && argv[1][0] == 'b';
	site_same(b);
	site_grow(b);
	site_shrink(b);
	site_new(b);
	site_gone(b);
	return 0;
}
