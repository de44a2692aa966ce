/* hfl_run.c: the run file (its format: lib/record/hf_run.c, which appends to it and prints the
 * listing from it), and the one case where the launcher does not exec the program in place:
 * --fail-on-leak and --fail-if, whose check runs after the program has ended. There the
 * launcher is the program's parent: it passes on the signals it is sent (kill, a supervisor's
 * SIGTERM), dies of the program's signal if the program died of one, and otherwise exits with
 * the program's status, or 4 when heapfold_print finds a limit broken in the main trace. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hfl.h"

static char run_path[4096];

const char *hfl_run_create(int report, int keep)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(run_path, sizeof run_path, "%s/heapfold.run.XXXXXX", tmp);
	int fd = mkstemp(run_path);
	if (fd < 0)
		return NULL;
	char cwd[4096], self[4096], found[4096], q[8192];
	FILE *f = fdopen(fd, "w");
	if (!f || !getcwd(cwd, sizeof cwd)) {
		unlink(run_path);
		if (f)
			fclose(f);
		return NULL;
	}
	/* heapfold_print as the user can type it: by name when PATH finds this one (installed),
	 * else by its path (the build tree, before make install). */
	snprintf(self, sizeof self, "%s/heapfold_print", hfl_self_dir());
	const char *print = self;
	const char *p = getenv("PATH");
	struct stat a, b;
	while (p && *p && stat(self, &a) == 0) {
		size_t n = strcspn(p, ":");
		snprintf(found, sizeof found, "%.*s/heapfold_print", (int)n, p);
		if (n && stat(found, &b) == 0) {
			if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				print = "heapfold_print";
			break; /* the first one found is the one that would run */
		}
		p += n + (p[n] ? 1 : 0);
	}
	fprintf(f, "cwd\t%s\nprint\t%s\nreport\t%d\nkeep\t%d\n", cwd,
		print == self ? hfl_shell_word(self, q, sizeof q) : print, report, keep);
	if (fclose(f) != 0) {
		unlink(run_path);
		return NULL;
	}
	return run_path;
}

void hfl_run_main(const char *run, int pid)
{
	if (!run)
		return;
	int fd = open(run, O_WRONLY | O_APPEND | O_CLOEXEC);
	char line[64];
	int n = snprintf(line, sizeof line, "main\t%d\n", pid);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			unlink(run); /* no listing rather than a wrong one */
		close(fd);
	}
}

/* The launched process's last trace, as the recorder's listing chooses it (hf_run.c). */
static int main_trace(const char *run, int pid, char *out, size_t cap)
{
	FILE *f = fopen(run, "r");
	char line[8192];
	int found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char *fields[7];
		int n = 0;
		line[strcspn(line, "\n")] = 0;
		char *s = line;
		while (n < 7 && s) {
			fields[n++] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = 0;
		}
		if (n == 7 && !strcmp(fields[0], "trace") && atoi(fields[1]) == pid &&
		    !strcmp(fields[4], "exec")) {
			snprintf(out, cap, "%s", fields[6]);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static pid_t child;

/* A signal sent to the launcher (kill PID, a supervisor) goes to the program. One the terminal
 * sent (Ctrl-C) reached the program already: the process group got it. */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (child > 0 && si->si_code != SI_KERNEL)
		kill(child, sig);
}

int hfl_run_checked(const struct hfl_options *o, const struct hfl_program *p, const char *run)
{
	static const int fwd[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH };
	struct sigaction sa, old[sizeof fwd / sizeof fwd[0]];
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	/* Blocked until child is set: the program may run, and be signalled through us, before
	 * fork returns here. */
	sigset_t block, mask;
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++) {
		sigaction(fwd[i], &sa, &old[i]);
		sigaddset(&block, fwd[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &mask);
	pid_t pid = fork();
	if (pid < 0)
		hfl_die(HFL_NO_RECORDER, "cannot start %s: %s", o->argv[0], strerror(errno));
	if (pid > 0) {
		child = pid;
		sigprocmask(SIG_SETMASK, &mask, NULL);
	} else {
		for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
			sigaction(fwd[i], &old[i], NULL);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		hfl_run_main(run, getpid());
		execv(p->path, o->argv);
		fprintf(stderr, "heapfold: cannot run %s: %s\n", p->path, strerror(errno));
		_exit(errno == ENOENT ? HFL_NOT_FOUND : HFL_CANNOT_RUN);
	}
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st)) {
		/* Die the same way, without a core dump of our own (the program's is its own). */
		if (run)
			unlink(run);
		int sig = WTERMSIG(st);
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return 128 + sig; /* a signal that does not kill (SIGCHLD, ...): the shell's number */
	}
	int status = WEXITSTATUS(st);
	char trace[4096];
	if (status == 0) {
		if (!run || !main_trace(run, child, trace, sizeof trace)) {
			fprintf(stderr, "heapfold: no trace to check the limits against\n");
			status = 4;
		} else {
			char print[4096];
			snprintf(print, sizeof print, "%s/heapfold_print", hfl_self_dir());
			const char *args[HFL_LIMITS_MAX + 8];
			int n = 0;
			args[n++] = print;
			args[n++] = "--no-progress";
			args[n++] = trace;
			args[n++] = "-o";
			args[n++] = "/dev/null";
			for (int i = 0; i < o->n_limits; i++)
				args[n++] = o->limits[i];
			args[n] = NULL;
			pid_t pp = fork();
			if (pp == 0) {
				/* heapfold_print as the user would run it, not under the recorder the
				 * environment carries for the program (it would trace the check). */
				if (o->preload_before)
					setenv("LD_PRELOAD", o->preload_before, 1);
				else
					unsetenv("LD_PRELOAD");
				execv(print, (char *const *)(uintptr_t)args);
				fprintf(stderr, "heapfold: cannot run %s: %s\n", print, strerror(errno));
				_exit(127);
			}
			int ps = -1;
			while (pp > 0 && waitpid(pp, &ps, 0) < 0 && errno == EINTR)
				;
			if (pp < 0 || !WIFEXITED(ps) || WEXITSTATUS(ps) != 0)
				status = 4;
		}
	}
	if (run)
		unlink(run);
	return status;
}
