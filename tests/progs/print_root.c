/* Ground truth for allocation sites where a stack starts (tests/integration/print_threads.sh):
 * a thread's start routine that allocates itself (root_worker: 10 x malloc(32)) and main
 * (3 x malloc(16)); the report names each as a site with no callers. All freed. */
#include <pthread.h>
#include "gt.h"

static void *root_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++) {
		void *p = malloc(32);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
	return NULL;
}

int main(void)
{
	pthread_t th;
	GT_CHECK(pthread_create(&th, NULL, root_worker, NULL) == 0);
	GT_CHECK(pthread_join(th, NULL) == 0);
	for (int i = 0; i < 3; i++) {
		void *p = malloc(16);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
	return 0;
}
