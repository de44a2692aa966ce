/* hf_hooks.h: the hooks (hf_hooks.c): the libc-independent recording logic behind each member
 * of the malloc family. */
#ifndef HF_HOOKS_H
#define HF_HOOKS_H

#include "hf_base.h"
/* hf_NAME for each member of the malloc family (hf_family.h): what the exported function (the
 * preload library's NAME, the static archive's __wrap_NAME) calls. */
#define HF_HOOK_PROTO(RET, NAME, PARAMS, ...) RET hf_##NAME PARAMS;
HF_FAMILY(HF_HOOK_PROTO)
#undef HF_HOOK_PROTO
/* hf_mark: a MARK record in the calling thread's stream (if it records). */
void hf_hooks_mark(const char *label, size_t len);
/* hf_rec_open, first trace only: the blocks allocated before the recorder's constructor (kept
 * by hf_early.c) become ALLOC records of the starting thread. */
void hf_hooks_replay_early(void);

#endif
