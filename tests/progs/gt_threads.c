/* Ground truth: 4 waves of 8 worker threads, created and exiting throughout. Worker i of every
 * wave makes 500 allocations of 16*(i+1) bytes in worker_alloc(): the even ones go to a freer
 * thread that frees them (cross-thread frees), the odd ones the worker frees itself at the end,
 * except its last 3, which leak. Then it grows 100 buffers in worker_grow(): calloc(24), then
 * realloc to 48, 96, 192 and 384 bytes (in place or moved, as glibc decides, while other
 * threads free), each third one freed by the freer, the others at once by the worker.
 * Expected (tests/integration/rec_threads.sh):
 *   worker_alloc: allocations 16000, bytes 1152000, leaked 96 blocks / 6912 bytes;
 *   worker_grow: calloc 3200 allocations, 76800 bytes, 3200 temporary; realloc 12800
 *   allocations, 2304000 bytes, 11712 temporary (3 a chain, and the last one of the 66 chains
 *   a worker frees itself); nothing leaked. */
#include <pthread.h>
#include "gt.h"

#define WAVES 4
#define WORKERS 8
#define PER_WORKER 500
#define GROWN 100 /* buffers grown by each worker; every third goes to the freer */

static void *queue[WAVES * WORKERS * (PER_WORKER + GROWN)];
static size_t q_head, q_tail;
static int producers_done;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static void *leaked[WAVES * WORKERS * 3];
static size_t n_leaked;

__attribute__((noinline)) static void *worker_alloc(size_t size)
{
	void *p = malloc(size);
	GT_CHECK(p);
	memset(p, 0xa5, size);
	return p;
}

static void give(void *p)
{
	pthread_mutex_lock(&q_lock);
	queue[q_tail++] = p;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
}

__attribute__((noinline)) static void worker_grow(void)
{
	for (int k = 0; k < GROWN; k++) {
		size_t n = 24;
		unsigned char *p = calloc(n, 1);
		GT_CHECK(p);
		for (int step = 0; step < 4; step++) {
			unsigned char *q = realloc(p, 2 * n);
			GT_CHECK(q && q[n - 1] == (step ? 0x5a : 0));
			memset(q + n, 0x5a, n);
			p = q;
			n *= 2;
		}
		if (k % 3 == 0)
			give(p);
		else
			free(p);
	}
}

__attribute__((noinline)) static void *worker(void *arg)
{
	size_t size = 16 * ((size_t)(long)arg + 1);
	void *own[PER_WORKER / 2];
	size_t n_own = 0;
	for (int j = 0; j < PER_WORKER; j++) {
		void *p = worker_alloc(size);
		if (j % 2 == 0) {
			give(p);
		} else {
			own[n_own++] = p;
		}
	}
	for (size_t k = 0; k + 3 < n_own; k++)
		free(own[k]);
	pthread_mutex_lock(&q_lock);
	for (size_t k = n_own - 3; k < n_own; k++)
		leaked[n_leaked++] = own[k];
	pthread_mutex_unlock(&q_lock);
	worker_grow();
	return NULL;
}

__attribute__((noinline)) static void *freer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q_lock);
	for (;;) {
		while (q_head < q_tail) {
			void *p = queue[q_head++];
			pthread_mutex_unlock(&q_lock);
			free(p);
			pthread_mutex_lock(&q_lock);
		}
		if (producers_done)
			break;
		pthread_cond_wait(&q_cond, &q_lock);
	}
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

int main(void)
{
	pthread_t f, w[WORKERS];
	GT_CHECK(pthread_create(&f, NULL, freer, NULL) == 0);
	for (int wave = 0; wave < WAVES; wave++) {
		for (long i = 0; i < WORKERS; i++)
			GT_CHECK(pthread_create(&w[i], NULL, worker, (void *)i) == 0);
		for (int i = 0; i < WORKERS; i++)
			pthread_join(w[i], NULL);
	}
	pthread_mutex_lock(&q_lock);
	producers_done = 1;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
	pthread_join(f, NULL);
	GT_CHECK(q_head == WAVES * WORKERS * (PER_WORKER / 2 + (GROWN + 2) / 3) && n_leaked == WAVES * WORKERS * 3);
	gt_keep(leaked);
	gt_say("gt_threads: ok\n");
	return 0;
}
