/* hf_symbols.h: the SYMBOLS records of static executables (hf_symbols.c). */
#ifndef HF_SYMBOLS_H
#define HF_SYMBOLS_H

#include "hf_base.h"
/* Under the meta lock, before CLOSE in a statically linked program: appends a SYMBOLS record of
 * the executable's functions that hold a stack frame of this trace, read from its .symtab. */
void hf_symbols_write(void);

#endif
