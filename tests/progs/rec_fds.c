/* The descriptors a program sees (tests/integration/launcher_env.sh): prints each open one
 * (number, close-on-exec flag, and what it is, a trace named by the argument shown as TRACE)
 * and the number its first open() gets. With heapfold, the only difference from a bare run
 * must be the trace's descriptor: high and close-on-exec. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char want[PATH_MAX] = "", link[64], got[PATH_MAX];
	if (argc > 1 && !realpath(argv[1], want))
		want[0] = 0;
	int first = open("/dev/null", O_RDONLY);
	printf("first open: %d\n", first);
	close(first);
	for (int fd = 0; fd < 4096; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl < 0)
			continue;
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, got, sizeof got - 1);
		got[n > 0 ? n : 0] = 0;
		if (want[0] && !strcmp(got, want))
			printf("%s %d %s\n", fd > 512 ? "high" : "low", fd, (fl & FD_CLOEXEC) ? "cloexec TRACE" : "inherited TRACE");
		else
			printf("%d %s %s\n", fd, (fl & FD_CLOEXEC) ? "cloexec" : "inherited",
			       strncmp(got, "/dev/pts", 8) ? got : "tty");
	}
	return 0;
}
