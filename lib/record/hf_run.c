/* hf_run.c: a run of the launcher. The launcher execs the program in place (same pid, so that
 * signals, exit statuses, job control and supervisors see the program itself), so it is not
 * there at the end to say where the traces went: the recorder does, when asked.
 *
 * The run file (HEAPFOLD_RUN, created by the launcher with mode 0600) starts with the launcher's
 * lines, tab-separated:
 *   main PID        the launched process (the launcher's own pid, which the program keeps)
 *   cwd DIR         where the launcher ran: paths under it are listed relative to it
 *   print CMD       the heapfold_print command, as the user can type it
 *   report 0|1      whether to print the listing (not with -q)
 *   keep 0|1        whether the launcher reads the file afterwards (--fail-if) and removes it
 * and every recorder of the run appends one line per trace it creates, with O_APPEND:
 *   trace PID PPID IMAGE KIND EXE PATH   (KIND: exec, a program's start or an image after exec;
 *                                         fork, a followed child's trace; IMAGE: execs before)
 *   untraced PID PROG                    (a forked child not followed ran PROG)
 * The launched process lists them when it ends: the main trace first, which is that process's
 * last trace (the program the launched process finally became: a wrapper script's exec'd
 * program, an interpreter behind env), then the others in the order they were created, then how
 * many programs ran untraced in forked children; only files that exist are listed.
 *
 * Nothing here allocates through the program's allocator; hf_run_end runs from signal handlers
 * too and uses system calls only (mmap for the file's text). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_modules.h"
#include "hf_run.h"

#define SAVED_MAX 32
#define LISTED_MAX 20 /* traces listed one per line; the rest are counted */

static char saved_buf[16384];
static const char *saved[SAVED_MAX];
static size_t n_saved;
static char run_path[4096]; /* "" without a run file */
static pid_t main_pid;      /* the launched process, from the run file */
static unsigned image;
static int ended;
/* Standard error as found at start: the listing goes there. Programs may close it before the
 * end (coreutils' close_stdout closes it in an atexit handler, before ours): a terminal or a
 * file is then opened again by its path, if it is still the same file. A pipe cannot be. */
static char err_path[4096];
static dev_t err_dev;
static ino_t err_ino;
static int out_fd = -1; /* where the listing goes, while it is printed */

/* The n-th tab-separated field of the line at s (ending at '\n' or NUL), copied into out. */
static const char *field(const char *s, int n, char *out, size_t cap)
{
	for (; n > 0 && *s && *s != '\n'; s++)
		if (*s == '\t')
			n--;
	size_t k = 0;
	while (n == 0 && *s && *s != '\t' && *s != '\n' && k + 1 < cap)
		out[k++] = *s++;
	out[k] = 0;
	return out;
}

static long number(const char *s)
{
	long v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

/* The run file's text in pages of our own (NUL-terminated), *cap set for hf_os_free; NULL if
 * it cannot be read. */
static char *read_run(size_t *cap)
{
	int fd = open(run_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && st.st_size < (1 << 26)) {
		*cap = (size_t)st.st_size + 1;
		buf = hf_os_alloc(*cap);
		size_t len = 0;
		while (buf && len + 1 < *cap) {
			ssize_t r = read(fd, buf + len, *cap - 1 - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
	}
	close(fd);
	return buf;
}

static const char *next_line(const char *s)
{
	const char *e = strchr(s, '\n');
	return e ? e + 1 : s + strlen(s);
}

/* The value of the launcher's line "key VALUE". */
static const char *header(const char *text, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	out[0] = 0;
	for (const char *s = text; *s; s = next_line(s))
		if (!strncmp(s, key, kl) && s[kl] == '\t')
			return field(s, 1, out, cap);
	return out;
}

void hf_run_init(void)
{
	extern char **environ;
	size_t used = 0;
	for (char **e = environ; e && *e; e++) {
		if (!hf_opt_is_ours(*e) && strncmp(*e, "LD_PRELOAD=", 11) != 0)
			continue;
		size_t n = strlen(*e) + 1;
		if (n_saved == SAVED_MAX || used + n > sizeof saved_buf) {
			hf_warn("too much in HEAPFOLD_* and LD_PRELOAD to pass on to exec'd programs; "
				"they may run untraced");
			break;
		}
		memcpy(saved_buf + used, *e, n);
		saved[n_saved++] = saved_buf + used;
		used += n;
	}
	image = (unsigned)hf_opt(HF_OPT_EXEC);
	const char *run = hf_opt_str(HF_OPT_RUN);
	if (run[0] != '/' || strlen(run) >= sizeof run_path)
		return;
	hf_fmt(run_path, sizeof run_path, "%s", run);
	size_t cap;
	char *text = read_run(&cap), v[32];
	if (!text) {
		run_path[0] = 0; /* gone: a run that ended before this process started */
		return;
	}
	main_pid = (pid_t)number(header(text, "main", v, sizeof v));
	hf_os_free(text, cap);
	struct stat st;
	ssize_t n = readlink("/proc/self/fd/2", err_path, sizeof err_path - 1);
	err_path[n > 0 ? n : 0] = 0;
	if (fstat(2, &st) == 0) {
		err_dev = st.st_dev;
		err_ino = st.st_ino;
	} else {
		err_path[0] = 0;
	}
}

static int same_err(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == err_dev && st.st_ino == err_ino;
}

/* The descriptor the listing goes to: 2, or the same file opened again; -1 if neither. */
static int open_err(void)
{
	if (same_err(2))
		return 2;
	if (err_path[0] != '/')
		return -1;
	int fd = open(err_path, O_WRONLY | O_APPEND | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && !same_err(fd)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* "heapfold: MESSAGE" on the listing's descriptor, in one write. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	if (out_fd < 0)
		return;
	size_t n = hf_fmt(buf, sizeof buf, "heapfold: ");
	va_start(ap, fmt);
	n += hf_vfmt(buf + n, sizeof buf - n - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	ssize_t w = write(out_fd, buf, n);
	(void)w;
}

unsigned hf_run_image(void)
{
	return image;
}

const char *const *hf_run_saved_env(size_t *n)
{
	*n = n_saved;
	return saved;
}

static void append(const char *line, size_t n)
{
	int err = errno;
	int fd = open(run_path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		hf_os_write_all(fd, line, n); /* one write: lines of several processes never mix */
		close(fd);
	}
	errno = err;
}

/* A name that fits in a field: no tab, no newline. */
static int plain(const char *s)
{
	return !strpbrk(s, "\t\n");
}

void hf_run_trace_opened(const char *abspath, int forked)
{
	const char *exe = strrchr(hf_exe_path(), '/');
	exe = exe ? exe + 1 : hf_exe_path()[0] ? hf_exe_path() : "unknown";
	char line[4096 + 512];
	if (!run_path[0] || !plain(abspath) || !plain(exe))
		return;
	size_t n = !strcmp(abspath, "/dev/null") /* no trace kept (hf_writer.c) */
		? hf_fmt(line, sizeof line, "discarded\t%d\n", (int)getpid())
		: hf_fmt(line, sizeof line, "trace\t%d\t%d\t%u\t%s\t%s\t%s\n", (int)getpid(),
			 (int)getppid(), image, forked ? "fork" : "exec", exe, abspath);
	if (n + 1 < sizeof line)
		append(line, n);
}

void hf_run_untraced(const char *prog)
{
	const char *base = strrchr(prog, '/');
	base = base ? base + 1 : prog;
	char line[512];
	if (!run_path[0] || !plain(base))
		return;
	size_t n = hf_fmt(line, sizeof line, "untraced\t%d\t%s\n", (int)getpid(), base);
	if (n + 1 < sizeof line)
		append(line, n);
}

/* --- the listing ---------------------------------------------------------------------------- */

/* s as one word of a shell command: quoted unless it needs not be. */
static const char *shell_word(const char *s, char *out, size_t cap)
{
	if (s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./%+,:=@-")] == 0)
		return s;
	size_t k = 0;
	out[k++] = '\'';
	for (; *s && k + 5 < cap; s++) {
		if (*s == '\'') {
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else {
			out[k++] = *s;
		}
	}
	out[k++] = '\'';
	out[k] = 0;
	return out;
}

struct listing {
	const char *text;
	char cwd[4096];
	const char *main_line; /* the main trace's line */
	unsigned traces, untraced, discarded;
	int more_names;
	const char *untraced_names[3];
};

static int is(const char *line, const char *kind)
{
	size_t n = strlen(kind);
	return !strncmp(line, kind, n) && line[n] == '\t';
}

/* The path as listed: relative to the launcher's folder when under it. */
static const char *shown(const struct listing *l, const char *abspath)
{
	size_t n = strlen(l->cwd);
	if (n > 1 && !strncmp(abspath, l->cwd, n) && abspath[n] == '/')
		return abspath + n + 1;
	return abspath;
}

/* One line for a trace; 1 if its file is there. */
static int list_trace(const struct listing *l, const char *line, int is_main)
{
	char pid[24], ppid[24], exe[256], path[4096];
	struct stat st;
	field(line, 1, pid, sizeof pid);
	field(line, 2, ppid, sizeof ppid);
	field(line, 5, exe, sizeof exe);
	field(line, 6, path, sizeof path);
	if (stat(path, &st) != 0) {
		say("trace %s (%s, pid %s) was written, then removed or renamed", shown(l, path),
			exe, pid);
		return 0;
	}
	if (is_main && l->traces > 1 && number(pid) == main_pid)
		say("trace written to %s (%s, pid %s: the main trace, the launched process as it "
			"ended)", shown(l, path), exe, pid);
	else if (number(pid) != main_pid)
		say("trace written to %s (%s, pid %s, child of pid %s)", shown(l, path), exe, pid,
		    ppid);
	else
		say("trace written to %s (%s, pid %s)", shown(l, path), exe, pid);
	return 1;
}

/* Several traces: one heapfold_print command that reads them all into one report (its table of
 * processes, the sum of their costs); left out when it would not fit a line of a terminal's
 * scrollback (a build with hundreds of processes: the directory does, see heapfold_print(1)). */
static void say_all(const struct listing *l, const char *print)
{
	static char cmd[8192];
	char path[4096], q[8192];
	struct stat st;
	size_t n = hf_fmt(cmd, sizeof cmd, "%s", print);
	unsigned there = 0;
	for (const char *s = l->text; *s; s = next_line(s)) {
		if (!is(s, "trace") || stat(field(s, 6, path, sizeof path), &st) != 0)
			continue;
		n += hf_fmt(cmd + n, sizeof cmd - n, " %s", shell_word(shown(l, path), q, sizeof q));
		if (n + 1 >= sizeof cmd)
			return;
		there++;
	}
	if (there > 1)
		say("all of them in one report: %s", cmd);
}

static void list(struct listing *l, const char *print)
{
	char v[64], path[4096], q[8192];
	for (const char *s = l->text; *s; s = next_line(s)) {
		if (is(s, "trace")) {
			l->traces++;
			int mine = number(field(s, 1, v, sizeof v)) == main_pid &&
				   !strcmp(field(s, 4, v, sizeof v), "exec");
			if (mine || !l->main_line)
				l->main_line = s; /* the launched process's last, else the first */
		} else if (is(s, "discarded")) {
			l->discarded++;
		} else if (is(s, "untraced")) {
			char a[256], b[256];
			int known = 0, k;
			l->untraced++;
			for (k = 0; k < 3 && l->untraced_names[k]; k++)
				known |= !strcmp(field(l->untraced_names[k], 2, a, sizeof a),
						 field(s, 2, b, sizeof b));
			if (!known && k < 3)
				l->untraced_names[k] = s;
			else if (!known)
				l->more_names = 1;
		}
	}
	int main_there = 0;
	unsigned listed = 0;
	if (l->main_line)
		main_there = list_trace(l, l->main_line, 1);
	for (const char *s = l->text; *s; s = next_line(s)) {
		if (!is(s, "trace") || s == l->main_line)
			continue;
		if (++listed <= LISTED_MAX)
			list_trace(l, s, 0);
	}
	if (listed > LISTED_MAX)
		say("and %u more traces", listed - LISTED_MAX);
	if (l->untraced) {
		char a[256], b[256], c[256];
		const char *const *n = l->untraced_names;
		say("not traced: %u program%s run by forked processes (%s%s%s%s%s%s); --follow "
			"traces them", l->untraced, l->untraced > 1 ? "s" : "",
			n[0] ? field(n[0], 2, a, sizeof a) : "", n[1] ? ", " : "",
			n[1] ? field(n[1], 2, b, sizeof b) : "", n[2] ? ", " : "",
			n[2] ? field(n[2], 2, c, sizeof c) : "", l->more_names ? ", ..." : "");
	}
	if (!l->main_line && l->discarded)
		say("no trace kept: the output is /dev/null");
	else if (!l->main_line)
		say("no trace was written (the lines above say why)");
	else if (main_there)
		say("read it with: %s %s", print,
			shell_word(shown(l, field(l->main_line, 6, path, sizeof path)), q, sizeof q));
	if (l->traces > 1)
		say_all(l, print);
}

void hf_run_end(void)
{
	if (!run_path[0] || getpid() != main_pid || __atomic_exchange_n(&ended, 1, __ATOMIC_SEQ_CST))
		return;
	int err = errno;
	size_t cap;
	char *text = read_run(&cap), v[8];
	if (text) {
		static struct listing l; /* a signal handler's stack may be small */
		static char print[4096];
		memset(&l, 0, sizeof l);
		l.text = text;
		header(text, "cwd", l.cwd, sizeof l.cwd);
		header(text, "print", print, sizeof print);
		if (!print[0])
			hf_fmt(print, sizeof print, "heapfold_print");
		if (!strcmp(header(text, "report", v, sizeof v), "1") && !hf_fmt_quiet &&
		    (out_fd = open_err()) >= 0) {
			list(&l, print);
			if (out_fd != 2)
				close(out_fd);
			out_fd = -1;
		}
		if (strcmp(header(text, "keep", v, sizeof v), "1") != 0)
			unlink(run_path);
		hf_os_free(text, cap);
	}
	errno = err;
}
