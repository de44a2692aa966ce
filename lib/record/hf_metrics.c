/* hf_metrics.c: the live heap statistics in Prometheus's text exposition format, for a service
 * that serves /metrics itself (hf_metrics_format) or for node_exporter's textfile collector
 * (HEAPFOLD_METRICS=FILE: the file is rewritten every HEAPFOLD_METRICS_INTERVAL, 15 s by
 * default, and at exit).
 *
 * The numbers are hf_stats' (hf_stats.c), exact whatever is recorded: the file is written by a
 * thread of its own, which runs whether a trace is recorded or not, so a service can export
 * metrics with no trace at all. Each write goes to FILE.tmp.PID, then rename(2) replaces FILE:
 * a scraper never reads half a file. Only the process that started the thread writes FILE (a
 * forked child has no such thread, and its exit must not overwrite its parent's numbers). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heapfold.h"
#include "hf_base.h"
#include "hf_bg.h"
#include "hf_metrics.h"
#include "hf_modules.h"
#include "hf_stats.h"

#define HF_API HF_EXPORT

static struct {
	char path[4096], tmp[4200];
	uint64_t interval_ns;
	pid_t owner;
	int on;
} m;

/* A label value: backslash, double quote and newline escaped (the exposition format's rule). */
static size_t label(char *out, size_t cap, const char *s)
{
	size_t k = 0;
	for (; *s && k + 3 < cap; s++) {
		if (*s == '\\' || *s == '"')
			out[k++] = '\\', out[k++] = *s;
		else if (*s == '\n')
			out[k++] = '\\', out[k++] = 'n';
		else
			out[k++] = *s;
	}
	out[k] = 0;
	return k;
}

struct metric {
	const char *name, *type, *help;
};

static const struct metric metrics[] = {
	{ "heapfold_heap_bytes", "gauge", "Bytes in live heap blocks now (usable sizes)." },
	{ "heapfold_heap_peak_bytes", "gauge", "Highest heapfold_heap_bytes since the process started." },
	{ "heapfold_heap_blocks", "gauge", "Live heap blocks now." },
	{ "heapfold_allocations_total", "counter", "Allocation calls that returned memory." },
	{ "heapfold_frees_total", "counter", "Blocks freed." },
	{ "heapfold_allocated_bytes_total", "counter", "Bytes asked for by allocation calls." },
};

HF_API int hf_metrics_format(char *buf, size_t len)
{
	if (!buf && len)
		return HF_EINVAL;
	hf_stats_t s = { .size = sizeof s };
	hf_stats_read(&s);
	const char *exe = hf_exe_path(), *slash = strrchr(exe, '/');
	char name[512];
	label(name, sizeof name, slash ? slash + 1 : exe);
	uint64_t v[] = { s.current_bytes, s.peak_bytes, s.current_blocks,
			 s.total_allocs,  s.total_frees, s.total_bytes };
	char text[8192];
	size_t n = 0;
	for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++) {
		if (i == 1 && s.peak_bytes == HF_STATS_NO_PEAK)
			continue; /* the peak is not tracked in this process */
		n += hf_fmt(text + n, sizeof text - n, "# HELP %s %s\n# TYPE %s %s\n%s{exe=\"%s\",pid=\"%d\"} %llu\n",
			    metrics[i].name, metrics[i].help, metrics[i].name, metrics[i].type,
			    metrics[i].name, name, (int)getpid(), (unsigned long long)v[i]);
	}
	if (len) {
		size_t c = n < len ? n : len - 1;
		memcpy(buf, text, c);
		buf[c] = 0;
	}
	return (int)n;
}

/* Writes FILE through FILE.tmp.PID and rename. One write at a time: the thread's periodic write
 * and the exit's share the temporary name, and the second rename would find it gone. */
static void write_file(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	char text[8192];
	int n = hf_metrics_format(text, sizeof text);
	if (n < 0 || (size_t)n >= sizeof text)
		return;
	pthread_mutex_lock(&lock);
	int fd = open(m.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		hf_warn("cannot write metrics %s: %s", m.tmp, strerror(errno));
	} else {
		int err = hf_os_write_all(fd, text, (size_t)n);
		if (close(fd) != 0 && !err)
			err = errno;
		if (err || rename(m.tmp, m.path) != 0) {
			hf_warn("cannot write metrics %s: %s", m.path, strerror(err ? err : errno));
			unlink(m.tmp);
		}
	}
	pthread_mutex_unlock(&lock);
}

void hf_metrics_start(void)
{
	const char *path = hf_opt_str(HF_OPT_METRICS);
	if (!*path)
		return;
	hf_fmt(m.path, sizeof m.path, "%s", path);
	hf_fmt(m.tmp, sizeof m.tmp, "%s.tmp.%d", path, (int)getpid());
	m.interval_ns = (uint64_t)hf_opt(HF_OPT_METRICS_INTERVAL) * 1000000u;
	m.owner = getpid();
	int rc = hf_bg_every(m.interval_ns, write_file);
	if (rc != 0)
		hf_warn("cannot start the metrics thread: %s; metrics written at exit only", strerror(rc));
	m.on = 1;
	write_file(); /* at once: a scraper finds the file from the start */
}

void hf_metrics_exit(void)
{
	if (m.on && getpid() == m.owner)
		write_file();
}
