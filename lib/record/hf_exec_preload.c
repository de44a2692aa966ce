/* hf_exec_preload.c: the preload library's interposition beyond the malloc family (shared library
 * only; a static program gets neither): dlclose, so that an unloaded object's MODULE_UNLOAD is
 * written at once, and the calls that end the traced image without exit handlers, exec and
 * _exit, so that the trace is closed first. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_follow.h"
#include "hf_init.h"
#include "hf_modules.h"
#include "hf_run.h"
#include "hf_thread.h"

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
 * and go through the wrappers below. Each exec passes the environment hf_follow_prepare builds,
 * through execve or execvpe (execv and execvp are those with environ), so that the new image
 * of a traced process is traced too (hf_follow_preload.c). */
typedef int (*exec_fn)(const char *, char *const[], char *const[]);

static void end_image(int status)
{
	if (hf_tls.mode != HF_MODE_INSIDE && hf_load(&hf_g.state) == HF_STATE_ON &&
	    getpid() == hf_g.pid)
		hf_rec_exit(status);
}

HF_EXPORT void _exit(int status)
{
	static void *real;
	void (*f)(int) = (void (*)(int))next_sym(&real, "_exit");
	end_image(status);
	hf_run_end();
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
	hf_run_end();
	if (f)
		f(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

/* The exec itself: f is execve's or execvpe's real definition. */
static int do_exec(exec_fn f, const char *file, int search, char *const argv[], char *const envp[])
{
	struct hf_follow fl;
	char *const *env = hf_follow_prepare(&fl, file, search, -1, envp);
	end_image(0);
	hf_follow_commit(&fl);
	int rc = f ? f(file, argv, env) : (errno = ENOSYS, -1);
	hf_follow_failed(&fl);
	return rc;
}

static void *real_execve, *real_execvpe;

HF_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return do_exec((exec_fn)next_sym(&real_execve, "execve"), path, 0, argv, envp);
}

HF_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return do_exec((exec_fn)next_sym(&real_execvpe, "execvpe"), file, 1, argv, envp);
}

HF_EXPORT int execv(const char *path, char *const argv[])
{
	extern char **environ;
	return do_exec((exec_fn)next_sym(&real_execve, "execve"), path, 0, argv, environ);
}

HF_EXPORT int execvp(const char *file, char *const argv[])
{
	extern char **environ;
	return do_exec((exec_fn)next_sym(&real_execvpe, "execvpe"), file, 1, argv, environ);
}

HF_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	static void *real;
	int (*f)(int, char *const[], char *const[]) =
		(int (*)(int, char *const[], char *const[]))next_sym(&real, "fexecve");
	struct hf_follow fl;
	char *const *env = hf_follow_prepare(&fl, NULL, 0, fd, envp);
	end_image(0);
	hf_follow_commit(&fl);
	int rc = f ? f(fd, argv, env) : (errno = ENOSYS, -1);
	hf_follow_failed(&fl);
	return rc;
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
