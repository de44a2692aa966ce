/* hf_run.h: a run of the launcher (hf_run.c): the traces it wrote, noted in its run file, and
 * the listing printed when the launched process ends; our environment entries, kept for the
 * images a traced process execs (hf_follow_preload.c). */
#ifndef HF_RUN_H
#define HF_RUN_H

#include "hf_base.h"

/* From the constructor, after the options and before the environment is cleaned: copies our
 * environment entries (HEAPFOLD_*, LD_PRELOAD) and notes which image of the process this is. */
void hf_run_init(void);
/* How many traced images this process exec'd before this one (0: the program as started). */
unsigned hf_run_image(void);
/* Our environment entries as found at start, n of them ("HEAPFOLD_OUTPUT=...", ...; the
 * LD_PRELOAD entry as it was, ours included). */
const char *const *hf_run_saved_env(size_t *n);
/* A trace was created at abspath (forked: by a followed child at its fork): one line in the run
 * file. Nothing without a run file. */
void hf_run_trace_opened(const char *abspath, int forked);
/* A process of the run that is not traced ran prog (a forked child's exec): noted for the
 * listing, which says how to trace it. */
void hf_run_untraced(const char *prog);
/* The process is about to end (exit, _exit, a death by signal, an exec into a program the
 * recorder cannot follow): in the launched process, the listing of every trace the run wrote,
 * then the run file is removed (unless the launcher keeps it). Once; async-signal-safe. */
void hf_run_end(void);

#endif
