/* hfp_folded.h: folded stacks ("root;...;leaf COUNT"), the lines -F writes and --svg draws, and
 * the checker of flamegraph.pl's grammar the tests and the fuzzer hold every folded output to. */
#ifndef HFP_FOLDED_H
#define HFP_FOLDED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/hfp_buf.h"
#include "../core/hfp_idindex.h"
#include "../core/hfp_strtab.h"

struct hfp_stacks;

/* Makes a frame name safe for flamegraph.pl's grammar (see hfp_folded.c). Appends to b. */
void hfp_folded_escape(struct hfp_buf *b, const char *name);

/* Merged folded lines: stack text (root first, escaped) and count, sorted by text, counts > 0. */
struct hfp_folded {
	char **stack;
	uint64_t *count;
	size_t n;
	uint64_t total;
};
void hfp_folded_build(const struct hfp_stacks *s, int cost, struct hfp_folded *out);
/* The trie -F writes its lines from (hfp_folded_stream.c), which --svg draws too: each distinct
 * prefix of the stacks' escaped frame names once (names interned in names: equal names are equal
 * pointers), a node's children merged by name. Node 0 is the root; a node is made after its
 * parent, so a parent's id is below its children's. child, next: first child and next sibling,
 * 0 for none. --html's flame data builds one over the display names (interned by the stack
 * layer) with hfp_ftrie_init and hfp_ftrie_child. */
struct hfp_ftrie_node {
	const char *name;
	uint64_t count; /* of the line that ends here */
	uint32_t parent, child, next;
	uint32_t nchild;
};
struct hfp_ftrie {
	struct hfp_ftrie_node *n;
	size_t nn, cap;
	size_t present;           /* bytes of n made present (hfp_mem_ahead) */
	struct hfp_idindex index; /* (parent, name) -> node, for the children of wide nodes; freed
				   * once built */
	struct hfp_strtab names;
};
/* An empty trie: the root alone. */
void hfp_ftrie_init(struct hfp_ftrie *t);
/* The child of parent named name (compared by pointer), made if it is not there yet: its id. */
uint32_t hfp_ftrie_child(struct hfp_ftrie *t, uint32_t parent, const char *name);
/* The trie of the stacks that have the cost (enum hfp_cost); false if none has. */
int hfp_ftrie_build(struct hfp_ftrie *t, const struct hfp_stacks *s, int cost);
void hfp_ftrie_free(struct hfp_ftrie *t);
/* Writes "stack count\n" lines. Returns 0, or -1 on a write error (see ferror). */
int hfp_folded_write(FILE *f, const struct hfp_folded *fo);
/* The same lines as hfp_folded_build and hfp_folded_write would give, written from the stacks
 * without holding their text (hfp_folded_stream.c). Returns 0, or -1 on a write error. */
int hfp_folded_stream(FILE *f, const struct hfp_stacks *s, int cost);
void hfp_folded_free(struct hfp_folded *fo);
/* Checks text against flamegraph.pl's grammar. Returns NULL if valid, else a static description
 * of the first problem; *line_no gets its 1-based line. */
const char *hfp_folded_check(const char *text, size_t len, size_t *line_no);

#endif
