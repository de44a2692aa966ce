/* hfp_allocfn.c: the default list of allocation functions a stack is cut above.
 *
 * The list holds functions whose only job is to hand out memory of a requested size: C++'s
 * operator new in every variant (plain, [], nothrow, aligned, sized: all demangle to
 * "operator new..."; their mangled names start with _Znw / _Zna), the Rust runtime's allocation
 * entry points, glib's g_malloc family and the xmalloc family of GNU programs (gnulib's xalloc).
 * Left visible on purpose: functions that copy (strdup, strndup, xstrdup, xmemdup, g_strdup,
 * g_memdup) and containers' growth paths (std::vector, Rust's RawVec): their names say what was
 * allocated, which an allocation site alone does not; --allocator-frame adds any of them. */
#include <string.h>

#include "hfp_allocfn.h"

const char *const hfp_allocfn_defaults[] = {
	/* C++ */
	"operator new*", "_Znw*", "_Zna*",
	/* Rust: __rust_alloc -> __rdl_alloc (or __rg_alloc with #[global_allocator]), and
	 * alloc::alloc's functions and Global's Allocator methods around them */
	"__rust_alloc*", "__rust_realloc", "__rdl_alloc*", "__rdl_realloc", "__rg_alloc*",
	"__rg_realloc", "alloc::alloc::*", "<alloc::alloc::Global as core::alloc::Allocator>::*",
	/* glib */
	"g_malloc", "g_malloc0", "g_malloc_n", "g_malloc0_n", "g_realloc", "g_realloc_n",
	"g_try_malloc", "g_try_malloc0", "g_try_malloc_n", "g_try_malloc0_n", "g_try_realloc",
	"g_try_realloc_n", "g_slice_alloc", "g_slice_alloc0", "g_aligned_alloc", "g_aligned_alloc0",
	/* GNU programs (gnulib xalloc, and git's, gcc's and binutils' own) */
	"xmalloc", "xzalloc", "xcalloc", "xrealloc", "xnmalloc", "xnrealloc", "x2realloc",
	"x2nrealloc", "xcharalloc", "ximalloc", "xizalloc", "xicalloc", "xirealloc", "xreallocarray",
};
const size_t hfp_allocfn_ndefaults = sizeof hfp_allocfn_defaults / sizeof hfp_allocfn_defaults[0];

static int matches(const char *name, const char *pat)
{
	size_t n = strlen(pat);
	if (n && pat[n - 1] == '*')
		return strncmp(name, pat, n - 1) == 0;
	return strncmp(name, pat, n) == 0 && (name[n] == 0 || name[n] == '(');
}

int hfp_allocfn_match(const char *name, const char *const *extra, size_t nextra)
{
	for (size_t i = 0; i < hfp_allocfn_ndefaults; i++)
		if (matches(name, hfp_allocfn_defaults[i]))
			return 1;
	for (size_t i = 0; i < nextra; i++)
		if (matches(name, extra[i]))
			return 1;
	return 0;
}
