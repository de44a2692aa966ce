/* hf_init.h: starting and ending traces (hf_init.c): what the entry points, the public API and
 * fork call. */
#ifndef HF_INIT_H
#define HF_INIT_H

#include "hf_base.h"
/* Called once by the constructor of hf_preload.c or hf_wrap.c: reads the options, and starts
 * recording unless HEAPFOLD_DISABLE=1 or HEAPFOLD_OUTPUT is set empty. exit_process is what the
 * process's exit runs (hf_rec_exit_process), registered with on_exit on glibc; the entry points
 * name it, so that this file does not call back into the exit path that calls it. */
void hf_rec_start(unsigned link_mode, void (*exit_process)(int));
/* Starts a new trace (hf_start): pattern as HEAPFOLD_OUTPUT, NULL for the option's value.
 * Returns HF_OK or a negative HF_E* code of heapfold.h (errno set for HF_EIO). */
int hf_rec_open(const char *pattern);
/* Ends the current trace (hf_stop): flushes every thread, writes CLOSE, closes the file.
 * Returns HF_OK or HF_EBUSY (not recording). Recording can start again with hf_rec_open. */
int hf_rec_stop(void);
/* Clean exit: flushes every thread, writes CLOSE, stops recording for good. Idempotent. */
void hf_rec_exit(int status);
/* The process's own exit (not exec): the runtime's exit-time frees first (hf_freeres.c), then
 * hf_rec_exit. */
void hf_rec_exit_process(int status);
/* hf_set_sample_bytes: the sampling rate of the next traces (hf_sample.c), refused while one is
 * recorded. Returns HF_OK or a negative HF_E* code (errno ENOMEM with HF_EIO). */
#define HF_SAMPLE_API_MAX 0x7fffffffu /* as HEAPFOLD_SAMPLE_BYTES */
int hf_rec_set_sample(uint64_t rate);
/* Flushes every thread's buffer and the meta stream (hf_flush in the public API). */
void hf_rec_flush(void);
/* Forked child with HEAPFOLD_FOLLOW=1: starts a trace of its own. Returns 0 or -1. */
int hf_rec_restart_child(void);

#endif
