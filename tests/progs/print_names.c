/* Ground truth for libc's public names (tests/integration/print_symbols.sh): 5 x strdup, which
 * glibc defines as __strdup with the internal alias __GI___strdup and the weak alias strdup; the
 * report names it strdup. All freed. */
#include <string.h>
#include "gt.h"

int main(void)
{
	for (int i = 0; i < 5; i++) {
		char *p = strdup("a copy");
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
	return 0;
}
