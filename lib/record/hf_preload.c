/* hf_preload.c: the malloc family exported by libheapfold.so, and how it finds the real one. The
 * library is either preloaded (LD_PRELOAD, the launcher) or linked into the program
 * (pkg-config heapfold: the executable names it in DT_NEEDED, ahead of libc, so its malloc wins
 * by symbol precedence alone); the HEADER's link_mode says which.
 *
 * hf_real starts out pointing at the boot_* functions below: the first call of any of them
 * resolves the whole table with dlsym(RTLD_NEXT), then forwards. dlsym may allocate (glibc
 * before 2.34 calls calloc; a failed lookup allocates its error message): while a thread is
 * resolving, its allocations come from a small static arena, whose blocks are recognised by
 * address and never given to the real free. No test on the fast path: malloc calls
 * hf_real.malloc, which is the real one from the first call on.
 *
 * The constructor starts the recorder. Recording ends at exit: on glibc through on_exit
 * (hf_init.c), which runs after every library's destructors; on musl, which has no on_exit and
 * runs destructors after atexit handlers, through our destructor. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <link.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_early.h"
#include "hf_hooks.h"
#include "hf_init.h"
#include "hf_rival.h"
#include "hf_stats.h"
#include "hf_thread.h"

/* Constructors that run before ours allocate with their stacks unwound (hf_early.c). */
const int hf_early_unwind = 1;

/* Every member's libc prototype: musl has no pvalloc (we export glibc's, for programs that
 * expect it), and a redeclaration of the others is harmless. */
#define PROTO(RET, NAME, PARAMS, ...) RET NAME PARAMS;
HF_FAMILY(PROTO)
#undef PROTO

/* --- the bootstrap arena -------------------------------------------------------------------- */

#define ARENA_SIZE (64u << 10)
static uint8_t arena[ARENA_SIZE] __attribute__((aligned(64)));
static size_t arena_used;

/* Zeroed memory (the arena is never reused), 16 bytes of header holding the size. */
static void *arena_alloc(size_t n, size_t align)
{
	if (align < 16)
		align = 16;
	if (align & (align - 1) || n > ARENA_SIZE || align > ARENA_SIZE / 4) {
		errno = align & (align - 1) ? EINVAL : ENOMEM;
		return NULL;
	}
	size_t old = __atomic_load_n(&arena_used, __ATOMIC_RELAXED), start, end;
	do {
		start = (old + 16 + align - 1) & ~(align - 1);
		end = start + ((n + 15) & ~(size_t)15);
		if (end > ARENA_SIZE) {
			errno = ENOMEM;
			return NULL;
		}
	} while (!__atomic_compare_exchange_n(&arena_used, &old, end, 0, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	memcpy(arena + start - sizeof n, &n, sizeof n);
	return arena + start;
}

static inline int arena_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)arena < ARENA_SIZE;
}

static size_t arena_size(const void *p)
{
	size_t n;
	memcpy(&n, (const uint8_t *)p - sizeof n, sizeof n);
	return n;
}

/* A block that outlives bootstrap and is resized: move it to the real heap (recorded as an
 * allocation: the arena block was never recorded). */
static void *arena_realloc(void *p, size_t n)
{
	void *q = malloc(n ? n : 1);
	if (q) {
		size_t old = arena_size(p);
		memcpy(q, p, old < n ? old : n);
	}
	return q;
}

/* While a thread resolves the real functions (dlsym may allocate), its calls are served from
 * the arena: resolving_NAME for each member of the family (hf_family.h). */
static void *resolving_malloc(size_t n)
{
	return arena_alloc(n, 16);
}

static void resolving_free(void *p)
{
	(void)p; /* a block from the real malloc freed mid-resolution is leaked, once */
}

static void *resolving_calloc(size_t m, size_t n)
{
	size_t s;
	if (__builtin_mul_overflow(m, n, &s)) {
		errno = ENOMEM;
		return NULL;
	}
	return arena_alloc(s, 16);
}

static void *resolving_realloc(void *p, size_t n)
{
	void *q = arena_alloc(n, 16);
	if (q && p && arena_owns(p)) {
		size_t old = arena_size(p);
		memcpy(q, p, old < n ? old : n);
	}
	return q;
}

static void *resolving_reallocarray(void *p, size_t m, size_t n)
{
	size_t s;
	if (__builtin_mul_overflow(m, n, &s)) {
		errno = ENOMEM;
		return NULL;
	}
	return resolving_realloc(p, s);
}

static int resolving_posix_memalign(void **out, size_t align, size_t n)
{
	int err = errno;
	void *p = arena_alloc(n, align);
	int rc = p ? 0 : errno;
	errno = err;
	if (p)
		*out = p;
	return rc;
}

static void *resolving_aligned_alloc(size_t align, size_t n)
{
	return arena_alloc(n, align);
}

static void *resolving_memalign(size_t align, size_t n)
{
	return arena_alloc(n, align);
}

static void *resolving_valloc(size_t n)
{
	return arena_alloc(n, 4096);
}

static void *resolving_pvalloc(size_t n)
{
	return arena_alloc((n + 4095) & ~(size_t)4095, 4096);
}

static size_t resolving_malloc_usable_size(void *p)
{
	return p && arena_owns(p) ? arena_size(p) : 0;
}

/* An arena block given to a member that TAKES_BLOCK, after bootstrap: arena_NAME. It never goes
 * to the real allocator. */
static void arena_free(void *p)
{
	(void)p; /* the arena is never reused */
}

static void *arena_reallocarray(void *p, size_t m, size_t n)
{
	size_t s;
	if (__builtin_mul_overflow(m, n, &s)) {
		errno = ENOMEM;
		return NULL;
	}
	return arena_realloc(p, s);
}

static size_t arena_malloc_usable_size(void *p)
{
	return arena_size(p);
}

/* --- resolution ----------------------------------------------------------------------------- */

/* What a member that dlsym cannot find becomes: its emulation, or the end of the program. */
#define ON_MISSING_REQUIRED(NAME) missing = #NAME
#define ON_MISSING_EMULATED(NAME) f_##NAME = emu_##NAME
#define LOOKUP(RET, NAME, PARAMS, ARGS, TAKES, FALLBACK, LIBC)                                   \
	RET(*f_##NAME) PARAMS = (RET(*) PARAMS)dlsym(RTLD_NEXT, #NAME);                         \
	if (!f_##NAME)                                                                          \
		ON_MISSING_##FALLBACK(NAME);
/* Each store is one aligned pointer: another thread sees the boot or the real function, and a
 * boot function it calls just resolves again. */
#define STORE(RET, NAME, ...) hf_store(&hf_real.NAME, f_##NAME);

static void resolve(void)
{
	struct hf_tls *t = &hf_tls;
	const char *missing = NULL;
	t->resolving = 1;
	HF_FAMILY(LOOKUP)
	if (missing) {
		char msg[128];
		size_t n = hf_fmt(msg, sizeof msg, "heapfold: cannot find the real %s; aborting\n", missing);
		ssize_t w = write(2, msg, n);
		(void)w;
		_exit(127);
	}
	HF_FAMILY(STORE)
	t->resolving = 0;
}

/* boot_NAME: hf_real's first value for each member. The first call resolves the whole table,
 * then forwards. */
#define BOOT(RET, NAME, PARAMS, ARGS, TAKES, FALLBACK, LIBC)                                     \
	static RET boot_##NAME PARAMS                                                           \
	{                                                                                       \
		if (hf_tls.resolving)                                                           \
			return resolving_##NAME ARGS;                                           \
		HF_IF_##TAKES(if (arena_owns(HF_FIRST ARGS)) return arena_##NAME ARGS;)         \
		resolve();                                                                      \
		return hf_real.NAME ARGS;                                                       \
	}
HF_FAMILY(BOOT)

#define BOOT_SLOT(RET, NAME, ...) .NAME = boot_##NAME,
struct hf_real hf_real = { HF_FAMILY(BOOT_SLOT) };

/* --- the exported functions ----------------------------------------------------------------- */

/* NAME itself: the hook, except for the arena's blocks. */
#define EXPORT(RET, NAME, PARAMS, ARGS, TAKES, FALLBACK, LIBC)                                   \
	HF_EXPORT RET NAME PARAMS                                                               \
	{                                                                                       \
		HF_IF_##TAKES(if (hf_unlikely(arena_owns(HF_FIRST ARGS))) return arena_##NAME ARGS;) \
		return hf_##NAME ARGS;                                                          \
	}
HF_FAMILY(EXPORT)

/* --- preloaded or linked -------------------------------------------------------------------- */

struct needed {
	const char *self; /* our file name, without directories */
	int found;
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The executable (the loader's first object): whether a DT_NEEDED entry names our file. */
static int needed_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct needed *nd = data;
	const ElfW(Dyn) *dyn = hf_dyn_section(info);
	if (!dyn)
		return 1;
	uintptr_t strtab = 0;
	for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_STRTAB)
			strtab = hf_dyn_addr(info, d->d_un.d_ptr);
	for (const ElfW(Dyn) *d = dyn; strtab && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_NEEDED &&
		    !strcmp(base_name((const char *)strtab + d->d_un.d_val), nd->self))
			nd->found = 1;
	return 1;
}

static unsigned link_mode(void)
{
	Dl_info di;
	struct needed nd = { "libheapfold.so", 0 };
	if (dladdr((void *)(uintptr_t)link_mode, &di) && di.dli_fname && di.dli_fname[0])
		nd.self = base_name(di.dli_fname);
	dl_iterate_phdr(needed_cb, &nd);
	if (!nd.found && strcmp(nd.self, "libheapfold.so") != 0) {
		nd.self = "libheapfold.so"; /* our soname, if the file was renamed or linked to */
		dl_iterate_phdr(needed_cb, &nd);
	}
	return nd.found ? HF_LINK_DYNAMIC : HF_LINK_PRELOAD;
}

__attribute__((constructor)) static void preload_init(void)
{
	hf_rec_start(link_mode(), hf_rec_exit_process);
	hf_rival_check(); /* after the options: HEAPFOLD_QUIET silences it */
}

#ifndef __GLIBC__
/* musl has no on_exit: the status CLOSE records is learnt on the way to exit. A call of exit
 * from the program or another library goes through the PLT to ours; main's return value is
 * taken by wrapping main, since musl's libc calls exit internally after main returns, where no
 * interposition reaches. The program's crt1 calls __libc_start_main through the PLT, so ours
 * runs first and passes libc a main of its own. The destructor, which runs after the atexit
 * handlers and the program's destructors, writes CLOSE with that status. */
static int exit_status;
typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
		      void (*ldso_fini)(void));

static int main_wrap(int argc, char **argv, char **envp)
{
	exit_status = real_main(argc, argv, envp);
	return exit_status;
}

HF_EXPORT int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
				void (*fini)(void), void (*ldso_fini)(void))
{
	int (*real)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void)) =
		(int (*)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void)))dlsym(
			RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return real(main_wrap, argc, argv, init, fini, ldso_fini);
}

HF_EXPORT _Noreturn void exit(int status)
{
	exit_status = status;
	void (*real)(int) = (void (*)(int))dlsym(RTLD_NEXT, "exit");
	if (real)
		real(status);
	_exit(status); /* no next exit: cannot happen with a libc below us */
}

__attribute__((destructor)) static void preload_fini(void)
{
	hf_rec_exit_process(exit_status);
}
#endif
