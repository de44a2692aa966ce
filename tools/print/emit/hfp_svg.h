/* hfp_svg.h: the SVG flame graph, drawn from folded lines. */
#ifndef HFP_SVG_H
#define HFP_SVG_H

#include <stdio.h>

#include "../core/hfp_buf.h"

struct hfp_folded;

/* Renders folded lines as a flame graph in flamegraph.pl's SVG structure; subtitle (the active
 * filters) may be NULL or "". cost (enum hfp_cost) names the title and the unit. With base (the
 * base run of --diff, else NULL), frames are coloured by their change from it, as flamegraph.pl
 * colours a differential graph. Returns 0, or -1 on a write error. */
int hfp_svg_write(FILE *f, const struct hfp_folded *fo, const struct hfp_folded *base, int cost,
		  const char *subtitle);
/* XML-escapes s (&<>"') into b. */
void hfp_xml_escape(struct hfp_buf *b, const char *s);

#endif
