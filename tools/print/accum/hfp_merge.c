/* hfp_merge.c: several processes' accumulators into one (see hfp_merge.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_mem.h"
#include "hfp_merge.h"

/* The series of into (the processes so far, summed) plus from's, shifted by offset and dropping
 * to zero at end: both are step functions (a value holds until the next point), so the sum is
 * taken at every point of either (points at one time stay apart, in order, as the clock's
 * resolution makes many). The highest point survives the thinning, so the summed peak is the
 * peak of the points the processes kept. */
static void series_merge(struct hfp_series *into, const struct hfp_series *from, uint64_t offset,
			 uint64_t end)
{
	size_t na = into->n, nb = from->n ? from->n + 1 : 0; /* from's last point: (end, 0) */
	if (!nb)
		return;
	struct hfp_tpoint *m = hfp_reallocarray(NULL, na + nb, sizeof *m);
	size_t n = 0, i = 0, j = 0;
	uint64_t va = 0, vb = 0;
	while (i < na || j < nb) {
		uint64_t ta = i < na ? into->p[i].time_ns : UINT64_MAX;
		uint64_t tb = j + 1 < nb ? from->p[j].time_ns + offset : j < nb ? end : UINT64_MAX;
		uint64_t t = ta < tb ? ta : tb;
		/* A time of UINT64_MAX (a damaged trace's) is no end marker: test the indices too. */
		if (i < na && ta == t)
			va = into->p[i++].bytes;
		if (j < nb && tb == t) {
			vb = j + 1 < nb ? from->p[j].bytes : 0;
			j++;
		}
		m[n++] = (struct hfp_tpoint){ t, va + vb };
	}
	/* Offered again to a fresh series, which keeps each window's highest point, and the last
	 * one apart: where the sum ends (hfp_accum_finish does the same for one process). */
	struct hfp_series sum = { .stride = 1 };
	for (size_t k = 0; k + 1 < n; k++)
		hfp_series_add(&sum, m[k].time_ns, m[k].bytes);
	if (!sum.p)
		sum.p = hfp_calloc(HFP_SERIES_MAX + 1, sizeof *sum.p);
	sum.p[sum.n++] = m[n - 1];
	free(m);
	free(into->p);
	*into = sum;
}

/* A process that started before every one merged so far moves the common clock's zero back:
 * what was merged moves forward by as much. */
static void move_zero(struct hfp_accum *into, struct hfp_procs *procs, uint64_t start)
{
	if (procs->n == 0) {
		procs->t0 = start;
		return;
	}
	if (start >= procs->t0)
		return;
	uint64_t d = procs->t0 - start;
	procs->t0 = start;
	for (size_t i = 0; i < into->series.n; i++)
		into->series.p[i].time_ns += d;
	for (size_t i = 0; i < into->rss.n; i++)
		into->rss.p[i].time_ns += d;
	for (size_t i = 0; i < into->nmarks; i++)
		into->marks[i].time_ns += d;
	for (size_t i = 0; i < procs->n; i++)
		procs->p[i].start_ns += d;
	into->last_time_ns += d;
}

static void add_counts(struct hfp_hash *into, const struct hfp_hash *from)
{
	size_t pos = 0;
	const struct hfp_size_count *e;
	while ((e = hfp_hash_next(from, &pos)) != NULL) {
		int added;
		struct hfp_size_count *x = hfp_hash_put64(into, e->size, &added);
		if (added)
			x->count = 0;
		x->count += e->count;
	}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

void hfp_merge_add(struct hfp_accum *into, struct hfp_procs *procs, const char *path,
		   const struct hf_trace_info *info, const struct hfp_accum *from)
{
	move_zero(into, procs, info->start_realtime_ns);
	uint64_t offset = info->start_realtime_ns - procs->t0;
	uint64_t end = from->last_time_ns;
	if (info->complete && info->close.end_time_ns > end)
		end = info->close.end_time_ns;
	const char *exe = info->exe ? info->exe : "";

	procs->p = hfp_reallocarray(procs->p, procs->n + 1, sizeof *procs->p);
	procs->p[procs->n++] = (struct hfp_proc){
		.trace = hfp_strdup(path),
		.exe = hfp_strdup(exe),
		.pid = info->pid,
		.allocations = from->allocations,
		.bytes = from->bytes,
		.peak = from->peak_bytes,
		.leaked = from->live_bytes,
		.start_ns = offset,
		.complete = info->complete,
	};

	if (from->sample_rate > into->sample_rate)
		into->sample_rate = from->sample_rate;
	into->allocations += from->allocations;
	into->bytes += from->bytes;
	into->temporary += from->temporary;
	into->failed += from->failed;
	into->live_bytes += from->live_bytes;
	into->live_count += from->live_count;
	into->peak_bytes += from->peak_bytes;
	into->peak_rss += from->peak_rss;
	into->alloc_index += from->alloc_index;
	into->units += from->units;
	into->filtered_size += from->filtered_size;
	into->filtered_function += from->filtered_function;
	into->frees += from->frees;
	into->unmatched_frees += from->unmatched_frees;
	into->duplicates += from->duplicates;
	into->events += from->events;
	if (offset + end > into->last_time_ns)
		into->last_time_ns = offset + end;
	series_merge(&into->series, &from->series, offset, offset + end);
	series_merge(&into->rss, &from->rss, offset, offset + end);
	add_counts(&into->hist, &from->hist);

	into->marks = hfp_reallocarray(into->marks, into->nmarks + from->nmarks + 1, sizeof *into->marks);
	for (size_t i = 0; i < from->nmarks; i++) {
		const char *label = from->marks[i].label;
		size_t len = strlen(exe) + strlen(label) + 48;
		char *s = hfp_reallocarray(NULL, len, 1);
		snprintf(s, len, "%s %llu: %s", *exe ? base_name(exe) : "process",
			 (unsigned long long)info->pid, label);
		into->marks[into->nmarks++] = (struct hfp_mark){ offset + from->marks[i].time_ns, s };
	}
}

static int by_time(const void *x, const void *y)
{
	const struct hfp_mark *a = x, *b = y;
	return (a->time_ns > b->time_ns) - (a->time_ns < b->time_ns);
}

static int by_peak(const void *x, const void *y)
{
	const struct hfp_proc *a = x, *b = y;
	if (a->peak != b->peak)
		return a->peak < b->peak ? 1 : -1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

void hfp_merge_finish(struct hfp_accum *into, struct hfp_procs *procs)
{
	if (into->nmarks)
		qsort(into->marks, into->nmarks, sizeof *into->marks, by_time);
	if (procs->n)
		qsort(procs->p, procs->n, sizeof *procs->p, by_peak);
	uint64_t top = 0;
	into->peak_time_ns = 0;
	for (size_t i = 0; i < into->series.n; i++)
		if (into->series.p[i].bytes > top) {
			top = into->series.p[i].bytes;
			into->peak_time_ns = into->series.p[i].time_ns;
		}
	procs->together_peak = top;
	procs->together_peak_ns = into->peak_time_ns;
}

void hfp_procs_free(struct hfp_procs *procs)
{
	for (size_t i = 0; i < procs->n; i++) {
		free(procs->p[i].trace);
		free(procs->p[i].exe);
	}
	free(procs->p);
	memset(procs, 0, sizeof *procs);
}
