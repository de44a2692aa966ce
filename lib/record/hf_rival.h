/* hf_rival.h: another allocator that the dynamic linker binds the program's malloc to
 * (hf_rival_preload.c; the shared library only). */
#ifndef HF_RIVAL_H
#define HF_RIVAL_H

/* Called at start, after the options are read: if malloc, free, calloc or realloc resolve to
 * another object than ours, says so in one line naming it and the fix. */
void hf_rival_check(void);

#endif
