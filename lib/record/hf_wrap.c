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
#include <stdlib.h>

#include "hf_base.h"
#include "hf_early.h"
#include "hf_hooks.h"
#include "hf_init.h"
#include "hf_thread.h"

/* Static glibc allocates before any constructor, where unwinding would harm libunwind's cache:
 * such blocks keep only their caller (hf_early.c). */
const int hf_early_unwind = 0;

#define WRAP HF_EXPORT

/* __real_NAME is libc's NAME (ld --wrap); __wrap_NAME is what the program's calls reach. */
#define PROTOS(RET, NAME, PARAMS, ...)                                                           \
	RET __real_##NAME PARAMS;                                                               \
	RET __wrap_##NAME PARAMS;
HF_FAMILY(PROTOS)

/* The real table is complete at link time. A member that musl lacks (LIBC = GLIBC in
 * hf_family.h: pvalloc) cannot be called by a musl program, but its slot takes the emulation. */
#define REAL_ANY(NAME) __real_##NAME
#ifdef __GLIBC__
#define REAL_GLIBC(NAME) __real_##NAME
#else
#define REAL_GLIBC(NAME) emu_##NAME
#endif
#define REAL_SLOT(RET, NAME, PARAMS, ARGS, TAKES, FALLBACK, LIBC) .NAME = REAL_##LIBC(NAME),
struct hf_real hf_real = { HF_FAMILY(REAL_SLOT) };

#define WRAPPER(RET, NAME, PARAMS, ARGS, ...)                                                    \
	WRAP RET __wrap_##NAME PARAMS                                                           \
	{                                                                                       \
		return hf_##NAME ARGS;                                                          \
	}
HF_FAMILY(WRAPPER)

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
	hf_rec_start(HF_LINK_STATIC, hf_rec_exit_process);
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
	hf_rec_exit_process(exit_status);
}
#endif
