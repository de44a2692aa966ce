/* Prometheus metrics (tests/integration/rec_metrics.sh), preloaded and in every link mode.
 * Checks itself and prints "gt_metrics: ok", then "exit_blocks=B exit_bytes=U exit_peak=P
 * start_bytes=S" (the live blocks and usable bytes it leaves at exit, from hf_stats' start values
 * plus its own 7 blocks, the heap's peak, and the usable bytes live when main started):
 * - hf_metrics_format's text holds this program's live blocks and bytes exactly, the snprintf
 *   contract holds (a NULL buffer gives the length; a short one is cut and terminated);
 * - the peak is exact: the 20 blocks kept and one more of 1,000 bytes, above whatever was live
 *   at start (or the peak before main, if higher);
 * - with HEAPFOLD_METRICS=FILE and HEAPFOLD_METRICS_INTERVAL=100ms (the test sets them), the
 *   file rewritten by the metrics thread while the program holds 20 blocks says so.
 * Its blocks are of 104 bytes, a size glibc's and musl's allocators both give exactly
 * (malloc_usable_size 104), so the bytes the trace says leaked (sizes asked for) and the
 * metric's live bytes (usable sizes) must agree to the byte. */
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "gt.h"
#define HF_WEAK /* preloaded, or linked */
#include "heapfold.h"

static void put_u(char *buf, size_t cap, const char *name, uint64_t v)
{
	char d[24], *q = d + sizeof d;
	*--q = 0;
	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	size_t n = strlen(buf);
	GT_CHECK(n + strlen(name) + strlen(q) + 2 < cap);
	strcat(buf, name);
	strcat(buf, q);
}

/* "NAME{exe="gt_metrics",pid="PID"} VALUE" is a line of text */
static int has_line(const char *text, const char *name, uint64_t value)
{
	char want[256] = "\n";
	strcat(want, name);
	strcat(want, "{exe=\"gt_metrics\",");
	put_u(want, sizeof want, "pid=\"", (uint64_t)getpid());
	put_u(want, sizeof want, "\"} ", value);
	strcat(want, "\n");
	return strstr(text, want) != NULL;
}

int main(void)
{
	hf_stats_t s0 = { .size = sizeof s0 };
	GT_CHECK(hf_stats(&s0) == HF_OK);
	void *kept[20];
	uint64_t usable = 0, usable7 = 0;
	for (int i = 0; i < 20; i++) {
		GT_CHECK((kept[i] = malloc(104)) != NULL);
		usable += malloc_usable_size(kept[i]);
		if (i < 7)
			usable7 += malloc_usable_size(kept[i]);
	}
	uint64_t u1000 = 0;
	for (int i = 0; i < 30; i++) {
		void *p = malloc(1000);
		GT_CHECK(p);
		u1000 = malloc_usable_size(p);
		gt_keep(p);
		free(p);
	}
	hf_stats_t s1 = { .size = sizeof s1 };
	GT_CHECK(hf_stats(&s1) == HF_OK);
	uint64_t peak = s0.current_bytes + usable + u1000;
	if (s0.peak_bytes > peak)
		peak = s0.peak_bytes;
	GT_CHECK(s1.peak_bytes == HF_STATS_NO_PEAK || s1.peak_bytes == peak);
	char text[8192];
	int n = hf_metrics_format(text, sizeof text);
	GT_CHECK(n > 0 && (size_t)n < sizeof text && strlen(text) == (size_t)n);
	GT_CHECK(has_line(text, "heapfold_heap_blocks", s0.current_blocks + 20));
	GT_CHECK(has_line(text, "heapfold_heap_bytes", s0.current_bytes + usable));
	GT_CHECK(has_line(text, "heapfold_allocations_total", s0.total_allocs + 50));
	GT_CHECK(has_line(text, "heapfold_frees_total", s0.total_frees + 30));
	GT_CHECK(strstr(text, "# TYPE heapfold_frees_total counter\n") != NULL);
	GT_CHECK(hf_metrics_format(NULL, 0) == n);
	char small[10];
	GT_CHECK(hf_metrics_format(small, sizeof small) == n && strlen(small) == 9);
	GT_CHECK(hf_metrics_format(NULL, 1) == HF_EINVAL);

	/* The file the metrics thread rewrites every 100 ms. */
	const char *path = getenv("GT_METRICS_FILE");
	if (path) {
		struct timespec d = { 0, 350 * 1000 * 1000 };
		while (nanosleep(&d, &d) != 0)
			;
		int fd = open(path, O_RDONLY);
		GT_CHECK(fd >= 0);
		ssize_t r = read(fd, text, sizeof text - 1);
		GT_CHECK(r > 0);
		text[r] = 0;
		close(fd);
		GT_CHECK(has_line(text, "heapfold_heap_blocks", s0.current_blocks + 20));
	}
	for (int i = 7; i < 20; i++)
		free(kept[i]);
	char out[160] = "gt_metrics: ok\n";
	put_u(out, sizeof out, "exit_blocks=", s0.current_blocks + 7);
	put_u(out, sizeof out, " exit_bytes=", s0.current_bytes + usable7);
	put_u(out, sizeof out, " exit_peak=", s1.peak_bytes);
	put_u(out, sizeof out, " start_bytes=", s0.current_bytes);
	strcat(out, "\n");
	gt_say(out);
	return 0;
}
