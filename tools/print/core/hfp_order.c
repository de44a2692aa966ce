/* hfp_order.c: the sort of hfp_order.h. */
#include <stdlib.h>
#include <string.h>

#include "hfp_mem.h"
#include "hfp_order.h"

uint32_t *hfp_order_by_key(const uint32_t *key, size_t n)
{
	uint32_t *a = hfp_reallocarray(NULL, n ? n : 1, sizeof *a);
	uint32_t *b = hfp_reallocarray(NULL, n ? n : 1, sizeof *b);
	hfp_mem_present(a, n * sizeof *a);
	hfp_mem_present(b, n * sizeof *b);
	for (size_t i = 0; i < n; i++)
		a[i] = (uint32_t)i;
	size_t *count = hfp_malloc(65537 * sizeof *count);
	for (int shift = 0; shift < 32; shift += 16) {
		memset(count, 0, 65537 * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[((key[a[i]] >> shift) & 0xffff) + 1]++;
		for (size_t d = 1; d <= 65536; d++)
			count[d] += count[d - 1];
		for (size_t i = 0; i < n; i++)
			b[count[(key[a[i]] >> shift) & 0xffff]++] = a[i];
		uint32_t *t = a;
		a = b;
		b = t;
	}
	free(count);
	free(b);
	return a;
}
