/* hfp_demangle.c: mangled names made readable, with GNU libiberty's cplus_demangle (Debian's
 * libiberty-dev, linked statically), the demangler of binutils and gdb.
 *
 * Why libiberty: one well-kept demangler for every mangling a heap profile meets: C++ (the
 * Itanium ABI's _Z names), Rust's legacy names (_ZN...17h<hash>E, printed without the hash, as
 * rustfilt does) and Rust's v0 names (_R..., which rustc is moving to and C++ runtimes cannot
 * read). It replaced a dlopen of libstdc++'s __cxa_demangle, which read only C++. */
#include <stdlib.h>
#include <string.h>

/* libiberty's demangle.h pulls in its ansidecl.h, found beside it. */
#include <libiberty/demangle.h>

#include "../core/hfp_mem.h"
#include "hfp_demangle.h"

char *hfp_demangle(const char *name)
{
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	/* DMGL_AUTO: C++ or Rust, by the name itself; DMGL_PARAMS: C++ parameter lists, as before;
	 * without DMGL_VERBOSE, Rust's hashes are left out. */
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}

/* The length of the operator token at p that follows "operator" ("<<=", "->" and the like) and
 * must be copied as it is, or 0. The longest token wins: "operator<=<T>" is operator<= of T. */
static size_t operator_at(const char *name, const char *p)
{
	static const char op[] = "operator";
	static const char *const tokens[] = { "<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "->", "<", ">" };
	size_t n = sizeof op - 1;
	if ((size_t)(p - name) < n || strncmp(p - n, op, n) != 0)
		return 0;
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
		if (strncmp(p, tokens[i], strlen(tokens[i])) == 0)
			return strlen(tokens[i]);
	return 0;
}

char *hfp_shorten_templates(const char *name)
{
	if (!strchr(name, '<'))
		return NULL;
	size_t len = strlen(name), k = 0;
	char *out = hfp_malloc(len + 1);
	int depth = 0, changed = 0;
	for (const char *p = name; *p;) {
		size_t op = depth == 0 ? operator_at(name, p) : 0;
		if (op) {
			memcpy(out + k, p, op);
			k += op;
			p += op;
			continue;
		}
		if (*p == '<') {
			if (depth++ == 0)
				out[k++] = '<';
		} else if (*p == '>' && depth > 0) {
			if (--depth == 0)
				out[k++] = '>';
		} else if (depth == 0) {
			out[k++] = *p;
		} else {
			changed = 1;
		}
		p++;
	}
	out[k] = 0;
	if (!changed || depth != 0) { /* nothing dropped, or unbalanced: keep the name whole */
		free(out);
		return NULL;
	}
	return out;
}
