/* hfp_demangle.h: C++ names made readable. */
#ifndef HFP_DEMANGLE_H
#define HFP_DEMANGLE_H

/* Demangles an Itanium C++ name ("_Z..."), or returns NULL (not mangled, or no demangler).
 * The result is malloc'ed. */
char *hfp_demangle(const char *name);

#endif
