/* hfp_folded.h: folded stacks ("root;...;leaf COUNT"), the lines -F writes and --svg draws, and
 * the checker of flamegraph.pl's grammar the tests and the fuzzer hold every folded output to. */
#ifndef HFP_FOLDED_H
#define HFP_FOLDED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/hfp_buf.h"

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
