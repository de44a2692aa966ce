/* hf_global.c: the process-wide state every part of the recorder reads (hf_base.h): hf_g, one
 * cache line written rarely and read on every event, and hf_E, the free epoch. Defined apart
 * from hf_init.c, which writes them, so that reading them ties no file to the start and end of
 * traces. */
#include "hf_base.h"

struct hf_global hf_g;
struct hf_epoch hf_E;
