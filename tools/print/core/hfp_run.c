/* hfp_run.c: the pipeline, stage by stage: open the outputs (emit/), read the trace into the
 * accumulator (accum/; twice when --temporary needs a peak), symbolize the stacks that cost
 * something (symbol/), write the outputs (emit/). It wires the stages to the trace reader and to
 * each other and owns what they share. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "heapfold_trace.h"

#include "../accum/hfp_accum.h"
#include "../accum/hfp_read.h"
#include "../emit/hfp_emit.h"
#include "../emit/hfp_folded.h"
#include "../symbol/hfp_stack.h"
#include "../symbol/hfp_symbol.h"
#include "hfp_base.h"
#include "hfp_buf.h"
#include "hfp_cost.h"
#include "hfp_limits.h"
#include "hfp_mem.h"
#include "hfp_num.h"
#include "hfp_options.h"
#include "hfp_out.h"
#include "hfp_run.h"
#include "hfp_warn.h"

#ifndef HF_VERSION_STRING
#define HF_VERSION_STRING "unknown"
#endif

struct run {
	const struct hfp_options *o;
	struct hfp_warnings w;
	struct hfp_read read;
	int progress;
	struct hfp_stacks stacks;
	struct hfp_symbolizer *sym;
	struct hfp_outputs out;
};

/* ---- adapters from the reader to the stages' callbacks -------------------------------------- */

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

static void configure(struct hfp_accum *a, const struct run *r)
{
	const struct hfp_options *o = r->o;
	a->sample_rate = hfp_read_sample_rate(hf_trace_info(r->read.t));
	a->want_series = o->massif || o->html;
	a->rng = 0x5eed;
	a->min_size = o->min_size;
	a->max_size = o->max_size;
	a->threshold = o->temporary_threshold;
	a->temporary_only = o->temporary_only;
	a->want_histogram = o->histogram || o->html;
}

/* --temporary with a peak to show: a first pass learns which allocations are temporary, so the
 * second can count them live from the moment they are made. */
static int prepass(struct run *r, uint8_t **map, size_t *bits)
{
	struct hfp_read pre;
	int rc = hfp_read_open(&pre, r->o->trace, r->progress);
	if (rc)
		return rc;
	struct hfp_accum a;
	hfp_accum_init(&a);
	configure(&a, r);
	a.classify_only = 1;
	rc = hfp_read_events(&pre, &a, " (pass 1 of 2)");
	*map = hfp_accum_take_tempmap(&a, bits);
	hfp_accum_free(&a);
	hfp_read_close(&pre);
	return rc;
}

/* An export with nothing in it says why, in one line: an empty stacks file otherwise reaches
 * flamegraph.pl, which fails with "No stack counts found". With filters, how many allocations
 * each one removed. The report shows its zeros itself. */
static void say_if_empty(const struct hfp_options *o, const struct hfp_accum *a, int exports)
{
	uint64_t total = 0;
	for (size_t i = 0; i < a->nstats && !total; i++)
		total = hfp_cost_get(&a->stats[i].c, o->cost);
	if (total || !exports)
		return;
	const char *cost = hfp_cost_names[o->cost];
	if (!hfp_options_filtered(o)) {
		fprintf(stderr, HFP_NAME ": nothing to show for cost %s: %s\n", cost,
			a->alloc_index ? "no allocation of the trace has that cost" : "the trace has no allocation");
		return;
	}
	struct hfp_buf b = { 0 };
	hfp_buf_printf(&b, "of %" PRIu64 " allocations", a->alloc_index);
	if (o->min_size || o->max_size != UINT64_MAX)
		hfp_buf_printf(&b, ", the size filter removed %" PRIu64, a->filtered_size);
	if (o->nfunctions)
		hfp_buf_printf(&b, ", --filter-bt-function removed %" PRIu64, a->filtered_function);
	if (o->temporary_only)
		hfp_buf_printf(&b, ", %" PRIu64 " were not temporary",
			       a->alloc_index - a->filtered_size - a->filtered_function - a->allocations);
	fprintf(stderr, HFP_NAME ": nothing to show for cost %s: the filters left nothing (%s)\n", cost,
		hfp_buf_str(&b));
	hfp_buf_free(&b);
}

/* ---- the pipeline --------------------------------------------------------------------------- */

/* Every module the trace names: their debug information loads while the events are read. The
 * reader decoded the meta stream in hf_trace_open, and only reads it from here on. */
static void prefetch_modules(struct run *r)
{
	size_t n = hf_trace_module_count(r->read.t);
	uint32_t *ids = hfp_reallocarray(NULL, n ? n : 1, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = hf_trace_module_at(r->read.t, i)->id;
	hfp_symbolizer_prefetch(r->sym, ids, n);
	free(ids);
}

/* hfp_emit_in.build_id: the trace's modules are few (tens), each looked up once. */
static const uint8_t *module_build_id(void *ctx, const char *path, size_t *len)
{
	const hf_trace *t = ctx;
	for (size_t i = 0, n = hf_trace_module_count(t); i < n; i++) {
		const struct hf_module *m = hf_trace_module_at(t, i);
		if (m->build_id_len && strcmp(m->path, path) == 0) {
			*len = m->build_id_len;
			return m->build_id;
		}
	}
	*len = 0;
	return NULL;
}

/* A sampled trace's figures are estimates: the report and the SVG, massif and pprof outputs say
 * so in themselves; folded stacks and the histogram have no place for it, so a line on stderr
 * says it for every output. */
static void say_estimated(const struct hfp_options *o, uint64_t rate, int capture, int exports)
{
	if (!rate || (!capture && !exports))
		return;
	fprintf(stderr, HFP_NAME ": %s is a sampled trace (about 1 allocation per %" PRIu64 " bytes "
		"recorded): %s\n", capture ? o->diff_base : o->trace, rate,
		capture ? "the base side of every difference is an estimate"
			: "every figure written is an estimate");
}

/* One trace through the pipeline. capture: the base run of --diff, which writes no output and
 * hands over its folded stacks of o->cost instead (and *capture_rate, its sampling rate); base:
 * those stacks, for the new run, and base_rate. */
static int run_trace(const struct hfp_options *o, struct hfp_folded *capture, uint64_t *capture_rate,
		     const struct hfp_folded *base, uint64_t base_rate)
{
	struct run r = { .o = o };
	r.progress = o->progress >= 0 ? o->progress : isatty(STDERR_FILENO);
	int rc = capture ? HFP_EXIT_OK : hfp_outputs_open(&r.out, o);
	if (rc) {
		hfp_outputs_discard(&r.out);
		return rc;
	}
	/* A report on the terminal shows the warnings at its top: not on stderr as well. */
	r.w.quiet = r.out.want_report && r.out.report.is_stdout && isatty(STDOUT_FILENO) &&
		    isatty(STDERR_FILENO);
	rc = hfp_read_open(&r.read, o->trace, r.progress);
	if (rc) {
		hfp_outputs_discard(&r.out);
		return rc;
	}
	if (hf_trace_info(r.read.t)->chunks == 0) {
		/* An empty report would look like a program that allocated nothing. */
		fprintf(stderr, HFP_NAME ": %s: no complete chunk: nothing was recorded (the process ended "
			"or was killed before its first write, or is still starting)\n", o->trace);
		hfp_outputs_discard(&r.out);
		hfp_read_close(&r.read);
		return HFP_EXIT_DATA;
	}
	hfp_read_warnings(&r.read, &r.w);
	uint64_t rate = hfp_read_sample_rate(hf_trace_info(r.read.t));
	if (capture_rate)
		*capture_rate = rate;
	int temporary_limit = 0;
	for (size_t i = 0; i < o->nlimits; i++)
		temporary_limit |= o->limits[i].what == HFP_LIMIT_TEMPORARY;
	if (rate && (o->temporary_only || o->cost == HFP_COST_TEMPORARY || temporary_limit)) {
		fprintf(stderr, HFP_NAME ": %s: temporary allocations are not known in a sampled trace "
			"(HEAPFOLD_SAMPLE_BYTES=%" PRIu64 "): record every allocation for them\n",
			o->trace, rate);
		hfp_outputs_discard(&r.out);
		hfp_read_close(&r.read);
		hfp_warnings_free(&r.w);
		return HFP_EXIT_USAGE;
	}

	struct hfp_modsrc ms = { trace_module, trace_symbols, r.read.t };
	r.sym = hfp_symbolizer_new(&ms, o->debug_paths, o->ndebug_paths, o->sysroot, &r.w);
	hfp_symbolizer_raw_names(r.sym, o->raw_names);
	hfp_stacks_init(&r.stacks);
	r.stacks.nodes = (struct hfp_nodesrc){ trace_node, r.read.t };
	r.stacks.resolve = hfp_symbolize;
	r.stacks.resolve_ctx = r.sym;
	r.stacks.above_main = o->above_main;
	r.stacks.show_allocator = o->show_allocator;
	r.stacks.shorten_templates = o->shorten_templates;
	r.stacks.allocfns = o->allocfns;
	r.stacks.nallocfns = o->nallocfns;
	prefetch_modules(&r);

	/* read -> accumulate, after a pre-pass when --temporary has a peak to show */
	int need_peak = r.out.want_report || o->cost == HFP_COST_PEAK || o->massif || o->html;
	for (size_t i = 0; i < o->nlimits; i++)
		need_peak |= o->limits[i].what == HFP_LIMIT_PEAK;
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
		rc = hfp_read_events(&r.read, &a, map ? " (pass 2 of 2)" : "");
	if (rc == HFP_EXIT_OK) {
		hfp_read_warnings(&r.read, &r.w);
		hfp_accum_finish(&a);
		hfp_progress_end(r.progress);
		if (!capture)
			say_if_empty(o, &a, r.out.exports);
		/* -> symbolize the stacks that cost something */
		char what[96], n1[32], n2[32];
		for (size_t i = 0; i < a.nstats; i++) {
			if (r.progress && (i & 0x3fff) == 0) {
				snprintf(what, sizeof what, "symbolizing: %s of %s stacks",
					 hfp_group_digits(i, n1, sizeof n1), hfp_group_digits(a.nstats, n2, sizeof n2));
				hfp_progress_phase(r.progress, what);
			}
			const struct hfp_costs *c = &a.stats[i].c;
			if (c->allocations || c->leaked || c->peak || c->temporary)
				hfp_stacks_add(&r.stacks, a.stats[i].node, c);
		}
		hfp_progress_phase(r.progress, "writing");
		/* -> emit */
		if (capture) {
			hfp_folded_build(&r.stacks, o->cost, capture);
			hfp_progress_end(r.progress);
			say_estimated(o, rate, 1, 0);
			goto done;
		}
		struct hfp_emit_in in = {
			.opt = o,
			.info = hf_trace_info(r.read.t),
			.acc = &a,
			.stacks = &r.stacks,
			.warnings = &r.w,
			.peak_valid = !o->temporary_only || map != NULL,
			.base = base,
			.base_sample_rate = base_rate,
			.build_id = module_build_id,
			.build_id_ctx = r.read.t,
		};
		rc = hfp_outputs_write(&r.out, &in);
		hfp_progress_end(r.progress);
		say_estimated(o, rate, 0, r.out.exports);
		if (hfp_limits_check(o->limits, o->nlimits, &a, &r.stacks, a.sample_rate != 0) && rc == HFP_EXIT_OK)
			rc = HFP_EXIT_LIMIT;
	} else {
		hfp_outputs_discard(&r.out);
	}
done:
	free(map);
	hfp_accum_free(&a);
	hfp_stacks_free(&r.stacks);
	hfp_symbolizer_free(r.sym);
	hfp_read_close(&r.read);
	hfp_warnings_free(&r.w);
	return rc;
}

int hfp_run(const struct hfp_options *o)
{
	if (!o->diff_base)
		return run_trace(o, NULL, NULL, NULL, 0);
	/* --diff: the base run first, through the same filters and cost, its stacks kept. */
	struct hfp_options ob = *o;
	ob.trace = o->diff_base;
	ob.diff_base = NULL;
	ob.nlimits = 0;
	struct hfp_folded bf = { 0 };
	uint64_t base_rate = 0;
	int rc = run_trace(&ob, &bf, &base_rate, NULL, 0);
	if (rc == HFP_EXIT_OK)
		rc = run_trace(o, NULL, NULL, &bf, base_rate);
	hfp_folded_free(&bf);
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
