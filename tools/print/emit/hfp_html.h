/* hfp_html.h: the parts of --html (hfp_html.c, the page; hfp_html_flame.c, its flame graph). */
#ifndef HFP_HTML_H
#define HFP_HTML_H

#include <stdio.h>

struct hfp_stacks;

/* Writes the flame graph's data: the frame tree with a value per cost type, as JSON in a
 * script element (id flame-data). */
void hfp_html_flame_data(FILE *f, const struct hfp_stacks *s);
/* The script that draws it into the svg element of id flame: initFlame() once, then
 * drawFlame() with the globals cur (cost type), zoomed (frame) and searchRe set. */
extern const char hfp_html_flame_script[];

#endif
