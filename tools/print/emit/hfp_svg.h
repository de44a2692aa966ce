/* hfp_svg.h: the SVG flame graph, drawn from folded lines. */
#ifndef HFP_SVG_H
#define HFP_SVG_H

#include <stdio.h>

#include "../core/hfp_buf.h"

struct hfp_folded;
struct hfp_stacks;

/* Renders folded lines as a flame graph in flamegraph.pl's SVG structure; subtitle (the active
 * filters) may be NULL or "". cost (enum hfp_cost) names the title and the unit. With base (the
 * base run of --diff, else NULL), frames are coloured by their change from it, as flamegraph.pl
 * colours a differential graph. Returns 0, or -1 on a write error. */
int hfp_svg_write(FILE *f, const struct hfp_folded *fo, const struct hfp_folded *base, int cost,
		  const char *subtitle);
/* The same picture as hfp_svg_write of the stacks' folded lines, without --diff's base, drawn
 * from the trie of -F (hfp_ftrie_build), of which only the frames wide enough to see are made:
 * the memory of the tree that is drawn, not of every line. */
int hfp_svg_write_stacks(FILE *f, const struct hfp_stacks *s, int cost, const char *subtitle);
/* XML-escapes s (&<>"') into b. */
void hfp_xml_escape(struct hfp_buf *b, const char *s);

#endif
