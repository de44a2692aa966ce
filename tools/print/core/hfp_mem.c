/* hfp_mem.c: allocation that cannot fail (see hfp_mem.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hfp_base.h"
#include "hfp_mem.h"

static void out_of_memory(void)
{
	/* Nothing to free or write: the pipeline holds only derived data. */
	fputs(HFP_NAME ": out of memory\n", stderr);
	exit(HFP_EXIT_DATA);
}

void *hfp_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *hfp_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *hfp_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *hfp_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory();
	return hfp_realloc(p, n * size);
}

char *hfp_strdup(const char *s)
{
	return hfp_strndup(s, strlen(s));
}

char *hfp_strndup(const char *s, size_t n)
{
	char *p = hfp_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

/* madvise(advice) over the whole pages of [p, p + n). */
static void advise_pages(void *p, size_t n, int advice)
{
	static size_t page;
	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(page - 1);
	if (e > a)
		madvise((void *)a, e - a, advice);
}

void hfp_mem_present(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	advise_pages(p, n, MADV_POPULATE_WRITE); /* before Linux 5.14: faults, as before */
#else
	(void)p, (void)n;
#endif
}

void hfp_mem_release(void *p, size_t n)
{
	advise_pages(p, n, MADV_DONTNEED);
}

void hfp_mem_ahead(void *p, size_t need, size_t cap, size_t *done)
{
	if (need <= *done)
		return;
	size_t to = *done + HFP_MEM_AHEAD;
	if (to < need)
		to = need;
	if (to > cap)
		to = cap;
	hfp_mem_present((char *)p + *done, to - *done);
	*done = to;
}
