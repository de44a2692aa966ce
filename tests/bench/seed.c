/* heapfold benchmark workloads: the seed benchmark of the performance issue and its variants.
 *
 *   seed shallow THREADS ITERS   each thread: n = counter % 1000 + 1; p = malloc(n); memset;
 *                                counter += p[n-1]; free(p)   (malloc called from the thread function)
 *   seed deep THREADS ITERS      the same allocation 34 frames down a non-inlined recursion
 *   seed realloc THREADS ITERS   calloc, then realloc growing in 4 steps, then free
 *   seed prodcons THREADS ITERS  THREADS producer/consumer pairs: the producer mallocs ITERS blocks
 *                                and hands them through a 4096-slot ring; the consumer frees them,
 *                                so blocks live long and die in another thread
 *   seed stacks THREADS ITERS    each thread: one malloc and free from each of ITERS distinct
 *                                stacks (up to 2^20): a 20-level recursion that picks one of two
 *                                functions at each level from the bits of the iteration, the
 *                                lowest bit at the outermost level, so that consecutive stacks
 *                                share no more than main and the first call. 2^20 stacks make
 *                                4.2 million stack-trie nodes: the shape where interning the
 *                                stacks, not unwinding or compression, is the cost
 *
 * THREADS 0 runs one loop (shallow, deep, realloc or stacks) in the main thread, with no thread created:
 * for profiling under valgrind (callgrind), which the recorder may treat differently in threads.
 *
 * Prints "ops=N loop_s=S check=C" on stdout: N allocation calls made, the time the threads ran,
 * and a checksum that keeps the compiler honest (it must be the same in every configuration).
 * Built for glibc (-O2 -g -fno-omit-frame-pointer) and for static musl; see run.sh. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEEP_FRAMES 34

static long iters;
static int mode;
enum { SHALLOW, DEEP, REALLOC, PRODCONS, STACKS };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- shallow: the seed loop as the issue writes it ---- */
static void *shallow_thread(void *arg)
{
	(void)arg;
	uintptr_t counter = 0;
	for (long i = 0; i < iters; i++) {
		size_t n = counter % 1000 + 1;
		unsigned char *p = malloc(n);
		if (!p)
			abort();
		memset(p, 1, n);
		counter += ((volatile unsigned char *)p)[n - 1];
		free(p);
	}
	return (void *)counter;
}

/* ---- deep: one allocation per call, DEEP_FRAMES frames below the thread function ---- */
__attribute__((noinline, noclone)) static uintptr_t deep_alloc(uintptr_t counter, int depth)
{
	if (depth > 1) {
		uintptr_t r = deep_alloc(counter, depth - 1);
		__asm__ volatile("" ::: "memory"); /* no tail call: every frame stays on the stack */
		return r;
	}
	size_t n = counter % 1000 + 1;
	unsigned char *p = malloc(n);
	if (!p)
		abort();
	memset(p, 1, n);
	uintptr_t add = ((volatile unsigned char *)p)[n - 1];
	free(p);
	return add;
}

static void *deep_thread(void *arg)
{
	(void)arg;
	uintptr_t counter = 0;
	for (long i = 0; i < iters; i++)
		counter += deep_alloc(counter, DEEP_FRAMES);
	return (void *)counter;
}

/* ---- realloc/calloc: a buffer that starts zeroed and grows, as parsers' buffers do ---- */
static void *realloc_thread(void *arg)
{
	(void)arg;
	uintptr_t counter = 0;
	for (long i = 0; i < iters; i++) {
		size_t n = counter % 250 + 1;
		unsigned char *p = calloc(n, 1);
		if (!p)
			abort();
		for (int step = 0; step < 4; step++) {
			size_t m = n + (n >> 1) + 16;
			unsigned char *q = realloc(p, m);
			if (!q)
				abort();
			memset(q + n, 1, m - n);
			p = q;
			n = m;
		}
		counter += ((volatile unsigned char *)p)[n - 1];
		free(p);
	}
	return (void *)counter;
}

/* ---- stacks: a distinct stack for every iteration ---- */
#define STACK_LEVELS 20

/* noipa: two functions, not one folded into the other, each keeping its frame. */
__attribute__((noipa)) static uintptr_t stack_b(int level, unsigned long bits);

__attribute__((noipa)) static uintptr_t stack_leaf(void)
{
	unsigned char *volatile p = malloc(16);
	if (!p)
		abort();
	p[0] = 1;
	uintptr_t v = p[0];
	free(p);
	return v;
}

__attribute__((noipa)) static uintptr_t stack_a(int level, unsigned long bits)
{
	uintptr_t r = !level    ? stack_leaf()
		      : bits & 1 ? stack_a(level - 1, bits >> 1)
				 : stack_b(level - 1, bits >> 1);
	__asm__ volatile("" ::: "memory"); /* no tail call: every level keeps its frame */
	return r;
}

__attribute__((noipa)) static uintptr_t stack_b(int level, unsigned long bits)
{
	uintptr_t r = !level    ? stack_leaf()
		      : bits & 1 ? stack_a(level - 1, bits >> 1)
				 : stack_b(level - 1, bits >> 1);
	__asm__ volatile("" ::: "memory"); /* the same as stack_a, kept apart by noipa */
	return r;
}

static void *stacks_thread(void *arg)
{
	(void)arg;
	uintptr_t counter = 0;
	for (long i = 0; i < iters; i++)
		counter += stack_a(STACK_LEVELS, (unsigned long)i);
	return (void *)counter;
}

/* ---- producer/consumer: long-lived blocks freed by another thread ----
 * A side that must wait sleeps on a condition variable until the other side has moved a batch
 * (BATCH slots), rather than spinning on sched_yield: with two pairs on two cores, spinning made
 * the time a matter of which threads the scheduler put together (the bare program took 0.2 to
 * 1.5 s of CPU from one run to the next), not of what malloc and free cost. */
#define RING 4096
#define BATCH 512

struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int waiting;   /* the other side sleeps, or is about to */
	atomic_ulong want;    /* ... until the counter reaches this */
};

struct ring {
	_Alignas(64) void *slot[RING];
	_Alignas(64) atomic_ulong head; /* written by the producer */
	_Alignas(64) atomic_ulong tail; /* written by the consumer */
	_Alignas(64) struct gate room;  /* the producer waits for tail here */
	_Alignas(64) struct gate items; /* the consumer waits for head here */
	_Alignas(64) uintptr_t sum;
};

/* Sleep until *counter >= want. The stores of waiting and of the counter, and the loads after
 * them, are sequentially consistent: either the waiter sees the new counter or the mover sees
 * waiting (no lost wake-up). */
static void gate_wait(struct gate *g, atomic_ulong *counter, unsigned long want)
{
	pthread_mutex_lock(&g->mu);
	atomic_store(&g->want, want);
	atomic_store(&g->waiting, 1);
	while (atomic_load(counter) < want)
		pthread_cond_wait(&g->cv, &g->mu);
	atomic_store(&g->waiting, 0);
	pthread_mutex_unlock(&g->mu);
}

/* After the counter was stored as now: wake the other side if it waits for no more. */
static void gate_move(struct gate *g, unsigned long now)
{
	if (atomic_load(&g->waiting) && now >= atomic_load(&g->want)) {
		pthread_mutex_lock(&g->mu);
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
}

static void *producer(void *arg)
{
	struct ring *r = arg;
	uintptr_t counter = 0;
	for (long i = 0; i < iters; i++) {
		size_t n = counter % 1000 + 1;
		unsigned char *p = malloc(n);
		if (!p)
			abort();
		memset(p, 1, n);
		counter += 1;
		unsigned long h = (unsigned long)i;
		if (h - atomic_load(&r->tail) >= RING) /* full: the oldest block is still alive */
			gate_wait(&r->room, &r->tail, h - RING + BATCH);
		r->slot[h % RING] = p;
		atomic_store(&r->head, h + 1);
		gate_move(&r->items, h + 1);
	}
	return (void *)counter;
}

static void *consumer(void *arg)
{
	struct ring *r = arg;
	uintptr_t sum = 0;
	for (long i = 0; i < iters; i++) {
		unsigned long t = (unsigned long)i, left = (unsigned long)(iters - i);
		/* Keep the ring at least half full, so each block outlives ~2000 others. */
		unsigned long need = left > RING / 2 ? RING / 2 : 1;
		if (atomic_load(&r->head) - t < need)
			gate_wait(&r->items, &r->head, t + (need + BATCH < left ? need + BATCH : left));
		unsigned char *p = r->slot[t % RING];
		sum += p[0];
		free(p);
		atomic_store(&r->tail, t + 1);
		gate_move(&r->room, t + 1);
	}
	r->sum = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s shallow|deep|realloc|prodcons|stacks THREADS ITERATIONS\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "shallow"))
		mode = SHALLOW;
	else if (!strcmp(argv[1], "deep"))
		mode = DEEP;
	else if (!strcmp(argv[1], "realloc"))
		mode = REALLOC;
	else if (!strcmp(argv[1], "prodcons"))
		mode = PRODCONS;
	else if (!strcmp(argv[1], "stacks"))
		mode = STACKS;
	else {
		fprintf(stderr, "%s: unknown shape '%s'\n", argv[0], argv[1]);
		return 2;
	}
	int threads = atoi(argv[2]);
	iters = atol(argv[3]);
	int in_main = threads == 0 && mode != PRODCONS;
	if (in_main)
		threads = 1;
	if (threads < 1 || threads > 256 || iters < 1 || (mode == STACKS && iters > 1L << STACK_LEVELS)) {
		fprintf(stderr, "%s: bad THREADS or ITERATIONS\n", argv[0]);
		return 2;
	}

	int nthr = mode == PRODCONS ? 2 * threads : threads;
	pthread_t *tid = calloc((size_t)nthr, sizeof *tid);
	struct ring *rings = NULL;
	if (mode == PRODCONS && posix_memalign((void **)&rings, 64, (size_t)threads * sizeof *rings))
		abort();
	if (!tid)
		abort();
	for (int i = 0; rings && i < threads; i++) {
		memset(&rings[i], 0, sizeof rings[i]);
		pthread_mutex_init(&rings[i].room.mu, NULL);
		pthread_cond_init(&rings[i].room.cv, NULL);
		pthread_mutex_init(&rings[i].items.mu, NULL);
		pthread_cond_init(&rings[i].items.cv, NULL);
	}

	double t0 = now();
	uintptr_t check = 0;
	if (in_main) {
		nthr = 0;
		check = (uintptr_t)(mode == SHALLOW ? shallow_thread : mode == DEEP ? deep_thread :
				    mode == STACKS ? stacks_thread : realloc_thread)(NULL);
	}
	for (int i = 0; i < nthr; i++) {
		void *(*fn)(void *);
		void *arg = NULL;
		switch (mode) {
		case SHALLOW: fn = shallow_thread; break;
		case DEEP: fn = deep_thread; break;
		case REALLOC: fn = realloc_thread; break;
		case STACKS: fn = stacks_thread; break;
		default:
			fn = i % 2 ? consumer : producer;
			arg = &rings[i / 2];
			break;
		}
		if (pthread_create(&tid[i], NULL, fn, arg)) {
			fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
			return 1;
		}
	}
	for (int i = 0; i < nthr; i++) {
		void *ret;
		pthread_join(tid[i], &ret);
		check += (uintptr_t)ret;
	}
	double t1 = now();
	if (mode == PRODCONS)
		for (int i = 0; i < threads; i++)
			check += rings[i].sum;

	long ops_per_iter = mode == REALLOC ? 5 : 1; /* calloc + 4 realloc */
	printf("ops=%ld loop_s=%.6f check=%lu\n", (long)threads * iters * ops_per_iter, t1 - t0,
	       (unsigned long)check);
	free(rings);
	free(tid);
	return 0;
}
