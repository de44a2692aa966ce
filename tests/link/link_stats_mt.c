/* hf_stats with threads: 4 workers, each making 1,000 blocks of 32 bytes (the even ones handed
 * to main, which frees them; the odd ones freed by the worker itself, but the last 5) and then
 * 100 malloc/free pairs. Checks itself, exit 0 and "link_stats_mt: ok":
 * - with every worker started and waiting (glibc's pthread_create allocates a thread's TLS
 *   vector, which is counted too), then again with every worker done and waiting: allocations,
 *   frees, temporary and live blocks exactly the workers' own; live bytes exactly the usable
 *   sizes of the 20 blocks left;
 * - after the workers exited (their counters move to those of exited threads) nothing counted
 *   is lost;
 * - the peak is exact when one thread's allocation is paid by its own earlier frees while
 *   another thread holds a block (peak_steps: a thread that owes what it freed allocates without
 *   touching the shared counter, lib/record/hf_stats.h), and when a thread's allocation passes
 *   the peak while another owes;
 * - the peak and the live bytes are exact after 3 threads made 150,000 allocations and frees of
 *   random sizes in a random order, one at a time under a lock, each freeing what any of them
 *   allocated (peak_random: the program keeps the same sums by malloc_usable_size). */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>

#include "gt.h"
#include "heapfold.h"

#define WORKERS 4
#define PER 1000
#define PAIRS 100

static void *handed[WORKERS][PER / 2];
static void *kept[WORKERS][5];
static uint64_t kept_usable[WORKERS];
static pthread_barrier_t started, done, go;

__attribute__((noinline)) static void *worker(void *arg)
{
	long w = (long)arg;
	void *own[PER / 2];
	pthread_barrier_wait(&started);
	pthread_barrier_wait(&go);
	for (int i = 0; i < PER; i++) {
		void *p = malloc(32);
		GT_CHECK(p);
		if (i % 2 == 0)
			handed[w][i / 2] = p;
		else
			own[i / 2] = p;
	}
	for (int i = 0; i < PER / 2 - 5; i++)
		free(own[i]);
	for (int i = 0; i < 5; i++) {
		kept[w][i] = own[PER / 2 - 5 + i];
		kept_usable[w] += malloc_usable_size(kept[w][i]);
	}
	for (int i = 0; i < PAIRS; i++) {
		void *p = malloc(64);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
	pthread_barrier_wait(&done);
	pthread_barrier_wait(&go);
	return NULL;
}

static hf_stats_t now(void)
{
	hf_stats_t s = { .size = sizeof s };
	GT_CHECK(hf_stats(&s) == HF_OK);
	return s;
}

/* Two threads, A and B, take turns with main: in step k, the thread actor[k] acts between two
 * barriers, then main reads the statistics while both wait for step k + 1. A frees what it
 * allocated and then allocates less than that while B holds a block; then B allocates past the
 * peak while A owes what it freed. */
#define STEPS 5
static pthread_barrier_t step;
static const char actor[STEPS + 1] = { 0, 'A', 'B', 'A', 'A', 'B' };
static void *pa, *pb;
static size_t ua[2], ub[2];

static void act(int k)
{
	void *p;
	switch (k) {
	case 1: /* A: 4,000 bytes, freed: a new peak, then owed */
		GT_CHECK((p = malloc(4000)));
		ua[0] = malloc_usable_size(p);
		free(p);
		break;
	case 2: /* B: 3,000 bytes, below that peak */
		GT_CHECK((pb = malloc(3000)));
		ub[0] = malloc_usable_size(pb);
		break;
	case 3: /* A: 2,000 bytes, paid by the 4,000 freed, live beside B's 3,000: a new peak */
		GT_CHECK((pa = malloc(2000)));
		ua[1] = malloc_usable_size(pa);
		break;
	case 4: /* A frees both blocks: it owes them */
		free(pa);
		free(pb);
		break;
	case 5: /* B: 9,000 bytes, past the peak while A owes */
		GT_CHECK((pb = malloc(9000)));
		ub[1] = malloc_usable_size(pb);
		break;
	}
}

__attribute__((noinline)) static void *peak_thread(void *arg)
{
	char me = (char)(long)arg;
	for (int k = 1; k <= STEPS; k++) {
		pthread_barrier_wait(&step);
		if (actor[k] == me)
			act(k);
		pthread_barrier_wait(&step);
	}
	return NULL;
}

static void peak_steps(void)
{
	pthread_t a, b;
	GT_CHECK(pthread_barrier_init(&step, NULL, 3) == 0);
	GT_CHECK(pthread_create(&a, NULL, peak_thread, (void *)(long)'A') == 0);
	GT_CHECK(pthread_create(&b, NULL, peak_thread, (void *)(long)'B') == 0);
	GT_CHECK(hf_stats_reset_peak() == HF_OK);
	hf_stats_t s0 = now(), s[STEPS + 1];
	int tracked = s0.peak_bytes != HF_STATS_NO_PEAK;
	GT_CHECK(!tracked || (s0.peak_bytes == s0.current_bytes && s0.peak_blocks == s0.current_blocks));
	for (int k = 1; k <= STEPS; k++) {
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		s[k] = now();
	}
	uint64_t base = s0.current_bytes, blocks = s0.current_blocks;
	/* Live bytes after each step, and the peak (bytes, blocks) it leaves. */
	const uint64_t live[STEPS + 1] = { base, base, base + ub[0], base + ub[0] + ua[1], base,
					  base + ub[1] };
	const uint64_t peak[STEPS + 1] = { base, base + ua[0], base + ua[0], base + ub[0] + ua[1],
					  base + ub[0] + ua[1], base + ub[1] };
	const uint64_t peak_blocks[STEPS + 1] = { blocks, blocks + 1, blocks + 1, blocks + 2,
						  blocks + 2, blocks + 1 };
	for (int k = 1; k <= STEPS; k++) {
		GT_CHECK(s[k].current_bytes == live[k]);
		GT_CHECK(!tracked || (s[k].peak_bytes == peak[k] && s[k].peak_blocks == peak_blocks[k]));
	}
	GT_CHECK(pthread_join(a, NULL) == 0 && pthread_join(b, NULL) == 0);
	free(pb);
}

/* Three threads take a lock in turn and each time free a random slot's block or fill it with
 * a new one of a random size (1 to 500 bytes, or up to 30,000), whoever allocated it: a fixed
 * sequence of 150,000 operations whose live bytes and peak the program sums itself. */
#define RANDOM_THREADS 3
#define RANDOM_OPS 50000
#define RANDOM_SLOTS 1024
static pthread_mutex_t random_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t random_start, random_done;
static void *random_block[RANDOM_SLOTS];
static size_t random_usable[RANDOM_SLOTS];
static uint64_t random_state = 99, random_live, random_peak;

__attribute__((noinline)) static void *random_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&random_start);
	for (int i = 0; i < RANDOM_OPS; i++) {
		pthread_mutex_lock(&random_lock);
		random_state = random_state * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t r = random_state;
		unsigned k = (unsigned)(r >> 33) % RANDOM_SLOTS;
		if (random_block[k]) {
			random_live -= random_usable[k];
			free(random_block[k]);
			random_block[k] = NULL;
		} else {
			size_t n = 1 + (size_t)((r >> 20) % ((r >> 60) & 1 ? 30000 : 500));
			GT_CHECK((random_block[k] = malloc(n)));
			random_usable[k] = malloc_usable_size(random_block[k]);
			random_live += random_usable[k];
			if (random_live > random_peak)
				random_peak = random_live;
		}
		pthread_mutex_unlock(&random_lock);
	}
	pthread_barrier_wait(&random_done);
	pthread_barrier_wait(&random_done);
	return NULL;
}

static void peak_random(void)
{
	pthread_t t[RANDOM_THREADS];
	GT_CHECK(pthread_barrier_init(&random_start, NULL, RANDOM_THREADS + 1) == 0);
	GT_CHECK(pthread_barrier_init(&random_done, NULL, RANDOM_THREADS + 1) == 0);
	for (int i = 0; i < RANDOM_THREADS; i++)
		GT_CHECK(pthread_create(&t[i], NULL, random_thread, NULL) == 0);
	GT_CHECK(hf_stats_reset_peak() == HF_OK); /* every thread made and waiting */
	hf_stats_t s0 = now();
	random_live = random_peak = s0.current_bytes;
	pthread_barrier_wait(&random_start);
	pthread_barrier_wait(&random_done); /* all done, none gone */
	hf_stats_t s1 = now();
	GT_CHECK(s1.current_bytes == random_live);
	GT_CHECK(s1.peak_bytes == HF_STATS_NO_PEAK || s1.peak_bytes == random_peak);
	pthread_barrier_wait(&random_done);
	for (int i = 0; i < RANDOM_THREADS; i++)
		GT_CHECK(pthread_join(t[i], NULL) == 0);
	for (int k = 0; k < RANDOM_SLOTS; k++)
		free(random_block[k]);
}

int main(void)
{
	pthread_t t[WORKERS];
	GT_CHECK(pthread_barrier_init(&started, NULL, WORKERS + 1) == 0);
	GT_CHECK(pthread_barrier_init(&done, NULL, WORKERS + 1) == 0);
	GT_CHECK(pthread_barrier_init(&go, NULL, WORKERS + 1) == 0);
	for (long w = 0; w < WORKERS; w++)
		GT_CHECK(pthread_create(&t[w], NULL, worker, (void *)w) == 0);
	pthread_barrier_wait(&started);
	hf_stats_t a = now();
	pthread_barrier_wait(&go);
	pthread_barrier_wait(&done); /* the workers are done and wait: a quiescent point */
	hf_stats_t b = now();
	uint64_t usable = 0;
	for (int w = 0; w < WORKERS; w++)
		usable += kept_usable[w];
	GT_CHECK(b.total_allocs - a.total_allocs == WORKERS * (PER + PAIRS));
	GT_CHECK(b.total_bytes - a.total_bytes == WORKERS * (PER * 32 + PAIRS * 64));
	GT_CHECK(b.total_frees - a.total_frees == WORKERS * (PER / 2 - 5 + PAIRS));
	GT_CHECK(b.temporary - a.temporary == WORKERS * PAIRS);
	GT_CHECK(b.current_blocks - a.current_blocks == WORKERS * (PER / 2 + 5));
	/* Cross-thread frees: main frees what the workers allocated. */
	uint64_t handed_usable = 0;
	for (int w = 0; w < WORKERS; w++)
		for (int i = 0; i < PER / 2; i++) {
			handed_usable += malloc_usable_size(handed[w][i]);
			free(handed[w][i]);
		}
	hf_stats_t c = now();
	GT_CHECK(c.total_frees - b.total_frees == WORKERS * PER / 2);
	GT_CHECK(c.current_blocks - a.current_blocks == WORKERS * 5);
	GT_CHECK(b.current_bytes - c.current_bytes == handed_usable);
	GT_CHECK(c.current_bytes - a.current_bytes == usable);
	GT_CHECK(c.peak_bytes >= b.current_bytes);
	pthread_barrier_wait(&go);
	for (int w = 0; w < WORKERS; w++)
		GT_CHECK(pthread_join(t[w], NULL) == 0);
	hf_stats_t d = now(); /* the workers' counts now live with the exited threads' */
	GT_CHECK(d.total_allocs >= c.total_allocs && d.total_frees >= c.total_frees);
	GT_CHECK(d.temporary >= c.temporary && d.total_bytes >= c.total_bytes);
	gt_keep(kept);
	peak_steps();
	peak_random();
	gt_say("link_stats_mt: ok\n");
	return 0;
}
