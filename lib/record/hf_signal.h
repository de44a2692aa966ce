/* hf_signal.h: flushing on deaths by signal (hf_signal.c). */
#ifndef HF_SIGNAL_H
#define HF_SIGNAL_H

/* From the constructor: a handler for each fatal or terminating signal left at its default
 * action, which writes what the recorder holds (flush: hf_rec_flush) and then lets the signal
 * act as without it. */
void hf_signal_init(void (*flush)(void));

#endif
