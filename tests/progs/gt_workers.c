/* Ground truth for forked children (tests/integration/launcher_exec.sh): the parent makes 10 x
 * malloc(100) in parent_alloc(), then forks 3 workers; worker i (0, 1, 2) makes 20 * (i + 1) x
 * malloc(200) in worker_alloc() and exits with exit(0); the parent waits for them and exits 0. */
#include <sys/wait.h>

#include "gt.h"

__attribute__((noinline)) static void parent_alloc(void)
{
	for (int i = 0; i < 10; i++)
		gt_keep(malloc(100));
}

__attribute__((noinline)) static void worker_alloc(int n)
{
	for (int i = 0; i < n; i++)
		gt_keep(malloc(200));
}

int main(void)
{
	parent_alloc();
	for (int w = 0; w < 3; w++) {
		pid_t pid = fork();
		GT_CHECK(pid >= 0);
		if (pid == 0) {
			worker_alloc(20 * (w + 1));
			exit(0);
		}
	}
	for (int w = 0; w < 3; w++) {
		int st;
		GT_CHECK(wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	return 0;
}
