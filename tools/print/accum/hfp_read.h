/* hfp_read.h: reading a trace: opening it (one clear line on stderr when it cannot be read),
 * collecting the reader's warnings, and feeding every event to an accumulator. */
#ifndef HFP_READ_H
#define HFP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "heapfold_trace.h"

struct hfp_accum;
struct hfp_warnings;

struct hfp_read {
	hf_trace *t;
	const char *path;
	size_t warnings_seen; /* reader warnings already handed over */
	int progress;         /* show progress on stderr while reading */
};

/* Opens the trace at path. Returns HFP_EXIT_OK, or HFP_EXIT_DATA after one line on stderr. */
int hfp_read_open(struct hfp_read *r, const char *path, int progress);
/* Hands the reader's new warnings over to w, each prefixed with the trace's path. */
void hfp_read_warnings(struct hfp_read *r, struct hfp_warnings *w);
/* Feeds every event of the trace to a, in restored order; pass names the pass in the progress
 * line ("" or " (pass 1 of 2)"). Returns HFP_EXIT_OK or HFP_EXIT_DATA (line on stderr). */
int hfp_read_events(struct hfp_read *r, struct hfp_accum *a, const char *pass);
void hfp_read_close(struct hfp_read *r);

/* The progress line of reading, for a reader of its own (hfp_split.c): events taken, and of
 * them what the clean-exit totals count (hfp_read_done: an accumulator's), after secs seconds. */
void hfp_read_show(uint64_t events, uint64_t done, const struct hf_trace_info *info, const char *pass,
		   double secs);
uint64_t hfp_read_done(const struct hfp_accum *a);
/* Seconds of a monotonic clock. */
double hfp_read_clock(void);

/* Progress (when on): a phase after reading ("symbolizing 1,234 stacks", "writing
 * stacks.txt"), overwriting the line; the line cleared at the end of the run. */
void hfp_progress_phase(int on, const char *what);
void hfp_progress_end(int on);

/* A sampled trace's mean bytes between samples (HEAPFOLD_SAMPLE_BYTES, from the HEADER:
 * hf_trace_info.sample_bytes); 0 for a trace of every allocation. */
uint64_t hfp_read_sample_rate(const struct hf_trace_info *info);

#endif
