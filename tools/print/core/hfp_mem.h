/* hfp_mem.h: allocation that cannot fail. On exhaustion it prints one line and exits with
 * HFP_EXIT_DATA: the trace is too big for this machine and nothing useful can be written. */
#ifndef HFP_MEM_H
#define HFP_MEM_H

#include <stddef.h>

void *hfp_malloc(size_t n);
void *hfp_calloc(size_t n, size_t size);
void *hfp_realloc(void *p, size_t n);
void *hfp_reallocarray(void *p, size_t n, size_t size);
char *hfp_strdup(const char *s);
char *hfp_strndup(const char *s, size_t n);

/* Page faults: where one is costly (a virtual machine that shadows the page tables: about 10
 * microseconds a page on the machines of docs/performance.md), a million distinct stacks spent
 * a third of heapfold_print's time in them. One madvise(MADV_POPULATE_WRITE) makes a range's
 * pages present for about half that; neither changes what memory holds (fresh pages are zero). */

/* Makes the whole pages of [p, p + n) present: for memory about to be written all over. */
void hfp_mem_present(void *p, size_t n);
/* For an array of cap bytes at p that fills from its start: makes its pages present up to need
 * bytes and HFP_MEM_AHEAD beyond (within cap), HFP_MEM_AHEAD at a time. *done holds how far that
 * went: 0 for a new array; realloc keeps it true (the pages it moves or copies stay present). */
void hfp_mem_ahead(void *p, size_t need, size_t cap, size_t *done);
#define HFP_MEM_AHEAD ((size_t)1 << 20)
/* Gives the whole pages of [p, p + n) back to the system (MADV_DONTNEED): for a part of a large
 * array that will not be read again before the array is freed, which then reads as zeros. */
void hfp_mem_release(void *p, size_t n);

#endif
