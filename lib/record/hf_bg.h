/* hf_bg.h: the background thread (hf_bg.c). */
#ifndef HF_BG_H
#define HF_BG_H

#include "hf_base.h"
/* Starts (or, in a followed child, restarts) the background thread. */
int hf_bg_start(void);

/* Every thread of the recorder's own (this one, the metrics and the profile threads) runs
 * between these two, so that the recorder knows when only its threads are left. */
void hf_bg_own_begin(void);
void hf_bg_own_end(void);
/* Fork child: none of our threads is there. */
void hf_bg_fork_child(void);
/* A thread of ours, between waits: when the program's threads are all gone but a main thread
 * that called pthread_exit, ends the process as libc does when its last thread exits (exit(0),
 * by one thread). libc counts our threads too: without this the process would never end, and
 * a signal sent to it would wait forever, since our threads block them all. Must not hold a
 * lock of ours. */
void hf_bg_exit_if_alone(void);
/* Sleeps until deadline (CLOCK_MONOTONIC) in slices of at most 100 ms, calling
 * hf_bg_exit_if_alone between them: for the threads that wake seldom. */
void hf_bg_sleep_until(const struct timespec *deadline);

#endif
