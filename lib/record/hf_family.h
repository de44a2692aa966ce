/* hf_family.h: the malloc family, listed once. Everything that names each member (the table of
 * real functions, the hooks' prototypes, the preload library's exports and bootstrap, the
 * static archives' --wrap functions and the linker options of lib/record/link/) is generated
 * from this list with the X-macro below.
 *
 *   X(RET, NAME, PARAMS, ARGS, TAKES, FALLBACK, LIBC)
 *     RET NAME PARAMS   the libc prototype; ARGS the parameters as call arguments
 *     TAKES    TAKES_BLOCK if the first argument is a block the call frees, resizes or measures
 *              (the preload library must recognise its own bootstrap blocks there), else TAKES_NONE
 *     FALLBACK REQUIRED: a libc without it cannot be traced; EMULATED: hf_family_emu.c's
 *              emu_NAME stands in where the libc lacks it
 *     LIBC     ANY, or GLIBC for members only glibc has (musl's static libc.a cannot be wrapped
 *              for them, and the static archive's table takes emu_NAME on musl)
 *
 * Adding a member: one line here, its hook hf_NAME in hf_hooks.c (an allocator kind HF_FRAME_* in
 * include/heapfold_trace.h if it allocates), what it does while the preload library resolves the
 * real functions (resolving_NAME in hf_preload.c, and arena_NAME there if it TAKES_BLOCK), and
 * emu_NAME in hf_family_emu.c if it is EMULATED. docs/internals.md walks through it. */
#ifndef HF_FAMILY_H
#define HF_FAMILY_H

#ifndef HF_FAMILY_LIST_ONLY /* the linker options' template reads the list alone */
#include <stddef.h>
#endif

#define HF_FAMILY(X)                                                                          \
	X(void *, malloc, (size_t n), (n), TAKES_NONE, REQUIRED, ANY)                        \
	X(void, free, (void *p), (p), TAKES_BLOCK, REQUIRED, ANY)                            \
	X(void *, calloc, (size_t m, size_t n), (m, n), TAKES_NONE, REQUIRED, ANY)           \
	X(void *, realloc, (void *p, size_t n), (p, n), TAKES_BLOCK, REQUIRED, ANY)          \
	X(void *, reallocarray, (void *p, size_t m, size_t n), (p, m, n), TAKES_BLOCK, EMULATED, ANY) \
	X(int, posix_memalign, (void **out, size_t align, size_t n), (out, align, n), TAKES_NONE, \
	  REQUIRED, ANY)                                                                       \
	X(void *, aligned_alloc, (size_t align, size_t n), (align, n), TAKES_NONE, EMULATED, ANY) \
	X(void *, memalign, (size_t align, size_t n), (align, n), TAKES_NONE, EMULATED, ANY)   \
	X(void *, valloc, (size_t n), (n), TAKES_NONE, EMULATED, ANY)                         \
	X(void *, pvalloc, (size_t n), (n), TAKES_NONE, EMULATED, GLIBC)                      \
	X(size_t, malloc_usable_size, (void *p), (p), TAKES_BLOCK, EMULATED, ANY)

/* The first of a parenthesised argument list: HF_FIRST ARGS. */
#define HF_FIRST(a, ...) a

/* HF_IF_<COLUMN VALUE>(code): code for the members with that value, nothing for the others. */
#define HF_IF_TAKES_BLOCK(...) __VA_ARGS__
#define HF_IF_TAKES_NONE(...)
#define HF_IF_EMULATED(...) __VA_ARGS__
#define HF_IF_REQUIRED(...)

#endif
