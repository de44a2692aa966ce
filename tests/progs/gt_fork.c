/* Ground truth: 4 threads each make 20000 allocations of 64 bytes in thread_alloc() (all freed)
 * while the main thread forks 50 children one after another; each child allocates and frees 10
 * blocks in child_alloc() and exits. The parent's trace must hold exactly its own allocations and
 * no child may deadlock (a forked child of a multi-threaded recorder must not wait on a lock that
 * a parent thread held at fork time). */
#include <pthread.h>
#include <sys/wait.h>
#include "gt.h"

#define THREADS 4
#define PER_THREAD 20000
#define CHILDREN 50

__attribute__((noinline)) static void *thread_alloc(void)
{
	void *p = malloc(64);
	GT_CHECK(p);
	gt_keep(p);
	return p;
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER_THREAD; i++)
		free(thread_alloc());
	return NULL;
}

__attribute__((noinline)) static void child_alloc(void)
{
	for (int i = 0; i < 10; i++) {
		void *p = malloc(32);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
}

int main(int argc, char **argv)
{
	int use_exit = argc > 1; /* children call exit() (atexit handlers run) instead of _exit() */
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		GT_CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
	for (int c = 0; c < CHILDREN; c++) {
		pid_t pid = fork();
		GT_CHECK(pid >= 0);
		if (pid == 0) {
			child_alloc();
			if (use_exit)
				exit(0);
			_exit(0);
		}
		int status;
		GT_CHECK(waitpid(pid, &status, 0) == pid);
		GT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	gt_say("gt_fork: ok\n");
	return 0;
}
