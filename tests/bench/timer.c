/* bench_timer: run a command, report its wall time and the peak RSS of its process tree.
 *
 *   bench_timer [-t SECONDS] -o FILE COMMAND [ARGS...]
 *
 * Writes one line to FILE:  wall=S maxrss_kb=K user=S sys=S status=N
 * wall is measured with CLOCK_MONOTONIC around fork and wait. maxrss_kb is the largest peak RSS
 * of any single process of the tree (getrusage(RUSAGE_CHILDREN): for heaptrack that is the largest
 * of the program, heaptrack_interpret and zstd). status is the exit status, 128+N for a signal,
 * or "timeout" when the command outlived -t SECONDS (its whole process group is then killed:
 * a hanging profiler must not hang the suite). The command's own stdio is passed through. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (child > 0)
		kill(-child, SIGKILL);
}

static void on_term(int sig)
{
	if (child > 0)
		kill(-child, sig);
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	double limit = 0;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			limit = atof(argv[++i]);
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			break;
	}
	if (!out || i >= argc) {
		fprintf(stderr, "usage: bench_timer [-t SECONDS] -o FILE COMMAND [ARGS...]\n");
		return 2;
	}
	FILE *f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "bench_timer: %s: %s\n", out, strerror(errno));
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	double t0 = now();
	child = fork();
	if (child < 0) {
		fprintf(stderr, "bench_timer: fork: %s\n", strerror(errno));
		return 2;
	}
	if (child == 0) {
		setpgid(0, 0); /* its own group, so a timeout kills helpers it started too */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[i], argv + i);
		fprintf(stderr, "bench_timer: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	if (limit > 0) {
		struct itimerval it = {{0, 0}, {(time_t)limit, (suseconds_t)((limit - (double)(time_t)limit) * 1e6)}};
		setitimer(ITIMER_REAL, &it, NULL);
	}
	int st = 0;
	while (waitpid(child, &st, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "bench_timer: waitpid: %s\n", strerror(errno));
			return 2;
		}
	}
	double t1 = now();
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	/* Anything the command left behind in its group (a daemon, heaptrack's helpers) goes too. */
	kill(-child, SIGKILL);

	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	char status[32];
	if (timed_out)
		snprintf(status, sizeof status, "timeout");
	else if (WIFEXITED(st))
		snprintf(status, sizeof status, "%d", WEXITSTATUS(st));
	else
		snprintf(status, sizeof status, "%d", 128 + WTERMSIG(st));
	fprintf(f, "wall=%.6f maxrss_kb=%ld user=%.3f sys=%.3f status=%s\n", t1 - t0, ru.ru_maxrss,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6, status);
	fclose(f);
	if (timed_out)
		return 124;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
