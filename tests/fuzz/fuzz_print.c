/* fuzz_print.c: libFuzzer target for heapfold_print as a whole: option parsing and the pipeline
 * (read, accumulate, symbolize, report, folded stacks, SVG, histogram), through hfp_main().
 *
 * Input: ARGS "\0\0" TRACE. ARGS are the command-line arguments after the program name, separated
 * by single NUL bytes (at most FZP_MAX_ARGS); TRACE, the bytes after the first double NUL, is
 * written to the file "trace.gz" that the arguments can name. Without a double NUL the whole
 * input is ARGS and there is no trace.gz. Examples (tests/fuzz/corpus/print holds real ones):
 *     "trace.gz\0-F\0-\0--min-size\0" "1K\0\0<a trace>"
 *     "--temporary\0-o\0r.txt\0trace.gz\0\0<a trace>"
 *
 * Confinement: every run happens in a private scratch directory that is emptied after the run.
 * A '/' in an argument becomes '_', so a path argument (an output, the trace, --debug-path,
 * --sysroot) names a file of that directory, never one elsewhere; standard output goes to a
 * memfd through hfp_stdout. The directory also holds a FIFO, "fifo", for paths in the trace to
 * name (reading it must not block); "fifo" in an argument becomes "FIFO", since writing to a FIFO
 * rightly waits for a reader. Diagnostics go to stderr (make fuzz runs with -close_fd_mask=3).
 * DEBUGINFOD_URLS is unset: the symbolizer must not go to the network.
 *
 * Checks: the sanitizers; hfp_main returns an exit status of the man page (0-3) rather than
 * exiting or crashing; after a successful run, the folded stacks (-F FILE, -F -, --flamegraph)
 * pass hfp_folded_check, flamegraph.pl's grammar.
 *
 * Built by `make fuzz` as $(B)/fuzz/fuzz_print, and included by tests/unit/test_fuzz_regress.c
 * with HF_FUZZ_REPLAY defined, which replays tests/fuzz/corpus/print and tests/fuzz/regress/print
 * through hf_fuzz_print(). */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/print/core/hfp_base.h"
#include "../../tools/print/core/hfp_buf.h"
#include "../../tools/print/core/hfp_options.h"
#include "../../tools/print/core/hfp_out.h"
#include "../../tools/print/core/hfp_run.h"
#include "../../tools/print/emit/hfp_folded.h"
#include "fuzz_mutate.h"

#define FZP_MAX_ARGS 64

int hf_fuzz_print(const uint8_t *data, size_t size);

static char fzp_dir[4096]; /* the scratch directory; "" until made */
static int fzp_dir_fd = -1;

static void fzp_die(const char *what)
{
	perror(what);
	abort();
}

/* Removes every file of the scratch directory (heapfold_print creates files only). */
static void fzp_empty_dir(void)
{
	int fd = dup(fzp_dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		fzp_die("fuzz_print: opendir");
	rewinddir(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    unlinkat(fzp_dir_fd, e->d_name, 0) < 0)
			fzp_die("fuzz_print: unlinkat");
	closedir(d);
}

static void fzp_cleanup(void)
{
	if (fzp_dir_fd >= 0) {
		fzp_empty_dir();
		close(fzp_dir_fd);
		fzp_dir_fd = -1;
		rmdir(fzp_dir);
	}
}

static void fzp_init(void)
{
	if (fzp_dir_fd >= 0)
		return;
	/* libFuzzer ends with _Exit, past atexit: tests/fuzz/run.sh points TMPDIR at a directory of
	 * its own and removes it after the run. */
	const char *tmp = getenv("TMPDIR");
	snprintf(fzp_dir, sizeof fzp_dir, "%s/hf_fuzz_print.XXXXXX",
		 tmp && *tmp && strlen(tmp) < sizeof fzp_dir - 32 ? tmp : "/tmp");
	if (!mkdtemp(fzp_dir))
		fzp_die("fuzz_print: mkdtemp");
	if ((fzp_dir_fd = open(fzp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fzp_die("fuzz_print: open scratch directory");
	atexit(fzp_cleanup);
	int fd = memfd_create("hf_fuzz_print_stdout", MFD_CLOEXEC);
	if (fd < 0 || !(hfp_stdout = fdopen(fd, "w+")))
		fzp_die("fuzz_print: memfd for standard output");
	unsetenv("DEBUGINFOD_URLS");
}

static void fzp_write_file(const char *name, const uint8_t *data, size_t size)
{
	int fd = openat(fzp_dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fzp_die("fuzz_print: create trace.gz");
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			fzp_die("fuzz_print: write trace.gz");
		done += (size_t)n;
	}
	close(fd);
}

/* The whole content of a file of the scratch directory, or of standard output (name "-"). */
static char *fzp_slurp(const char *name, size_t *len)
{
	int fd = strcmp(name, "-") == 0 ? dup(fileno(hfp_stdout))
					: openat(fzp_dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct hfp_buf b = { 0 };
	char chunk[65536];
	ssize_t n;
	off_t off = 0;
	while ((n = pread(fd, chunk, sizeof chunk, off)) > 0) {
		hfp_buf_put(&b, chunk, (size_t)n);
		off += n;
	}
	close(fd);
	*len = b.len;
	return hfp_buf_take(&b);
}

/* After a successful run: folded stacks must follow flamegraph.pl's grammar, as the man page
 * promises, checked by the same checker the unit tests use. The arguments are parsed again to
 * learn where they went (getopt permuted argv the first time; the result is the same). An output
 * sharing its file with another output or with the trace is not checked: its content is a mix. */
static void fzp_check_folded(int argc, char **argv)
{
	struct hfp_options o;
	if (hfp_options_parse(&o, argc, argv) != HFP_EXIT_OK)
		fzp_die("fuzz_print: the arguments of a successful run no longer parse");
	const char *f = o.folded;
	int shared = f && strcmp(f, "-") != 0 &&
		     ((o.output && strcmp(f, o.output) == 0) || (o.svg && strcmp(f, o.svg) == 0) ||
		      (o.histogram && strcmp(f, o.histogram) == 0) || (o.trace && strcmp(f, o.trace) == 0));
	if (!f || o.help || o.version || shared) { /* (help and version stop parsing: no trace) */
		hfp_options_free(&o);
		return;
	}
	size_t len = 0, line = 0;
	char *text = fzp_slurp(f, &len);
	if (!text) {
		fprintf(stderr, "fuzz_print: the run succeeded but wrote no folded output to %s\n", f);
		abort();
	}
	const char *err = hfp_folded_check(text, len, &line);
	if (err) {
		fprintf(stderr, "fuzz_print: folded output %s, line %zu: %s\n", f, line, err);
		abort();
	}
	free(text);
	hfp_options_free(&o);
}

int hf_fuzz_print(const uint8_t *data, size_t size)
{
	fzp_init();

	/* Split the input into ARGS and TRACE. */
	size_t args_len = size;
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == 0 && data[i + 1] == 0) {
			args_len = i;
			break;
		}
	int have_trace = args_len < size;
	char *buf = malloc(args_len + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, args_len);
	buf[args_len] = 0;
	for (size_t i = 0; i < args_len; i++)
		if (buf[i] == '/')
			buf[i] = '_';
	for (char *p = buf; (p = memmem(p, args_len - (size_t)(p - buf), "fifo", 4)) != NULL; p += 4)
		memcpy(p, "FIFO", 4);

	char *argv[FZP_MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)(uintptr_t)"heapfold_print";
	for (size_t i = 0; i <= args_len && argc <= FZP_MAX_ARGS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	if (args_len == 0) /* no arguments at all, rather than one empty one */
		argc = 1;
	argv[argc] = NULL;

	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(fzp_dir_fd) < 0)
		fzp_die("fuzz_print: chdir to the scratch directory");
	if (have_trace)
		fzp_write_file("trace.gz", data + args_len + 2, size - args_len - 2);
	/* A special file for paths in the trace to name (a module, a debug file): reading one must
	 * not block (without a writer, a plain open of a FIFO waits forever). */
	if (mkfifoat(fzp_dir_fd, "fifo", 0600) < 0)
		fzp_die("fuzz_print: mkfifo");
	rewind(hfp_stdout);
	if (ftruncate(fileno(hfp_stdout), 0) < 0)
		fzp_die("fuzz_print: truncate standard output");

	int rc = hfp_main(argc, argv);
	if (rc < HFP_EXIT_OK || rc > HFP_EXIT_OUTPUT) {
		fprintf(stderr, "fuzz_print: hfp_main returned %d, not an exit status of the man page\n", rc);
		abort();
	}
	fflush(hfp_stdout);
	clearerr(hfp_stdout);
	if (rc == HFP_EXIT_OK)
		fzp_check_folded(argc, argv);

	fzp_empty_dir();
	if (fchdir(cwd) < 0)
		fzp_die("fuzz_print: chdir back");
	close(cwd);
	free(buf);
	return 0;
}

#ifndef HF_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return hf_fuzz_print(data, size);
}

/* Where TRACE starts (size if there is none). */
static size_t fzp_trace_at(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == 0 && data[i + 1] == 0)
			return i + 2;
	return size;
}

#define FZP_MAX_ARGS_BYTES 1024

/* Mutates ARGS (libFuzzer's mutator, which uses -dict=tests/fuzz/print.dict) or TRACE
 * (fuzz_mutate.h), one of them at a time. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	size_t t = fzp_trace_at(data, size);
	if (t == size || seed % 3 == 0) {
		size_t a = t == size ? size : t - 2, tail = size - a;
		if (tail > max_size)
			return LLVMFuzzerMutate(data, size, max_size);
		size_t room = max_size - tail;
		if (room > FZP_MAX_ARGS_BYTES)
			room = FZP_MAX_ARGS_BYTES;
		if (a > room)
			return LLVMFuzzerMutate(data, size, max_size);
		uint8_t *args = malloc(room ? room : 1);
		if (!args)
			return size;
		memcpy(args, data, a);
		size_t na = LLVMFuzzerMutate(args, a, room);
		memmove(data + na, data + a, tail);
		memcpy(data, args, na);
		free(args);
		return na + tail;
	}
	return t + fzm_mutate_trace(data + t, size - t, max_size - t, seed);
}

/* The ARGS of one input with the TRACE of the other, or the two traces spliced. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t n1, const uint8_t *d2, size_t n2,
				 uint8_t *out, size_t max_out, unsigned int seed)
{
	size_t t1 = fzp_trace_at(d1, n1), t2 = fzp_trace_at(d2, n2);
	if (t1 > max_out)
		return 0;
	memcpy(out, d1, t1);
	if (t1 == n1 || t2 == n2 || seed % 2) {
		size_t n = n2 - t2 < max_out - t1 ? n2 - t2 : max_out - t1;
		if (t1 == n1 && t1 + 2 <= max_out) { /* d1 had no trace: add the separator */
			out[t1] = out[t1 + 1] = 0;
			t1 += 2;
			n = n2 - t2 < max_out - t1 ? n2 - t2 : max_out - t1;
		}
		memcpy(out + t1, d2 + t2, n);
		return t1 + n;
	}
	return t1 + fzm_cross_traces(d1 + t1, n1 - t1, d2 + t2, n2 - t2, out + t1, max_out - t1, seed);
}
#endif
