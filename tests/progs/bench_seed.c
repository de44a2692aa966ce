/* bench_seed: the recorder's seed benchmark (performance issue).
 *
 *   bench_seed THREADS ITERATIONS [shallow|deep]
 *
 * Each thread runs ITERATIONS times: n = counter % 1000 + 1; p = malloc(n); memset(p, 1, n);
 * counter += p[n - 1]; free(p). shallow: malloc is called from the thread function; deep: the
 * same allocation 34 frames down a non-inlined recursion, descended on every iteration. Prints
 * the sum of the counters (THREADS * ITERATIONS) so nothing is optimised away. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH 34

static long iterations;
static int deep;

__attribute__((noinline)) static unsigned long one(unsigned long counter)
{
	size_t n = counter % 1000 + 1;
	char *p = malloc(n);
	if (!p)
		abort();
	memset(p, 1, n);
	counter += ((volatile char *)p)[n - 1];
	free(p);
	return counter;
}

__attribute__((noinline)) static unsigned long down(int level, unsigned long counter)
{
	if (level == 0)
		return one(counter);
	unsigned long r = down(level - 1, counter);
	__asm__ __volatile__("" : "+r"(r)); /* not a tail call: every level keeps its frame */
	return r;
}

static void *thread_shallow(void *arg)
{
	unsigned long counter = 0;
	for (long i = 0; i < iterations; i++) {
		size_t n = counter % 1000 + 1;
		char *p = malloc(n);
		if (!p)
			abort();
		memset(p, 1, n);
		counter += ((volatile char *)p)[n - 1];
		free(p);
	}
	*(unsigned long *)arg = counter;
	return NULL;
}

static void *thread_deep(void *arg)
{
	unsigned long counter = 0;
	for (long i = 0; i < iterations; i++)
		counter = down(DEPTH - 2, counter); /* + thread_deep and one(): 34 frames */
	*(unsigned long *)arg = counter;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s THREADS ITERATIONS [shallow|deep]\n", argv[0]);
		return 2;
	}
	int threads = atoi(argv[1]);
	iterations = atol(argv[2]);
	deep = argc > 3 && !strcmp(argv[3], "deep");
	if (threads < 1 || threads > 256 || iterations < 1) {
		fprintf(stderr, "%s: bad arguments\n", argv[0]);
		return 2;
	}
	pthread_t t[256];
	unsigned long result[256], sum = 0;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, deep ? thread_deep : thread_shallow, &result[i]) != 0)
			return 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		sum += result[i];
	}
	printf("%lu\n", sum);
	return sum == (unsigned long)threads * (unsigned long)iterations ? 0 : 1;
}
