/* hfp_run.c: the pipeline, stage by stage: open the outputs (emit/), read each trace into an
 * accumulator (accum/; twice when --temporary needs a peak), symbolize the stacks that cost
 * something into the one stack layer (symbol/), add the processes together when there are
 * several (accum/hfp_merge.c), write the outputs (emit/). It wires the stages to the trace reader
 * and to each other and owns what they share. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapfold_trace.h"

#include "../accum/hfp_accum.h"
#include "../accum/hfp_merge.h"
#include "../accum/hfp_read.h"
#include "../accum/hfp_split.h"
#include "../emit/hfp_emit.h"
#include "../emit/hfp_folded.h"
#include "../symbol/hfp_preorder.h"
#include "../symbol/hfp_stack.h"
#include "../symbol/hfp_symbol.h"
#include "hfp_base.h"
#include "hfp_buf.h"
#include "hfp_cost.h"
#include "hfp_inputs.h"
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

/* A module's build-id, kept after its trace is closed (--pprof's mappings). */
struct build_id {
	char *path;
	uint8_t *id;
	size_t len;
};

/* One trace being read: its reader, symbolizer and accumulator. */
struct one {
	const char *path;
	struct hfp_read read;
	struct hfp_symbolizer *sym;
	struct hfp_accum a;
	uint8_t *map; /* its --temporary pre-pass */
	size_t bits;
	int events_read;
};

struct run {
	const struct hfp_options *o;
	struct hfp_warnings w;
	int progress;
	int tree_order; /* drain the stacks in a depth-first order of the stack tree (read_one) */
	struct hfp_stacks stacks;
	struct hfp_outputs out;
	struct hfp_inputs in;
	struct build_id *ids;
	size_t nids;
	/* The first trace read stays open: when it is the only one, the outputs describe it as
	 * before; a second one folds it into total. */
	struct one first;
	size_t used; /* traces read (not left out by --pid/--exe or for being empty) */
	struct hfp_accum total;
	struct hfp_procs procs;
};

enum { SKIPPED = -1 }; /* a trace left out; not an exit status */

/* ---- adapters from the reader to the stages' callbacks -------------------------------------- */

static struct hf_node trace_node(void *ctx, uint32_t id)
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

/* hfp_emit_in.build_id: modules are few (tens per trace), each looked up once. */
static const uint8_t *module_build_id(void *ctx, const char *path, size_t *len)
{
	const struct run *r = ctx;
	for (size_t i = 0; i < r->nids; i++)
		if (strcmp(r->ids[i].path, path) == 0) {
			*len = r->ids[i].len;
			return r->ids[i].id;
		}
	*len = 0;
	return NULL;
}

static void keep_build_ids(struct run *r, const hf_trace *t)
{
	for (size_t i = 0, n = hf_trace_module_count(t); i < n; i++) {
		const struct hf_module *m = hf_trace_module_at(t, i);
		size_t len;
		if (!m->build_id_len || module_build_id(r, m->path, &len))
			continue;
		r->ids = hfp_reallocarray(r->ids, r->nids + 1, sizeof *r->ids);
		struct build_id *b = &r->ids[r->nids++];
		b->path = hfp_strdup(m->path);
		b->len = m->build_id_len;
		b->id = hfp_reallocarray(NULL, b->len, 1);
		memcpy(b->id, m->build_id, b->len);
	}
}

/* ---- reading -------------------------------------------------------------------------------- */

/* series: keep the heap over time (-M and --html draw it; several traces sum it). */
static void configure(struct hfp_accum *a, const struct hfp_options *o, uint64_t rate, int series)
{
	a->sample_rate = rate;
	a->want_series = series;
	a->rng = 0x5eed;
	a->min_size = o->min_size;
	a->max_size = o->max_size;
	a->threshold = o->temporary_threshold;
	a->temporary_only = o->temporary_only;
	a->want_histogram = o->histogram || o->html;
}

/* --temporary with a peak to show: a first pass learns which allocations are temporary, so the
 * second can count them live from the moment they are made. */
static int prepass(struct run *r, struct one *x)
{
	struct hfp_read pre;
	int rc = hfp_read_open(&pre, x->path, r->progress);
	if (rc)
		return rc;
	struct hfp_accum a;
	hfp_accum_init(&a);
	configure(&a, r->o, hfp_read_sample_rate(hf_trace_info(pre.t)), 0);
	a.classify_only = 1;
	rc = hfp_read_events(&pre, &a, " (pass 1 of 2)");
	x->map = hfp_accum_take_tempmap(&a, &x->bits);
	hfp_accum_free(&a);
	hfp_read_close(&pre);
	return rc;
}

static void close_one(struct one *x)
{
	if (x->events_read)
		hfp_accum_free(&x->a);
	free(x->map);
	hfp_symbolizer_free(x->sym);
	hfp_read_close(&x->read);
	memset(x, 0, sizeof *x);
}

/* Opens the trace at path: SKIPPED when --pid/--exe leave it out, or when it holds nothing and is
 * one of several (a warning says so); else HFP_EXIT_OK or an exit status after one line. */
static int open_one(struct run *r, const char *path, struct one *x)
{
	const struct hfp_options *o = r->o;
	memset(x, 0, sizeof *x);
	x->path = path;
	int rc = hfp_read_open(&x->read, path, r->progress);
	if (rc)
		return rc;
	const struct hf_trace_info *info = hf_trace_info(x->read.t);
	if (!hfp_inputs_selected(o, info)) {
		hfp_read_close(&x->read);
		return SKIPPED;
	}
	if (info->chunks == 0) {
		/* An empty report would look like a program that allocated nothing. */
		if (r->in.n > 1) {
			hfp_warn(&r->w, "%s: no complete chunk: nothing was recorded (the process ended or was "
				 "killed before its first write); left out", path);
			hfp_read_close(&x->read);
			return SKIPPED;
		}
		fprintf(stderr, HFP_NAME ": %s: no complete chunk: nothing was recorded (the process ended "
			"or was killed before its first write, or is still starting)\n", path);
		hfp_read_close(&x->read);
		return HFP_EXIT_DATA;
	}
	hfp_read_warnings(&x->read, &r->w);
	uint64_t rate = hfp_read_sample_rate(info);
	int temporary_limit = 0;
	for (size_t i = 0; i < o->nlimits; i++)
		temporary_limit |= o->limits[i].what == HFP_LIMIT_TEMPORARY;
	if (rate && (o->temporary_only || o->cost == HFP_COST_TEMPORARY || temporary_limit)) {
		fprintf(stderr, HFP_NAME ": %s: temporary allocations are not known in a sampled trace "
			"(HEAPFOLD_SAMPLE_BYTES=%" PRIu64 "): record every allocation for them\n", path, rate);
		hfp_read_close(&x->read);
		return HFP_EXIT_USAGE;
	}
	keep_build_ids(r, x->read.t);
	return HFP_EXIT_OK;
}

/* Every module the trace names: their debug information loads, and the stack nodes' addresses
 * are symbolized, while the events are read. The reader decoded the meta stream in
 * hf_trace_open, and only reads it from here on. */
static void prefetch_modules(struct one *x)
{
	size_t n = hf_trace_module_count(x->read.t);
	uint32_t *ids = hfp_reallocarray(NULL, n ? n : 1, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = hf_trace_module_at(x->read.t, i)->id;
	struct hfp_nodesrc nodes = { trace_node, x->read.t, (uint32_t)hf_trace_node_count(x->read.t),
				     hf_trace_nodes(x->read.t) };
	hfp_symbolizer_prefetch(x->sym, ids, n, &nodes);
	free(ids);
}

/* The outputs that need the peak (and so, with --temporary, a pre-pass). */
static int need_peak(const struct run *r)
{
	const struct hfp_options *o = r->o;
	int need = r->out.want_report || o->cost == HFP_COST_PEAK || o->massif || o->html;
	for (size_t i = 0; i < o->nlimits; i++)
		need |= o->limits[i].what == HFP_LIMIT_PEAK;
	return need;
}

/* The accumulator of x's events, empty, configured for the run. */
static void setup_accum(struct run *r, struct one *x, struct hfp_accum *a)
{
	const struct hfp_options *o = r->o;
	hfp_accum_init(a);
	configure(a, o, hfp_read_sample_rate(hf_trace_info(x->read.t)), o->massif || o->html || r->in.n > 1);
	a->tempmap = x->map;
	a->tempmap_bits = x->bits;
	a->node_ids = hf_trace_node_count(x->read.t) + 1; /* ids 1 .. count */
	if (o->nfunctions) {
		a->keep = keep_stack;
		a->keep_ctx = r;
	}
}

/* Nodes above which a trace is read as one: each part's accumulator has a table as long as
 * the trace's nodes (4 bytes each), and a million distinct stacks' analysis is held to its
 * memory (docs/performance.md). Events below which it is read as one too: a second reader and
 * thread cost a few milliseconds, and while the symbolizer's thread has the second core (its
 * first 30 to 40 ms with glibc's debug file) a part there would wait for it. On make bench's
 * seed trace (4 million events, about 40 ms to read) two parts took 1.15 times as long; on one
 * of 200 million, half. */
#define SPLIT_NODES_MAX (1u << 20)
#define SPLIT_EVENTS_MIN (8u << 20)

/* Whether x's events can be read in two parts at once (hfp_split.c): what is asked is only each
 * stack's allocations or bytes, as folded stacks of one trace, unfiltered by function and
 * unsampled (a sampled trace's counts draw random numbers in the events' order). */
static int can_split(const struct run *r, const struct one *x)
{
	const struct hfp_options *o = r->o;
	const struct hf_trace_info *info = hf_trace_info(x->read.t);
	return r->tree_order && o->folded && !o->svg && r->in.n == 1 && !o->temporary_only &&
	       !o->nfunctions && (o->cost == HFP_COST_ALLOCATIONS || o->cost == HFP_COST_BYTES) &&
	       !hfp_read_sample_rate(info) && info->streams >= 2 && info->complete &&
	       info->close.allocations + info->close.frees >= SPLIT_EVENTS_MIN &&
	       hf_trace_node_count(x->read.t) <= SPLIT_NODES_MAX && hfp_split_worth();
}

/* After a split read that failed: a new reader of the same file and a new accumulator, the
 * whole trace as one. x->read stays open: the symbolizer reads its nodes. */
static int read_again(struct run *r, struct one *x)
{
	hfp_accum_free(&x->a);
	setup_accum(r, x, &x->a);
	struct hfp_read again;
	int rc = hfp_read_open(&again, x->path, r->progress);
	if (rc == HFP_EXIT_OK)
		rc = hfp_read_events(&again, &x->a, "");
	if (again.t) {
		hfp_read_warnings(&again, &r->w);
		hfp_read_close(&again);
	}
	return rc;
}

/* One accumulated stack into the stack layer (hfp_accum_drain), if it costs something. */
struct symbolizing {
	struct run *r;
	size_t n;
};

static void symbolize_stack(void *ctx, size_t i, const struct hfp_stat *st)
{
	struct symbolizing *y = ctx;
	if (y->r->progress && (i & 0x3fff) == 0) {
		char what[96], n1[32], n2[32];
		snprintf(what, sizeof what, "symbolizing: %s of %s stacks",
			 hfp_group_digits(i, n1, sizeof n1), hfp_group_digits(y->n, n2, sizeof n2));
		hfp_progress_phase(y->r->progress, what);
	}
	const struct hfp_costs *c = &st->c;
	if (c->allocations || c->leaked || c->peak || c->temporary)
		hfp_stacks_add(&y->r->stacks, st->node, c);
}

static void symbolize_ahead(void *ctx, uint32_t node)
{
	struct symbolizing *y = ctx;
	hfp_stacks_prefetch(&y->r->stacks, node);
}

/* read -> accumulate (after a pre-pass when --temporary has a peak to show) -> symbolize the
 * stacks that cost something into the shared stack layer, which takes them over from the
 * accumulator (its per-stack figures are freed as they are symbolized). */
static int read_one(struct run *r, struct one *x)
{
	const struct hfp_options *o = r->o;
	struct hfp_modsrc ms = { trace_module, trace_symbols, x->read.t };
	x->sym = hfp_symbolizer_new(&ms, o->debug_paths, o->ndebug_paths, o->sysroot, &r->w);
	hfp_symbolizer_raw_names(x->sym, o->raw_names);
	hfp_stacks_set_source(&r->stacks,
			      (struct hfp_nodesrc){ trace_node, x->read.t, (uint32_t)hf_trace_node_count(x->read.t),
						    hf_trace_nodes(x->read.t) },
			      x->sym);
	prefetch_modules(x);

	int rc = HFP_EXIT_OK;
	if (o->temporary_only && need_peak(r))
		rc = prepass(r, x);
	setup_accum(r, x, &x->a);
	x->events_read = 1;
	if (rc == HFP_EXIT_OK && can_split(r, x)) {
		struct hfp_accum b;
		setup_accum(r, x, &b);
		rc = hfp_split_read(&x->read, &x->a, &b, "");
		hfp_accum_free(&b);
		if (rc < 0) /* the reader used up: the trace again, as one */
			rc = read_again(r, x);
	} else if (rc == HFP_EXIT_OK) {
		rc = hfp_read_events(&x->read, &x->a, x->map ? " (pass 2 of 2)" : "");
	}
	if (rc != HFP_EXIT_OK)
		return rc;
	hfp_read_warnings(&x->read, &r->w);
	hfp_accum_finish(&x->a);
	hfp_progress_end(r->progress);
	/* The trie of -F and --svg takes the stacks in a depth-first order of the stack tree:
	 * drained in that order, each stack shares its outer frames with the one before, which the
	 * stack layer then copies instead of walking their nodes again (a million stacks of 23
	 * frames: 24 million node visits, then a few million). Only for -F or --svg alone: the
	 * other outputs break ties between stacks by the order they were made in, which the sort
	 * changes. */
	if (r->tree_order) {
		hfp_accum_nodes_done(&x->a); /* its node -> stack table first: the ranks replace it */
		hfp_accum_sort(&x->a, hfp_node_preorder(&r->stacks.nodes),
			       (size_t)hf_trace_node_count(x->read.t) + 1); /* frees the ranks */
	}
	struct symbolizing y = { r, x->a.nstats };
	hfp_stacks_reserve(&r->stacks, x->a.nstats);
	hfp_accum_drain(&x->a, symbolize_stack, symbolize_ahead, &y);
	/* Every stack is in the stack layer, as frames: the outputs never walk the trace's nodes,
	 * the largest table left with many distinct stacks. The symbolizer's thread reads them
	 * until it is stopped. */
	hfp_symbolizer_prefetch_stop(x->sym);
	hf_trace_drop_nodes(x->read.t);
	hfp_stacks_nodes_gone(&r->stacks);
	return HFP_EXIT_OK;
}

/* One more process in the report of several: its figures join total, its trace is closed. */
static void fold(struct run *r, struct one *x)
{
	hfp_merge_add(&r->total, &r->procs, x->path, hf_trace_info(x->read.t), &x->a);
	close_one(x);
}

/* Every trace of the run, read into r->stacks; r->first, or r->total when there are several. */
static int read_all(struct run *r)
{
	for (size_t i = 0; i < r->in.n; i++) {
		struct one x;
		int rc = open_one(r, r->in.path[i], &x);
		if (rc == SKIPPED)
			continue;
		if (rc)
			return rc;
		if (r->used == 1)
			fold(r, &r->first);
		struct one *into = r->used == 0 ? &r->first : &x;
		if (into == &r->first)
			r->first = x;
		r->used++;
		rc = read_one(r, into);
		if (rc) {
			if (into != &r->first)
				close_one(into);
			return rc;
		}
		if (into != &r->first)
			fold(r, into);
	}
	if (r->used == 0) {
		fprintf(stderr, HFP_NAME ": none of the %zu traces given is of a process --pid or --exe "
			"selects\n", r->in.n);
		return HFP_EXIT_USAGE;
	}
	if (r->used > 1)
		hfp_merge_finish(&r->total, &r->procs);
	return HFP_EXIT_OK;
}

/* An export with nothing in it says why, in one line: an empty stacks file otherwise reaches
 * flamegraph.pl, which fails with "No stack counts found". With filters, how many allocations
 * each one removed. The report shows its zeros itself. */
static void say_if_empty(const struct hfp_options *o, const struct hfp_stacks *s, const struct hfp_accum *a,
			 int exports)
{
	uint64_t total = 0;
	for (size_t i = 0; i < s->nd && !total; i++) {
		struct hfp_dstack d = hfp_stacks_get(s, i);
		total = hfp_cost_get(&d.c, o->cost);
	}
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

/* A sampled trace's figures are estimates: the report and the SVG, massif and pprof outputs say
 * so in themselves; folded stacks and the histogram have no place for it, so a line on stderr
 * says it for every output. */
static void say_estimated(const char *source, int several, uint64_t rate, int capture, int exports)
{
	if (!rate || (!capture && !exports))
		return;
	fprintf(stderr, HFP_NAME ": %s %s (about 1 allocation per %" PRIu64 " bytes recorded): %s\n",
		source, several ? "are sampled" : "is a sampled trace", rate,
		capture ? "the base side of every difference is an estimate" : "every figure written is an estimate");
}

/* ---- the pipeline --------------------------------------------------------------------------- */

/* The traces at paths (files or directories) through the pipeline, into one set of outputs.
 * capture: the base run of --diff, which writes no output and hands over its folded stacks of
 * o->cost instead (and *capture_rate, its sampling rate); base: those stacks, for the new run,
 * and base_rate. */
static int run_traces(const struct hfp_options *o, const char *const *paths, size_t npaths,
		      struct hfp_folded *capture, uint64_t *capture_rate, const struct hfp_folded *base,
		      uint64_t base_rate)
{
	struct run r = { .o = o };
	r.progress = o->progress >= 0 ? o->progress : isatty(STDERR_FILENO);
	int rc = capture ? HFP_EXIT_OK : hfp_outputs_open(&r.out, o);
	if (rc == HFP_EXIT_OK)
		rc = hfp_inputs_expand(&r.in, paths, npaths);
	if (rc) {
		hfp_outputs_discard(&r.out);
		hfp_inputs_free(&r.in);
		return rc;
	}
	/* A report on the terminal shows the warnings at its top: not on stderr as well. */
	r.w.quiet = r.out.want_report && r.out.report.is_stdout && isatty(STDOUT_FILENO) &&
		    isatty(STDERR_FILENO);
	hfp_stacks_init(&r.stacks);
	r.stacks.resolve = hfp_symbolize;
	r.stacks.above_main = o->above_main;
	r.stacks.show_allocator = o->show_allocator;
	r.stacks.shorten_templates = o->shorten_templates;
	r.stacks.allocfns = o->allocfns;
	r.stacks.nallocfns = o->nallocfns;
	/* -F and --svg from the trie (hfp_folded_stream.c), which takes the stacks in a depth-first
	 * order of the stack tree: drained in that order when one of them is the only output (their
	 * display stacks are then made in it), else each display stack keeps its rank (near). */
	int trie = (o->folded || o->svg) && !capture && !base;
	r.tree_order = trie && r.out.trie_only && !o->nlimits;
	r.stacks.near_keys = (trie && !r.tree_order) || o->html;
	r.stacks.trie_only = r.tree_order;
	hfp_accum_init(&r.total);
	configure(&r.total, o, 0, 1);

	rc = read_all(&r);
	hfp_stacks_done(&r.stacks); /* every stack is in: the outputs get its index's memory */
	int several = r.used > 1;
	const struct hfp_accum *a = several ? &r.total : &r.first.a;
	char source[64];
	if (several)
		snprintf(source, sizeof source, "%zu traces", r.used);
	if (rc == HFP_EXIT_OK) {
		const char *src = several ? source : r.first.path;
		if (capture_rate)
			*capture_rate = a->sample_rate;
		if (!capture)
			say_if_empty(o, &r.stacks, a, r.out.exports);
		hfp_progress_phase(r.progress, "writing");
		if (capture) {
			hfp_folded_build(&r.stacks, o->cost, capture);
			hfp_progress_end(r.progress);
			say_estimated(src, several, a->sample_rate, 1, 0);
		} else {
			struct hfp_emit_in in = {
				.opt = o,
				.source = src,
				.info = several ? NULL : hf_trace_info(r.first.read.t),
				.procs = several ? &r.procs : NULL,
				.acc = a,
				.stacks = &r.stacks,
				.warnings = &r.w,
				.peak_valid = !o->temporary_only || (several ? need_peak(&r) : r.first.map != NULL),
				.base = base,
				.base_sample_rate = base_rate,
				.build_id = module_build_id,
				.build_id_ctx = &r,
			};
			rc = hfp_outputs_write(&r.out, &in);
			hfp_progress_end(r.progress);
			say_estimated(src, several, a->sample_rate, 0, r.out.exports);
			if (hfp_limits_check(o->limits, o->nlimits, a, &r.stacks, a->sample_rate != 0) &&
			    rc == HFP_EXIT_OK)
				rc = HFP_EXIT_LIMIT;
		}
	} else {
		hfp_outputs_discard(&r.out);
	}
	close_one(&r.first);
	hfp_accum_free(&r.total);
	hfp_procs_free(&r.procs);
	hfp_stacks_free(&r.stacks);
	hfp_inputs_free(&r.in);
	for (size_t i = 0; i < r.nids; i++) {
		free(r.ids[i].path);
		free(r.ids[i].id);
	}
	free(r.ids);
	hfp_warnings_free(&r.w);
	return rc;
}

int hfp_run(const struct hfp_options *o)
{
	if (!o->diff_base)
		return run_traces(o, o->traces, o->ntraces, NULL, NULL, NULL, 0);
	/* --diff: the base run first, through the same filters and cost, its stacks kept. */
	struct hfp_options ob = *o;
	ob.diff_base = NULL;
	ob.nlimits = 0;
	struct hfp_folded bf = { 0 };
	uint64_t base_rate = 0;
	int rc = run_traces(&ob, &o->diff_base, 1, &bf, &base_rate, NULL, 0);
	if (rc == HFP_EXIT_OK)
		rc = run_traces(o, o->traces, o->ntraces, NULL, NULL, &bf, base_rate);
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
