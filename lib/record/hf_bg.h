/* hf_bg.h: the background thread (hf_bg.c). */
#ifndef HF_BG_H
#define HF_BG_H

#include <time.h>

#include "hf_base.h"
/* Starts (or, in a followed child, restarts) the background thread. */
int hf_bg_start(void);

/* Every thread of the recorder's own (this one, the metrics and the profile threads) runs
 * between these two, so that the recorder knows when only its threads are left. */
void hf_bg_own_begin(void);
void hf_bg_own_end(void);
/* Fork child: none of our threads is there (nor their slots for hf_bg_every). */
void hf_bg_fork_child(void);
/* A thread of ours, between waits: 1 when the program's threads are all gone but a main thread
 * that called pthread_exit. The thread must then end: hf_bg_own_end, HF_MODE_OFF (what runs
 * next is the program's exit), return from its start routine. libc counts our threads too, so
 * the process would never end while they run (and a signal sent to it would wait forever, since
 * they block every signal); when the last of them returns, libc ends the process with exit(0),
 * as it does when a program's last thread exits. Must not hold a lock of ours. */
int hf_bg_alone(void);
/* Sleeps until deadline (CLOCK_MONOTONIC) in slices of at most 100 ms, checking hf_bg_alone
 * between them: for the threads that wake seldom. Returns 1 if alone (the thread must end). */
int hf_bg_sleep_until(const struct timespec *deadline);
/* The end of a thread of ours that found itself alone (see hf_bg_alone). */
void hf_bg_own_leave(void);
/* Starts a thread of ours that calls tick every interval_ns from now (the metrics file, the
 * pprof profiles): the program's signals blocked, HF_MODE_INSIDE (what libc allocates for it is
 * not the program's), ending when the program's threads are all gone. From the constructor.
 * Returns 0 or pthread_create's error. */
int hf_bg_every(uint64_t interval_ns, void (*tick)(void));

#endif
