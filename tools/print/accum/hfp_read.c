/* hfp_read.c: the trace reader's events into the accumulator, with progress on stderr and one
 * line naming the trace when it cannot be read. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/hfp_base.h"
#include "../core/hfp_num.h"
#include "../core/hfp_warn.h"
#include "hfp_accum.h"
#include "hfp_read.h"

static const char *status_text(int rc)
{
	switch (rc) {
	case HF_TRACE_ERR_IO: return "cannot read the file";
	case HF_TRACE_ERR_NOT_TRACE: return "not a heapfold trace";
	case HF_TRACE_ERR_VERSION: return "unsupported trace version";
	case HF_TRACE_ERR_CORRUPT: return "corrupt trace";
	case HF_TRACE_ERR_NOMEM: return "out of memory";
	default: return "cannot read the trace";
	}
}

static int trace_failed(const char *path, const hf_trace *t, int rc)
{
	const char *msg = t ? hf_trace_error(t) : "";
	if (!*msg)
		msg = status_text(rc);
	if (strstr(msg, path)) /* the reader named the file already */
		fprintf(stderr, HFP_NAME ": %s\n", msg);
	else
		fprintf(stderr, HFP_NAME ": %s: %s\n", path, msg);
	return HFP_EXIT_DATA;
}

int hfp_read_open(struct hfp_read *r, const char *path, int progress)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->progress = progress;
	int rc = hf_trace_open(path, &r->t);
	if (rc < 0) {
		rc = trace_failed(path, r->t, rc);
		hf_trace_close(r->t);
		r->t = NULL;
		return rc;
	}
	return HFP_EXIT_OK;
}

void hfp_read_warnings(struct hfp_read *r, struct hfp_warnings *w)
{
	const char *m;
	while ((m = hf_trace_warning(r->t, r->warnings_seen)) != NULL) {
		hfp_warn(w, "%s: %s", r->path, m);
		r->warnings_seen++;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "reading: N events (P%), R events/s". The percentage counts what the clean-exit record
 * totals count: allocations and frees, the free of an allocation freed at once included. */
void hfp_read_show(uint64_t events, uint64_t done, const struct hf_trace_info *info, const char *pass,
		   double secs)
{
	char n[32], rate[32];
	fprintf(stderr, "\r\033[K" HFP_NAME ": reading%s: %s events", pass,
		hfp_group_digits(events, n, sizeof n));
	if (info->complete) {
		uint64_t total = info->close.allocations + info->close.frees;
		if (total && done <= total)
			fprintf(stderr, " (%d%%)", (int)(done * 100 / total));
	}
	if (secs > 0)
		fprintf(stderr, ", %s events/s",
			hfp_group_digits((uint64_t)((double)events / secs), rate, sizeof rate));
	fflush(stderr);
}

uint64_t hfp_read_done(const struct hfp_accum *a)
{
	return a->alloc_index + a->units + a->frees + a->unmatched_frees;
}

static void show_progress(const struct hfp_accum *a, const struct hf_trace_info *info, const char *pass,
			  double secs)
{
	hfp_read_show(a->events, hfp_read_done(a), info, pass, secs);
}

double hfp_read_clock(void)
{
	return now_s();
}

struct read_pass {
	struct hfp_accum *a;
	const struct hf_trace_info *info;
	const char *pass;
	double start, next;
};

/* One event into the accumulator, and progress every 64K events (only when progress is on:
 * otherwise the reader hands its events to the accumulator directly). */
static int read_one(void *ctx, const struct hf_event *ev)
{
	struct read_pass *p = ctx;
	hfp_accum_event(p->a, ev);
	/* A clock read every 64K events costs nothing measurable. */
	if ((p->a->events & 0xffff) == 0 && now_s() >= p->next) {
		show_progress(p->a, p->info, p->pass, now_s() - p->start);
		p->next = now_s() + 0.25;
	}
	return 0;
}

int hfp_read_events(struct hfp_read *r, struct hfp_accum *a, const char *pass)
{
	struct read_pass p = { a, hf_trace_info(r->t), pass, 0, 0 };
	if (r->progress) {
		p.start = now_s();
		p.next = p.start + 0.25;
	}
	int rc = r->progress ? hf_trace_each(r->t, read_one, &p) : hf_trace_each(r->t, hfp_accum_take, a);
	if (r->progress && rc >= 0) /* the last state, 100% for a complete trace; the next phase
				     * overwrites it, hfp_progress_end clears it */
		show_progress(a, p.info, pass, now_s() - p.start);
	if (rc < 0)
		return trace_failed(r->path, r->t, rc);
	return HFP_EXIT_OK;
}

void hfp_read_close(struct hfp_read *r)
{
	hf_trace_close(r->t);
	r->t = NULL;
}

void hfp_progress_phase(int on, const char *what)
{
	if (!on)
		return;
	fprintf(stderr, "\r\033[K" HFP_NAME ": %s", what);
	fflush(stderr);
}

void hfp_progress_end(int on)
{
	if (!on)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

uint64_t hfp_read_sample_rate(const struct hf_trace_info *info)
{
	return info->sample_bytes; /* the reader also finds it in older traces' options */
}
