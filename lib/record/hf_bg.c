/* hf_bg.c: the recorder's background thread. It moves the coarse clock that events are stamped
 * with, samples RSS into the trace, writes the buffers of idle threads (so that no record waits
 * in memory much longer than FLUSH_MS), polls for newly loaded modules, and ends the process when
 * every program thread is gone. It allocates nothing through the traced path (its mode is
 * INSIDE) and holds no lock across its sleep. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_bg.h"
#include "hf_modules.h"
#include "hf_thread.h"
#include "hf_writer.h"

static uint64_t read_rss(void)
{
	char buf[128];
	if (hf_os_read_file("/proc/self/statm", buf, sizeof buf) <= 0)
		return 0;
	const char *s = buf;
	while (*s && *s != ' ')
		s++;
	uint64_t pages = 0;
	for (s++; *s >= '0' && *s <= '9'; s++)
		pages = pages * 10 + (uint64_t)(*s - '0');
	return pages * hf_os_page_size();
}

/* Field 20 of /proc/self/stat (or of a task's): the number of threads; *state: field 3. */
static long stat_threads(const char *path, char *state)
{
	char buf[1024];
	if (hf_os_read_file(path, buf, sizeof buf) <= 0)
		return -1;
	const char *s = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	if (!s || s[1] != ' ')
		return -1;
	*state = s[2];
	s += 2;
	for (int field = 3; field < 20 && *s; s++)
		field += *s == ' ';
	long n = 0;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

static int own_threads; /* threads of ours alive (hf_bg.h) */

struct every {
	uint64_t interval_ns;
	void (*tick)(void);
};

/* The metrics and the profiles: each set before its thread runs; a fork child has none. */
static struct every every_slots[4];
static unsigned every_used;

void hf_bg_own_begin(void)
{
	__atomic_add_fetch(&own_threads, 1, __ATOMIC_SEQ_CST);
}

void hf_bg_own_end(void)
{
	__atomic_sub_fetch(&own_threads, 1, __ATOMIC_SEQ_CST);
}

void hf_bg_fork_child(void)
{
	own_threads = 0;
	every_used = 0;
}

/* Whether every program thread is gone and only ours remain, with a main thread that called
 * pthread_exit (a zombie until the process ends). */
static int only_us(void)
{
	char state, path[64];
	long n = stat_threads("/proc/self/stat", &state);
	if (n != 1 + (long)hf_load(&own_threads))
		return 0; /* (a main thread that called pthread_exit still counts) */
	if ((long)hf_os_gettid() == (long)hf_g.pid)
		return 0;
	hf_fmt(path, sizeof path, "/proc/self/task/%d/stat", (int)hf_g.pid);
	return stat_threads(path, &state) >= 0 && state == 'Z';
}

int hf_bg_alone(void)
{
	return only_us();
}

void hf_bg_own_leave(void)
{
	hf_bg_own_end();
	hf_tls.mode = HF_MODE_OFF; /* exit handlers are the program's: counted */
}

int hf_bg_sleep_until(const struct timespec *deadline)
{
	for (;;) {
		struct timespec now, slice;
		clock_gettime(CLOCK_MONOTONIC, &now);
		uint64_t t = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
		uint64_t d = (uint64_t)deadline->tv_sec * 1000000000u + (uint64_t)deadline->tv_nsec;
		if (t >= d)
			return 0;
		if (d - t > 100000000u)
			d = t + 100000000u;
		slice.tv_sec = (time_t)(d / 1000000000u);
		slice.tv_nsec = (long)(d % 1000000000u);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &slice, NULL) == EINTR)
			;
		if (hf_bg_alone())
			return 1;
	}
}

static void *every_main(void *arg)
{
	const struct every *e = arg;
	hf_tls.mode = HF_MODE_INSIDE;
	hf_bg_own_begin();
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		uint64_t ns = (uint64_t)next.tv_nsec + e->interval_ns;
		next.tv_sec += (time_t)(ns / 1000000000u);
		next.tv_nsec = (long)(ns % 1000000000u);
		if (hf_bg_sleep_until(&next)) {
			hf_bg_own_leave();
			return NULL;
		}
		e->tick();
	}
}

int hf_bg_every(uint64_t interval_ns, void (*tick)(void))
{
	if (every_used == sizeof every_slots / sizeof every_slots[0])
		return EAGAIN;
	struct every *e = &every_slots[every_used++];
	*e = (struct every){ interval_ns, tick };
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the program's signals are not for this thread */
	int rc = pthread_create(&t, &attr, every_main, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

/* Wakes every min(TICK_MS, FLUSH_MS / 4): moves the coarse clock events are stamped with,
 * samples RSS every TICK_MS, and every FLUSH_MS / 4 writes buffers of threads that have not
 * written for 3/4 of FLUSH_MS, so no record waits longer than about FLUSH_MS. */
static void *bg_main(void *arg)
{
	(void)arg;
	/* INSIDE: whatever this thread allocates (libc may, inside the calls below) is ours, not
	 * the program's: neither recorded nor counted. */
	hf_tls.mode = HF_MODE_INSIDE;
	hf_bg_own_begin();
	unsigned gen = hf_load(&hf_g.gen);
	prctl(PR_SET_NAME, "heapfold", 0, 0, 0);
	uint64_t tick = hf_g.tick_ns < hf_g.flush_ns / 4 ? hf_g.tick_ns : hf_g.flush_ns / 4;
	uint64_t age = hf_g.flush_ns / 4 * 3;
	uint64_t next = hf_os_mono_ns(), last_sample = 0, last_round = 0;
	for (;;) {
		next += tick;
		uint64_t m = hf_os_mono_ns();
		if (next < m)
			next = m; /* fell behind (suspended): do not run to catch up */
		struct timespec ts = { (time_t)(next / 1000000000u), (long)(next % 1000000000u) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		hf_thread_bg_begin(); /* a fork keeps this whole tick out */
		if (hf_load(&hf_g.state) != HF_STATE_ON || hf_writer_dead() ||
		    hf_load(&hf_g.gen) != gen) {
			hf_thread_bg_end(); /* the trace ended (a later one has its own thread) */
			break;
		}
		uint64_t now = hf_os_mono_ns() - hf_g.start_mono;
		hf_store(&hf_g.clock, now);
		if (now - last_sample >= hf_g.tick_ns || last_sample == 0) {
			last_sample = now;
			hf_writer_sample(hf_load(&hf_E.v), now, read_rss());
		}
		if (now - last_round >= hf_g.flush_ns / 4) {
			last_round = now;
			hf_modules_poll();
			hf_thread_flush_idle(now);
			if (hf_writer_meta_older(now, age))
				hf_writer_flush_meta(0);
		}
		hf_thread_bg_end();
		if (hf_bg_alone()) { /* outside bg_begin */
			hf_bg_own_leave();
			return NULL;
		}
	}
	hf_bg_own_end();
	return NULL;
}

int hf_bg_start(void)
{
	if (hf_writer_dead())
		return -1; /* nothing to write (the one line about it was said) */
	pthread_t t;
	pthread_attr_t attr;
	sigset_t all, old;
	/* Signals are for the program's threads: ours starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	int rc = pthread_create(&t, &attr, bg_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		hf_warn("cannot start the background thread: %s; buffers are written when they fill "
			"and at exit",
			strerror(rc));
		return -1;
	}
	return 0;
}
