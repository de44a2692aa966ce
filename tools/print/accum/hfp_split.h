/* hfp_split.h: a trace read in two parts at once, on two cores, when all that is asked of it
 * is each stack's allocations or bytes. */
#ifndef HFP_SPLIT_H
#define HFP_SPLIT_H

#include "hfp_read.h"

struct hfp_accum;

/* Whether two parts can pay: this process may run on two processors at least. */
int hfp_split_worth(void);

/* Reads the events of r (open, none taken yet) into a, as hfp_read_events would for each
 * stack's allocations and bytes: half the thread streams (hf_trace_split) on the calling thread,
 * the other half on a new thread through a second reader of r's file into b (empty, configured
 * as a), then b's counts added to a (hfp_accum_add_counts). Neither accumulator's other figures
 * are the trace's. Progress as hfp_read_events shows it. Returns HFP_EXIT_OK, or -1 when the
 * parts could not be read or did not add up to the clean-exit totals, having printed nothing:
 * r's reader is then used up and a holds part of the counts; read the trace again the plain
 * way, from a new reader and accumulator, which reports what was wrong. */
int hfp_split_read(struct hfp_read *r, struct hfp_accum *a, struct hfp_accum *b, const char *pass);

#endif
