/* hfl.h: the launcher, heapfold(1): runs a program under the recorder by exec'ing it in place.
 *
 *   hfl_main.c     the run: options, program, recorder, output checked, environment, exec
 *   hfl_options.c  the command line and --help
 *   hfl_program.c  the program as the kernel will run it: PATH, scripts, ELF, which C library
 *   hfl_paths.c    the launcher's own folder, and paths as shell words
 *   hfl_run.c      the run file the recorder lists the traces from, and --fail-if's run, where
 *                  the launcher stays as the program's parent to check the trace afterwards */
#ifndef HFL_H
#define HFL_H

#include <stddef.h>

#define HFL_LIMITS_MAX 64

struct hfl_options {
	const char *output;  /* -o, NULL: the default */
	int follow;          /* -f */
	const char *unwind;  /* -u */
	const char *max_depth;
	const char *sample;  /* -s */
	int quiet;           /* -q */
	const char *limits[HFL_LIMITS_MAX]; /* --fail-on-leak, --fail-if LIMIT: heapfold_print's */
	int n_limits;
	char **argv;         /* the program and its arguments */
	const char *preload_before; /* LD_PRELOAD as the launcher found it (NULL: unset): what
				     * heapfold_print runs with after the program (hfl_run.c) */
};

/* Exit statuses of the launcher itself (the shell's, for the program's problems). */
enum { HFL_USAGE = 2, HFL_NO_RECORDER = 125, HFL_CANNOT_RUN = 126, HFL_NOT_FOUND = 127 };

/* "heapfold: MESSAGE" on stderr, then exit(status). */
_Noreturn void hfl_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses the command line; exits for --help, --version and errors. */
void hfl_parse(int argc, char **argv, struct hfl_options *o);

enum hfl_libc { HFL_GLIBC, HFL_MUSL };
struct hfl_program {
	char path[4096];   /* what execve is given: the user's path, or PATH's */
	char exe[4096];    /* the file that runs (a script's interpreter), resolved: its name is %e */
	enum hfl_libc libc;
};
/* Finds name as a shell would and learns its C library; exits 126/127 with a line if it cannot
 * run under the preload (not found, not executable, not ELF, static). */
void hfl_program(const char *name, struct hfl_program *p);

/* The folder this launcher is in, resolved (build/bin or PREFIX/bin) (hfl_paths.c). */
const char *hfl_self_dir(void);
/* s as one shell word (quoted if needed), in out. */
const char *hfl_shell_word(const char *s, char *out, size_t cap);

/* The run file (hfl_run.c): created with the launcher's lines; its path. report: print the
 * listing at the end; keep: the launcher reads it afterwards. NULL if it cannot be made. */
const char *hfl_run_create(int report, int keep);
/* Notes the launched process's pid (the program's, after exec). */
void hfl_run_main(const char *run, int pid);
/* With --fail-on-leak/--fail-if: runs the program as a child, forwarding signals, then checks
 * its main trace with heapfold_print. Returns the exit status (or dies of the program's
 * signal). */
int hfl_run_checked(const struct hfl_options *o, const struct hfl_program *p, const char *run);

#endif
