/* hf_early.h: allocations made before the recorder's constructor (hf_early.c). */
#ifndef HF_EARLY_H
#define HF_EARLY_H

#include "hf_base.h"
/* Until the recorder starts, live blocks are kept in a small table with their stacks, to be
 * replayed into the first trace. In the shared library (constructors of libraries that run
 * before ours) the stack is unwound in full; in a static program, where glibc allocates
 * before any constructor and unwinding there would corrupt libunwind's cache, only the
 * immediate caller is known (found through the hooks' own frame pointers) and the stack is
 * marked "before heapfold started". Blocks freed before the start stay in the table, so that
 * the counts are exact; when it is full they make room for live ones. */
#define HF_EARLY_DEPTH 32
struct hf_early_block {
	uintptr_t ptr;
	size_t size;
	unsigned kind;
	unsigned key;   /* hf_stack_node's key bits beyond the kind: truncated, before start */
	unsigned n;
	unsigned freed; /* freed before the start: replayed as an ALLOC and its FREE */
	uintptr_t ips[HF_EARLY_DEPTH]; /* innermost first */
};
/* Whether the table still takes blocks (before the first start, or its discard). */
extern int hf_early_open;
/* 1 in the shared library (hf_preload.c), 0 in the static archives (hf_wrap.c). */
extern const int hf_early_unwind;
/* Records block p with the stack of the hook whose frame is given. */
void hf_early_alloc(void *p, size_t size, unsigned kind, const void *frame);
void hf_early_free(void *p);
/* The table's blocks; closes it. */
size_t hf_early_take(const struct hf_early_block **out);

#endif
