/* hf_family_emu.c: the members of the malloc family a libc may lack (EMULATED in hf_family.h),
 * made from the ones every libc has. The preload library falls back to them when dlsym finds
 * nothing; the static archive for musl uses emu_pvalloc, which musl does not have. */
#include <errno.h>

#include "hf_base.h"

void *emu_reallocarray(void *p, size_t m, size_t n)
{
	size_t s;
	if (__builtin_mul_overflow(m, n, &s)) {
		errno = ENOMEM;
		return NULL;
	}
	return hf_real.realloc(p, s);
}

void *emu_memalign(size_t align, size_t n)
{
	void *p = NULL;
	int rc = hf_real.posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n);
	if (rc)
		errno = rc;
	return p;
}

void *emu_aligned_alloc(size_t align, size_t n)
{
	return emu_memalign(align, n);
}

void *emu_valloc(size_t n)
{
	return hf_real.memalign(hf_os_page_size(), n);
}

void *emu_pvalloc(size_t n)
{
	size_t pg = hf_os_page_size();
	size_t r = n ? (n + pg - 1) & ~(pg - 1) : pg;
	if (r < n) {
		errno = ENOMEM;
		return NULL;
	}
	return hf_real.memalign(pg, r);
}

/* Without it there is nothing to measure blocks with: 0, as for a block of unknown size. */
size_t emu_malloc_usable_size(void *p)
{
	(void)p;
	return 0;
}
