/* hfp_symbol.h: the symbolizer: return addresses of the trace's modules -> source frames
 * (function, file, line, the functions it was inlined into), offline, with libdwfl. */
#ifndef HFP_SYMBOL_H
#define HFP_SYMBOL_H

#include <stddef.h>
#include <stdint.h>

#include "heapfold_trace.h"

struct hfp_warnings;

/* One source-level frame of an address. Strings live until the next resolve call. */
struct hfp_srcframe {
	const char *name;   /* never NULL: unresolved frames are "[module+0xOFFSET]" */
	const char *file;   /* NULL if unknown */
	unsigned line;
	const char *module; /* path of the module (as recorded), NULL if none */
};
#define HFP_MAX_INLINE 64

/* Resolves the return address frame of module (0 = none) into frames, innermost first
 * (the function containing frame - 1, then the functions it was inlined into). Returns the
 * count, at least 1, at most max. hfp_symbolize is one; tests pass their own. */
typedef size_t (*hfp_resolve_fn)(void *ctx, uint32_t module, uint64_t frame,
				 struct hfp_srcframe *out, size_t max);

/* Where modules come from: the trace, or a test's arrays. */
struct hfp_modsrc {
	const struct hf_module *(*module)(void *ctx, uint32_t id);
	const struct hf_symbol *(*symbols)(void *ctx, uint32_t id, size_t *n);
	void *ctx;
};

struct hfp_symbolizer;
struct hfp_symbolizer *hfp_symbolizer_new(const struct hfp_modsrc *src, const char *const *debug_paths,
					  size_t ndebug_paths, const char *sysroot,
					  struct hfp_warnings *w);
/* An hfp_resolve_fn; symbolizer is a struct hfp_symbolizer. */
size_t hfp_symbolize(void *symbolizer, uint32_t module, uint64_t frame, struct hfp_srcframe *out,
		     size_t max);
/* A trace's stack nodes, ids 1 .. count. */
struct hfp_nodesrc {
	struct hf_node (*node)(void *ctx, uint32_t id); /* frame 0: no such node */
	void *ctx;
	uint32_t count;
	/* If table.ref is not NULL, the reader's own tables, read without a call (hfp_node), for
	 * the walks that visit tens of millions of nodes. */
	struct hf_nodes table;
};

/* Node id; its frame is 0 when there is no such node. */
static inline struct hf_node hfp_node(const struct hfp_nodesrc *n, uint32_t id)
{
	if (n->table.ref)
		return hf_nodes_get(&n->table, id);
	return n->node(n->ctx, id);
}

/* Opens the modules ids[0..n) and their DWARF on a second thread, started now, then (nodes not
 * NULL) symbolizes the return address of every node, each distinct one once, into answers that
 * hfp_symbolize gives without asking libdw again. The first hfp_symbolize (or
 * hfp_symbolizer_free) stops the thread where it is and waits for it: what it did not reach is
 * symbolized on demand, as without it. The module and node sources must stay readable from any
 * thread until then. */
void hfp_symbolizer_prefetch(struct hfp_symbolizer *s, const uint32_t *ids, size_t n,
			     const struct hfp_nodesrc *nodes);
/* Stops that thread where it is and waits for it, as the first hfp_symbolize does: before the
 * nodes it was given go (hf_trace_drop_nodes), which a drain that symbolized nothing leaves to
 * this call. */
void hfp_symbolizer_prefetch_stop(struct hfp_symbolizer *s);
/* 1: libc's internal aliases (__GI___strdup, _IO_new_fopen) are shown as the symbol table has
 * them, not replaced by the public name at the same address (--raw-names). */
void hfp_symbolizer_raw_names(struct hfp_symbolizer *s, int on);
void hfp_symbolizer_free(struct hfp_symbolizer *s);
/* Reads the GNU build-id of an ELF file. Returns its length (0 if none), -1 if unreadable. */
long hfp_file_build_id(const char *path, uint8_t *out, size_t cap);

#endif
