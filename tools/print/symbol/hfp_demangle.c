/* hfp_demangle.c: mangled names made readable, with GNU libiberty's cplus_demangle (Debian's
 * libiberty-dev, linked statically), the demangler of binutils and gdb.
 *
 * Why libiberty: one well-kept demangler for every mangling a heap profile meets: C++ (the
 * Itanium ABI's _Z names), Rust's legacy names (_ZN...17h<hash>E, printed without the hash, as
 * rustfilt does) and Rust's v0 names (_R..., which rustc is moving to and C++ runtimes cannot
 * read). It replaced a dlopen of libstdc++'s __cxa_demangle, which read only C++. */
#include <stdlib.h>

/* libiberty's demangle.h pulls in its ansidecl.h, found beside it. */
#include <libiberty/demangle.h>

#include "hfp_demangle.h"

char *hfp_demangle(const char *name)
{
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	/* DMGL_AUTO: C++ or Rust, by the name itself; DMGL_PARAMS: C++ parameter lists, as before;
	 * without DMGL_VERBOSE, Rust's hashes are left out. */
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}
