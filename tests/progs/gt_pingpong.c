/* Ground truth: an address that travels between threads and comes back. 1000 rounds of:
 * A allocates p (64 bytes) in a_alloc() and hands it to B; B frees it and allocates 64 bytes in
 * b_alloc() (glibc's per-thread cache gives the same address back) and hands that to A; A frees
 * it with no allocation of its own in between. A's free is not of A's block: nothing leaks, no
 * free is of an unknown block, and nothing is temporary (every block is freed by another thread). */
#include <pthread.h>
#include <semaphore.h>
#include "gt.h"

#define ROUNDS 1000
static void *volatile slot;
static sem_t to_b, to_a;

__attribute__((noinline)) static void *a_alloc(void)
{
	void *p = malloc(64);
	GT_CHECK(p);
	return p;
}

__attribute__((noinline)) static void *b_alloc(void)
{
	void *p = malloc(64);
	GT_CHECK(p);
	return p;
}

static void *thread_b(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		sem_wait(&to_b);
		free(slot);
		slot = b_alloc();
		sem_post(&to_a);
	}
	return NULL;
}

int main(void)
{
	pthread_t b;
	int same = 0;
	sem_init(&to_b, 0, 0);
	sem_init(&to_a, 0, 0);
	GT_CHECK(pthread_create(&b, NULL, thread_b, NULL) == 0);
	for (int i = 0; i < ROUNDS; i++) {
		void *p = a_alloc();
		slot = p;
		sem_post(&to_b);
		sem_wait(&to_a);
		same += slot == p;
		free(slot);
	}
	pthread_join(b, NULL);
	gt_say(same > ROUNDS / 2 ? "gt_pingpong: ok, addresses reused\n" : "gt_pingpong: ok\n");
	return 0;
}
