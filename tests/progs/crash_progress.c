/* crash_progress: a program that dies in a chosen way while it allocates, and writes down how far
 * it got, so that tests/integration/crash_death.sh can hold the trace it leaves against the truth.
 *
 *   crash_progress MODE MILLISECONDS PROGRESS_FILE
 *
 * Three threads allocate, each from its own function and with its own sizes, so that the trace's
 * allocations of each are recognisable and their order checkable:
 *   busy_alloc  allocation i has 1000 + i % 4093 bytes; a ring of 64 live blocks (each new block
 *               frees the one made 64 allocations before it); one every 10 us, spinning in
 *               between (a thread that never sleeps: only its own hooks can write its buffer;
 *               the pace keeps the chunks from filling, so the flush interval is what writes
 *               them, and keeps the trace small enough to check event by event);
 *   slow_alloc  allocation i has 6000 + i % 97 bytes, one every 5 ms, 16 kept live;
 *   idle_alloc  100 blocks of 7000 + i bytes at start, then it sleeps for good (only the
 *               background thread can write its buffer).
 * After every 64th busy allocation, every slow one and once after the idle burst, the thread
 * appends "B|S|I COUNT NS\n" to PROGRESS_FILE with one write(2) (O_APPEND: lines never mix):
 * COUNT allocations of that thread had returned at CLOCK_MONOTONIC time NS.
 *
 * After MILLISECONDS the main thread appends "D 0 NS\n" and ends as MODE says:
 *   kill        waits (at most 60 s) to be killed from outside (SIGKILL)
 *   abort       abort()
 *   segv        a store through a null pointer
 *   _exit       _exit(3)
 *   exit_group  the exit_group system call, bypassing libc (as a runtime without libc would)
 *   exec        execv("/bin/sh", "sh -c 'exit 4'") with the other threads still allocating
 *   execl       the same through execl (glibc's execl calls its internal execve, which a
 *               preloaded execve does not see)
 *   exit        exit(5) (the clean control case)
 * No stdio, nothing that allocates behind the program's back. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gt.h"

static int progress_fd = -1;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* One line, one write(2), no allocation. */
static void progress(char who, uint64_t count)
{
	char line[64], *p = line;
	*p++ = who;
	*p++ = ' ';
	p = put_u64(p, count);
	*p++ = ' ';
	p = put_u64(p, mono_ns());
	*p++ = '\n';
	GT_CHECK(write(progress_fd, line, (size_t)(p - line)) == p - line);
}

__attribute__((noinline)) static void *busy_alloc(size_t n)
{
	void *p = malloc(n);
	GT_CHECK(p != NULL);
	return p;
}

__attribute__((noinline)) static void *slow_alloc(size_t n)
{
	void *p = malloc(n);
	GT_CHECK(p != NULL);
	return p;
}

__attribute__((noinline)) static void *idle_alloc(size_t n)
{
	void *p = malloc(n);
	GT_CHECK(p != NULL);
	return p;
}

static void *busy_main(void *arg)
{
	(void)arg;
	void *ring[64] = { 0 };
	uint64_t next = mono_ns();
	for (uint64_t i = 0;; i++) {
		while (mono_ns() < next)
			;
		next += 10000;
		void *p = busy_alloc(1000 + i % 4093);
		*(volatile char *)p = 1;
		free(ring[i % 64]);
		ring[i % 64] = p;
		if ((i + 1) % 64 == 0)
			progress('B', i + 1);
	}
	return NULL;
}

static void *slow_main(void *arg)
{
	(void)arg;
	void *keep[16] = { 0 };
	for (uint64_t i = 0;; i++) {
		void *p = slow_alloc(6000 + i % 97);
		free(keep[i % 16]);
		keep[i % 16] = p;
		progress('S', i + 1);
		struct timespec ts = { 0, 5000000 };
		while (nanosleep(&ts, &ts) != 0)
			;
	}
	return NULL;
}

static void *idle_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		gt_keep(idle_alloc(7000 + (size_t)i));
	progress('I', 100);
	for (;;)
		pause();
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		gt_say("usage: crash_progress MODE MILLISECONDS PROGRESS_FILE\n");
		return 2;
	}
	const char *mode = argv[1];
	long ms = atol(argv[2]);
	progress_fd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	GT_CHECK(progress_fd >= 0);
	pthread_t t;
	GT_CHECK(pthread_create(&t, NULL, busy_main, NULL) == 0);
	GT_CHECK(pthread_create(&t, NULL, slow_main, NULL) == 0);
	GT_CHECK(pthread_create(&t, NULL, idle_main, NULL) == 0);
	sleep_ms(ms);
	progress('D', 0);
	if (!strcmp(mode, "kill")) {
		sleep_ms(60000);
		return 9;
	} else if (!strcmp(mode, "abort")) {
		abort();
	} else if (!strcmp(mode, "segv")) {
		*(volatile int *)gt_null() = 1;
	} else if (!strcmp(mode, "_exit")) {
		_exit(3);
	} else if (!strcmp(mode, "exit_group")) {
		syscall(SYS_exit_group, 6);
	} else if (!strcmp(mode, "exec")) {
		char *const args[] = { "sh", "-c", "exit 4", NULL };
		execv("/bin/sh", args);
		return 8;
	} else if (!strcmp(mode, "execl")) {
		execl("/bin/sh", "sh", "-c", "exit 4", (char *)NULL);
		return 8;
	} else if (!strcmp(mode, "exit")) {
		exit(5);
	}
	gt_say("crash_progress: unknown mode\n");
	return 2;
}
