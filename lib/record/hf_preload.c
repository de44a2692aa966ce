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

#include "hf_rec.h"

#ifndef __GLIBC__
/* musl has no pvalloc; we export glibc's, for programs that expect it. */
void *pvalloc(size_t n);
#endif

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

/* --- resolution ----------------------------------------------------------------------------- */

static void *emu_reallocarray(void *p, size_t m, size_t n)
{
	size_t s;
	if (__builtin_mul_overflow(m, n, &s)) {
		errno = ENOMEM;
		return NULL;
	}
	return hf_real.realloc(p, s);
}

static void *emu_pvalloc(size_t n)
{
	size_t pg = hf_os_page_size();
	size_t r = n ? (n + pg - 1) & ~(pg - 1) : pg;
	if (r < n) {
		errno = ENOMEM;
		return NULL;
	}
	return hf_real.memalign(pg, r);
}

static void *emu_valloc(size_t n)
{
	return hf_real.memalign(hf_os_page_size(), n);
}

static void *emu_memalign(size_t align, size_t n)
{
	void *p = NULL;
	int rc = hf_real.posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n);
	if (rc)
		errno = rc;
	return p;
}

static size_t emu_usable_size(void *p)
{
	(void)p;
	return 0;
}

#define SYM(name) dlsym(RTLD_NEXT, name)

/* The next definition of name, looked up once. */
static void *next_sym(void **slot, const char *name)
{
	void *f = hf_load(slot);
	if (!f) {
		f = dlsym(RTLD_NEXT, name);
		hf_store(slot, f);
	}
	return f;
}


static void resolve(void)
{
	struct hf_tls *t = &hf_tls;
	t->resolving = 1;
	/* free first: a free during the lookups below finds the real one or an arena block. */
	void (*f_free)(void *) = (void (*)(void *))SYM("free");
	void *(*f_malloc)(size_t) = (void *(*)(size_t))SYM("malloc");
	void *(*f_calloc)(size_t, size_t) = (void *(*)(size_t, size_t))SYM("calloc");
	void *(*f_realloc)(void *, size_t) = (void *(*)(void *, size_t))SYM("realloc");
	void *(*f_ra)(void *, size_t, size_t) = (void *(*)(void *, size_t, size_t))SYM("reallocarray");
	int (*f_pm)(void **, size_t, size_t) = (int (*)(void **, size_t, size_t))SYM("posix_memalign");
	void *(*f_aa)(size_t, size_t) = (void *(*)(size_t, size_t))SYM("aligned_alloc");
	void *(*f_ma)(size_t, size_t) = (void *(*)(size_t, size_t))SYM("memalign");
	void *(*f_va)(size_t) = (void *(*)(size_t))SYM("valloc");
	void *(*f_pv)(size_t) = (void *(*)(size_t))SYM("pvalloc");
	size_t (*f_us)(void *) = (size_t(*)(void *))SYM("malloc_usable_size");
	if (!f_free || !f_malloc || !f_calloc || !f_realloc || !f_pm) {
		static const char msg[] = "heapfold: cannot find the real malloc; aborting\n";
		ssize_t w = write(2, msg, sizeof msg - 1);
		(void)w;
		_exit(127);
	}
	/* Each store is one aligned pointer: another thread sees the boot or the real function. */
	hf_store(&hf_real.free, f_free);
	hf_store(&hf_real.calloc, f_calloc);
	hf_store(&hf_real.realloc, f_realloc);
	hf_store(&hf_real.posix_memalign, f_pm);
	hf_store(&hf_real.reallocarray, f_ra ? f_ra : emu_reallocarray);
	hf_store(&hf_real.memalign, f_ma ? f_ma : emu_memalign);
	hf_store(&hf_real.aligned_alloc, f_aa ? f_aa : emu_memalign);
	hf_store(&hf_real.valloc, f_va ? f_va : emu_valloc);
	hf_store(&hf_real.pvalloc, f_pv ? f_pv : emu_pvalloc);
	hf_store(&hf_real.malloc_usable_size, f_us ? f_us : emu_usable_size);
	hf_store(&hf_real.malloc, f_malloc);
	t->resolving = 0;
}

static void *boot_malloc(size_t n)
{
	if (hf_tls.resolving)
		return arena_alloc(n, 16);
	resolve();
	return hf_real.malloc(n);
}

static void boot_free(void *p)
{
	if (hf_tls.resolving || arena_owns(p))
		return; /* a block from the real malloc freed mid-resolution is leaked, once */
	resolve();
	hf_real.free(p);
}

static void *boot_calloc(size_t m, size_t n)
{
	size_t s;
	if (hf_tls.resolving) {
		if (__builtin_mul_overflow(m, n, &s)) {
			errno = ENOMEM;
			return NULL;
		}
		return arena_alloc(s, 16);
	}
	resolve();
	return hf_real.calloc(m, n);
}

static void *boot_realloc(void *p, size_t n)
{
	if (hf_tls.resolving) {
		void *q = arena_alloc(n, 16);
		if (q && p && arena_owns(p)) {
			size_t old = arena_size(p);
			memcpy(q, p, old < n ? old : n);
		}
		return q;
	}
	resolve();
	return hf_real.realloc(p, n);
}

static void *boot_reallocarray(void *p, size_t m, size_t n)
{
	size_t s;
	if (hf_tls.resolving) {
		if (__builtin_mul_overflow(m, n, &s)) {
			errno = ENOMEM;
			return NULL;
		}
		return boot_realloc(p, s);
	}
	resolve();
	return hf_real.reallocarray(p, m, n);
}

static int boot_posix_memalign(void **out, size_t align, size_t n)
{
	if (hf_tls.resolving) {
		int err = errno;
		void *p = arena_alloc(n, align);
		int rc = p ? 0 : errno;
		errno = err;
		if (p)
			*out = p;
		return rc;
	}
	resolve();
	return hf_real.posix_memalign(out, align, n);
}

static void *boot_aligned_alloc(size_t align, size_t n)
{
	if (hf_tls.resolving)
		return arena_alloc(n, align);
	resolve();
	return hf_real.aligned_alloc(align, n);
}

static void *boot_memalign(size_t align, size_t n)
{
	if (hf_tls.resolving)
		return arena_alloc(n, align);
	resolve();
	return hf_real.memalign(align, n);
}

static void *boot_valloc(size_t n)
{
	if (hf_tls.resolving)
		return arena_alloc(n, 4096);
	resolve();
	return hf_real.valloc(n);
}

static void *boot_pvalloc(size_t n)
{
	if (hf_tls.resolving)
		return arena_alloc((n + 4095) & ~(size_t)4095, 4096);
	resolve();
	return hf_real.pvalloc(n);
}

static size_t boot_usable_size(void *p)
{
	if (hf_tls.resolving)
		return 0;
	resolve();
	return hf_real.malloc_usable_size(p);
}

struct hf_real hf_real = {
	.malloc = boot_malloc,
	.free = boot_free,
	.calloc = boot_calloc,
	.realloc = boot_realloc,
	.reallocarray = boot_reallocarray,
	.posix_memalign = boot_posix_memalign,
	.aligned_alloc = boot_aligned_alloc,
	.memalign = boot_memalign,
	.valloc = boot_valloc,
	.pvalloc = boot_pvalloc,
	.malloc_usable_size = boot_usable_size,
};

/* --- the exported functions ----------------------------------------------------------------- */

HF_EXPORT void *malloc(size_t n)
{
	return hf_malloc(n);
}

HF_EXPORT void free(void *p)
{
	if (hf_unlikely(arena_owns(p)))
		return;
	hf_free(p);
}

HF_EXPORT void *calloc(size_t m, size_t n)
{
	return hf_calloc(m, n);
}

HF_EXPORT void *realloc(void *p, size_t n)
{
	if (hf_unlikely(arena_owns(p)))
		return arena_realloc(p, n);
	return hf_realloc(p, n);
}

HF_EXPORT void *reallocarray(void *p, size_t m, size_t n)
{
	if (hf_unlikely(arena_owns(p))) {
		size_t s;
		if (__builtin_mul_overflow(m, n, &s)) {
			errno = ENOMEM;
			return NULL;
		}
		return arena_realloc(p, s);
	}
	return hf_reallocarray(p, m, n);
}

HF_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	return hf_posix_memalign(out, align, n);
}

HF_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return hf_aligned_alloc(align, n);
}

HF_EXPORT void *memalign(size_t align, size_t n)
{
	return hf_memalign(align, n);
}

HF_EXPORT void *valloc(size_t n)
{
	return hf_valloc(n);
}

HF_EXPORT void *pvalloc(size_t n)
{
	return hf_pvalloc(n);
}

HF_EXPORT size_t malloc_usable_size(void *p)
{
	if (hf_unlikely(arena_owns(p)))
		return arena_size(p);
	return hf_real.malloc_usable_size(p);
}

/* dlclose: the unloaded object's MODULE_UNLOAD follows at once. (dlopen is not interposed: see
 * hf_modules.c; new objects are found when their addresses first appear.) */
HF_EXPORT int dlclose(void *handle)
{
	static void *real;
	int (*f)(void *) = (int (*)(void *))next_sym(&real, "dlclose");
	int rc = f ? f(handle) : -1;
	struct hf_tls *t = &hf_tls;
	if (hf_load(&hf_g.enabled) && t->mode == HF_MODE_ON) {
		int err = errno;
		t->mode = HF_MODE_INSIDE;
		hf_busy_enter(t->tb); /* like a hook: a fork in progress keeps us out */
		hf_modules_poll();
		hf_busy_leave(t->tb);
		t->mode = HF_MODE_ON;
		errno = err;
	}
	return rc;
}

/* exec replaces the image and _exit skips exit handlers (dash ends that way): nothing after
 * them would write the buffers. The trace is finished first (for exec with exit status 0,
 * "unknown"); if exec then fails, recording stays off. Not in a vfork child, which shares our
 * memory but not our pid (its exec or _exit must not close the parent's trace), nor from a
 * signal handler that interrupted the recorder in this thread (it may hold our locks). The
 * execl* variants call libc's execve internally, past our symbol: they collect their arguments
 * and go through the wrappers below. */
typedef int (*exec_fn)(const char *, char *const[], char *const[]);

static void end_image(int status)
{
	if (hf_tls.mode != HF_MODE_INSIDE && hf_load(&hf_g.state) == HF_STATE_ON &&
	    getpid() == hf_g.pid)
		hf_rec_exit(status);
}

static void before_exec(void)
{
	end_image(0);
}

HF_EXPORT void _exit(int status)
{
	static void *real;
	void (*f)(int) = (void (*)(int))next_sym(&real, "_exit");
	end_image(status);
	if (f)
		f(status);
	syscall(SYS_exit_group, status); /* only if the lookup failed */
	__builtin_unreachable();
}

HF_EXPORT void _Exit(int status)
{
	static void *real;
	void (*f)(int) = (void (*)(int))next_sym(&real, "_Exit");
	end_image(status);
	if (f)
		f(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

HF_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	static void *real;
	exec_fn f = (exec_fn)next_sym(&real, "execve");
	before_exec();
	return f ? f(path, argv, envp) : (errno = ENOSYS, -1);
}

HF_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	static void *real;
	exec_fn f = (exec_fn)next_sym(&real, "execvpe");
	before_exec();
	return f ? f(file, argv, envp) : (errno = ENOSYS, -1);
}

HF_EXPORT int execv(const char *path, char *const argv[])
{
	static void *real;
	int (*f)(const char *, char *const[]) =
		(int (*)(const char *, char *const[]))next_sym(&real, "execv");
	before_exec();
	return f ? f(path, argv) : (errno = ENOSYS, -1);
}

HF_EXPORT int execvp(const char *file, char *const argv[])
{
	static void *real;
	int (*f)(const char *, char *const[]) =
		(int (*)(const char *, char *const[]))next_sym(&real, "execvp");
	before_exec();
	return f ? f(file, argv) : (errno = ENOSYS, -1);
}

HF_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	static void *real;
	int (*f)(int, char *const[], char *const[]) =
		(int (*)(int, char *const[], char *const[]))next_sym(&real, "fexecve");
	before_exec();
	return f ? f(fd, argv, envp) : (errno = ENOSYS, -1);
}

/* The argument list of an execl* call as an argv array, on the stack (no malloc: the heap may
 * be in any state when a program execs). */
#define EXECL_ARGV(argv, arg0, ap_last)                                                            \
	size_t n_ = 1;                                                                             \
	va_list ap_;                                                                               \
	va_start(ap_, ap_last);                                                                    \
	while (va_arg(ap_, char *))                                                                \
		n_++;                                                                              \
	va_end(ap_);                                                                               \
	char **argv = __builtin_alloca((n_ + 1) * sizeof *argv);                                   \
	va_start(ap_, ap_last);                                                                    \
	argv[0] = (char *)(uintptr_t)(arg0); /* execv takes char *const[] */                       \
	for (size_t i_ = 1; i_ <= n_; i_++)                                                        \
		argv[i_] = va_arg(ap_, char *);                                                    \
	va_end(ap_)

HF_EXPORT int execl(const char *path, const char *arg, ...)
{
	EXECL_ARGV(argv, arg, arg);
	return execv(path, argv);
}

HF_EXPORT int execlp(const char *file, const char *arg, ...)
{
	EXECL_ARGV(argv, arg, arg);
	return execvp(file, argv);
}

HF_EXPORT int execle(const char *path, const char *arg, ...)
{
	/* execle's environment follows the NULL that ends the arguments. */
	EXECL_ARGV(argv, arg, arg);
	va_start(ap_, arg);
	while (va_arg(ap_, char *))
		;
	char *const *envp = va_arg(ap_, char *const *);
	va_end(ap_);
	return execve(path, argv, envp);
}

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
	hf_rec_start(link_mode());
}

#ifndef __GLIBC__
__attribute__((destructor)) static void preload_fini(void)
{
	hf_rec_exit(0);
}
#endif
