/* hf_wrap.c: the malloc family of a statically linked program, through ld --wrap (static
 * archives only; the shared library has hf_preload.c instead).
 *
 * The program is linked with --wrap=malloc and the like (the heapfold.wrap response file that
 * pkg-config's heapfold-static and heapfold-musl add): every call of malloc in the program and
 * in libc.a, strdup, fopen, getline..., becomes a call of __wrap_malloc, and __real_malloc names
 * libc's own. No bootstrap is needed: the real functions are known at link time, and the table
 * below is filled before the first instruction runs. --undefined=__wrap_malloc (and free,
 * calloc, realloc) in the same file pulls this object in even when the program itself never
 * calls them, or libc.a's fclose would not link ("undefined reference to __wrap_free").
 *
 * musl's libc calls its allocator by a second set of names in a few places (atexit beyond 32
 * handlers, posix_spawn file actions behind popen, newlocale, dcngettext, ...):
 * __libc_malloc, __libc_calloc, __libc_realloc, __libc_free, wrapped too. musl's own free,
 * realloc and calloc call those names (or malloc) inside: such a nested call arrives with the
 * thread inside a hook (mode INSIDE) and goes straight to libc, so nothing is counted twice and
 * nothing recurses (free -> __libc_free -> __wrap___libc_free must not call free again).
 *
 * The constructor starts the recorder before the program's own constructors (priority 101).
 * Recording ends at exit: on glibc through on_exit (hf_init.c), on musl through the
 * destructor, which runs after the atexit handlers and the program's destructors, with the
 * status exit was called with. */
#include <malloc.h>
#include <stdlib.h>

#include "hf_rec.h"

#define WRAP HF_EXPORT

void *__real_malloc(size_t n);
void __real_free(void *p);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_reallocarray(void *p, size_t m, size_t n);
int __real_posix_memalign(void **out, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__real_memalign(size_t align, size_t n);
void *__real_valloc(size_t n);
size_t __real_malloc_usable_size(void *p);

void *__wrap_malloc(size_t n);
void __wrap_free(void *p);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_reallocarray(void *p, size_t m, size_t n);
int __wrap_posix_memalign(void **out, size_t align, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
void *__wrap_memalign(size_t align, size_t n);
void *__wrap_valloc(size_t n);
void *__wrap_pvalloc(size_t n);
size_t __wrap_malloc_usable_size(void *p);

#ifdef __GLIBC__
void *__real_pvalloc(size_t n);
#define REAL_PVALLOC __real_pvalloc
#else
/* musl has no pvalloc: the program cannot call it, but the table has a slot. */
static void *emu_pvalloc(size_t n)
{
	size_t pg = hf_os_page_size();
	return __real_memalign(pg, n ? (n + pg - 1) & ~(pg - 1) : pg);
}
#define REAL_PVALLOC emu_pvalloc
#endif

struct hf_real hf_real = {
	.malloc = __real_malloc,
	.free = __real_free,
	.calloc = __real_calloc,
	.realloc = __real_realloc,
	.reallocarray = __real_reallocarray,
	.posix_memalign = __real_posix_memalign,
	.aligned_alloc = __real_aligned_alloc,
	.memalign = __real_memalign,
	.valloc = __real_valloc,
	.pvalloc = REAL_PVALLOC,
	.malloc_usable_size = __real_malloc_usable_size,
};

WRAP void *__wrap_malloc(size_t n)
{
	return hf_malloc(n);
}

WRAP void __wrap_free(void *p)
{
	hf_free(p);
}

WRAP void *__wrap_calloc(size_t m, size_t n)
{
	return hf_calloc(m, n);
}

WRAP void *__wrap_realloc(void *p, size_t n)
{
	return hf_realloc(p, n);
}

WRAP void *__wrap_reallocarray(void *p, size_t m, size_t n)
{
	return hf_reallocarray(p, m, n);
}

WRAP int __wrap_posix_memalign(void **out, size_t align, size_t n)
{
	return hf_posix_memalign(out, align, n);
}

WRAP void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return hf_aligned_alloc(align, n);
}

WRAP void *__wrap_memalign(size_t align, size_t n)
{
	return hf_memalign(align, n);
}

WRAP void *__wrap_valloc(size_t n)
{
	return hf_valloc(n);
}

#ifdef __GLIBC__
WRAP void *__wrap_pvalloc(size_t n)
{
	return hf_pvalloc(n);
}
#endif

WRAP size_t __wrap_malloc_usable_size(void *p)
{
	return __real_malloc_usable_size(p);
}

#ifndef __GLIBC__
void *__real___libc_malloc(size_t n);
void *__real___libc_calloc(size_t m, size_t n);
void *__real___libc_realloc(void *p, size_t n);
void __real___libc_free(void *p);
void *__wrap___libc_malloc(size_t n);
void *__wrap___libc_calloc(size_t m, size_t n);
void *__wrap___libc_realloc(void *p, size_t n);
void __wrap___libc_free(void *p);

WRAP void *__wrap___libc_malloc(size_t n)
{
	if (hf_tls.mode == HF_MODE_INSIDE)
		return __real___libc_malloc(n);
	return hf_malloc(n);
}

WRAP void *__wrap___libc_calloc(size_t m, size_t n)
{
	if (hf_tls.mode == HF_MODE_INSIDE)
		return __real___libc_calloc(m, n);
	return hf_calloc(m, n);
}

WRAP void *__wrap___libc_realloc(void *p, size_t n)
{
	if (hf_tls.mode == HF_MODE_INSIDE)
		return __real___libc_realloc(p, n);
	return hf_realloc(p, n);
}

WRAP void __wrap___libc_free(void *p)
{
	if (hf_tls.mode == HF_MODE_INSIDE) {
		__real___libc_free(p);
		return;
	}
	hf_free(p);
}
#endif

__attribute__((constructor(101))) static void wrap_init(void)
{
	hf_rec_start(HF_LINK_STATIC);
}

#ifndef __GLIBC__
/* musl has no on_exit: exit is wrapped (musl.wrap) to learn the status the destructor below
 * writes into CLOSE. Returning from main calls exit too (inside libc.a, wrapped as well). */
static int exit_status;
_Noreturn void __real_exit(int status);
_Noreturn void __wrap_exit(int status);

WRAP _Noreturn void __wrap_exit(int status)
{
	exit_status = status;
	__real_exit(status);
}

__attribute__((destructor(101))) static void wrap_fini(void)
{
	hf_rec_exit(exit_status);
}
#endif
