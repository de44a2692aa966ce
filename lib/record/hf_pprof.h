/* hf_pprof.h: heap profiles in pprof's format (hf_pprof.c); hf_pprof_write is in heapfold.h. */
#ifndef HF_PPROF_H
#define HF_PPROF_H

/* From the constructor, after hf_profile_init: with HEAPFOLD_PPROF_DIR, starts the thread that
 * writes a profile every HEAPFOLD_PPROF_INTERVAL. */
void hf_pprof_start(void);
/* At the process's exit, once the trace is closed: the last profile (in the process that
 * started the thread only). */
void hf_pprof_exit(void);
/* Fork child: the lock starts over. */
void hf_pprof_fork_child(void);

#endif
