/* hfp_inputs.c: the traces a run reads (see hfp_inputs.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heapfold_trace.h"
#include "hf_codec.h"

#include "hfp_base.h"
#include "hfp_inputs.h"
#include "hfp_mem.h"
#include "hfp_options.h"

static void add(struct hfp_inputs *in, char *path)
{
	in->path = hfp_reallocarray(in->path, in->n + 1, sizeof *in->path);
	in->path[in->n++] = path;
}

/* A trace starts with a chunk: a gzip member whose header the format fixes (hf_chunk.c). A pprof
 * profile or a compressed log in the same directory is gzip without it. */
static int looks_like_trace(const char *path)
{
	uint8_t b[16]; /* the member header's fixed bytes, up to the subfield's length */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, b, sizeof b);
	close(fd);
	return n == (ssize_t)sizeof b && hf_chunk_prefix_match(b, sizeof b);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int expand_dir(struct hfp_inputs *in, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, HFP_NAME ": %s: %s\n", dir, strerror(errno));
		return HFP_EXIT_DATA;
	}
	size_t first = in->n;
	size_t dlen = strlen(dir);
	const char *sep = dlen && dir[dlen - 1] == '/' ? "" : "/";
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = dlen + strlen(e->d_name) + 2;
		char *p = hfp_reallocarray(NULL, len, 1);
		snprintf(p, len, "%s%s%s", dir, sep, e->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && looks_like_trace(p))
			add(in, p);
		else
			free(p);
	}
	closedir(d);
	if (in->n == first) {
		fprintf(stderr, HFP_NAME ": %s: a directory with no heapfold trace in it\n", dir);
		return HFP_EXIT_DATA;
	}
	qsort(in->path + first, in->n - first, sizeof *in->path, by_name);
	return HFP_EXIT_OK;
}

int hfp_inputs_expand(struct hfp_inputs *in, const char *const *args, size_t n)
{
	memset(in, 0, sizeof *in);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			int rc = expand_dir(in, args[i]);
			if (rc)
				return rc;
		} else {
			add(in, hfp_strdup(args[i]));
		}
	}
	return HFP_EXIT_OK;
}

void hfp_inputs_free(struct hfp_inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->path[i]);
	free(in->path);
	memset(in, 0, sizeof *in);
}

int hfp_inputs_selected(const struct hfp_options *o, const struct hf_trace_info *info)
{
	int pid_ok = o->npids == 0, exe_ok = o->nexes == 0;
	for (size_t i = 0; i < o->npids; i++)
		pid_ok |= o->pids[i] == info->pid;
	const char *exe = info->exe ? info->exe : "";
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	for (size_t i = 0; i < o->nexes; i++)
		exe_ok |= strcmp(o->exes[i], exe) == 0 || strcmp(o->exes[i], base) == 0;
	return pid_ok && exe_ok;
}
