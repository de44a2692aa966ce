/* hfp_merge.h: several traces in one report (a service that is many processes: workers, a build
 * and its compilers). Each process is read into its own accumulator, as a single trace is; its
 * stacks join the shared stack layer, and its totals, heap over time, size histogram and phase
 * markers are added here into one accumulator, on the processes' common clock (each trace's
 * start time). The table of processes keeps each one's own figures. */
#ifndef HFP_MERGE_H
#define HFP_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "heapfold_trace.h"

#include "hfp_accum.h"

/* One process of the run, its figures after the filters. */
struct hfp_proc {
	char *trace;  /* the file it was read from */
	char *exe;    /* the program (the trace's executable path; "" when unknown) */
	uint64_t pid;
	uint64_t allocations, bytes, peak, leaked;
	uint64_t start_ns; /* on the common clock */
	int complete;      /* the trace ends with its CLOSE record */
};

struct hfp_procs {
	struct hfp_proc *p;
	size_t n;
	uint64_t t0; /* the common clock's zero: the earliest start (realtime, ns) */
	/* The heaps summed over time peaked at together_peak bytes, together_peak_ns on the common
	 * clock: as the summed series has it (each process's heap over time is kept in at most
	 * HFP_SERIES_MAX points), so at most the exact peak of the sum, itself at most peak_bytes. */
	uint64_t together_peak, together_peak_ns;
};

/* Adds from, the accumulator of the process whose trace (at path) has info, into into (set up
 * with hfp_accum_init and the same configuration), and a row for it to procs. The process's times
 * move to the common clock (zero: the earliest start so far); its heap and
 * RSS drop to zero when it ends (its last event or CLOSE record); its phase markers are labelled
 * with its program and pid. peak_bytes becomes the sum of each process's own peak, as each
 * stack's peak cost is the sum of its peaks in each process. */
void hfp_merge_add(struct hfp_accum *into, struct hfp_procs *procs, const char *path,
		   const struct hf_trace_info *info, const struct hfp_accum *from);
/* After the last process: the markers in time order, the processes by peak (largest first),
 * together_peak and peak_time_ns the moment the summed heap over time was highest. */
void hfp_merge_finish(struct hfp_accum *into, struct hfp_procs *procs);
void hfp_procs_free(struct hfp_procs *procs);

#endif
