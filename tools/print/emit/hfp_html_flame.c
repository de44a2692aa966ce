/* hfp_html_flame.c: --html's flame graph: the frame tree of every cost type as data in the page,
 * and the script that draws it in the browser.
 *
 * The data is one tree (frames merged by name under the same parent, as --svg merges them) with
 * five values per frame, one per cost type: a change of cost type redraws from the same data,
 * and a zoom draws the frames that have become wide enough, so nothing is lost to the minimum
 * width of a static picture. Only what is visible is in the document: frames narrower than half
 * a pixel at the current zoom are not drawn. The data leaves out frames under 1/100,000 of every
 * cost type's total (too narrow to see before a zoom of some 85 times), which bounds the page by
 * the shape of the heap, not by the number of distinct stacks: 16,384 distinct stacks make about
 * 1 MB.
 *
 * In the data (JSON in a script element of type application/json): names, the string table; p,
 * each frame's parent (frame 0 is "all", parents come before children); n, each frame's name;
 * v, per cost type (enum hfp_cost order) the frames' values. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_cost.h"
#include "../core/hfp_hash.h"
#include "../core/hfp_mem.h"
#include "../symbol/hfp_stack.h"
#include "hfp_emit.h"
#include "hfp_folded.h"
#include "hfp_html.h"

#define KEEP_SHARE 100000 /* frames under 1/KEEP_SHARE of every total are left out */

/* The tree: -F's trie structure (struct hfp_ftrie, here over the display names, which the stack
 * layer interns, so that names compare by pointer), a node's children in its list and, for a
 * node with many, in an index, rather than one hash of (parent, name) for every frame: a million
 * distinct stacks make 3 million frames. v32: each frame's values, per cost type, in 32 bits
 * while they fit (20 bytes a frame rather than 40); a frame whose value outgrows them (the root,
 * main, on a long run) keeps its values in wide, and v32[id][0] is their index there. */
struct ftree {
	struct hfp_ftrie t;
	uint32_t (*v32)[HFP_COST_N];
	uint8_t *is_wide; /* a bit per frame */
	size_t vcap;
	uint64_t (*wide)[HFP_COST_N];
	size_t nwide, wide_cap;
};

static inline int is_wide(const struct ftree *f, uint32_t id)
{
	return f->is_wide[id >> 3] >> (id & 7) & 1;
}

static uint64_t value(const struct ftree *f, uint32_t id, int c)
{
	return is_wide(f, id) ? f->wide[f->v32[id][0]][c] : f->v32[id][c];
}

static void add_values(struct ftree *f, uint32_t id, const uint64_t *v)
{
	if (!is_wide(f, id)) {
		uint32_t *x = f->v32[id];
		int fits = 1;
		for (int c = 0; c < HFP_COST_N; c++)
			fits &= v[c] <= UINT32_MAX - x[c];
		if (fits) {
			for (int c = 0; c < HFP_COST_N; c++)
				x[c] += (uint32_t)v[c];
			return;
		}
		if (f->nwide == f->wide_cap) {
			f->wide_cap = f->wide_cap ? 2 * f->wide_cap : 64;
			f->wide = hfp_reallocarray(f->wide, f->wide_cap, sizeof *f->wide);
		}
		for (int c = 0; c < HFP_COST_N; c++)
			f->wide[f->nwide][c] = x[c];
		x[0] = (uint32_t)f->nwide++;
		f->is_wide[id >> 3] |= (uint8_t)(1u << (id & 7));
	}
	for (int c = 0; c < HFP_COST_N; c++)
		f->wide[f->v32[id][0]][c] += v[c];
}

static void values_room(struct ftree *f, size_t cap)
{
	f->v32 = hfp_reallocarray(f->v32, cap, sizeof *f->v32);
	f->is_wide = hfp_realloc(f->is_wide, cap / 8 + 1);
	memset(f->is_wide + f->vcap / 8 + 1, 0, cap / 8 - f->vcap / 8); /* bits of new frames */
	f->vcap = cap;
}

static uint32_t child(struct ftree *f, uint32_t parent, const char *name)
{
	size_t nn = f->t.nn;
	uint32_t id = hfp_ftrie_child(&f->t, parent, name);
	if (id >= f->vcap) /* grown as the trie grows, its pages touched only when used */
		values_room(f, f->t.cap);
	if (f->t.nn > nn) /* a new node: ids are given in order */
		memset(f->v32[id], 0, sizeof f->v32[id]);
	return id;
}

/* A stack's first levels that are the same frames as the stack before it are that stack's
 * nodes: only the levels below are looked up. */
static void build(struct ftree *f, const struct hfp_stacks *s)
{
	memset(f, 0, sizeof *f);
	hfp_ftrie_init(&f->t);
	f->t.n[0].name = "all";
	f->is_wide = hfp_calloc(1, 1);
	values_room(f, f->t.cap);
	memset(f->v32[0], 0, sizeof f->v32[0]);
	struct hfp_framebuf fb = { 0 };
	uint32_t *lv_frame = NULL, *lv_node = NULL;
	size_t lv_cap = 0, lv_n = 0;
	uint32_t *order = hfp_stacks_near_order(s);
	for (size_t j = 0; j < s->nd; j++) {
		if (order && j + 16 < s->nd) /* the records ahead, then their frames */
			__builtin_prefetch(&s->d[order[j + 16]]);
		if (order && j + 8 < s->nd)
			__builtin_prefetch(s->pool + s->d[order[j + 8]].at);
		struct hfp_dstack dv = hfp_stacks_get(s, order ? order[j] : j);
		const struct hfp_dstack *d = &dv;
		uint64_t v[HFP_COST_N];
		int any = 0;
		for (int c = 0; c < HFP_COST_N; c++)
			any |= (v[c] = hfp_cost_get(&d->c, c)) != 0;
		if (!any)
			continue;
		add_values(f, 0, v);
		if (d->depth > lv_cap) {
			lv_cap = d->depth;
			lv_frame = hfp_reallocarray(lv_frame, lv_cap, sizeof *lv_frame);
			lv_node = hfp_reallocarray(lv_node, lv_cap, sizeof *lv_node);
		}
		uint32_t cur = 0;
		int same = 1;
		const uint32_t *frames = hfp_dstack_frames(s, d, &fb);
		for (uint32_t k = 0; k < d->depth; k++) {
			if (same && k < lv_n && lv_frame[k] == frames[k]) {
				cur = lv_node[k];
			} else {
				same = 0;
				cur = child(f, cur, s->frame[frames[k]].name);
				lv_frame[k] = frames[k];
				lv_node[k] = cur;
			}
			add_values(f, cur, v);
		}
		lv_n = d->depth;
	}
	hfp_idindex_free(&f->t.index);
	free(order);
	free(lv_frame);
	free(lv_node);
	hfp_framebuf_free(&fb);
}

/* A JSON string, safe inside a script element: "<" never appears as such. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

struct nent {
	const char *name;
	uint64_t id;
};

static const struct hfp_hash_type nent_type = {
	.entry_size = sizeof(struct nent),
	.key_size = sizeof(const char *),
	.min_cap = 256,
	.max_load = 50,
};

void hfp_html_flame_data(FILE *f, const struct hfp_stacks *s)
{
	struct ftree ft;
	build(&ft, s);
	const struct hfp_ftrie_node *n = ft.t.n;
	size_t len = ft.t.nn;
	uint64_t total[HFP_COST_N];
	for (int c = 0; c < HFP_COST_N; c++)
		total[c] = value(&ft, 0, c);
	/* The frames kept, renumbered densely; a parent is kept whenever a child is. */
	uint32_t *newid = hfp_calloc(len, sizeof *newid);
	size_t kept = 1;
	for (size_t i = 1; i < len; i++) {
		int keep = 0;
		for (int c = 0; c < HFP_COST_N && !keep; c++) {
			uint64_t x = value(&ft, (uint32_t)i, c);
			keep = x && x >= total[c] / KEEP_SHARE;
		}
		newid[i] = keep && (n[i].parent == 0 || newid[n[i].parent]) ? (uint32_t)kept++ : 0;
	}
	struct hfp_hash names;
	hfp_hash_init(&names, &nent_type, NULL);
	uint64_t nnames = 0;
	fputs("<script type=\"application/json\" id=\"flame-data\">{\"names\":[", f);
	uint32_t *name_of = hfp_calloc(len, sizeof *name_of);
	for (size_t i = 0; i < len; i++) {
		if (i && !newid[i])
			continue;
		int added;
		struct nent *e = hfp_hash_put(&names, &n[i].name, sizeof n[i].name, &added);
		if (added) {
			e->id = nnames;
			if (nnames++)
				fputc(',', f);
			json_string(f, n[i].name);
		}
		name_of[i] = (uint32_t)e->id;
	}
	fputs("],\n\"p\":[", f);
	for (size_t i = 0, k = 0; i < len; i++)
		if (!i || newid[i])
			fprintf(f, k++ ? ",%u" : "%u", i ? newid[n[i].parent] : 0);
	fputs("],\n\"n\":[", f);
	for (size_t i = 0, k = 0; i < len; i++)
		if (!i || newid[i])
			fprintf(f, k++ ? ",%u" : "%u", name_of[i]);
	fputs("],\n\"v\":[", f);
	for (int c = 0; c < HFP_COST_N; c++) {
		fputs(c ? ",\n[" : "[", f);
		for (size_t i = 0, k = 0; i < len; i++)
			if (!i || newid[i])
				fprintf(f, k++ ? ",%" PRIu64 : "%" PRIu64, value(&ft, (uint32_t)i, c));
		fputc(']', f);
	}
	fputs("]}</script>\n", f);
	free(name_of);
	free(newid);
	hfp_hash_free(&names);
	free(ft.v32);
	free(ft.is_wide);
	free(ft.wide);
	hfp_ftrie_free(&ft.t);
}

/* Draws the graph of the current cost type from the zoomed frame up: its ancestors full width
 * below it, its descendants scaled to the width. Colours: flamegraph.pl's "mem" palette by name
 * hash (as --svg); search matches in magenta. Frames are one SVG group each, made as text and
 * set at once. "Matched" is the share of the zoomed frame's value under frames whose name
 * matches (counted once where matches nest), from the data, so frames too narrow to draw count. */
const char hfp_html_flame_script[] =
	"var FG, cur = 0, zoomed = 0, searchRe = null;\n"
	"var UNITS = ['allocations', 'bytes', 'allocations', 'bytes', 'bytes'], W = 1180, X = 10, FH = 16;\n"
	"function loadFlame() {\n"
	"  var d = JSON.parse(document.getElementById('flame-data').textContent), n = d.p.length;\n"
	"  FG = { names: d.names, p: d.p, nm: d.n, v: d.v, kids: [], depth: [] };\n"
	"  for (var i = 0; i < n; i++) { FG.kids.push([]); FG.depth.push(i ? FG.depth[d.p[i]] + 1 : 0); if (i) FG.kids[d.p[i]].push(i); }\n"
	"  var by = function (a, b) { var x = FG.names[FG.nm[a]], y = FG.names[FG.nm[b]]; return x < y ? -1 : x > y ? 1 : 0; };\n"
	"  for (var k = 0; k < n; k++) FG.kids[k].sort(by);\n"
	"}\n"
	"function nameOf(i) { return FG.names[FG.nm[i]]; }\n"
	"function esc(s) { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\"/g, '&quot;'); }\n"
	"function hashName(s, rev) {\n"
	"  var v = 0, w = 1, max = 1, mod = 10, n = s.length;\n"
	"  for (var i = 0; i < n; i++) { var c = s.charCodeAt(rev ? n - 1 - i : i) & 255;\n"
	"    v += (c % mod) / (mod - 1) * w; mod++; max += w; w *= 0.7; if (mod > 12) break; }\n"
	"  return 1 - v / max;\n"
	"}\n"
	"function colour(s) { return 'rgb(0,' + (190 + Math.floor(50 * hashName(s, 1))) + ',' + Math.floor(210 * hashName(s, 0)) + ')'; }\n"
	"function drawFlame() {\n"
	"  var v = FG.v[cur], z = zoomed, items = [], maxd = 0;\n"
	"  if (!v[z]) z = zoomed = 0;\n"
	"  var per = v[z] ? W / v[z] : 0;\n"
	"  for (var a = z; a !== 0; ) { a = FG.p[a]; items.push([a, X, W]); }\n"
	"  var todo = [[z, X]];\n"
	"  while (todo.length) {\n"
	"    var e = todo.pop(), i = e[0], x = e[1], w = v[i] * per;\n"
	"    if (w < 0.5) continue;\n"
	"    items.push([i, x, w]);\n"
	"    for (var j = 0, k = FG.kids[i], cx = x; j < k.length; j++) { todo.push([k[j], cx]); cx += v[k[j]] * per; }\n"
	"  }\n"
	"  for (var m = 0; m < items.length; m++) maxd = Math.max(maxd, FG.depth[items[m][0]]);\n"
	"  var h = (maxd + 1) * FH + 8, out = [], total = v[0] || 1;\n"
	"  for (var q = 0; q < items.length; q++) {\n"
	"    var it = items[q], nm = nameOf(it[0]), y = h - (FG.depth[it[0]] + 1) * FH, hit = searchRe && searchRe.test(nm);\n"
	"    var c = Math.floor(it[2] / 7.08), label = c >= 3 ? (nm.length > c ? nm.substring(0, c - 2) + '..' : nm) : '';\n"
	"    out.push('<g data-i=\"' + it[0] + '\"><title>' + esc(nm) + ' (' + v[it[0]].toLocaleString('en-US') + ' ' + UNITS[cur] + ', ' +\n"
	"      (100 * v[it[0]] / total).toFixed(2) + '%)</title><rect x=\"' + it[1].toFixed(1) + '\" y=\"' + y + '\" width=\"' + it[2].toFixed(1) +\n"
	"      '\" height=\"15\" rx=\"2\" fill=\"' + (hit ? 'rgb(230,0,230)' : colour(nm)) + '\"></rect><text x=\"' + (it[1] + 3).toFixed(1) +\n"
	"      '\" y=\"' + (y + 11) + '\">' + esc(label) + '</text></g>');\n"
	"  }\n"
	"  var svg = document.getElementById('flame');\n"
	"  svg.setAttribute('height', h); svg.setAttribute('viewBox', '0 0 1200 ' + h); svg.innerHTML = out.join('');\n"
	"  document.getElementById('matched').textContent = searchRe ? 'Matched: ' + (100 * matched(z, v)).toFixed(1) + '%' : '';\n"
	"  document.getElementById('zoomed').textContent = z ? 'Zoomed to ' + nameOf(z) + ' (click the background to zoom out)' : '';\n"
	"  document.getElementById('details').textContent = 'Total: ' + v[0].toLocaleString('en-US') + ' ' + UNITS[cur];\n"
	"}\n"
	"function matched(z, v) {\n"
	"  for (var a = z; ; a = FG.p[a]) { if (searchRe.test(nameOf(a))) return 1; if (a === 0) break; }\n"
	"  var sum = 0, todo = FG.kids[z].slice();\n"
	"  while (todo.length) { var i = todo.pop(); if (searchRe.test(nameOf(i))) sum += v[i]; else todo.push.apply(todo, FG.kids[i]); }\n"
	"  return v[z] ? sum / v[z] : 0;\n"
	"}\n"
	"function initFlame() {\n"
	"  loadFlame();\n"
	"  var svg = document.getElementById('flame');\n"
	"  svg.onclick = function (e) { var g = e.target.closest('g[data-i]'); zoomed = g ? +g.dataset.i : 0; drawFlame(); };\n"
	"  svg.onmouseover = function (e) { var g = e.target.closest('g[data-i]');\n"
	"    if (g) document.getElementById('details').textContent = 'Function: ' + g.firstChild.textContent; };\n"
	"}\n";
