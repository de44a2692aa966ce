/* hf_early.h: allocations made before the recorder's constructor (hf_early.c). */
#ifndef HF_EARLY_H
#define HF_EARLY_H

#include "hf_base.h"
/* Static glibc allocates before any constructor runs, and unwinding there would corrupt
 * libunwind's cache: until the recorder starts, live blocks are kept in a small table with
 * their immediate caller (found through the hooks' own frame pointers), to be replayed into
 * the first trace with a one-frame stack marked truncated. */
struct hf_early_block {
	uintptr_t ptr, caller;
	size_t size;
	unsigned kind;
};
/* Whether the table still takes blocks (before the first start, or its discard). */
extern int hf_early_open;
void hf_early_alloc(void *p, size_t size, unsigned kind, uintptr_t caller);
void hf_early_free(void *p);
/* The table's blocks; closes it. */
size_t hf_early_take(const struct hf_early_block **out);
/* The first return address outside the recorder, from the hook's frame (frame pointers: every
 * recorder function keeps one). 0 if none is found. */
uintptr_t hf_early_caller(const void *frame);

#endif
