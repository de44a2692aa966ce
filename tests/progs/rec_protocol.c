/* rec_protocol: stresses the recorder's flush protocol (lib/record/hf_thread.c). Run it under the
 * recorder with a short flush interval, so that the background thread takes idle threads'
 * buffers while they wake up and allocate again, and thread objects are recycled under it:
 *
 *   LD_PRELOAD=build/lib/libheapfold.so HEAPFOLD_FLUSH_MS=10 HEAPFOLD_TICK_MS=1 \
 *       HEAPFOLD_OUTPUT=t.gz build/tests/progs/rec_protocol [WAVES] [THREADS]
 *
 * Each wave starts THREADS threads; each runs bursts of allocations in work_alloc() separated
 * by sleeps of 0 to 12 ms: in a burst, every third block is freed at once (FREE_LAST), every
 * third is handed to the next thread's mailbox and freed by it (a cross-thread FREE), the rest
 * are freed by their owner at the end of the burst; every 97th block of a thread is kept until
 * exit (leaked). It prints what the trace must say about work_alloc as "key=value" lines, in
 * hf_dump --stacks' terms (allocs, bytes, leaked_blocks, leaked_bytes). No stdio, so the trace
 * holds only these allocations and those of pthread_create. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define BURSTS 40
#define PER_BURST 64
#define MAILBOX 4096

struct mailbox {
	pthread_mutex_t lock;
	void *p[MAILBOX];
	int n;
};

static struct mailbox box[MAX_THREADS];
static int nthreads;
static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;
static void **kept;
static size_t nkept, cap_kept;
static unsigned long long total_allocs, total_bytes, leaked_blocks, leaked_bytes;
static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void *work_alloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		abort();
	memset(p, 0x5a, n);
	return p;
}

static void drain(int self)
{
	struct mailbox *b = &box[self];
	pthread_mutex_lock(&b->lock);
	while (b->n > 0)
		free(b->p[--b->n]);
	pthread_mutex_unlock(&b->lock);
}

static void *worker(void *arg)
{
	int self = (int)(long)arg;
	unsigned seed = (unsigned)self * 2654435761u + 1;
	unsigned long long allocs = 0, bytes = 0, lb = 0, lbytes = 0;
	void *mine[PER_BURST];
	for (int burst = 0; burst < BURSTS; burst++) {
		int n_mine = 0;
		for (int i = 0; i < PER_BURST; i++) {
			size_t n = 1 + rand_r(&seed) % 2000;
			void *p = work_alloc(n);
			allocs++;
			bytes += n;
			if (allocs % 97 == 0) {
				pthread_mutex_lock(&keep_lock);
				if (nkept == cap_kept) {
					cap_kept = cap_kept ? 2 * cap_kept : 256;
					kept = realloc(kept, cap_kept * sizeof *kept); /* main's realloc stack */
				}
				kept[nkept++] = p;
				pthread_mutex_unlock(&keep_lock);
				lb++;
				lbytes += n;
			} else if (i % 3 == 0) {
				free(p);
			} else if (i % 3 == 1) {
				struct mailbox *b = &box[(self + 1) % nthreads];
				pthread_mutex_lock(&b->lock);
				if (b->n < MAILBOX) {
					b->p[b->n++] = p;
					p = NULL;
				}
				pthread_mutex_unlock(&b->lock);
				if (p)
					free(p);
			} else {
				mine[n_mine++] = p;
			}
		}
		for (int i = 0; i < n_mine; i++)
			free(mine[i]);
		drain(self);
		struct timespec ts = { 0, (long)(rand_r(&seed) % 13) * 1000000L };
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&total_lock);
	total_allocs += allocs;
	total_bytes += bytes;
	leaked_blocks += lb;
	leaked_bytes += lbytes;
	pthread_mutex_unlock(&total_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	int waves = argc > 1 ? atoi(argv[1]) : 3;
	nthreads = argc > 2 ? atoi(argv[2]) : 8;
	if (waves < 1 || nthreads < 2 || nthreads > MAX_THREADS)
		return 2;
	for (int i = 0; i < nthreads; i++)
		pthread_mutex_init(&box[i].lock, NULL);
	pthread_t t[MAX_THREADS];
	for (int w = 0; w < waves; w++) {
		for (long i = 0; i < nthreads; i++)
			if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
				return 1;
		for (int i = 0; i < nthreads; i++)
			pthread_join(t[i], NULL);
		for (int i = 0; i < nthreads; i++)
			drain(i); /* a block posted after its receiver's last drain */
	}
	char out[256];
	int len = snprintf(out, sizeof out, "allocs=%llu\nbytes=%llu\nleaked_blocks=%llu\nleaked_bytes=%llu\n",
			   total_allocs, total_bytes, leaked_blocks, leaked_bytes);
	return write(1, out, (size_t)len) == len ? 0 : 1;
}
