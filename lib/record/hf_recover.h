/* hf_recover.h: callers of libc functions without unwind tables in static musl programs
 * (hf_recover.c), and the x86-64 decoder it uses (hf_x86.c). */
#ifndef HF_RECOVER_H
#define HF_RECOVER_H

#include "hf_base.h"
/* hf_recover.c: in static musl programs, the callers of libc functions without unwind tables.
 * hf_recover_on is set once at start. hf_recover takes the program's frames (ips[0] first), the
 * hook's frame, and room for want frames; returns the new count and in *trusted how many
 * leading frames have a caller found this way (hf_stack.c does not cut the stack there).
 * *looked: 1 if it read the program's stack (the stack is then more than a function of the
 * frames it was given), else 0 (ips and the count as they were). */
extern int hf_recover_on;
void hf_recover_init(void);
unsigned hf_recover(const void *frame, uintptr_t *ips, unsigned n, unsigned want, unsigned *trusted,
		    int *looked);
/* hf_x86.c: rsp's distance below the entry of the function [start, start + size) (its code at
 * code) at the call that returns to ret, and the height at which it pushed rbp (-1: not).
 * 0, or -1 if it cannot be told for certain. */
int hf_x86_call_height(const uint8_t *code, uint64_t start, uint64_t size, uint64_t ret,
		       int32_t *height, int32_t *rbp_h);
/* Whether a function symbol of this name starts where the function is entered (not a
 * compiler's split-off cold part). */
int hf_x86_is_entry(const char *name);

#endif
