/* run_status: runs a command as its parent and prints how it ended, as a supervisor sees it:
 * "exit N" or "signal N" (with " core" when a core was dumped). Bash's $? cannot tell exit 130
 * from a death by SIGINT; a parent's waitpid can.
 *
 *   run_status [-w FILE] [-k SIG] [-g] COMMAND [ARGS...]
 *     -w FILE  wait (up to 20 s) until FILE exists before -k
 *     -k SIG   then send SIG to the command's pid (with -g: to its process group, as a
 *              terminal's Ctrl-C does)
 *     -g       run the command in a process group of its own
 * The command starts with SIGINT, SIGQUIT and SIGTERM at their default action, as from an
 * interactive shell (a script's background job would have SIGINT ignored). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *wait_for = NULL;
	int sig = 0, group = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-w") && i + 1 < argc)
			wait_for = argv[++i];
		else if (!strcmp(argv[i], "-k") && i + 1 < argc)
			sig = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-g"))
			group = 1;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: run_status [-w FILE] [-k SIG] [-g] COMMAND [ARGS...]\n");
		return 2;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		if (group)
			setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	if (group)
		setpgid(pid, pid); /* either of us may get there first */
	if (wait_for) {
		struct stat st;
		struct timespec ms = { 0, 10000000 };
		for (int t = 0; t < 2000 && stat(wait_for, &st) != 0; t++)
			nanosleep(&ms, NULL);
	}
	if (sig)
		kill(group ? -pid : pid, sig);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return 2;
	if (WIFSIGNALED(st))
		printf("signal %d%s\n", WTERMSIG(st), WCOREDUMP(st) ? " core" : "");
	else
		printf("exit %d\n", WEXITSTATUS(st));
	return 0;
}
