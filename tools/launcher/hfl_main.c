/* hfl_main.c: heapfold(1), the launcher. It checks what can be checked before the program
 * starts (the program, its C library, the recorder built for it, the trace's folder and name),
 * puts the recorder's variables into the environment, and execs the program in place: the
 * program keeps the launcher's pid, so exit statuses, signals (kill PID, Ctrl-C, a supervisor's
 * SIGTERM), job control and the parent's wait see the program itself, and the environment is
 * the caller's (the recorder removes its own variables at start; no SHLVL, `_` as a shell sets
 * it for the program). The recorder lists the traces when the program ends (hf_run.c), since
 * the launcher is gone by then; only --fail-on-leak and --fail-if keep it as the parent
 * (hfl_run.c). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfl.h"

/* The recorder for the program's C library, beside this launcher: installed (bin/, lib/,
 * lib/musl/) and build tree alike. */
static void recorder(enum hfl_libc libc, char *out)
{
	char want[PATH_MAX + 64];
	snprintf(want, sizeof want, "%s/../lib/%slibheapfold.so", hfl_self_dir(),
		 libc == HFL_MUSL ? "musl/" : "");
	if (!realpath(want, out))
		hfl_die(HFL_NO_RECORDER, "no %s build of libheapfold.so found beside %s (looked for %s)",
			libc == HFL_MUSL ? "musl" : "glibc", hfl_self_dir(), want);
}

/* An output that cannot be created is found now, not after a run that records nothing: its
 * folder must exist and be writable, and a name without %p must not exist (the recorder never
 * overwrites a file). */
static void check_output(const char *output, const char *exe)
{
	struct stat st;
	char dir[PATH_MAX], fixed[PATH_MAX];
	if (!strcmp(output, "/dev/null"))
		return; /* no trace kept: the recorder runs for its profiles and metrics */
	if (stat(output, &st) == 0 && S_ISDIR(st.st_mode))
		hfl_die(HFL_USAGE, "%s is a directory; give a file name (for example %s/heapfold.%%e.%%p.gz)",
			output, output);
	snprintf(dir, sizeof dir, "%s", output);
	const char *d = dirname(dir);
	if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		hfl_die(HFL_USAGE, "cannot write the trace %s: folder %s does not exist", output, d);
	if (access(d, W_OK | X_OK) != 0)
		hfl_die(HFL_USAGE, "cannot write the trace %s: folder %s is not writable", output, d);
	if (strstr(output, "%p"))
		return;
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	size_t k = 0;
	for (const char *s = output; *s && k + 1 < sizeof fixed; s++) {
		if (s[0] == '%' && s[1] == 'e') {
			k += (size_t)snprintf(fixed + k, sizeof fixed - k, "%s", base);
			s++;
		} else if (s[0] == '%' && s[1] == '%') {
			fixed[k++] = '%';
			s++;
		} else {
			fixed[k++] = *s;
		}
		if (k >= sizeof fixed)
			k = sizeof fixed - 1;
	}
	fixed[k] = 0;
	if (lstat(fixed, &st) == 0)
		hfl_die(HFL_USAGE, "%s exists and a trace never overwrites a file: remove it or choose "
			"another name (-o)", fixed);
}

static void set(const char *name, const char *value)
{
	if (value && setenv(name, value, 1) != 0)
		hfl_die(HFL_NO_RECORDER, "cannot set %s: %s", name, strerror(errno));
}

/* A shell sets `_` to the path of the command it runs: this launcher's. The program, run bare,
 * would have had its own. */
static void underscore(const char *prog_path)
{
	const char *u = getenv("_");
	struct stat a, b;
	if (u && stat(u, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		set("_", prog_path);
}

int main(int argc, char **argv)
{
	struct hfl_options o;
	struct hfl_program p;
	char lib[PATH_MAX];
	hfl_parse(argc, argv, &o);
	const char *output = o.output ? o.output : "heapfold.%e.%p.gz";
	if (o.output && !o.output[0])
		hfl_die(HFL_USAGE, "-o needs a file name");
	hfl_program(o.argv[0], &p);
	recorder(p.libc, lib);
	check_output(output, p.exe);

	const char *run = NULL;
	if (!o.quiet || o.n_limits) {
		run = hfl_run_create(!o.quiet, o.n_limits > 0);
		if (!run)
			fprintf(stderr, "heapfold: cannot create a file in %s (%s): the traces will not be "
				"listed at the end\n", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
				strerror(errno));
	}
	const char *old = getenv("LD_PRELOAD");
	o.preload_before = old ? strdup(old) : NULL;
	char preload[2 * PATH_MAX];
	if (old && old[0])
		snprintf(preload, sizeof preload, "%s %s", lib, old);
	else
		snprintf(preload, sizeof preload, "%s", lib);
	set("LD_PRELOAD", preload);
	set("HEAPFOLD_OUTPUT", output);
	set("HEAPFOLD_FOLLOW", o.follow ? "1" : NULL);
	set("HEAPFOLD_UNWIND", o.unwind);
	set("HEAPFOLD_MAX_DEPTH", o.max_depth);
	set("HEAPFOLD_SAMPLE_BYTES", o.sample);
	set("HEAPFOLD_RUN", run);
	underscore(p.path);

	if (o.n_limits)
		return hfl_run_checked(&o, &p, run);
	hfl_run_main(run, (int)getpid());
	execv(p.path, o.argv);
	int err = errno;
	if (run)
		unlink(run);
	hfl_die(err == ENOENT ? HFL_NOT_FOUND : HFL_CANNOT_RUN, "cannot run %s: %s", p.path,
		strerror(err));
}
