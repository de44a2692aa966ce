/* hf_metrics.h: Prometheus metrics (hf_metrics.c); hf_metrics_format is in heapfold.h. */
#ifndef HF_METRICS_H
#define HF_METRICS_H

/* From the constructor, after the options: with HEAPFOLD_METRICS=FILE, writes FILE now and
 * starts the thread that rewrites it every HEAPFOLD_METRICS_INTERVAL. */
void hf_metrics_start(void);
/* At the process's exit: the last numbers into FILE (only in the process that started it). */
void hf_metrics_exit(void);

#endif
