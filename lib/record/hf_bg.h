/* hf_bg.h: the background thread (hf_bg.c). */
#ifndef HF_BG_H
#define HF_BG_H

#include "hf_base.h"
/* Starts (or, in a followed child, restarts) the background thread. */
int hf_bg_start(void);

#endif
