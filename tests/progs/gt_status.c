/* Ground truth for the launcher's transparency (tests/integration/launcher_status.sh,
 * launcher_exec.sh): 100 x malloc(500) from before_end(), kept, then the end argv[1] names:
 *   exit N      exit(N)
 *   segv        a write through a null pointer (SIGSEGV)
 *   abort       abort() (SIGABRT)
 *   wait FILE   creates FILE (the test's sign that the allocations are done), then waits for a
 *               signal (SIGTERM, SIGINT, SIGKILL from the test)
 *   handler FILE  the same with a SIGTERM handler of its own, installed in main (after the
 *               recorder's start), which writes "handled" and calls _exit(42)
 * No stdio: the trace's totals are the program's own allocations. */
#include <fcntl.h>
#include <signal.h>

#include "gt.h"

__attribute__((noinline)) static void before_end(void)
{
	for (int i = 0; i < 100; i++)
		gt_keep(malloc(500));
}

static void on_term(int sig)
{
	(void)sig;
	gt_say("handled\n");
	_exit(42);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 98;
	before_end();
	if (!strcmp(argv[1], "exit") && argc > 2)
		exit(atoi(argv[2]));
	if (!strcmp(argv[1], "segv")) {
		*(volatile int *)gt_null() = 1;
		return 97;
	}
	if (!strcmp(argv[1], "abort"))
		abort();
	if (!strcmp(argv[1], "handler"))
		signal(SIGTERM, on_term);
	if ((!strcmp(argv[1], "wait") || !strcmp(argv[1], "handler")) && argc > 2) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		GT_CHECK(fd >= 0);
		close(fd);
		for (;;)
			pause();
	}
	return 98;
}
