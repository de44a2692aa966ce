/* hfp_run.c: the pipeline: open outputs, read the trace (twice when --temporary needs a peak),
 * accumulate, symbolize, emit. The only file that talks to the trace reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hfp.h"

#ifndef HF_VERSION_STRING
#define HF_VERSION_STRING "unknown"
#endif

struct run {
	const struct hfp_options *o;
	struct hfp_warnings w;
	hf_trace *t;
	size_t warnings_seen;
	int progress;
	struct hfp_stacks stacks;
	struct hfp_symbolizer *sym;
	struct hfp_out report, folded, svg, hist;
	int want_report;
};

/* ---- adapters from the reader to the pipeline's callbacks ----------------------------------- */

static const struct hf_node *trace_node(void *ctx, uint32_t id)
{
	return hf_trace_node(ctx, id);
}

static const struct hf_module *trace_module(void *ctx, uint32_t id)
{
	return hf_trace_module(ctx, id);
}

static const struct hf_symbol *trace_symbols(void *ctx, uint32_t id, size_t *n)
{
	return hf_trace_symbols(ctx, id, n);
}

static int keep_stack(void *ctx, uint32_t node)
{
	struct run *r = ctx;
	return hfp_stacks_has_function(&r->stacks, node, r->o->functions, r->o->nfunctions);
}

/* ---- reading -------------------------------------------------------------------------------- */

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

static void take_warnings(struct run *r)
{
	const char *m;
	while ((m = hf_trace_warning(r->t, r->warnings_seen)) != NULL) {
		hfp_warn(&r->w, "%s: %s", r->o->trace, m);
		r->warnings_seen++;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(const struct hfp_accum *a, const struct hf_trace_info *info, const char *pass)
{
	char n[32];
	fprintf(stderr, "\r" HFP_NAME ": reading%s: %s events", pass, hfp_group_digits(a->events, n, sizeof n));
	if (info->complete) {
		uint64_t total = info->close.allocations + info->close.frees;
		uint64_t done = a->alloc_index + a->frees + a->unmatched_frees;
		if (total && done <= total)
			fprintf(stderr, " (%d%%)", (int)(done * 100 / total));
	}
	fflush(stderr);
}

/* Feeds every event of an opened trace to a. Returns HFP_EXIT_OK or HFP_EXIT_DATA. */
static int read_all(struct run *r, hf_trace *t, struct hfp_accum *a, const char *pass)
{
	const struct hf_trace_info *info = hf_trace_info(t);
	struct hf_event ev;
	int rc;
	double next = r->progress ? now_s() + 0.25 : 0;
	while ((rc = hf_trace_next(t, &ev)) == HF_TRACE_OK) {
		hfp_accum_event(a, &ev);
		/* A clock read every 64K events costs nothing measurable. */
		if (r->progress && (a->events & 0xffff) == 0 && now_s() >= next) {
			show_progress(a, info, pass);
			next = now_s() + 0.25;
		}
	}
	if (r->progress)
		fputs("\r\033[K", stderr);
	if (rc < 0)
		return trace_failed(r->o->trace, t, rc);
	return HFP_EXIT_OK;
}

static void configure(struct hfp_accum *a, const struct run *r)
{
	const struct hfp_options *o = r->o;
	a->min_size = o->min_size;
	a->max_size = o->max_size;
	a->threshold = o->temporary_threshold;
	a->temporary_only = o->temporary_only;
	a->want_histogram = o->histogram != NULL;
}

/* --temporary with a peak to show: a first pass learns which allocations are temporary, so the
 * second can count them live from the moment they are made. */
static int prepass(struct run *r, uint8_t **map, size_t *bits)
{
	hf_trace *t = NULL;
	int rc = hf_trace_open(r->o->trace, &t);
	if (rc < 0) {
		rc = trace_failed(r->o->trace, t, rc);
		hf_trace_close(t);
		return rc;
	}
	struct hfp_accum a;
	hfp_accum_init(&a);
	configure(&a, r);
	a.classify_only = 1;
	rc = read_all(r, t, &a, " (pass 1 of 2)");
	*map = hfp_accum_take_tempmap(&a, bits);
	hfp_accum_free(&a);
	hf_trace_close(t);
	return rc;
}

/* ---- outputs -------------------------------------------------------------------------------- */

static int open_outputs(struct run *r)
{
	const struct hfp_options *o = r->o;
	int machine_on_stdout = (o->folded && strcmp(o->folded, "-") == 0) ||
				(o->svg && strcmp(o->svg, "-") == 0) ||
				(o->histogram && strcmp(o->histogram, "-") == 0);
	/* The report shares standard output with nothing: it moves to -o or is left out. */
	r->want_report = o->output || !machine_on_stdout;
	int rc = HFP_EXIT_OK;
	if (r->want_report)
		rc = hfp_out_open(&r->report, o->output);
	if (!rc && o->folded)
		rc = hfp_out_open(&r->folded, o->folded);
	if (!rc && o->svg)
		rc = hfp_out_open(&r->svg, o->svg);
	if (!rc && o->histogram)
		rc = hfp_out_open(&r->hist, o->histogram);
	return rc;
}

static void discard_outputs(struct run *r)
{
	hfp_out_discard(&r->report);
	hfp_out_discard(&r->folded);
	hfp_out_discard(&r->svg);
	hfp_out_discard(&r->hist);
}

/* Closes an output that an emitter wrote (write_failed: the emitter saw an error). */
static int close_output(struct hfp_out *out, int write_failed)
{
	int err = errno;
	const char *name = out->name;
	int rc = hfp_out_close(out);
	if (write_failed && rc == HFP_EXIT_OK) { /* the error did not stick to the stream */
		fprintf(stderr, HFP_NAME ": write error on %s: %s\n", name, strerror(err ? err : EIO));
		rc = HFP_EXIT_OUTPUT;
	}
	return rc;
}

static int emit(struct run *r, const struct hfp_accum *a, int peak_valid)
{
	const struct hfp_options *o = r->o;
	int worst = HFP_EXIT_OK, rc;
	if (o->folded || o->svg) {
		struct hfp_folded fo;
		hfp_folded_build(&r->stacks, o->cost, &fo);
		if (o->folded && (rc = close_output(&r->folded, hfp_folded_write(r->folded.f, &fo) < 0)))
			worst = rc;
		char filters[1024];
		hfp_options_describe_filters(o, filters, sizeof filters);
		if (o->svg && (rc = close_output(&r->svg, hfp_svg_write(r->svg.f, &fo, o->cost, filters) < 0)))
			worst = rc;
		hfp_folded_free(&fo);
	}
	if (o->histogram && (rc = close_output(&r->hist, hfp_histogram_write(r->hist.f, a) < 0)))
		worst = rc;
	if (r->want_report) {
		struct hfp_report_in in = { o, hf_trace_info(r->t), a, &r->stacks, &r->w, peak_valid };
		if ((rc = close_output(&r->report, hfp_report_write(r->report.f, &in) < 0)))
			worst = rc;
	}
	return worst;
}

/* ---- the pipeline --------------------------------------------------------------------------- */

/* Every module the trace names: their debug information loads while the events are read. The
 * reader decoded the meta stream in hf_trace_open, and only reads it from here on. */
static void prefetch_modules(struct run *r)
{
	size_t n = hf_trace_module_count(r->t);
	uint32_t *ids = hfp_reallocarray(NULL, n ? n : 1, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = hf_trace_module_at(r->t, i)->id;
	hfp_symbolizer_prefetch(r->sym, ids, n);
	free(ids);
}

int hfp_run(const struct hfp_options *o)
{
	struct run r = { .o = o };
	r.progress = o->progress >= 0 ? o->progress : isatty(STDERR_FILENO);
	int rc = open_outputs(&r);
	if (rc) {
		discard_outputs(&r);
		return rc;
	}
	rc = hf_trace_open(o->trace, &r.t);
	if (rc < 0) {
		rc = trace_failed(o->trace, r.t, rc);
		hf_trace_close(r.t);
		discard_outputs(&r);
		return rc;
	}
	take_warnings(&r);

	struct hfp_modsrc ms = { trace_module, trace_symbols, r.t };
	r.sym = hfp_symbolizer_new(&ms, o->debug_paths, o->ndebug_paths, o->sysroot, &r.w);
	hfp_stacks_init(&r.stacks);
	r.stacks.nodes = (struct hfp_nodesrc){ trace_node, r.t };
	r.stacks.resolve = hfp_symbolize;
	r.stacks.resolve_ctx = r.sym;
	r.stacks.above_main = o->above_main;
	r.stacks.show_allocator = o->show_allocator;
	prefetch_modules(&r);

	int need_peak = r.want_report || o->cost == HFP_COST_PEAK;
	uint8_t *map = NULL;
	size_t bits = 0;
	if (o->temporary_only && need_peak)
		rc = prepass(&r, &map, &bits);

	struct hfp_accum a;
	hfp_accum_init(&a);
	configure(&a, &r);
	a.tempmap = map;
	a.tempmap_bits = bits;
	if (o->nfunctions) {
		a.keep = keep_stack;
		a.keep_ctx = &r;
	}
	if (rc == HFP_EXIT_OK)
		rc = read_all(&r, r.t, &a, map ? " (pass 2 of 2)" : "");
	if (rc == HFP_EXIT_OK) {
		take_warnings(&r);
		hfp_accum_finish(&a);
		for (size_t i = 0; i < a.nstats; i++) {
			const struct hfp_costs *c = &a.stats[i].c;
			if (c->allocations || c->leaked || c->peak || c->temporary)
				hfp_stacks_add(&r.stacks, a.stats[i].node, c);
		}
		rc = emit(&r, &a, !o->temporary_only || map != NULL);
	} else {
		discard_outputs(&r);
	}
	free(map);
	hfp_accum_free(&a);
	hfp_stacks_free(&r.stacks);
	hfp_symbolizer_free(r.sym);
	hf_trace_close(r.t);
	hfp_warnings_free(&r.w);
	return rc;
}

/* ---- the tool ------------------------------------------------------------------------------- */

int hfp_main(int argc, char **argv)
{
	struct hfp_options o;
	int rc = hfp_options_parse(&o, argc, argv);
	if (rc == HFP_EXIT_OK && (o.help || o.version)) {
		struct hfp_out out;
		hfp_out_open(&out, NULL);
		if (o.help)
			hfp_usage(out.f);
		else
			fputs(HFP_NAME " " HF_VERSION_STRING "\n", out.f);
		rc = hfp_out_close(&out);
	} else if (rc == HFP_EXIT_OK) {
		rc = hfp_run(&o);
	}
	hfp_options_free(&o);
	return rc;
}
