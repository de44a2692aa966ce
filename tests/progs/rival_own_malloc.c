/* Ground truth for tests/integration/rec_allocators.sh: an executable with an allocator of its
 * own (malloc, free, calloc and realloc defined here, forwarding to glibc's __libc_ names),
 * which no preloaded library can replace: heapfold must say so at start. 100 x malloc(10),
 * freed. glibc only (musl has no __libc_ names to forward to). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

void *__libc_malloc(size_t n);
void __libc_free(void *p);
void *__libc_calloc(size_t m, size_t n);
void *__libc_realloc(void *p, size_t n);

void *malloc(size_t n)
{
	return __libc_malloc(n);
}

void free(void *p)
{
	__libc_free(p);
}

void *calloc(size_t m, size_t n)
{
	return __libc_calloc(m, n);
}

void *realloc(void *p, size_t n)
{
	return __libc_realloc(p, n);
}

int main(void)
{
	for (int i = 0; i < 100; i++)
		free(malloc(10));
	puts("rival_own_malloc: ok");
	return 0;
}
