/* stress_stacks: millions of events from 2,000 distinct call stacks, to show that the recorder's
 * memory does not grow with the number of events and that the trace stays exact.
 * tests/integration/stress_stacks.sh runs it bare and traced with 1 and 4 million events.
 *
 *   stress_stacks EVENTS
 *
 * Allocation i (EVENTS / 2 of them, each later freed: EVENTS events) takes path p = i * 7 % 2000
 * (every path in turn, in a scattered order) and asks for 16 + p % 256 bytes. A path is the
 * four base-8 digits of p, each choosing one of eight functions f0..f7 through a table, then
 * p % 7 more frames of deeper(), then leaf_alloc: 2,000 stacks of 12 to 18 frames, more than the
 * recorder's per-thread stack cache holds (1,024), so its shared table is used all the time. A
 * ring of 256 blocks is kept live (each block is freed 256 allocations later).
 *
 * Prints "paths=2000", "per_path=N" (allocations per path), "bytes=B" (all of them) and
 * "vmhwm_kb=K" (this process's peak resident set, from /proc/self/status, at the end). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gt.h"

#define PATHS 2000
#define RING 256

static void *ring[RING];
static unsigned long long nalloc;

__attribute__((noinline)) static void leaf_alloc(size_t n)
{
	void *p = malloc(n);
	GT_CHECK(p != NULL);
	((volatile char *)p)[0] = 1;
	free(ring[nalloc % RING]);
	ring[nalloc % RING] = p;
	nalloc++;
}

static volatile int sink;

__attribute__((noinline)) static void deeper(int k, size_t n)
{
	if (k > 0)
		deeper(k - 1, n);
	else
		leaf_alloc(n);
	sink++; /* no tail call: every frame stays on the stack */
}

typedef void level_fn(unsigned p, int k, size_t n);
static level_fn f0, f1, f2, f3, f4, f5, f6, f7;
static level_fn *const table[8] = { f0, f1, f2, f3, f4, f5, f6, f7 };

__attribute__((noinline)) static void step(unsigned p, int k, size_t n)
{
	if (k == 4)
		deeper((int)(p % 7), n);
	else
		table[(p >> (3 * k)) & 7](p, k + 1, n);
	sink++;
}

#define LEVEL(i)                                                                                  \
	__attribute__((noinline)) static void f##i(unsigned p, int k, size_t n)                   \
	{                                                                                         \
		step(p, k, n);                                                                    \
		sink++;                                                                           \
	}
LEVEL(0)
LEVEL(1)
LEVEL(2)
LEVEL(3)
LEVEL(4)
LEVEL(5)
LEVEL(6)
LEVEL(7)

static long vmhwm_kb(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	GT_CHECK(fd >= 0);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	GT_CHECK(n > 0);
	buf[n] = 0;
	const char *s = strstr(buf, "VmHWM:");
	GT_CHECK(s != NULL);
	return atol(s + 6);
}

int main(int argc, char **argv)
{
	unsigned long long events = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	unsigned long long allocs = events / 2 / PATHS * PATHS, bytes = 0;
	GT_CHECK(allocs > 0);
	for (unsigned long long i = 0; i < allocs; i++) {
		unsigned p = (unsigned)(i * 7 % PATHS);
		size_t n = 16 + p % 256;
		step(p, 0, n);
		bytes += n;
	}
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	char out[256];
	int len = snprintf(out, sizeof out, "paths=%d\nper_path=%llu\nbytes=%llu\nvmhwm_kb=%ld\n", PATHS,
			   allocs / PATHS, bytes, vmhwm_kb());
	return write(1, out, (size_t)len) == len ? 0 : 1;
}
