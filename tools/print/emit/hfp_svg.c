/* hfp_svg.c: --svg, a flame graph of the folded stacks, so a machine without perl still gets a
 * picture: drawn from -F's trie of names (hfp_ftrie), or, for --diff, from the folded lines. It
 * follows flamegraph.pl's SVG: the same geometry (1200 px wide, 16 px frames, "all" at the
 * bottom), its "mem" palette with name-hashed colours (as with --hash, so the output is
 * deterministic), each frame a <g> holding a <title> tooltip ("name (N unit, P%)"), a <rect> and
 * a <text> truncated with "..". A small inline script adds what flamegraph.pl's adds: click to
 * zoom, a details line (the frame under the pointer, with its cost), and "Search" (a regular
 * expression; matching frames turn magenta and "Matched: P%" gives their share, counted once
 * where matches nest), also on load from the address: heap.svg?s=REGEX. Without script the
 * picture and its tooltips still work. Frames narrower than 0.1 px are left out, as
 * flamegraph.pl does.
 *
 * Unlike flamegraph.pl, which merges a frame only with the previous line's, siblings are merged
 * by name over the whole input: "a;b", "a;b c;x", "a;b;y" draw one "b". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../accum/hfp_accum.h"
#include "../core/hfp_cost.h"
#include "../core/hfp_hash.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_num.h"
#include "../core/hfp_options.h"
#include "../core/hfp_strtab.h"
#include "hfp_emit.h"
#include "hfp_folded.h"
#include "hfp_svg.h"

#define IMAGE_WIDTH 1200
#define FRAME_HEIGHT 16
#define FONT_SIZE 12
#define FONT_WIDTH 0.59
#define MIN_WIDTH 0.1
#define XPAD 10
#define YPAD1 (FONT_SIZE * 3)
#define YPAD2 (FONT_SIZE * 2 + 10)

void hfp_xml_escape(struct hfp_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': hfp_buf_puts(b, "&amp;"); break;
		case '<': hfp_buf_puts(b, "&lt;"); break;
		case '>': hfp_buf_puts(b, "&gt;"); break;
		case '"': hfp_buf_puts(b, "&quot;"); break;
		case '\'': hfp_buf_puts(b, "&apos;"); break;
		default: hfp_buf_putc(b, *s); break;
		}
	}
}

/* ---- the frame tree ------------------------------------------------------------------------- */

struct tnode {
	const char *name;
	size_t parent;
	uint64_t value;
	uint64_t base;  /* --diff: the base run's value of the same frame path */
	uint64_t start; /* offset in cost units from the left edge */
	uint32_t depth;
	size_t first_child, next_sibling; /* 0: none (node 0 is the root, never a child) */
};

struct tree {
	struct tnode *n;
	size_t len, cap;
	struct hfp_strtab names;
	struct hfp_hash children; /* (parent, interned name) -> node */
};

struct child_key {
	uint64_t parent;
	const char *name;
};

struct child_ent {
	struct child_key k;
	uint64_t node;
};

static const struct hfp_hash_type child_type = {
	.entry_size = sizeof(struct child_ent),
	.key_size = sizeof(struct child_key),
	.min_cap = 1024,
	.max_load = 50,
};

static size_t tree_child(struct tree *t, size_t parent, const char *name)
{
	struct child_key k = { parent, name };
	int added;
	struct child_ent *e = hfp_hash_put(&t->children, &k, sizeof k, &added);
	if (!added)
		return e->node;
	if (t->len == t->cap) {
		t->cap *= 2;
		t->n = hfp_reallocarray(t->n, t->cap, sizeof *t->n);
	}
	size_t id = t->len++;
	t->n[id] = (struct tnode){ name, parent, 0, 0, 0, t->n[parent].depth + 1, 0, 0 };
	e->node = id;
	return id;
}

static const struct tnode *sort_base;

static int cmp_child(const void *a, const void *b)
{
	return strcmp(sort_base[*(const size_t *)a].name, sort_base[*(const size_t *)b].name);
}

static void tree_build(struct tree *t, const struct hfp_folded *fo)
{
	memset(t, 0, sizeof *t);
	hfp_hash_init(&t->children, &child_type, NULL);
	t->cap = 256;
	t->n = hfp_calloc(t->cap, sizeof *t->n);
	t->n[0] = (struct tnode){ "all", 0, fo->total, 0, 0, 0, 0, 0 };
	t->len = 1;
	for (size_t i = 0; i < fo->n; i++) {
		size_t cur = 0;
		const char *s = fo->stack[i];
		for (;;) {
			const char *e = strchr(s, ';');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			cur = tree_child(t, cur, hfp_intern_n(&t->names, s, len));
			t->n[cur].value += fo->count[i];
			if (!e)
				break;
			s = e + 1;
		}
	}
	/* Children in name order, left to right; parents precede children in the array, so one
	 * forward sweep places every node after its parent. */
	size_t *kids = hfp_calloc(t->len, sizeof *kids);
	size_t *nkids = hfp_calloc(t->len, sizeof *nkids);
	size_t *at = hfp_calloc(t->len, sizeof *at);
	for (size_t i = 1; i < t->len; i++)
		nkids[t->n[i].parent]++;
	for (size_t i = 1; i < t->len; i++)
		at[i] = at[i - 1] + nkids[i - 1];
	size_t *fill = hfp_calloc(t->len, sizeof *fill);
	for (size_t i = 1; i < t->len; i++) {
		size_t p = t->n[i].parent;
		kids[at[p] + fill[p]++] = i;
	}
	sort_base = t->n;
	for (size_t i = 0; i < t->len; i++) {
		qsort(kids + at[i], nkids[i], sizeof *kids, cmp_child);
		uint64_t x = t->n[i].start;
		for (size_t k = 0; k < nkids[i]; k++) {
			struct tnode *c = &t->n[kids[at[i] + k]];
			c->start = x;
			x += c->value;
		}
	}
	free(kids);
	free(nkids);
	free(at);
	free(fill);
}

/* The frames wide enough to draw, from -F's trie (struct hfp_ftrie) rather than from the text of
 * every line: the same tree (siblings merged by name, in name order), but only its visible part
 * is made, parents first. A million distinct stacks' lines were 200 MB of text and their whole
 * tree 3 million nodes, of which a few thousand are drawn. The trie's counts become the totals of
 * their subtrees (a child's id is above its parent's). */
static int cmp_trie_child(const void *a, const void *b, void *nodes)
{
	const struct hfp_ftrie_node *n = nodes;
	return strcmp(n[*(const uint32_t *)a].name, n[*(const uint32_t *)b].name);
}

static void trie_visible(struct tree *t, const struct hfp_ftrie *tr, uint32_t node, size_t at, double per)
{
	const struct hfp_ftrie_node *n = tr->n;
	size_t k = 0;
	for (uint32_t c = n[node].child; c; c = n[c].next)
		k++;
	if (!k)
		return;
	uint32_t *kids = hfp_reallocarray(NULL, k, sizeof *kids);
	k = 0;
	for (uint32_t c = n[node].child; c; c = n[c].next)
		kids[k++] = c;
	qsort_r(kids, k, sizeof *kids, cmp_trie_child, tr->n);
	uint64_t x = t->n[at].start;
	for (size_t i = 0; i < k; i++) {
		const struct hfp_ftrie_node *c = &n[kids[i]];
		uint64_t start = x;
		x += c->count;
		if ((double)c->count * per < MIN_WIDTH)
			continue;
		if (t->len == t->cap) {
			t->cap *= 2;
			t->n = hfp_reallocarray(t->n, t->cap, sizeof *t->n);
		}
		size_t id = t->len++;
		t->n[id] = (struct tnode){ c->name, at, c->count, 0, start, t->n[at].depth + 1, 0, 0 };
		trie_visible(t, tr, kids[i], id, per);
	}
	free(kids);
}

static void tree_from_trie(struct tree *t, struct hfp_ftrie *tr)
{
	memset(t, 0, sizeof *t);
	hfp_hash_init(&t->children, &child_type, NULL);
	for (size_t i = tr->nn; i-- > 1;)
		tr->n[tr->n[i].parent].count += tr->n[i].count;
	uint64_t total = tr->n[0].count;
	t->cap = 256;
	t->n = hfp_calloc(t->cap, sizeof *t->n);
	t->n[0] = (struct tnode){ "all", 0, total, 0, 0, 0, 0, 0 };
	t->len = 1;
	if (total)
		trie_visible(t, tr, 0, 0, (double)(IMAGE_WIDTH - 2 * XPAD) / (double)total);
}

/* --diff: the base run's values onto the frames of the new run's tree, matched by the path of
 * names from the root. A path the new run lacks has no frame to colour (its width would be 0):
 * the picture is the new run's, coloured by the change, as flamegraph.pl draws difffolded.pl's
 * output. */
static void tree_add_base(struct tree *t, const struct hfp_folded *base)
{
	t->n[0].base = base->total;
	for (size_t i = 0; i < base->n; i++) {
		size_t cur = 0;
		const char *s = base->stack[i];
		for (;;) {
			const char *e = strchr(s, ';');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			struct child_key k = { cur, hfp_intern_n(&t->names, s, len) };
			const struct child_ent *c = hfp_hash_find(&t->children, &k, sizeof k);
			if (!c)
				break;
			cur = c->node;
			t->n[cur].base += base->count[i];
			if (!e)
				break;
			s = e + 1;
		}
	}
}

static void tree_free(struct tree *t)
{
	free(t->n);
	hfp_hash_free(&t->children);
	hfp_strtab_free(&t->names);
}

/* ---- colours: flamegraph.pl's namehash and "mem" palette ------------------------------------ */

static double namehash(const char *name, size_t len, int reverse)
{
	/* flamegraph.pl drops a "module`" prefix first. */
	const char *tick = len > 1 ? memchr(name + 1, '`', len - 1) : NULL;
	if (tick && !reverse) {
		len -= (size_t)(tick + 1 - name);
		name = tick + 1;
	}
	double vector = 0, weight = 1, max = 1;
	int mod = 10;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)(reverse ? name[len - 1 - i] : name[i]);
		vector += (double)(c % mod) / (mod - 1) * weight;
		mod++;
		max += weight;
		weight *= 0.70;
		if (mod > 12)
			break;
	}
	return 1 - vector / max;
}

static void mem_colour(const char *name, char *out, size_t cap)
{
	size_t len = strlen(name);
	double v1 = namehash(name, len, 0), v2 = namehash(name, len, 1);
	snprintf(out, cap, "rgb(%d,%d,%d)", 0, 190 + (int)(50 * v2), (int)(210 * v1));
}

/* --diff: flamegraph.pl's differential colours: red for a frame that grew, blue for one that
 * shrank, the deeper the larger the change against the largest change of any frame; white-grey
 * unchanged. */
static void diff_colour(int64_t delta, uint64_t maxdelta, char *out, size_t cap)
{
	if (delta == 0 || maxdelta == 0) {
		snprintf(out, cap, "rgb(250,250,250)");
		return;
	}
	uint64_t mag = delta > 0 ? (uint64_t)delta : (uint64_t)-delta;
	int v = (int)(210.0 * (double)(maxdelta - mag) / (double)maxdelta + 0.5);
	if (delta > 0)
		snprintf(out, cap, "rgb(255,%d,%d)", v, v);
	else
		snprintf(out, cap, "rgb(%d,%d,255)", v, v);
}

/* ---- output --------------------------------------------------------------------------------- */

static const char *const titles[HFP_COST_N] = {
	[HFP_COST_ALLOCATIONS] = "Heap allocations",
	[HFP_COST_BYTES] = "Heap bytes allocated",
	[HFP_COST_TEMPORARY] = "Temporary allocations",
	[HFP_COST_LEAKED] = "Leaked bytes",
	[HFP_COST_PEAK] = "Heap bytes at peak",
};

static const char *const units[HFP_COST_N] = {
	[HFP_COST_ALLOCATIONS] = "allocations",
	[HFP_COST_BYTES] = "bytes",
	[HFP_COST_TEMPORARY] = "allocations",
	[HFP_COST_LEAKED] = "bytes",
	[HFP_COST_PEAK] = "bytes",
};

/* Click a frame to zoom into it, click the background or "Reset Zoom" to go back; the details
 * line names the frame under the pointer; "Search" (or ?s=REGEX in the address) highlights. */
static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"var frames, fw = " "7.08" ", W = 1180, X = 10, all = [], details, total_text;\n"
	"function init(evt) {\n"
	"  frames = document.getElementById('frames').getElementsByTagName('g');\n"
	"  details = document.getElementById('details');\n"
	"  total_text = details.textContent;\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var g = frames[i], r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('title')[0].textContent;\n"
	"    all.push({g: g, r: r, x: +r.getAttribute('x'), w: +r.getAttribute('width'), y: +r.getAttribute('y'),\n"
	"              fill: r.getAttribute('fill'), title: t,\n"
	"              name: t.replace(/ \\([^(]*\\)$/, ''), text: g.getElementsByTagName('text')[0]});\n"
	"    g.onclick = (function (f) { return function (e) { zoom(f); e.stopPropagation(); }; })(all[i]);\n"
	"    g.onmouseover = (function (f) { return function () { details.textContent = 'Function: ' + f.title; }; })(all[i]);\n"
	"    g.onmouseout = function () { details.textContent = total_text; };\n"
	"  }\n"
	"  document.getElementById('unzoom').onclick = function (e) { zoom(null); e.stopPropagation(); };\n"
	"  document.getElementById('search').onclick = function (e) {\n"
	"    var re = prompt('Search for (a regular expression):', '');\n"
	"    if (re !== null) search(re);\n"
	"    e.stopPropagation();\n"
	"  };\n"
	"  var m = /[?&#]s=([^&]*)/.exec(document.location.href);\n"
	"  if (m) search(decodeURIComponent(m[1]));\n"
	"}\n"
	"function search(re) {\n"
	"  var rx, spans = [], sum = 0, end = -1;\n"
	"  try { rx = re ? new RegExp(re) : null; } catch (err) { rx = null; }\n"
	"  for (var i = 0; i < all.length; i++) {\n"
	"    var f = all[i], hit = rx !== null && rx.test(f.name);\n"
	"    f.r.setAttribute('fill', hit ? 'rgb(230,0,230)' : f.fill);\n"
	"    if (hit) spans.push([f.x, f.x + f.w]);\n"
	"  }\n"
	"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
	"  for (var k = 0; k < spans.length; k++) {\n"
	"    var a = Math.max(spans[k][0], end);\n"
	"    if (spans[k][1] > a) { sum += spans[k][1] - a; end = spans[k][1]; }\n"
	"  }\n"
	"  var m = document.getElementById('matched');\n"
	"  m.textContent = rx ? 'Matched: ' + (100 * sum / W).toFixed(1) + '%' : '';\n"
	"  document.getElementById('search').textContent = rx ? 'Search: ' + re : 'Search';\n"
	"}\n"
	"function label(f, w) {\n"
	"  var c = Math.floor(w / fw), s = '';\n"
	"  if (c >= 3) s = f.name.length > c ? f.name.substring(0, c - 2) + '..' : f.name;\n"
	"  f.text.textContent = s;\n"
	"}\n"
	"function zoom(z) {\n"
	"  document.getElementById('unzoom').style.opacity = z ? 1 : 0;\n"
	"  for (var i = 0; i < all.length; i++) {\n"
	"    var f = all[i], x = f.x, w = f.w, show = true;\n"
	"    if (z) {\n"
	"      if (f.y > z.y) { show = f.x <= z.x + 0.01 && f.x + f.w >= z.x + z.w - 0.01; x = X; w = W; }\n"
	"      else { show = f.x >= z.x - 0.01 && f.x + f.w <= z.x + z.w + 0.01;\n"
	"             x = X + (f.x - z.x) * W / z.w; w = f.w * W / z.w; }\n"
	"    }\n"
	"    f.g.style.display = show ? '' : 'none';\n"
	"    f.r.setAttribute('x', x.toFixed(1)); f.r.setAttribute('width', w.toFixed(1));\n"
	"    f.text.setAttribute('x', (x + 3).toFixed(2)); label(f, w);\n"
	"  }\n"
	"}\n"
	"]]></script>\n";

/* Draws t's frames (with base: coloured by their change, maxdelta the largest). */
static int draw(FILE *f, const struct tree *t, int base, uint64_t maxdelta, int cost, const char *subtitle)
{
	int has_sub = subtitle && *subtitle;
	uint64_t total = t->n[0].value;
	double per = total ? (double)(IMAGE_WIDTH - 2 * XPAD) / (double)total : 0;
	uint32_t depthmax = 0;
	for (size_t i = 0; i < t->len; i++)
		if ((double)t->n[i].value * per >= MIN_WIDTH && t->n[i].depth > depthmax)
			depthmax = t->n[i].depth;
	/* flamegraph.pl's layout: a subtitle adds a line below the title. */
	int ypad1 = YPAD1 + (has_sub ? FONT_SIZE * 2 : 0);
	int height = (int)(depthmax + 1) * FRAME_HEIGHT + ypad1 + YPAD2;
	const char *unit = units[cost];
	char colour[32], num[32];

	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		   "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		   "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
		   "<svg version=\"1.1\" width=\"%d\" height=\"%d\" onload=\"init(evt)\" viewBox=\"0 0 %d %d\" "
		   "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
		   "<!-- Flame graph by heapfold_print, in the structure of flamegraph.pl "
		   "(https://github.com/brendangregg/FlameGraph). -->\n"
		   "<defs>\n<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\" >\n"
		   "<stop stop-color=\"#eef2ee\" offset=\"5%%\" />\n<stop stop-color=\"#e0ffe0\" offset=\"95%%\" />\n"
		   "</linearGradient>\n</defs>\n"
		   "<style type=\"text/css\">\n"
		   "text { font-family:Verdana; font-size:%dpx; fill:rgb(0,0,0); }\n"
		   "#frames > g:hover { stroke:black; stroke-width:0.5; cursor:pointer; }\n"
		   "#title { text-anchor:middle; font-size:%dpx; }\n"
		   "#unzoom { cursor:pointer; opacity:0; }\n"
		   "#search { cursor:pointer; text-anchor:end; }\n"
		   "#matched { text-anchor:end; }\n"
		   "</style>\n%s"
		   "<rect x=\"0.0\" y=\"0\" width=\"%d.0\" height=\"%d.0\" fill=\"url(#background)\" "
		   "onclick=\"zoom(null)\" />\n"
		   "<text id=\"title\" x=\"%.2f\" y=\"24\" >%s</text>\n"
		   "<text id=\"unzoom\" x=\"%.2f\" y=\"24\" >Reset Zoom</text>\n"
		   "<text id=\"search\" x=\"%.2f\" y=\"24\" >Search</text>\n"
		   "<text id=\"details\" x=\"%.2f\" y=\"%d\" >Total: %s %s</text>\n"
		   "<text id=\"matched\" x=\"%.2f\" y=\"%d\" ></text>\n",
		IMAGE_WIDTH, height, IMAGE_WIDTH, height, FONT_SIZE, FONT_SIZE + 5, script, IMAGE_WIDTH,
		height, IMAGE_WIDTH / 2.0, titles[cost], (double)XPAD, (double)(IMAGE_WIDTH - XPAD),
		(double)XPAD, height - YPAD2 / 2, hfp_group_digits(total, num, sizeof num), unit,
		(double)(IMAGE_WIDTH - XPAD), height - YPAD2 / 2);

	struct hfp_buf b = { 0 };
	if (has_sub) {
		hfp_buf_printf(&b, "<text id=\"subtitle\" x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" >",
			       IMAGE_WIDTH / 2.0, FONT_SIZE * 4);
		hfp_xml_escape(&b, subtitle);
		hfp_buf_puts(&b, "</text>\n");
	}
	hfp_buf_puts(&b, "<g id=\"frames\">\n");
	fwrite(b.p, 1, b.len, f);

	for (size_t i = 0; i < t->len; i++) {
		const struct tnode *n = &t->n[i];
		double w = (double)n->value * per;
		if (w < MIN_WIDTH || !n->value)
			continue;
		double x1 = XPAD + (double)n->start * per;
		double y1 = height - YPAD2 - (double)(n->depth + 1) * FRAME_HEIGHT + 1;
		double y2 = height - YPAD2 - (double)n->depth * FRAME_HEIGHT;
		b.len = 0;
		hfp_buf_puts(&b, "<g>\n<title>");
		hfp_xml_escape(&b, n->name);
		hfp_buf_printf(&b, " (%s %s, %.2f%%", hfp_group_digits(n->value, num, sizeof num), unit,
			       100.0 * (double)n->value / (double)total);
		if (base) {
			char bnum[32];
			uint64_t v = n->value, bv = n->base;
			hfp_buf_printf(&b, "; %c%s from %s", v >= bv ? '+' : '-',
				       hfp_group_digits(v >= bv ? v - bv : bv - v, num, sizeof num),
				       hfp_group_digits(bv, bnum, sizeof bnum));
			diff_colour((int64_t)(v - bv), maxdelta, colour, sizeof colour);
		} else {
			mem_colour(n->name, colour, sizeof colour);
		}
		hfp_buf_puts(&b, ")</title>");
		hfp_buf_printf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
				   "rx=\"2\" ry=\"2\" />\n<text x=\"%.2f\" y=\"%.2f\" >",
			       x1, y1, w, y2 - y1, colour, x1 + 3, 3 + (y1 + y2) / 2);
		/* Text that fits, cut at a UTF-8 character boundary. */
		size_t chars = (size_t)(w / (FONT_SIZE * FONT_WIDTH));
		if (chars >= 3) {
			size_t len = strlen(n->name), cut = len;
			if (len > chars) {
				cut = chars - 2;
				while (cut > 0 && ((unsigned char)n->name[cut] & 0xc0) == 0x80)
					cut--;
			}
			char *text = hfp_strndup(n->name, cut);
			hfp_xml_escape(&b, text);
			free(text);
			if (cut < len)
				hfp_buf_puts(&b, "..");
		}
		hfp_buf_puts(&b, "</text>\n</g>\n");
		fwrite(b.p, 1, b.len, f);
	}
	fputs("</g>\n</svg>\n", f);
	hfp_buf_free(&b);
	return ferror(f) ? -1 : 0;
}

int hfp_svg_write(FILE *f, const struct hfp_folded *fo, const struct hfp_folded *base, int cost,
		  const char *subtitle)
{
	struct tree t;
	tree_build(&t, fo);
	uint64_t maxdelta = 0;
	if (base) {
		tree_add_base(&t, base);
		for (size_t i = 0; i < t.len; i++) {
			uint64_t v = t.n[i].value, b = t.n[i].base, d = v > b ? v - b : b - v;
			if (d > maxdelta)
				maxdelta = d;
		}
	}
	int rc = draw(f, &t, base != NULL, maxdelta, cost, subtitle);
	tree_free(&t);
	return rc;
}

int hfp_svg_write_stacks(FILE *f, const struct hfp_stacks *s, int cost, const char *subtitle)
{
	struct hfp_ftrie tr;
	struct tree t;
	hfp_ftrie_build(&tr, s, cost);
	tree_from_trie(&t, &tr);
	int rc = draw(f, &t, 0, 0, cost, subtitle);
	tree_free(&t);
	hfp_ftrie_free(&tr);
	return rc;
}

static const char *svg_path(const struct hfp_options *o)
{
	return o->svg;
}

static int emit_svg(FILE *f, const struct hfp_emit_in *in)
{
	char filters[1024], sub[1200];
	hfp_options_describe_filters(in->opt, filters, sizeof filters);
	uint64_t rate = in->acc ? in->acc->sample_rate : 0;
	if (rate) /* the picture says what it is made of */
		snprintf(sub, sizeof sub, "%s%sestimated from a sampled trace (about 1 allocation per %" PRIu64
			 " bytes recorded)", filters, *filters ? "; " : "", rate);
	if (in->base) { /* the picture says what its colours are */
		snprintf(sub, sizeof sub, "%s%sred grew, blue shrank against %s", filters, *filters ? "; " : "",
			 in->opt->diff_base);
		return hfp_svg_write(f, in->folded, in->base, in->opt->cost, sub);
	}
	return hfp_svg_write_stacks(f, in->stacks, in->opt->cost, rate ? sub : filters);
}

const struct hfp_emitter hfp_emitter_svg = {
	.path = svg_path,
	.write = emit_svg,
	.needs_folded = 0, /* but with a base it gets them (hfp_emit.c) */
};
