/* hf_fork.h: fork (hf_fork.c). */
#ifndef HF_FORK_H
#define HF_FORK_H

#include "hf_base.h"
/* The one pthread_atfork registration. In a forked child, reinit runs first (locks and state of
 * the caller's that another thread may have held at the fork); with HEAPFOLD_FOLLOW=1, restart
 * then starts the child's own trace (0, or -1: the child does not record). */
int hf_fork_init(void (*reinit)(void), int (*restart)(void));

#endif
