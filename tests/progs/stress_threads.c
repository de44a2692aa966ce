/* stress_threads: 16 threads use every function of the malloc family at once for a few seconds,
 * free each other's blocks, come and go, are interrupted by signals and fork, and the program
 * counts exactly what it allocated from each of its functions. tests/integration/stress_threads.sh
 * runs it under the recorder and holds the trace to those counts.
 *
 *   stress_threads SECONDS [follow]
 *
 * - 16 worker slots; a worker lives for 2,000 to 20,000 operations, then drains its mailbox and
 *   exits; the main thread joins it and starts another in its slot (threads are created and
 *   joined all the time).
 * - An operation allocates through s_malloc, s_calloc, s_posix_memalign, s_aligned_alloc,
 *   s_memalign, s_valloc or s_pvalloc (sizes 1 to 4096, alignments 16 to 4096), or resizes one
 *   of the worker's blocks through s_realloc or s_reallocarray; a block the worker replaces is
 *   freed by it, or posted to another slot's mailbox and freed by that slot's worker (a
 *   cross-thread free). Every 101st allocation of a worker is kept until exit (leaked).
 *   malloc_usable_size is checked on the way.
 * - A signal thread sends SIGUSR1 with pthread_kill to a random live worker every 20 us. The
 *   handler only counts (malloc is not async-signal-safe: a handler that allocates can deadlock
 *   in the C library itself, with or without heapfold): the recorder must survive interrupted
 *   hooks and system calls failing with EINTR (no SA_RESTART).
 * - Workers of slots 0 to 3 fork every 400 operations; the child allocates 10 blocks from
 *   child_alloc, frees them, and ends with _exit or exit in turn; the parent waits for it.
 *   With "follow" (HEAPFOLD_FOLLOW=1) only every 4,000th operation forks (each child writes a
 *   trace of its own).
 *
 * Prints, for each function F of the family: "F ALLOCS BYTES LEAKED_BLOCKS LEAKED_BYTES" (the
 * hf_dump --stacks fields of s_F), then "signals=N", "forks=N", "threads=N". No stdio before the
 * end. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gt.h"

#define SLOTS 16
#define FORKERS 4
#define HELD 64
#define MAILBOX 4096

enum { F_MALLOC, F_CALLOC, F_REALLOC, F_REALLOCARRAY, F_POSIX_MEMALIGN, F_ALIGNED_ALLOC,
       F_MEMALIGN, F_VALLOC, F_PVALLOC, F_N };
static const char *const fname[F_N] = { "malloc", "calloc", "realloc", "reallocarray",
					"posix_memalign", "aligned_alloc", "memalign", "valloc",
					"pvalloc" };

struct counts {
	unsigned long long allocs[F_N], bytes[F_N], leaked[F_N], leaked_bytes[F_N];
};

struct mailbox {
	pthread_mutex_t lock;
	void *p[MAILBOX];
	int n;
};

struct slot {
	pthread_t t;
	int alive;             /* guarded by slots_lock: pthread_kill may target it */
	volatile int done;     /* the worker finished; main joins it */
	unsigned seed;
	struct counts c;       /* the finished worker's figures, added up by main */
};

static struct slot slots[SLOTS];
static struct mailbox box[SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t leak_lock = PTHREAD_MUTEX_INITIALIZER;
static void **leaks;
static size_t nleaks, cap_leaks;
static unsigned long signals, forks, threads_started;
static volatile int stop, follow;

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_fetch_add(&signals, 1, __ATOMIC_RELAXED); /* lock-free: async-signal-safe */
}

/* --- the known functions: one stack each ---------------------------------------------------- */

__attribute__((noinline)) static void *s_malloc(size_t n)
{
	return malloc(n);
}

__attribute__((noinline)) static void *s_calloc(size_t m, size_t n)
{
	return calloc(m, n);
}

__attribute__((noinline)) static void *s_realloc(void *p, size_t n)
{
	return realloc(p, n);
}

__attribute__((noinline)) static void *s_reallocarray(void *p, size_t m, size_t n)
{
	return reallocarray(p, m, n);
}

__attribute__((noinline)) static void *s_posix_memalign(size_t align, size_t n)
{
	void *p = NULL;
	return posix_memalign(&p, align, n) == 0 ? p : NULL;
}

__attribute__((noinline)) static void *s_aligned_alloc(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}

__attribute__((noinline)) static void *s_memalign(size_t align, size_t n)
{
	return memalign(align, n);
}

__attribute__((noinline)) static void *s_valloc(size_t n)
{
	return valloc(n);
}

__attribute__((noinline)) static void *s_pvalloc(size_t n)
{
	return pvalloc(n);
}

__attribute__((noinline)) static void *child_alloc(size_t n)
{
	return malloc(n);
}

/* --- workers -------------------------------------------------------------------------------- */

static void drain(int slot)
{
	struct mailbox *b = &box[slot];
	pthread_mutex_lock(&b->lock);
	while (b->n > 0)
		free(b->p[--b->n]);
	pthread_mutex_unlock(&b->lock);
}

/* The worker lets go of p: frees it, or posts it to another slot (freed by that worker). */
static void let_go(int self, void *p, unsigned *seed)
{
	if (rand_r(seed) % 3 == 0) {
		int to = (self + 1 + rand_r(seed) % (SLOTS - 1)) % SLOTS;
		struct mailbox *b = &box[to];
		pthread_mutex_lock(&b->lock);
		if (b->n < MAILBOX) {
			b->p[b->n++] = p;
			p = NULL;
		}
		pthread_mutex_unlock(&b->lock);
	}
	free(p);
}

static void do_fork(unsigned long op)
{
	pid_t pid = fork();
	GT_CHECK(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < 10; i++) {
			void *p = child_alloc(64 + (size_t)i);
			if (!p)
				_exit(98);
			free(p);
		}
		if (op & 1)
			exit(0);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		GT_CHECK(errno == EINTR);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char msg[64];
		snprintf(msg, sizeof msg, "stress_threads: a child ended with %s %d\n",
			 WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		gt_say(msg);
		_exit(99);
	}
	__atomic_fetch_add(&forks, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	int self = (int)(intptr_t)arg;
	struct slot *s = &slots[self];
	struct counts *c = &s->c;
	unsigned seed = s->seed;
	void *held[HELD] = { 0 };
	unsigned long ops = 2000 + rand_r(&seed) % 18000, allocated = 0;
	memset(c, 0, sizeof *c);
	for (unsigned long op = 0; op < ops && !stop; op++) {
		int i = rand_r(&seed) % HELD, f = rand_r(&seed) % F_N;
		size_t n = 1 + rand_r(&seed) % 4096, align = (size_t)16 << rand_r(&seed) % 9;
		void *p;
		if ((f == F_REALLOC || f == F_REALLOCARRAY) && held[i]) {
			size_t k = (n + 7) / 8;
			p = f == F_REALLOC ? s_realloc(held[i], n) : s_reallocarray(held[i], k, 8);
			if (f == F_REALLOCARRAY)
				n = k * 8;
			GT_CHECK(p != NULL);
			held[i] = NULL;
		} else {
			if (f == F_REALLOC || f == F_REALLOCARRAY)
				f = F_MALLOC;
			switch (f) {
			case F_MALLOC: p = s_malloc(n); break;
			case F_CALLOC: n = (n + 7) / 8 * 8; p = s_calloc(n / 8, 8); break;
			case F_POSIX_MEMALIGN: p = s_posix_memalign(align, n); break;
			case F_ALIGNED_ALLOC: n = (n + align - 1) / align * align; p = s_aligned_alloc(align, n); break;
			case F_MEMALIGN: p = s_memalign(align, n); break;
			case F_VALLOC: p = s_valloc(n); break;
			default: p = s_pvalloc(n); break;
			}
			GT_CHECK(p != NULL);
			GT_CHECK(malloc_usable_size(p) >= n);
		}
		c->allocs[f]++;
		c->bytes[f] += n;
		((volatile char *)p)[n - 1] = 1;
		if (++allocated % 101 == 0) {
			pthread_mutex_lock(&leak_lock);
			if (nleaks == cap_leaks) {
				cap_leaks = cap_leaks ? 2 * cap_leaks : 1024;
				leaks = realloc(leaks, cap_leaks * sizeof *leaks); /* main's realloc */
				GT_CHECK(leaks != NULL);
			}
			leaks[nleaks++] = p;
			pthread_mutex_unlock(&leak_lock);
			c->leaked[f]++;
			c->leaked_bytes[f] += n;
			continue;
		}
		if (held[i])
			let_go(self, held[i], &seed);
		held[i] = p;
		if (op % 64 == 0)
			drain(self);
		if (self < FORKERS && op % (follow ? 4000 : 400) == 399)
			do_fork(op);
	}
	for (int i = 0; i < HELD; i++)
		if (held[i])
			let_go(self, held[i], &seed);
	drain(self);
	s->done = 1;
	return NULL;
}

static void start(int i)
{
	struct slot *s = &slots[i];
	s->seed = s->seed * 1103515245u + 12345u + (unsigned)i;
	s->done = 0;
	pthread_mutex_lock(&slots_lock);
	GT_CHECK(pthread_create(&s->t, NULL, worker, (void *)(intptr_t)i) == 0);
	s->alive = 1;
	pthread_mutex_unlock(&slots_lock);
	threads_started++;
}

static struct counts total;

static void join(int i)
{
	struct slot *s = &slots[i];
	pthread_mutex_lock(&slots_lock);
	s->alive = 0;
	pthread_mutex_unlock(&slots_lock);
	GT_CHECK(pthread_join(s->t, NULL) == 0);
	for (int f = 0; f < F_N; f++) {
		total.allocs[f] += s->c.allocs[f];
		total.bytes[f] += s->c.bytes[f];
		total.leaked[f] += s->c.leaked[f];
		total.leaked_bytes[f] += s->c.leaked_bytes[f];
	}
}

static void *signaller(void *arg)
{
	(void)arg;
	unsigned seed = 7;
	struct timespec ts = { 0, 20000 };
	while (!stop) {
		int i = rand_r(&seed) % SLOTS;
		pthread_mutex_lock(&slots_lock);
		if (slots[i].alive)
			pthread_kill(slots[i].t, SIGUSR1);
		pthread_mutex_unlock(&slots_lock);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3;
	follow = argc > 2 && !strcmp(argv[2], "follow");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1; /* no SA_RESTART: interrupted system calls fail with EINTR */
	sigemptyset(&sa.sa_mask);
	GT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	for (int i = 0; i < SLOTS; i++) {
		pthread_mutex_init(&box[i].lock, NULL);
		slots[i].seed = (unsigned)i * 2654435761u + 1;
		start(i);
	}
	pthread_t sig;
	GT_CHECK(pthread_create(&sig, NULL, signaller, NULL) == 0);
	uint64_t end = mono_ms() + (uint64_t)(seconds * 1000);
	struct timespec tick = { 0, 1000000 };
	while (mono_ms() < end) {
		for (int i = 0; i < SLOTS; i++)
			if (slots[i].done) {
				join(i);
				start(i);
			}
		nanosleep(&tick, NULL);
	}
	stop = 1;
	for (int i = 0; i < SLOTS; i++)
		join(i);
	GT_CHECK(pthread_join(sig, NULL) == 0);
	for (int i = 0; i < SLOTS; i++)
		drain(i); /* blocks posted after their receiver's last drain */
	char out[2048];
	int len = 0;
	for (int f = 0; f < F_N; f++)
		len += snprintf(out + len, sizeof out - (size_t)len, "%s %llu %llu %llu %llu\n", fname[f],
				total.allocs[f], total.bytes[f], total.leaked[f], total.leaked_bytes[f]);
	len += snprintf(out + len, sizeof out - (size_t)len, "signals=%lu\nforks=%lu\nthreads=%lu\n",
			signals, forks, threads_started);
	return write(1, out, (size_t)len) == len ? 0 : 1;
}
