/* crash_oom: a program that runs out of memory under an address-space cap (ulimit -v), counts
 * its failed and successful allocations, and checks that every failure looks as the C library
 * says it does: NULL and errno ENOMEM (posix_memalign: the return value ENOMEM, errno untouched),
 * realloc's old block intact. tests/integration/crash_oom.sh runs it bare and under the recorder
 * and compares.
 *
 *   crash_oom [thread]
 *
 * 1. Warm-up: every call site below once with a size that fits and once with one that cannot
 *    (so the recorder knows each stack before memory runs out), then a pause of 300 ms (so the
 *    recorder has written a chunk once: the memory it needs for that is then set up).
 * 2. Requests no address-space cap of the test lets through (2 GiB, and counts whose product
 *    overflows), 10 rounds through the whole family: det_failed; plus 1000 small blocks that
 *    always fit: det_ok. These figures must be the same with and without the recorder.
 * 3. fill_alloc takes 1 MiB blocks until one fails; then 3 more 1 MiB attempts by each function
 *    of the family, and 64 KiB blocks until one fails; then everything is freed and 16 more
 *    1 MiB blocks must fit again. How many
 *    blocks fit depends on the cap and on whoever else uses address space (the recorder does):
 *    fill_ok; fill_failed counts the failures of this phase.
 * 4. "thread": a thread started at the beginning makes its first allocation while memory is
 *    exhausted (the recorder may not have the memory to record a new thread: it must say so,
 *    and the program must not notice).
 *
 * Prints "key=value" lines: det_ok, det_failed, fill_ok, fill_failed, failed (all failures),
 * thread_ok (1 if the thread's allocation succeeded), failed_FUNCTION for each function of the
 * family (failures of oom_FUNCTION, from every caller), then "crash_oom: ok". A failed check prints what and exits 99. No stdio before the end. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gt.h"

#define HUGE_SIZE ((size_t)2 << 30)
#define MIB ((size_t)1 << 20)
#define MAX_BLOCKS 65536

static unsigned long det_ok, det_failed, fill_ok, fill_failed;

/* Failures by function of the family (whatever the caller), for the trace's per-stack counts. */
enum { F_MALLOC, F_CALLOC, F_REALLOC, F_REALLOCARRAY, F_POSIX_MEMALIGN, F_ALIGNED_ALLOC,
       F_MEMALIGN, F_VALLOC, F_PVALLOC, F_N };
static const char *const fname[F_N] = { "malloc", "calloc", "realloc", "reallocarray",
					"posix_memalign", "aligned_alloc", "memalign", "valloc",
					"pvalloc" };
static unsigned long fails[F_N];

static int outcome(int f, void *p, void **out)
{
	if (!p)
		fails[f]++;
	*out = p;
	return p != NULL;
}

/* One function per member of the family, so that each failure has its own stack. An outcome
 * is 1 (allocated; the block is stored in *out), 0 (failed as it must), or the check fails. */
__attribute__((noinline)) static int oom_malloc(size_t n, void **out)
{
	errno = 0;
	void *p = malloc(n);
	GT_CHECK(p || errno == ENOMEM);
	return outcome(F_MALLOC, p, out);
}

__attribute__((noinline)) static int oom_calloc(size_t m, size_t n, void **out)
{
	errno = 0;
	void *p = calloc(m, n);
	GT_CHECK(p || errno == ENOMEM);
	return outcome(F_CALLOC, p, out);
}

/* Grows a fresh 16-byte block; on failure the old block must be intact (and is freed here). */
__attribute__((noinline)) static int oom_realloc(size_t n, void **out)
{
	char *old = malloc(16);
	GT_CHECK(old != NULL);
	memset(old, 0x5c, 16);
	errno = 0;
	void *p = realloc(old, n);
	if (!p) {
		GT_CHECK(errno == ENOMEM);
		for (int i = 0; i < 16; i++)
			GT_CHECK(old[i] == 0x5c);
		free(old);
	}
	return outcome(F_REALLOC, p, out);
}

__attribute__((noinline)) static int oom_reallocarray(size_t m, size_t n, void **out)
{
	char *old = malloc(16);
	GT_CHECK(old != NULL);
	errno = 0;
	void *p = reallocarray(old, m, n);
	if (!p) {
		GT_CHECK(errno == ENOMEM);
		free(old);
	}
	return outcome(F_REALLOCARRAY, p, out);
}

__attribute__((noinline)) static int oom_posix_memalign(size_t n, void **out)
{
	void *p = NULL;
	errno = 12345;
	int rc = posix_memalign(&p, 64, n);
	GT_CHECK(rc == 0 || rc == ENOMEM);
	GT_CHECK(errno == 12345); /* posix_memalign reports through its return value only */
	return outcome(F_POSIX_MEMALIGN, rc == 0 ? p : NULL, out);
}

__attribute__((noinline)) static int oom_aligned_alloc(size_t n, void **out)
{
	errno = 0;
	void *p = aligned_alloc(64, n);
	GT_CHECK(p || errno == ENOMEM);
	return outcome(F_ALIGNED_ALLOC, p, out);
}

__attribute__((noinline)) static int oom_memalign(size_t n, void **out)
{
	errno = 0;
	void *p = memalign(64, n);
	GT_CHECK(p || errno == ENOMEM);
	return outcome(F_MEMALIGN, p, out);
}

__attribute__((noinline)) static int oom_valloc(size_t n, void **out)
{
	errno = 0;
	void *p = valloc(n);
	GT_CHECK(p || errno == ENOMEM);
	return outcome(F_VALLOC, p, out);
}

__attribute__((noinline)) static int oom_pvalloc(size_t n, void **out)
{
	errno = 0;
	void *p = pvalloc(n);
	GT_CHECK(p || errno == ENOMEM);
	return outcome(F_PVALLOC, p, out);
}

__attribute__((noinline)) static int fill_alloc(void **out)
{
	return oom_malloc(MIB, out);
}

/* Every function once with n bytes (calloc and reallocarray: m * k = n, or an overflow when
 * huge). Returns how many succeeded; the blocks go to keep (or are freed when keep is NULL). */
static int family(size_t n, int huge, void **keep, int *nkeep)
{
	void *p[9];
	int ok = 0;
	ok += oom_malloc(n, &p[0]);
	ok += huge ? oom_calloc(SIZE_MAX / 2, 3, &p[1]) : oom_calloc(n / 16, 16, &p[1]);
	ok += oom_realloc(n, &p[2]);
	ok += huge ? oom_reallocarray(SIZE_MAX / 4, 8, &p[3]) : oom_reallocarray(n / 16, 16, &p[3]);
	ok += oom_posix_memalign(n, &p[4]);
	ok += oom_aligned_alloc(n, &p[5]);
	ok += oom_memalign(n, &p[6]);
	ok += oom_valloc(n, &p[7]);
	ok += oom_pvalloc(n, &p[8]);
	for (int i = 0; i < 9; i++) {
		if (!p[i])
			continue;
		if (keep && *nkeep < MAX_BLOCKS)
			keep[(*nkeep)++] = p[i];
		else
			free(p[i]);
	}
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static unsigned long thread_ok, thread_failed;

static pthread_mutex_t go_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go;

__attribute__((noinline)) static void *thread_alloc(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&go_lock);
	while (!go)
		pthread_cond_wait(&go_cond, &go_lock);
	pthread_mutex_unlock(&go_lock);
	void *p;
	if (oom_malloc(64, &p)) {
		thread_ok++;
		free(p);
	} else {
		thread_failed++;
	}
	return NULL;
}

static void *blocks[MAX_BLOCKS];

int main(int argc, char **argv)
{
	int with_thread = argc > 1 && !strcmp(argv[1], "thread");
	int n = 0;

	pthread_t thread;
	if (with_thread)
		GT_CHECK(pthread_create(&thread, NULL, thread_alloc, NULL) == 0);

	/* 1. Warm-up: each stack once each way. */
	GT_CHECK(family(4096, 0, NULL, NULL) == 9);
	GT_CHECK(family(HUGE_SIZE, 1, NULL, NULL) == 0);
	det_failed += 9;
	void *p;
	GT_CHECK(fill_alloc(&p) == 1);
	free(p);
	sleep_ms(300);

	/* 2. What no cap lets through, and what always fits. */
	for (int r = 0; r < 10; r++) {
		GT_CHECK(family(HUGE_SIZE, 1, NULL, NULL) == 0);
		det_failed += 9;
	}
	for (int i = 0; i < 1000; i++) {
		GT_CHECK(oom_malloc(64, &blocks[i]) == 1);
		det_ok++;
	}
	for (int i = 0; i < 1000; i++)
		free(blocks[i]);

	/* 3. Exhaustion. */
	while (n < MAX_BLOCKS && fill_alloc(&blocks[n]))
		n++;
	GT_CHECK(n < MAX_BLOCKS); /* the test forgot the cap */
	fill_ok = (unsigned long)n;
	fill_failed = 1;
	for (int r = 0; r < 3; r++) {
		int ok = family(MIB, 0, blocks, &n);
		fill_ok += (unsigned long)ok;
		fill_failed += (unsigned long)(9 - ok);
	}
	while (n < MAX_BLOCKS && oom_malloc(64 << 10, &blocks[n])) { /* what 1 MiB left over */
		n++;
		fill_ok++;
	}
	fill_failed++;
	if (with_thread) {
		/* Its first allocation, hence the recorder's first sight of it, comes now. */
		pthread_mutex_lock(&go_lock);
		go = 1;
		pthread_cond_signal(&go_cond);
		pthread_mutex_unlock(&go_lock);
		pthread_join(thread, NULL);
		fill_failed += thread_failed;
	}
	for (int i = 0; i < n; i++)
		free(blocks[i]);
	for (int i = 0; i < 16; i++) {
		GT_CHECK(fill_alloc(&blocks[i]) == 1); /* memory is back */
		fill_ok++;
	}
	for (int i = 0; i < 16; i++)
		free(blocks[i]);

	unsigned long total = 0;
	for (int f = 0; f < F_N; f++)
		total += fails[f];
	GT_CHECK(total == det_failed + fill_failed);
	printf("det_ok=%lu\ndet_failed=%lu\nfill_ok=%lu\nfill_failed=%lu\nfailed=%lu\n"
	       "thread_ok=%lu\n",
	       det_ok, det_failed, fill_ok, fill_failed, total, thread_ok);
	for (int f = 0; f < F_N; f++)
		printf("failed_%s=%lu\n", fname[f], fails[f]);
	printf("crash_oom: ok\n");
	return 0;
}
