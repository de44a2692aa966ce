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

#endif
