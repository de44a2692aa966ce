/* hfp_emit.h: the outputs: the one input every emitter takes (the accumulated, symbolized run),
 * the emitters, and the driver that opens, writes and closes their files. A new output is a new
 * file in this folder defining a struct hfp_emitter, one line in the list in hfp_emit.c, and
 * the option that names its file. */
#ifndef HFP_EMIT_H
#define HFP_EMIT_H

#include <stdint.h>
#include <stdio.h>

#include "../core/hfp_out.h"

struct hf_trace_info;
struct hfp_accum;
struct hfp_folded;
struct hfp_options;
struct hfp_procs;
struct hfp_stacks;
struct hfp_warnings;

/* What every output is made from. */
struct hfp_emit_in {
	const struct hfp_options *opt;       /* what was asked: cost type, limits, filters */
	const char *source;                  /* what was read: the trace's path, or "3 traces" */
	const struct hf_trace_info *info;    /* the trace's header and totals; NULL in tests and
					      * for several traces */
	const struct hfp_procs *procs;       /* several traces: each process's figures; else NULL */
	const struct hfp_accum *acc;         /* run totals, phase markers, the size histogram */
	const struct hfp_stacks *stacks;     /* symbolized display stacks with their merged costs */
	const struct hfp_warnings *warnings; /* every warning of the run, for the report */
	int peak_valid;                      /* 0 when --temporary ran without the pre-pass */
	/* The stacks as folded lines of opt->cost, merged and sorted: built once by the driver
	 * when an emitter that needs them is asked for (-F and --svg draw the same lines), else
	 * NULL. */
	const struct hfp_folded *folded;
	/* --diff: the base run's folded lines of opt->cost (then folded is always built), else NULL. */
	const struct hfp_folded *base;
	uint64_t base_sample_rate; /* --diff: the base trace's sampling rate (0: every allocation) */
	/* The build-id the trace recorded for the module file at path, *len bytes (NULL: none);
	 * the function is NULL in tests. For --pprof's mappings. */
	const uint8_t *(*build_id)(void *ctx, const char *path, size_t *len);
	void *build_id_ctx;
};

struct hfp_emitter {
	/* Where the output goes ("-": standard output), NULL when it is not asked for. */
	const char *(*path)(const struct hfp_options *o);
	/* Writes the output. Returns 0, or -1 on a write error (ferror, errno). */
	int (*write)(FILE *f, const struct hfp_emit_in *in);
	int needs_folded; /* reads in->folded */
};

/* The emitters (hfp_report.c, hfp_folded.c, hfp_svg.c, hfp_histogram.c). */
extern const struct hfp_emitter hfp_emitter_report;
extern const struct hfp_emitter hfp_emitter_folded;
extern const struct hfp_emitter hfp_emitter_svg;
extern const struct hfp_emitter hfp_emitter_histogram;
extern const struct hfp_emitter hfp_emitter_pprof;
extern const struct hfp_emitter hfp_emitter_massif;
extern const struct hfp_emitter hfp_emitter_html;

/* The open outputs of a run. The report is the default output: it is written when -o names its
 * file, or else to standard output unless another output takes it. It is opened first and
 * written last, after the machine-readable outputs. */
struct hfp_outputs {
	struct hfp_out report;
	struct hfp_out *out; /* one per emitter of the list, in its order */
	int want_report;
	int exports; /* outputs besides the report were asked for */
	int trie_only; /* -F or --svg is the only output: none depends on the display stacks' order */
};

/* Opens every output asked for, before the trace is read, so a bad path fails fast. Returns
 * HFP_EXIT_OK, or HFP_EXIT_OUTPUT (message printed; call hfp_outputs_discard). */
int hfp_outputs_open(struct hfp_outputs *x, const struct hfp_options *o);
/* Writes and closes every open output. in->folded is filled in here. Returns the worst exit
 * status (HFP_EXIT_OK or HFP_EXIT_OUTPUT, each failure named on stderr). */
int hfp_outputs_write(struct hfp_outputs *x, const struct hfp_emit_in *in);
/* Closes the outputs unwritten, removing the files this run created (a failed run). */
void hfp_outputs_discard(struct hfp_outputs *x);

#endif
