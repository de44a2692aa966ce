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
/* A followed child (HEAPFOLD_FOLLOW=1), whose trace starts: profiles of its own, named by its
 * pid, from its own thread; its live profile starts over with its trace. */
void hf_pprof_restart_child(void);

#endif
