/* crash_fds: a program that takes the trace's file descriptor away from the recorder, the way
 * daemons and shells do, and checks that its own file never receives a byte of the trace and
 * never loses one of its own. tests/integration/crash_output.sh runs it under the recorder.
 *
 *   crash_fds MODE TRACE OUT
 *
 * TRACE is the trace's path (to find the recorder's descriptor in /proc/self/fd), OUT a file of
 * the program's. Every mode first allocates, so that the trace has data in flight, then:
 *   closeall  closes every descriptor from 3 up, opens OUT (it gets the lowest free number: the
 *             trace's), and writes its data while it allocates from many stacks across several
 *             flush intervals;
 *   dup2      opens OUT and dup2()s it onto the trace's descriptor number, then the same;
 *   stdio     closes every descriptor from 3 up, fopen()s OUT (the trace's number), fputs its
 *             data into the stdio buffer and returns from main: the data is written by exit(),
 *             after every exit handler (the recorder's included) has run;
 *   fork      closes every descriptor from 3 up, opens OUT, forks: the child dup2()s it onto its
 *             standard output and execs "sh -c 'echo child'", which must land in OUT;
 *   exec      closes every descriptor from 3 up, opens OUT, and execs "bash -c 'echo exec >&N'" with
 *             N its number: the new program must find the descriptor open;
 *   reuse     writes OUT, closes every descriptor from 3 up, and opens OUT eight times, read-only
 *             and write-only in turn (numbers 3 to 10: the trace's and whatever else the
 *             recorder had), allocates, and checks that no read-only copy moved from offset 0 and
 *             no write-only one grew (the recorder's unwinder once kept a pipe there);
 *   big       no descriptor games: 300,000 allocations of random sizes from 37 stacks, for a
 *             trace of about 1 MB (file size limits, full disks); TRACE is not needed ("-").
 * The modes that return check OUT's content themselves (exit 0 and "crash_fds: ok", else 99);
 * for fork, stdio and exec, the test reads OUT. The program's file data is 4096 bytes of a
 * pattern, written in two halves with allocations and sleeps of three flush intervals between. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gt.h"

#define DATA 4096

static char data[DATA];

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Allocations from a few hundred distinct stacks (new NODE records: meta data to write too). */
__attribute__((noinline)) static void leaf(int depth, int i)
{
	if (depth > 0) {
		leaf(depth - 1, i);
		return;
	}
	void *p = malloc(16 + (size_t)i);
	GT_CHECK(p != NULL);
	free(p);
}

static void (*volatile leaf_fn)(int, int) = leaf;

static void work(int rounds)
{
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 2000; i++)
			leaf_fn(i % 37, i);
		sleep_ms(100);
	}
}

static int trace_fd(const char *trace)
{
	char want[PATH_MAX], link[64], got[PATH_MAX];
	if (!realpath(trace, want))
		return -1;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int fd = -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(link, got, sizeof got - 1);
		if (n > 0) {
			got[n] = 0;
			if (!strcmp(got, want))
				fd = atoi(e->d_name);
		}
	}
	closedir(d);
	return fd;
}

static void close_from_3(void)
{
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

/* Opens path as the number want (the trace's old one, which the recorder keeps high, out of
 * the way of the lowest free numbers open() returns): a program's own file there, as after a
 * dup2 of its own. */
static int open_at(const char *path, int flags, int want)
{
	int fd = open(path, flags, 0644);
	GT_CHECK(fd >= 0);
	if (fd != want) {
		GT_CHECK(dup2(fd, want) == want);
		close(fd);
	}
	return want;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		GT_CHECK(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

static void check_file(const char *path)
{
	char buf[2 * DATA];
	int fd = open(path, O_RDONLY);
	GT_CHECK(fd >= 0);
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	GT_CHECK(n == DATA);
	GT_CHECK(memcmp(buf, data, DATA) == 0);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		gt_say("usage: crash_fds MODE TRACE OUT\n");
		return 2;
	}
	const char *mode = argv[1], *trace = argv[2], *out = argv[3];
	for (int i = 0; i < DATA; i++)
		data[i] = (char)('a' + i % 26);
	data[DATA - 1] = '\n';
	if (!strcmp(mode, "big")) {
		unsigned seed = 1;
		for (int i = 0; i < 300000; i++)
			leaf_fn(i % 37, (int)(rand_r(&seed) % 4096));
		gt_say("crash_fds: ok\n");
		return 0;
	}
	work(1);
	int tfd = trace_fd(trace);
	if (tfd < 0) {
		gt_say("crash_fds: the trace is not open here (not run under the recorder?)\n");
		return 98;
	}
	int fd;
	if (!strcmp(mode, "reuse")) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		GT_CHECK(fd >= 0);
		write_all(fd, data, DATA);
		close(fd);
		close_from_3();
		int fds[8];
		for (int i = 0; i < 8; i++) {
			fds[i] = open(out, i % 2 ? O_WRONLY | O_APPEND : O_RDONLY);
			GT_CHECK(fds[i] >= 0);
		}
		work(3);
		struct stat want, got;
		GT_CHECK(stat(out, &want) == 0);
		for (int i = 0; i < 8; i++) {
			GT_CHECK(fstat(fds[i], &got) == 0 && got.st_ino == want.st_ino); /* still ours */
			if (i % 2 == 0)
				GT_CHECK(lseek(fds[i], 0, SEEK_CUR) == 0);
			close(fds[i]);
		}
		check_file(out);
		gt_say("crash_fds: ok\n");
		return 0;
	}
	if (!strcmp(mode, "dup2")) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		GT_CHECK(o >= 0);
		fd = dup2(o, tfd);
		GT_CHECK(fd == tfd);
		close(o);
	} else if (!strcmp(mode, "stdio")) {
		close_from_3();
		FILE *f = fdopen(open_at(out, O_WRONLY | O_CREAT | O_TRUNC, tfd), "w");
		GT_CHECK(f != NULL && fileno(f) == tfd);
		static char fbuf[2 * DATA];
		setvbuf(f, fbuf, _IOFBF, sizeof fbuf); /* all of it stays in the buffer until exit */
		work(3);
		GT_CHECK(fwrite(data, 1, DATA, f) == DATA);
		return 0; /* exit() flushes f after the exit handlers */
	} else {
		close_from_3();
		fd = open_at(out, O_WRONLY | O_CREAT | O_TRUNC, tfd);
	}
	if (!strcmp(mode, "fork")) {
		work(3);
		pid_t pid = fork();
		GT_CHECK(pid >= 0);
		if (pid == 0) {
			if (dup2(fd, 1) != 1)
				_exit(97);
			execl("/bin/sh", "sh", "-c", "echo child", (char *)NULL);
			_exit(96);
		}
		int st;
		GT_CHECK(waitpid(pid, &st, 0) == pid);
		GT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		gt_say("crash_fds: ok\n");
		return 0;
	}
	if (!strcmp(mode, "exec")) {
		work(3);
		char cmd[64];
		snprintf(cmd, sizeof cmd, "echo exec >&%d", fd);
		/* bash: dash takes only one-digit numbers in a redirection */
		execl("/bin/bash", "bash", "-c", cmd, (char *)NULL);
		return 96;
	}
	write_all(fd, data, DATA / 2);
	work(3);
	write_all(fd, data + DATA / 2, DATA / 2);
	work(1);
	GT_CHECK(close(fd) == 0);
	check_file(out);
	gt_say("crash_fds: ok\n");
	return 0;
}
