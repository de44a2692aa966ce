/* Ground truth: 10 x malloc(40) from before_exec(), leaked, then the image is replaced through
 * one of the execl* functions (argv[1]: l, lp or le), which reach execve inside libc. The trace
 * must be finished before the exec: complete, with the 10 allocations. */
#include "gt.h"

__attribute__((noinline)) static void before_exec(void)
{
	for (int i = 0; i < 10; i++)
		gt_keep(malloc(40));
}

int main(int argc, char **argv)
{
	before_exec();
	const char *how = argc > 1 ? argv[1] : "l";
	char *const env[] = { (char *)"GT_EXECL=1", NULL };
	if (how[1] == 'p')
		execlp("true", "true", (char *)NULL);
	else if (how[1] == 'e')
		execle("/bin/true", "true", (char *)NULL, env);
	else
		execl("/bin/true", "true", (char *)NULL);
	gt_say("gt_execl: exec failed\n");
	return 99;
}
