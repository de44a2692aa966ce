/* hfp_massif.c: -M/--print-massif FILE, the run in the file format of Valgrind's massif, which
 * ms_print and massif-visualizer read (as heaptrack_print -M writes it).
 *
 * Snapshots: the heap in use over time (up to 256 points, evenly spread over the changes of the
 * live bytes: accum/hfp_accum.c), plus one detailed snapshot at the peak, marked as massif
 * marks it (heap_tree=peak), whose tree gives each stack's bytes at that moment: the root is the
 * allocation functions, each level one frame further out, children by size, those below the
 * threshold (--massif-threshold, percent of the peak, 1 by default) summed into one "in N
 * places" line. Only the peak is detailed: per-stack bytes at other moments are not kept (see
 * the man page). Times in milliseconds since the start. Frames have no address: "0x0:". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heapfold_trace.h"

#include "../accum/hfp_accum.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_options.h"
#include "../symbol/hfp_stack.h"
#include "hfp_emit.h"

/* The peak's tree: a node per (parent, frame), frames from the allocation site outwards. */
struct mnode {
	uint32_t frame;
	uint64_t bytes;
	size_t first_child, next; /* indexes, 0: none (node 0 is the root) */
};

struct mtree {
	struct mnode *n;
	size_t len, cap;
};

static size_t child(struct mtree *t, size_t parent, uint32_t frame)
{
	for (size_t c = t->n[parent].first_child; c; c = t->n[c].next)
		if (t->n[c].frame == frame)
			return c;
	if (t->len == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->n = hfp_reallocarray(t->n, t->cap, sizeof *t->n);
	}
	size_t c = t->len++;
	t->n[c] = (struct mnode){ frame, 0, 0, t->n[parent].first_child };
	t->n[parent].first_child = c;
	return c;
}

static const struct mtree *sort_tree;

static int by_bytes(const void *a, const void *b)
{
	uint64_t x = sort_tree->n[*(const size_t *)a].bytes, y = sort_tree->n[*(const size_t *)b].bytes;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void write_node(FILE *f, struct mtree *t, const struct hfp_stacks *s, size_t i, int depth,
		       uint64_t threshold, double pct)
{
	size_t kids = 0, *k = NULL;
	for (size_t c = t->n[i].first_child; c; c = t->n[c].next)
		kids++;
	k = hfp_calloc(kids ? kids : 1, sizeof *k);
	kids = 0;
	for (size_t c = t->n[i].first_child; c; c = t->n[c].next)
		k[kids++] = c;
	sort_tree = t;
	qsort(k, kids, sizeof *k, by_bytes);
	size_t shown = 0, below = 0;
	uint64_t rest = 0;
	for (size_t j = 0; j < kids; j++) {
		if (t->n[k[j]].bytes >= threshold && t->n[k[j]].bytes)
			shown++;
		else if (t->n[k[j]].bytes)
			below++, rest += t->n[k[j]].bytes;
	}
	fprintf(f, "%*sn%zu: %" PRIu64 " ", depth, "", shown + (below ? 1 : 0), t->n[i].bytes);
	if (i == 0) {
		fputs("(heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n", f);
	} else {
		const struct hfp_frame *fr = &s->frame[t->n[i].frame];
		fprintf(f, "0x0: %s", fr->name);
		if (fr->file)
			fprintf(f, " (%s:%u)", fr->file, fr->line);
		fputc('\n', f);
	}
	for (size_t j = 0; j < kids; j++)
		if (t->n[k[j]].bytes >= threshold && t->n[k[j]].bytes)
			write_node(f, t, s, k[j], depth + 1, threshold, pct);
	if (below)
		fprintf(f, "%*sn0: %" PRIu64 " in %zu place%s, below massif's threshold (%.2f%%)\n", depth + 1, "",
			rest, below, below == 1 ? "" : "s", pct);
	free(k);
}

static void snapshot(FILE *f, size_t *n, uint64_t time_ns, uint64_t bytes, const char *tree)
{
	fprintf(f, "#-----------\nsnapshot=%zu\n#-----------\ntime=%" PRIu64 "\nmem_heap_B=%" PRIu64
		   "\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=%s\n",
		(*n)++, time_ns / 1000000u, bytes, tree);
}

static int emit_massif(FILE *f, const struct hfp_emit_in *in)
{
	const struct hfp_accum *a = in->acc;
	const struct hfp_stacks *s = in->stacks;
	const struct hf_trace_info *info = in->info;
	fprintf(f, "desc: heapfold_print --print-massif %s", in->source);
	if (in->procs) /* the peak snapshot below is not a moment of the timeline */
		fputs(" (the heap of every process summed over time; the peak snapshot is the sum of each "
		      "process's own peak)", f);
	if (a->sample_rate) /* ms_print and massif-visualizer show desc */
		fprintf(f, " (estimated from a sampled trace: about 1 allocation per %" PRIu64 " bytes recorded)",
			a->sample_rate);
	fputs("\ncmd:", f);
	for (size_t i = 0; info && i < info->argc; i++)
		fprintf(f, " %s", info->argv[i]);
	fputs("\ntime_unit: ms\n", f);

	size_t n = 0, i = 0;
	snapshot(f, &n, 0, 0, "empty");
	int peak_done = !in->peak_valid;
	for (; i <= a->series.n; i++) {
		/* The peak, in its place in time. */
		if (!peak_done && (i == a->series.n || a->series.p[i].time_ns > a->peak_time_ns)) {
			peak_done = 1;
			snapshot(f, &n, a->peak_time_ns, a->peak_bytes, "peak");
			struct mtree t = { hfp_calloc(256, sizeof(struct mnode)), 1, 256 }; /* n[0]: the root */
			struct hfp_framebuf fb = { 0 };
			for (size_t d = 0; d < s->nd; d++) {
				struct hfp_dstack dv = hfp_stacks_get(s, d);
				const struct hfp_dstack *ds = &dv;
				if (!ds->c.peak)
					continue;
				t.n[0].bytes += ds->c.peak;
				size_t at = 0;
				const uint32_t *frames = hfp_dstack_frames(s, ds, &fb);
				for (uint32_t k = ds->depth; k-- > 0;) {
					at = child(&t, at, frames[k]);
					t.n[at].bytes += ds->c.peak;
				}
			}
			double pct = in->opt->massif_threshold;
			write_node(f, &t, s, 0, 0, (uint64_t)((double)a->peak_bytes * pct / 100.0), pct);
			free(t.n);
			hfp_framebuf_free(&fb);
		}
		if (i < a->series.n)
			snapshot(f, &n, a->series.p[i].time_ns, a->series.p[i].bytes, "empty");
	}
	return ferror(f) ? -1 : 0;
}

static const char *massif_path(const struct hfp_options *o)
{
	return o->massif;
}

const struct hfp_emitter hfp_emitter_massif = {
	.path = massif_path,
	.write = emit_massif,
};
