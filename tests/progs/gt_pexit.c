/* Ground truth for the end of a process whose main thread calls pthread_exit
 * (tests/integration/rec_pexit.sh): a worker makes 3 allocations of 100 bytes, 1 kept, and
 * returns after main has gone; libc then ends the process with status 0, since the last thread
 * exited. The recorder's own threads (background, metrics, profiles) must not keep it alive. */
#include <pthread.h>
#include "gt.h"

static void *kept;

__attribute__((noinline)) static void *worker(void *arg)
{
	(void)arg;
	usleep(50000); /* main is gone by now */
	for (int i = 0; i < 3; i++) {
		void *p = malloc(100);
		GT_CHECK(p);
		gt_keep(p);
		if (i < 2)
			free(p);
		else
			kept = p;
	}
	gt_say("gt_pexit: ok\n");
	return NULL;
}

int main(void)
{
	pthread_t t;
	GT_CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
	pthread_exit(NULL);
}
