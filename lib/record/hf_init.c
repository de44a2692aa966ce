/* hf_init.c: the recorder's life cycle: initialisation (options, environment, statistics),
 * opening a trace (file, HEADER and modules, background thread), closing it (flush every
 * thread, SYMBOLS of a static executable, CLOSE) at hf_stop or clean exit, a followed child's
 * new trace, and stopping after an error.
 *
 * Traces are numbered (hf_g.gen): hf_start after hf_stop opens trace gen + 1, with its own
 * stack nodes, streams and modules; threads notice the new number at their next hook. */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "heapfold.h"
#include "hf_base.h"
#include "hf_meta.h"
#include "hf_bg.h"
#include "hf_early.h"
#include "hf_metrics.h"
#include "hf_pprof.h"
#include "hf_profile.h"
#include "hf_sample.h"
#include "hf_signal.h"
#include "hf_fork.h"
#include "hf_hooks.h"
#include "hf_init.h"
#include "hf_modules.h"
#include "hf_recover.h"
#include "hf_run.h"
#include "hf_stack.h"
#include "hf_stats.h"
#include "hf_symbols.h"
#include "hf_thread.h"
#include "hf_unwind.h"
#include "hf_writer.h"

static int exiting;
static int initialised;
/* hf_start and hf_stop from several threads, and exit: one at a time. */
static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;

#define HF_HEADER_ARGS_MAX (1u << 20) /* command line bytes kept in the HEADER */

/* --- environment ---------------------------------------------------------------------------- */

/* Without HEAPFOLD_FOLLOW, children must not load us: a musl build breaks glibc children and
 * vice versa (the loader refuses a library built for the other libc, or the child crashes in it),
 * and children were not asked for. Our LD_PRELOAD entry (same file,
 * or same name without a directory) and every HEAPFOLD_* variable go; other preloads stay.
 * environ is edited in place, allocating nothing: setenv/unsetenv may be the program's own at
 * this point (bash defines them, and its unsetenv does not touch environ before its init). */
static int is_our_preload(const char *item, const struct stat *self, int have_self,
			  const char *self_base)
{
	struct stat st;
	if (have_self && stat(item, &st) == 0 && st.st_dev == self->st_dev &&
	    st.st_ino == self->st_ino)
		return 1;
	return !strchr(item, '/') && !strcmp(item, self_base);
}

static void clean_environment(int drop_ours)
{
	extern char **environ;
	static char preload[8192]; /* "LD_PRELOAD=" and the entries that stay */
	Dl_info di;
	struct stat self;
	int have_self = dladdr((void *)(uintptr_t)clean_environment, &di) && di.dli_fname &&
			stat(di.dli_fname, &self) == 0;
	const char *self_base = have_self ? strrchr(di.dli_fname, '/') : NULL;
	self_base = self_base ? self_base + 1 : have_self ? di.dli_fname : "libheapfold.so";
	char **env = environ, **out = env;
	if (!env)
		return;
	for (char **e = env; *e; e++) {
		if (drop_ours && hf_opt_is_ours(*e))
			continue; /* dropped */
		if (strncmp(*e, "LD_PRELOAD=", 11) != 0) {
			*out++ = *e;
			continue;
		}
		size_t k = hf_fmt(preload, sizeof preload, "LD_PRELOAD="), kept = 0;
		int dropped = 0, overflow = 0;
		char item[PATH_MAX];
		const char *sep = NULL; /* the separators before this entry, kept as they were */
		size_t sl = 0;
		for (const char *s = *e + 11; *s;) {
			size_t n = strcspn(s, " :\t\n");
			if (n > 0) {
				int ours = 0;
				if (n < sizeof item) {
					memcpy(item, s, n);
					item[n] = 0;
					ours = is_our_preload(item, &self, have_self, self_base);
				}
				if (ours) {
					dropped = 1;
				} else if (k + n + sl + 2 <= sizeof preload) {
					if (kept++ && sl) {
						memcpy(preload + k, sep, sl);
						k += sl;
					} else if (kept > 1) {
						preload[k++] = ' ';
					}
					memcpy(preload + k, s, n);
					k += n;
				} else {
					overflow = 1;
				}
			}
			s += n;
			sep = s;
			sl = strspn(s, " :\t\n");
			s += sl;
		}
		preload[k] = 0;
		if (!dropped || overflow)
			*out++ = *e; /* unchanged */
		else if (kept)
			*out++ = preload;
		/* else: nothing left, the variable goes */
	}
	*out = NULL;
}

/* --- HEADER --------------------------------------------------------------------------------- */

/* Strings are at most HF_STRING_MAX bytes: cut at a UTF-8 character boundary. */
static uint8_t *put_str(uint8_t *q, const char *s, size_t n)
{
	if (n > HF_STRING_MAX) {
		n = HF_STRING_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return hf_put_str(q, s, n);
}

static uint64_t clock_res_ns(void)
{
	return hf_g.tick_ns < hf_g.flush_ns / 4 ? hf_g.tick_ns : hf_g.flush_ns / 4;
}

/* Meta lock held. */
static void write_header(void)
{
	size_t cap_args = HF_HEADER_ARGS_MAX + 1;
	char *args = hf_os_alloc(cap_args);
	ssize_t alen = args ? hf_os_read_file("/proc/self/cmdline", args, cap_args) : -1;
	if (alen < 0)
		alen = 0;
	size_t argc = 0;
	for (ssize_t i = 0; i < alen; i++)
		argc += args[i] == 0;
	if (alen > 0 && args[alen - 1] != 0)
		argc++; /* the last argument was cut */
	size_t cap = 1024 + strlen(hf_exe_path()) + (size_t)alen + argc * HF_VARINT_MAX +
		     HF_OPT_COUNT * (2 * HF_VARINT_MAX + 64 + PATH_MAX);
	uint8_t *body = hf_os_alloc(cap), *q = body;
	if (!body) {
		hf_os_free(args, cap_args);
		hf_writer_fail("out of memory for its header"); /* unreadable without one */
		return;
	}
	const struct hf_rec_header h = {
		HF_FORMAT_MAJOR, HF_FORMAT_MINOR, (uint64_t)hf_g.pid, (uint64_t)getppid(), hf_g.start_real,
		clock_res_ns(), /* event times move with the background thread's tick */
		hf_os_page_size(), sizeof(void *), hf_g.link_mode,
	};
	q = hf_enc_header_start(q, &h);
	q = put_str(q, hf_exe_path(), strlen(hf_exe_path()));
	q = hf_put_varint(q, argc);
	for (ssize_t i = 0; i < alen;) {
		size_t n = strnlen(args + i, (size_t)(alen - i));
		q = put_str(q, args + i, n);
		i += (ssize_t)n + 1;
	}
#ifdef __GLIBC__
	char libc[64];
	hf_fmt(libc, sizeof libc, "glibc %s", gnu_get_libc_version());
#else
	const char *libc = "musl";
#endif
	q = put_str(q, libc, strlen(libc));
	q = put_str(q, HF_VERSION_STRING, strlen(HF_VERSION_STRING));
	q = hf_put_varint(q, HF_OPT_COUNT);
	for (int o = 0; o < HF_OPT_COUNT; o++) {
		char v[PATH_MAX];
		const char *name = hf_opt_name((enum hf_opt)o);
		size_t vl = hf_opt_text((enum hf_opt)o, v, sizeof v);
		q = put_str(q, name, strlen(name));
		q = put_str(q, v, vl);
	}
	/* Since format 1.2: whether the trace is sampled, and at what rate (0: every allocation). */
	q = hf_put_varint(q, hf_sample_rate);
	if (hf_meta_record(HF_TAG_HEADER, body, (size_t)(q - body)) < 0)
		hf_writer_fail("out of memory for its header");
	hf_os_free(body, cap);
	hf_os_free(args, cap_args);
}

/* --- start ---------------------------------------------------------------------------------- */

/* The trace's name: the pattern with %p (pid), %e (executable's file name), %% expanded. */
static void output_path(const char *pat, char *out, size_t cap)
{
	const char *base = strrchr(hf_exe_path(), '/');
	base = base ? base + 1 : hf_exe_path()[0] ? hf_exe_path() : "unknown";
	size_t k = 0;
	for (const char *s = pat; *s && k + 1 < cap; s++) {
		if (s[0] == '%' && s[1] == 'p') {
			k += hf_fmt(out + k, cap - k, "%d", (int)hf_g.pid);
			s++;
		} else if (s[0] == '%' && s[1] == 'e') {
			k += hf_fmt(out + k, cap - k, "%s", base);
			s++;
		} else if (s[0] == '%' && s[1] == '%') {
			out[k++] = '%';
			s++;
		} else {
			out[k++] = *s;
		}
	}
	out[k] = 0;
}

#ifdef __GLIBC__
/* Registered from the constructor, before __libc_start_main registers the loader's destructor
 * pass: exit handlers run last-in first-out, so this runs after the program's atexit handlers,
 * its C++ static destructors and every library's destructors, and gets the exit status. */
static void on_exit_cb(int status, void *arg)
{
	((void (*)(int))arg)(status);
}
#endif

/* A forked child's copy of the API lock may be held by a thread that does not exist there. */
static void child_reinit(void)
{
	pthread_mutex_init(&api_lock, NULL);
	hf_stats_fork_child();
	hf_sample_fork_child();
	hf_profile_fork_child();
	hf_pprof_fork_child();
	hf_bg_fork_child();
}

/* Whether recording starts by itself: unless HEAPFOLD_DISABLE=1, or HEAPFOLD_OUTPUT set to the
 * empty string (so a linked program can be run without a trace). */
static int auto_start(void)
{
	return !hf_opt(HF_OPT_DISABLE) && !hf_opt_set_empty(HF_OPT_OUTPUT);
}

void hf_rec_start(unsigned link_mode, void (*exit_process)(int))
{
	struct hf_tls *t = &hf_tls;
	if (initialised)
		return;
	initialised = 1;
	int mode = t->mode;
	t->mode = HF_MODE_INSIDE;
	hf_fmt_claim_stderr();
	hf_options_init();
	hf_run_init(); /* before our variables leave the environment */
	hf_g.link_mode = link_mode;
	hf_g.pid = getpid();
	hf_g.follow = (int)hf_opt(HF_OPT_FOLLOW);
	hf_g.unwind_fp = hf_opt(HF_OPT_UNWIND) == HF_UNWIND_FP;
	hf_g.unwind_check = hf_opt(HF_OPT_UNWIND) == HF_UNWIND_CHECK;
	hf_unw_memo_off = hf_opt(HF_OPT_UNWIND) == HF_UNWIND_PLAIN;
	hf_g.max_depth = (unsigned)hf_opt(HF_OPT_MAX_DEPTH);
	hf_g.flush_ns = (uint64_t)hf_opt(HF_OPT_FLUSH_MS) * 1000000u;
	hf_g.tick_ns = (uint64_t)hf_opt(HF_OPT_TICK_MS) * 1000000u;
	int sampling_ok = hf_sample_init() == 0;
	hf_modules_find_exe();
	hf_recover_init();
	hf_stats_init();
	hf_fork_init(child_reinit, hf_rec_restart_child);
#ifdef __GLIBC__
	on_exit(on_exit_cb, (void *)exit_process);
#else
	(void)exit_process; /* musl: exit itself is interposed (hf_preload.c, hf_wrap.c) */
#endif
	hf_profile_init();
	hf_signal_init(hf_rec_flush);
	int start = auto_start() && sampling_ok;
	/* Without following, children must not inherit our preload (they may use another libc)
	 * nor, when we record, our options (HEAPFOLD_OUTPUT names our file). A disabled program
	 * passes HEAPFOLD_DISABLE on, so that linked children stay quiet too. */
	if (!hf_g.follow)
		clean_environment(start);
	t->mode = mode;
	if (start)
		hf_rec_open(NULL);
	if (hf_load(&hf_early_open)) {
		/* No first trace (not started, or it could not be created): forget the blocks of
		 * before the start, and stop keeping them. Until then every allocation is kept with
		 * a full unwind and every free searches the table: a program whose trace could not
		 * be created ran ten times slower. */
		const struct hf_early_block *b;
		hf_early_take(&b);
	}
	/* The metrics' and profiles' threads only now: opening the trace moves its descriptor
	 * high, which grows the descriptor table, and registers for membarrier; in a process of
	 * more than one thread the kernel makes each of those wait for an RCU grace period (12 ms
	 * and 19 ms measured here, with strace), in a single-threaded one neither waits. Inside
	 * the recorder, as before the trace: what pthread_create allocates for them is neither
	 * the program's nor recorded. The mode put back is the one hf_rec_open left: the first
	 * trace may have attached this thread (HF_MODE_ON). */
	int opened = t->mode;
	t->mode = HF_MODE_INSIDE;
	hf_metrics_start();
	hf_pprof_start();
	t->mode = opened;
}

/* Opens trace number gen + 1. api_lock held, state IDLE or CLOSED. */
static int open_trace(const char *pattern)
{
	char path[PATH_MAX];
	int first = hf_g.gen == 0;
	hf_g.start_mono = hf_os_mono_ns();
	hf_g.start_real = hf_os_real_ns();
	hf_store(&hf_g.clock, 0);
	output_path(pattern ? pattern : hf_opt_str(HF_OPT_OUTPUT), path, sizeof path);
	if (hf_stack_init() < 0 || hf_thread_init() < 0 || hf_unwind_range_init() < 0) {
		hf_warn("cannot initialise (out of memory?); not recording");
		errno = ENOMEM;
		return HF_EIO;
	}
	/* An image after an exec finds the trace of the one before under the same name. */
	if (hf_writer_open(path, hf_g.follow || hf_run_image() > 0) < 0)
		return HF_EIO; /* errno from open(2) */
	hf_run_trace_opened(hf_writer_path(), 0);
	hf_g.membarrier = hf_os_membarrier_init();
	hf_g.gen++;
	hf_thread_new_trace();
	hf_sample_new_trace(); /* an older trace's sampled blocks are not this one's */
	if (hf_profile_on)
		hf_profile_reset(); /* nor its live profile: node ids start over */
	hf_meta_lock();
	write_header();
	if (first) {
		hf_modules_scan();
	} else {
		hf_stack_reset();
		hf_modules_replay(); /* every module known, same ids; the scan adds what is new */
		hf_modules_scan();
	}
	hf_meta_unlock();
	hf_writer_flush_meta(0);
	hf_store(&hf_g.state, HF_STATE_ON);
	hf_bg_start();
	__atomic_store_n(&hf_g.enabled, 1, __ATOMIC_SEQ_CST);
	if (first)
		hf_hooks_replay_early();
	return HF_OK;
}

int hf_rec_open(const char *pattern)
{
	struct hf_tls *t = &hf_tls;
	if (t->mode == HF_MODE_INSIDE)
		return HF_EBUSY; /* a signal handler interrupted the recorder in this thread */
	int st = hf_load(&hf_g.state);
	if (st == HF_STATE_CHILD)
		return HF_EFORK;
	if (!initialised)
		return HF_ENOTAVAIL; /* before our constructor: too early */
	int mode = t->mode, rc;
	t->mode = HF_MODE_INSIDE;
	pthread_mutex_lock(&api_lock);
	st = hf_load(&hf_g.state);
	if (st == HF_STATE_ON || hf_load(&exiting))
		rc = HF_EBUSY;
	else if (st == HF_STATE_CHILD)
		rc = HF_EFORK;
	else
		rc = open_trace(pattern);
	pthread_mutex_unlock(&api_lock);
	int err = errno;
	/* The first trace may have attached this thread (its blocks of before the start). */
	t->mode = mode == HF_MODE_FRESH && t->tb ? HF_MODE_ON : mode;
	errno = err;
	return rc;
}

int hf_rec_set_sample(uint64_t rate)
{
	struct hf_tls *t = &hf_tls;
	if (t->mode == HF_MODE_INSIDE)
		return HF_EBUSY; /* a signal handler interrupted the recorder in this thread */
	if (hf_load(&hf_g.state) == HF_STATE_CHILD)
		return HF_EFORK;
	if (!initialised)
		return HF_ENOTAVAIL;
	int mode = t->mode, rc = HF_OK, err = errno;
	t->mode = HF_MODE_INSIDE;
	pthread_mutex_lock(&api_lock);
	if (hf_load(&hf_g.state) == HF_STATE_ON) {
		rc = HF_EBUSY; /* a trace is either sampled or not, from its start to its end */
	} else if (hf_sample_set_rate(rate) < 0) {
		rc = HF_EIO;
		err = ENOMEM;
	} else {
		hf_opt_set(HF_OPT_SAMPLE_BYTES, (long)rate); /* the HEADER's options say it too */
	}
	pthread_mutex_unlock(&api_lock);
	t->mode = mode;
	errno = err;
	return rc;
}

/* --- stop ----------------------------------------------------------------------------------- */

/* api_lock held, state ON: flushes every thread, writes SYMBOLS and CLOSE, closes the file. */
static void close_trace(int status)
{
	hf_rec_disable();
	hf_thread_flush_all();
	hf_meta_lock();
	uint32_t nodes = hf_stack_count(); /* final: recording is off and every thread flushed */
	hf_meta_unlock();
	/* A static binary's trace names its functions itself (SYMBOLS): it may be read where the
	 * binary is not. */
	hf_writer_close((unsigned)status & 0xff, nodes,
			hf_g.link_mode == HF_LINK_STATIC ? hf_symbols_write : NULL);
	hf_store(&hf_g.state, HF_STATE_CLOSED);
}

int hf_rec_stop(void)
{
	struct hf_tls *t = &hf_tls;
	if (t->mode == HF_MODE_INSIDE)
		return HF_EBUSY;
	int mode = t->mode, err = errno, rc = HF_OK;
	t->mode = HF_MODE_INSIDE;
	pthread_mutex_lock(&api_lock);
	if (hf_load(&hf_g.state) != HF_STATE_ON || hf_load(&exiting))
		rc = HF_EBUSY;
	else
		close_trace(0);
	pthread_mutex_unlock(&api_lock);
	t->mode = mode;
	errno = err;
	return rc;
}

void hf_rec_exit(int status)
{
	struct hf_tls *t = &hf_tls;
	/* INSIDE: a signal handler called exit while this thread was in the recorder, maybe holding
	 * our locks. Leave the trace as it is (readable up to the last flush, without CLOSE). */
	if (t->mode == HF_MODE_INSIDE || hf_load(&hf_g.state) != HF_STATE_ON ||
	    __atomic_exchange_n(&exiting, 1, __ATOMIC_SEQ_CST))
		return;
	int err = errno;
	t->mode = HF_MODE_INSIDE;
	if (t->tb)
		hf_thread_release(t->tb); /* the frees this thread held back reach the allocator */
	t->mode = HF_MODE_OFF; /* whatever this thread does from here on is not recorded */
	/* "exiting" keeps hf_start and hf_stop out from here on; one of them in progress in
	 * another thread finishes first (neither waits for anything unbounded). */
	pthread_mutex_lock(&api_lock);
	if (hf_load(&hf_g.state) == HF_STATE_ON)
		close_trace(status);
	pthread_mutex_unlock(&api_lock);
	if (hf_g.unwind_check)
		hf_unwind_check_report();
	errno = err;
}

void hf_rec_flush(void)
{
	if (hf_load(&hf_g.state) != HF_STATE_ON || !hf_load(&hf_g.enabled))
		return;
	struct hf_tls *t = &hf_tls;
	int mode = t->mode, err = errno;
	if (mode == HF_MODE_INSIDE)
		return; /* called from a signal handler that interrupted the recorder */
	t->mode = HF_MODE_INSIDE;
	hf_thread_flush_all();
	hf_writer_flush_meta(0);
	t->mode = mode;
	errno = err;
}

int hf_rec_restart_child(void)
{
	hf_g.pid = getpid();
	hf_g.start_mono = hf_os_mono_ns();
	hf_g.start_real = hf_os_real_ns();
	hf_g.membarrier = hf_os_membarrier_init(); /* registration does not survive fork */
	char path[PATH_MAX];
	output_path(hf_opt_str(HF_OPT_OUTPUT), path, sizeof path);
	if (hf_writer_open(path, 1) < 0)
		return -1;
	hf_run_trace_opened(hf_writer_path(), 1);
	/* The parent's modules and stack nodes, same ids: the child's stack caches stay valid. */
	hf_meta_lock();
	write_header();
	hf_modules_replay();
	hf_stack_replay();
	hf_meta_unlock();
	hf_writer_flush_meta(0);
	hf_bg_start();
	hf_pprof_restart_child();
	return 0;
}
