/* hfp_report.c: the text report, in heaptrack_print's shape so its users read it at a glance:
 * a header (what was traced, warnings, active filters, phase markers), then the sections "MOST
 * CALLS TO ALLOCATION FUNCTIONS", "PEAK MEMORY CONSUMERS", "MEMORY LEAKS", "MOST TEMPORARY
 * ALLOCATIONS", then the totals, last, where heaptrack puts them (scripts that take its tail
 * keep working).
 *
 * A section groups backtraces by allocation site (the innermost shown frame: function, file,
 * line, module), lists the -n biggest sites and under each the -s biggest backtraces, from the
 * site's caller outwards, and sums up the rest as "and X from N other places". Bytes are human
 * readable (1K = 1024); counts are exact. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heapfold_trace.h"

#include "../accum/hfp_accum.h"
#include "../accum/hfp_merge.h"
#include "../core/hfp_cost.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_num.h"
#include "../core/hfp_options.h"
#include "../core/hfp_warn.h"
#include "../symbol/hfp_stack.h"
#include "hfp_diff.h"
#include "hfp_emit.h"

struct group {
	uint32_t site; /* frame id */
	struct hfp_costs c;
	size_t first, n; /* its dstacks: members[first .. first+n) */
};

struct ctx {
	FILE *f;
	const struct hfp_emit_in *in;
	const struct hfp_stacks *s;
	struct group *g;
	size_t ng;
	size_t *members; /* dstack indices grouped by site */
	uint32_t *site;  /* by dstack index: its site (hfp_dstack_site), found once for the sort */
	struct hfp_framebuf fb; /* the frames of the backtrace being printed */
};

/* qsort has no context argument; the report is single-threaded. */
static const struct ctx *sort_ctx;
static int sort_cost;


static int cmp_costs(const struct hfp_costs *a, const struct hfp_costs *b)
{
	uint64_t x = hfp_cost_get(a, sort_cost), y = hfp_cost_get(b, sort_cost);
	return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;
	int r = cmp_costs(&a->c, &b->c);
	if (r)
		return r;
	r = strcmp(sort_ctx->s->frame[a->site].name, sort_ctx->s->frame[b->site].name);
	return r ? r : (a->site > b->site) - (a->site < b->site);
}

static int cmp_member(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	struct hfp_dstack x = hfp_stacks_get(sort_ctx->s, a), y = hfp_stacks_get(sort_ctx->s, b);
	int r = cmp_costs(&x.c, &y.c);
	return r ? r : (a > b) - (a < b);
}

static int cmp_site(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	uint32_t x = sort_ctx->site[a], y = sort_ctx->site[b];
	return x != y ? (x > y) - (x < y) : (a > b) - (a < b);
}

static void build_groups(struct ctx *x)
{
	const struct hfp_stacks *s = x->s;
	x->members = hfp_calloc(s->nd ? s->nd : 1, sizeof *x->members);
	x->site = hfp_calloc(s->nd ? s->nd : 1, sizeof *x->site);
	for (size_t i = 0; i < s->nd; i++) {
		x->members[i] = i;
		struct hfp_dstack d = hfp_stacks_get(s, i);
		x->site[i] = hfp_dstack_site(s, &d);
	}
	sort_ctx = x;
	qsort(x->members, s->nd, sizeof *x->members, cmp_site);
	x->g = hfp_calloc(s->nd ? s->nd : 1, sizeof *x->g);
	for (size_t i = 0; i < s->nd; i++) {
		struct hfp_dstack dv = hfp_stacks_get(s, x->members[i]);
		const struct hfp_dstack *d = &dv;
		uint32_t site = x->site[x->members[i]];
		if (!x->ng || x->g[x->ng - 1].site != site)
			x->g[x->ng++] = (struct group){ .site = site, .first = i };
		struct group *g = &x->g[x->ng - 1];
		hfp_costs_add(&g->c, &d->c);
		g->n++;
	}
}

static void print_frame(FILE *f, const struct hfp_frame *fr, const char *indent)
{
	fprintf(f, "%s%s\n", indent, fr->name);
	if (fr->file) {
		if (fr->line)
			fprintf(f, "%s  at %s:%u\n", indent, fr->file, fr->line);
		else
			fprintf(f, "%s  at %s\n", indent, fr->file);
	}
	if (fr->module)
		fprintf(f, "%s  in %s\n", indent, fr->module);
}

static char *hb(uint64_t v, char *buf)
{
	return hfp_human_bytes(v, buf, 32);
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

/* One line describing costs c for a section; `sub` selects the backtrace wording. */
/* sub: 0 for a site's heading, 1 for one of its backtraces, 2 for a backtrace with no frame
 * beyond the site (the site is where the stack starts: main, a thread's start routine). */
static void describe(FILE *f, int section, const struct hfp_costs *c, int sub, int peak_valid)
{
	char a[32];
	const char *end = sub == 2 ? ", where the stack starts\n" : sub ? " from:\n" : " from\n";
	switch (section) {
	case HFP_COST_ALLOCATIONS:
		if (peak_valid)
			fprintf(f, "%" PRIu64 " calls%s with %s peak consumption%s", c->allocations,
				sub ? "" : " to allocation functions", hb(c->peak, a), end);
		else
			fprintf(f, "%" PRIu64 " calls%s%s", c->allocations, sub ? "" : " to allocation functions",
				end);
		break;
	case HFP_COST_PEAK:
		fprintf(f, "%s %sconsumed over %" PRIu64 " calls%s", hb(c->peak, a), sub ? "" : "peak memory ",
			c->allocations, end);
		break;
	case HFP_COST_LEAKED:
		fprintf(f, "%s leaked over %" PRIu64 " calls%s", hb(c->leaked, a), c->leaked_count, end);
		break;
	case HFP_COST_TEMPORARY:
		fprintf(f, "%" PRIu64 " temporary allocations of %" PRIu64 " allocations in total (%.2f%%)%s",
			c->temporary, c->allocations, pct(c->temporary, c->allocations), end);
		break;
	}
}

static void section(struct ctx *x, int cost, const char *title)
{
	FILE *f = x->f;
	const struct hfp_options *o = x->in->opt;
	fprintf(f, "%s\n", title);
	sort_ctx = x;
	sort_cost = cost;
	qsort(x->g, x->ng, sizeof *x->g, cmp_group);
	for (size_t gi = 0; gi < x->ng && gi < o->peak_limit; gi++) {
		struct group *g = &x->g[gi];
		if (!hfp_cost_get(&g->c, cost))
			break;
		describe(f, cost, &g->c, 0, x->in->peak_valid);
		print_frame(f, &x->s->frame[g->site], "");
		size_t *m = x->members + g->first;
		qsort(m, g->n, sizeof *m, cmp_member);
		size_t shown = 0;
		for (; shown < g->n && shown < o->sub_peak_limit; shown++) {
			struct hfp_dstack dv = hfp_stacks_get(x->s, m[shown]);
			const struct hfp_dstack *d = &dv;
			if (!hfp_cost_get(&d->c, cost))
				break;
			uint32_t site_at = d->depth - 1 - d->alloc_frames;
			describe(f, cost, &d->c, site_at ? 1 : 2, x->in->peak_valid);
			const uint32_t *frames = hfp_dstack_frames(x->s, d, &x->fb);
			for (uint32_t k = site_at; k-- > 0;)
				print_frame(f, &x->s->frame[frames[k]], "    ");
		}
		struct hfp_costs rest = { 0 };
		size_t others = 0;
		for (size_t k = shown; k < g->n; k++) {
			struct hfp_costs c = hfp_stacks_get(x->s, m[k]).c;
			if (!hfp_cost_get(&c, cost))
				continue;
			hfp_costs_add(&rest, &c);
			others++;
		}
		if (others) {
			char a[32];
			if (cost == HFP_COST_PEAK || cost == HFP_COST_LEAKED)
				fprintf(f, "  and %s from %zu other place%s\n", hb(hfp_cost_get(&rest, cost), a), others,
					others == 1 ? "" : "s");
			else
				fprintf(f, "  and %" PRIu64 " from %zu other place%s\n", hfp_cost_get(&rest, cost),
					others, others == 1 ? "" : "s");
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

static const char *link_mode(unsigned m)
{
	switch (m) {
	case 0: return "LD_PRELOAD";
	case 1: return "dynamically linked";
	case 2: return "statically linked";
	default: return "unknown link mode";
	}
}

static void header(struct ctx *x)
{
	FILE *f = x->f;
	const struct hfp_emit_in *in = x->in;
	const struct hf_trace_info *info = in->info;
	fprintf(f, "heapfold_print report for %s\n", in->source);
	if (info && info->chunks) { /* no chunk at all: no header to describe */
		fputs("Debuggee command was:", f);
		for (size_t i = 0; i < info->argc; i++)
			fprintf(f, " %s", info->argv[i]);
		fputc('\n', f);
		fprintf(f, "process %" PRIu64 ", %s, %s, %s, recorder %s\n", info->pid,
			info->exe && *info->exe ? info->exe : "(unknown executable)",
			info->libc && *info->libc ? info->libc : "unknown libc", link_mode(info->link_mode),
			info->recorder && *info->recorder ? info->recorder : "unknown");
	}
	for (size_t i = 0; i < in->warnings->n; i++)
		fprintf(f, "warning: %s\n", in->warnings->msg[i]);
	if (hfp_options_filtered(in->opt)) {
		char buf[1024];
		hfp_options_describe_filters(in->opt, buf, sizeof buf);
		fprintf(f, "FILTERS ACTIVE: %s (every number below counts only the allocations they keep)\n", buf);
	}
	if (in->acc->sample_rate)
		fprintf(f, "SAMPLED TRACE: about one allocation in every %" PRIu64 " bytes allocated was recorded "
			"(HEAPFOLD_SAMPLE_BYTES); every count and size below is an estimate, and temporary "
			"allocations are not known\n", in->acc->sample_rate);
	if (in->base && in->base_sample_rate)
		fprintf(f, "SAMPLED BASE: %s recorded about one allocation in every %" PRIu64 " bytes "
			"allocated; its side of every difference below is an estimate\n", in->opt->diff_base,
			in->base_sample_rate);
	fputc('\n', f);
	const struct hfp_accum *a = in->acc;
	if (a->nmarks) {
		fputs("PHASE MARKERS\n", f);
		for (size_t i = 0; i < a->nmarks; i++)
			fprintf(f, "%" PRIu64 ".%03" PRIu64 "s  %s\n", a->marks[i].time_ns / 1000000000u,
				a->marks[i].time_ns / 1000000u % 1000u, a->marks[i].label);
		fputs("\n", f);
	}
}

/* Several traces: one line per process, largest peak first, then the report is over all. */
static void processes(struct ctx *x)
{
	const struct hfp_procs *ps = x->in->procs;
	if (!ps)
		return;
	FILE *f = x->f;
	char b[3][32];
	fprintf(f, "PROCESSES (%zu; every figure below is their sum, the peak the sum of each one's own "
		"peak)\n", ps->n);
	fprintf(f, "%10s %10s %10s %10s %10s %9s  %s\n", "pid", "calls", "allocated", "peak", "leaked",
		"start", "program (trace)");
	for (size_t i = 0; i < ps->n; i++) {
		const struct hfp_proc *p = &ps->p[i];
		fprintf(f, "%10" PRIu64 " %10" PRIu64 " %10s %10s %10s %5" PRIu64 ".%03" PRIu64 "s  %s (%s%s)\n",
			p->pid, p->allocations, hb(p->bytes, b[0]), hb(p->peak, b[1]), hb(p->leaked, b[2]),
			p->start_ns / 1000000000u, p->start_ns / 1000000u % 1000u,
			*p->exe ? p->exe : "(unknown executable)", p->trace, p->complete ? "" : ", incomplete");
	}
	fputc('\n', f);
}

static uint64_t per_second(uint64_t n, uint64_t ns)
{
	return ns ? (uint64_t)((unsigned __int128)n * 1000000000u / ns) : 0;
}

static void totals(struct ctx *x)
{
	FILE *f = x->f;
	const struct hfp_accum *a = x->in->acc;
	const struct hf_trace_info *info = x->in->info;
	uint64_t ns = info && info->complete ? info->close.end_time_ns : a->last_time_ns;
	if (ns < a->last_time_ns)
		ns = a->last_time_ns;
	char b1[32], b2[32];
	fprintf(f, "total runtime: %" PRIu64 ".%02" PRIu64 "s.\n", ns / 1000000000u, ns / 10000000u % 100u);
	fprintf(f, "calls to allocation functions: %" PRIu64 " (%" PRIu64 "/s)\n", a->allocations,
		per_second(a->allocations, ns));
	if (a->sample_rate)
		fputs("temporary memory allocations: unknown (sampled trace)\n", f);
	else
		fprintf(f, "temporary memory allocations: %" PRIu64 " (%" PRIu64 "/s)\n", a->temporary,
			per_second(a->temporary, ns));
	if (a->failed)
		fprintf(f, "failed allocations: %" PRIu64 "\n", a->failed);
	if (x->in->peak_valid && x->in->procs)
		fprintf(f, "peak heap memory consumption: %s (the sum of each process's own peak; their "
			"heaps together peaked at about %s, %" PRIu64 ".%03" PRIu64 "s after the first one "
			"started)\n", hb(a->peak_bytes, b1), hb(x->in->procs->together_peak, b2),
			x->in->procs->together_peak_ns / 1000000000u, x->in->procs->together_peak_ns / 1000000u % 1000u);
	else if (x->in->peak_valid)
		fprintf(f, "peak heap memory consumption: %s after %" PRIu64 ".%03" PRIu64 "s\n",
			hb(a->peak_bytes, b1), a->peak_time_ns / 1000000000u, a->peak_time_ns / 1000000u % 1000u);
	else
		fputs("peak heap memory consumption: not computed\n", f);
	if (a->peak_rss)
		fprintf(f, "peak RSS (including heapfold overhead): %s%s\n", hb(a->peak_rss, b1),
			x->in->procs ? " (the sum of each process's own)" : "");
	else
		fputs("peak RSS (including heapfold overhead): unknown (no samples in the trace)\n", f);
	fprintf(f, "total memory leaked: %s%s\n", hb(a->live_bytes, b1),
		info && !info->complete ? " (the trace is incomplete: this is what was still allocated "
					   "when it ends, not necessarily leaked)" : "");
}

static int emit_report(FILE *f, const struct hfp_emit_in *in)
{
	struct ctx x = { .f = f, .in = in, .s = in->stacks };
	build_groups(&x);
	header(&x);
	processes(&x);
	const struct hfp_options *o = in->opt;
	if (in->base && in->folded)
		hfp_diff_write_report(f, in->base, in->folded, hfp_cost_names[o->cost], o->diff_base,
				      o->peak_limit);
	if (o->print_allocators)
		section(&x, HFP_COST_ALLOCATIONS, "MOST CALLS TO ALLOCATION FUNCTIONS");
	if (o->print_peaks && in->peak_valid)
		section(&x, HFP_COST_PEAK, "PEAK MEMORY CONSUMERS");
	if (o->print_leaks)
		section(&x, HFP_COST_LEAKED, "MEMORY LEAKS");
	if (o->print_temporary && !in->acc->sample_rate)
		section(&x, HFP_COST_TEMPORARY, "MOST TEMPORARY ALLOCATIONS");
	totals(&x);
	free(x.g);
	free(x.members);
	free(x.site);
	hfp_framebuf_free(&x.fb);
	return ferror(f) ? -1 : 0;
}

static const char *report_path(const struct hfp_options *o)
{
	return o->output;
}

const struct hfp_emitter hfp_emitter_report = {
	.path = report_path,
	.write = emit_report,
};
