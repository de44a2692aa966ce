/* hfp_allocfn.h: allocation functions above malloc (operator new, runtime and program wrappers):
 * frames a displayed stack drops, as it drops the malloc pseudo-frame, so that an allocation is
 * shown where the program asked for memory (heapfold_print(1), ALLOCATION FUNCTIONS). */
#ifndef HFP_ALLOCFN_H
#define HFP_ALLOCFN_H

#include <stddef.h>

/* 1 if name is one of the default allocation functions or matches one of extra (the
 * --allocator-frame patterns). A pattern ending in '*' matches names starting with the rest;
 * any other pattern matches the name exactly or followed by its parameter list. */
int hfp_allocfn_match(const char *name, const char *const *extra, size_t nextra);

/* The default patterns, for --help and the tests. */
extern const char *const hfp_allocfn_defaults[];
extern const size_t hfp_allocfn_ndefaults;

#endif
