/* hfp_demangle.h: mangled names made readable (C++, Rust legacy and v0). */
#ifndef HFP_DEMANGLE_H
#define HFP_DEMANGLE_H

/* Demangles a C++ name or a Rust legacy name ("_Z...", Rust's printed without its ::h<hash>)
 * or a Rust v0 name ("_R..."); returns NULL when the name is not one of those. The result is
 * malloc'ed. */
char *hfp_demangle(const char *name);
/* --shorten-templates: name with every template's arguments dropped ("std::vector<int>::push_back"
 * -> "std::vector<>::push_back"), heaptrack_print's default; the operators named with < or >
 * (operator<, operator<<=, operator->, ...) are kept. NULL when name has nothing to drop; else
 * malloc'ed. */
char *hfp_shorten_templates(const char *name);

#endif
