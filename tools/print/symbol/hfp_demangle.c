/* hfp_demangle.c: C++ names, demangled by the C++ runtime's own __cxa_demangle, found with
 * dlopen at the first mangled name.
 *
 * Why not link it: elfutils exports no demangler, and linking -lstdc++ would make every run of a
 * C tool load a C++ runtime. libstdc++ is present wherever C++ programs run, which is where
 * mangled names come from; where it is absent, names stay mangled (still correct, just raw). */
#include <dlfcn.h>
#include <stdlib.h>

#include "hfp_demangle.h"

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

char *hfp_demangle(const char *name)
{
	static int tried;
	static cxa_demangle_fn demangle;
	if (!name || name[0] != '_' || name[1] != 'Z')
		return NULL;
	if (!tried) {
		tried = 1;
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (h)
			demangle = (cxa_demangle_fn)dlsym(h, "__cxa_demangle");
	}
	if (!demangle)
		return NULL;
	int status = -1;
	char *out = demangle(name, NULL, NULL, &status);
	if (status != 0) {
		free(out);
		return NULL;
	}
	return out;
}
