/* hfp_html.c: --html FILE, one self-contained page to explore a run in a browser, or to attach
 * to a CI run: every style and script inline and written here, nothing fetched at view time.
 *
 * What it holds, top to bottom:
 *   - what was traced, the filters that made the page, and whether its figures are estimates;
 *   - the heap in use and the RSS over time (accum's fixed-size series: at most 256 points each,
 *     evenly spread over the run), the phase markers of hf_mark, the peak marked with its value;
 *   - a flame graph drawn in the browser from the frame tree (hfp_html_flame.c): a cost type
 *     chosen from the five, click to zoom, a search that highlights and says the share matched;
 *   - the allocation sites (the frame where the program asked for memory, merged over stacks)
 *     with every cost, in a table sorted by clicking a column's header;
 *   - the size histogram, by powers of two.
 * The address's fragment chooses on load what the page shows:
 * report.html#cost=bytes&sort=leaked&search=REGEX&zoom=NAME (zoom: a click on the first frame
 * of that name). The page grows with the shape of the heap, not with the number of events or
 * of distinct stacks (hfp_html_flame.c says how). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heapfold_trace.h"

#include "../accum/hfp_accum.h"
#include "../accum/hfp_merge.h"
#include "../core/hfp_buf.h"
#include "../core/hfp_cost.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_num.h"
#include "../core/hfp_options.h"
#include "../symbol/hfp_stack.h"
#include "hfp_emit.h"
#include "hfp_html.h"
#include "hfp_svg.h"

#define SITES_MAX 200
#define CHART_W 1000
#define CHART_H 240

static const char *html_path(const struct hfp_options *o)
{
	return o->html;
}

static void put_escaped(FILE *f, const char *s)
{
	struct hfp_buf b = { 0 };
	hfp_xml_escape(&b, s ? s : "");
	fputs(hfp_buf_str(&b), f);
	hfp_buf_free(&b);
}

static const char style[] =
	"body { font: 14px sans-serif; margin: 1em 2em; color: #222; }\n"
	"h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 1.6em; }\n"
	".note { color: #a33; }\n"
	"table { border-collapse: collapse; } td, th { padding: 2px 8px; text-align: right; }\n"
	"td:first-child, th:first-child { text-align: left; }\n"
	"th { cursor: pointer; background: #eee; } th.sorted { background: #cde; }\n"
	"tr:nth-child(even) td { background: #f7f7f7; }\n"
	"svg.chart text { font-size: 11px; }\n"
	"#flame { background: #f4f8f4; cursor: pointer; } #flame text { font-size: 12px; pointer-events: none; }\n"
	"#flame g:hover rect { stroke: black; stroke-width: 0.5; }\n";

/* The page's script: the cost type shown, the sites' order, the search and the zoom of the
 * flame graph, all also from the fragment (see the top). */
static const char script[] =
	"var COSTS = ['allocations', 'bytes', 'temporary', 'leaked', 'peak'];\n"
	"function showCost(c) { var i = COSTS.indexOf(c); cur = i < 0 ? 0 : i; document.getElementById('cost').value = COSTS[cur]; drawFlame(); }\n"
	"function search(re) {\n"
	"  try { searchRe = re ? new RegExp(re) : null; } catch (err) { searchRe = null; }\n"
	"  document.getElementById('search').value = re; drawFlame();\n"
	"}\n"
	"function clickFrame(name) {\n"
	"  var gs = document.querySelectorAll('#flame g[data-i]');\n"
	"  for (var i = 0; i < gs.length; i++) if (nameOf(+gs[i].dataset.i) === name) {\n"
	"    gs[i].querySelector('rect').dispatchEvent(new MouseEvent('click', { bubbles: true })); return; }\n"
	"  document.getElementById('zoomed').textContent = 'No frame named ' + name;\n"
	"}\n"
	"function sortSites(col) {\n"
	"  var t = document.getElementById('sites'), hs = t.tHead.rows[0].cells, k = -1;\n"
	"  for (var i = 0; i < hs.length; i++) { hs[i].className = hs[i].dataset.col === col ? 'sorted' : ''; if (hs[i].dataset.col === col) k = i; }\n"
	"  if (k < 0) return;\n"
	"  var rows = Array.prototype.slice.call(t.tBodies[0].rows);\n"
	"  rows.sort(function (a, b) {\n"
	"    if (k === 0) return a.cells[0].textContent.localeCompare(b.cells[0].textContent);\n"
	"    return Number(b.cells[k].dataset.v) - Number(a.cells[k].dataset.v);\n"
	"  });\n"
	"  for (var j = 0; j < rows.length; j++) t.tBodies[0].appendChild(rows[j]);\n"
	"}\n"
	"function init() {\n"
	"  initFlame();\n"
	"  var hs = document.querySelectorAll('#sites th');\n"
	"  for (var i = 0; i < hs.length; i++) hs[i].onclick = (function (c) { return function () { sortSites(c); }; })(hs[i].dataset.col);\n"
	"  document.getElementById('cost').onchange = function () { showCost(this.value); };\n"
	"  document.getElementById('search').onchange = function () { search(this.value); };\n"
	"  var q = location.hash.replace(/^#/, '').split('&'), a = { cost: document.body.dataset.cost };\n"
	"  for (var j = 0; j < q.length; j++) { var kv = q[j].split('='); if (kv.length === 2) a[kv[0]] = decodeURIComponent(kv[1]); }\n"
	"  if (!a.sort) a.sort = a.cost;\n"
	"  sortSites(a.sort);\n"
	"  if (a.search) searchRe = new RegExp(a.search), document.getElementById('search').value = a.search;\n"
	"  showCost(a.cost);\n"
	"  if (a.zoom) clickFrame(a.zoom);\n"
	"}\n"
	"window.addEventListener('load', init);\n";

static void put_header(FILE *f, const struct hfp_emit_in *in)
{
	const struct hf_trace_info *info = in->info;
	const struct hfp_accum *a = in->acc;
	char filters[1024], h[5][32];
	hfp_options_describe_filters(in->opt, filters, sizeof filters);
	const char *exe = info && info->exe && *info->exe ? info->exe : in->source, *base = strrchr(exe, '/');
	fputs("<h1 title=\"", f); /* the program's name, its path on hover */
	put_escaped(f, exe);
	fputs("\">heapfold: ", f);
	put_escaped(f, base && base[1] ? base + 1 : exe);
	if (info)
		fprintf(f, " (pid %" PRIu64 ")", info->pid);
	fputs("</h1>\n<p id=\"command\">", f);
	for (size_t i = 0; info && i < info->argc; i++) {
		put_escaped(f, info->argv[i]);
		fputc(' ', f);
	}
	fputs("</p>\n<p id=\"filters\">Filters: ", f);
	put_escaped(f, *filters ? filters : "none");
	fputs("</p>\n", f);
	if (a->sample_rate)
		fprintf(f, "<p class=\"note\" id=\"estimated\">A sampled trace (about 1 allocation per %" PRIu64
			" bytes recorded): every figure is an estimate.</p>\n", a->sample_rate);
	char n[3][32];
	fprintf(f, "<p id=\"totals\">%s allocations, %s allocated, %s temporary, "
		"%s leaked in %s blocks, peak heap %s, peak RSS %s.</p>\n",
		hfp_group_digits(a->allocations, n[0], sizeof n[0]), hfp_human_bytes(a->bytes, h[0], sizeof h[0]),
		hfp_group_digits(a->temporary, n[1], sizeof n[1]), hfp_human_bytes(a->live_bytes, h[1], sizeof h[1]),
		hfp_group_digits(a->live_count, n[2], sizeof n[2]),
		hfp_human_bytes(a->peak_bytes, h[2], sizeof h[2]), a->peak_rss ? hfp_human_bytes(a->peak_rss, h[3], sizeof h[3]) : "not sampled (a short run)");
	if (!in->procs)
		return;
	fprintf(f, "<p class=\"note\">%zu processes: every figure is their sum; the peak is the sum of each "
		"one's own peak (the chart sums their heaps over time, from the first one's start).</p>\n"
		"<table id=\"processes\"><tr><th>pid</th><th>program</th><th>calls</th><th>allocated</th>"
		"<th>peak</th><th>leaked</th><th>start (s)</th><th>trace</th></tr>\n", in->procs->n);
	for (size_t i = 0; i < in->procs->n; i++) {
		const struct hfp_proc *p = &in->procs->p[i];
		fprintf(f, "<tr><td>%" PRIu64 "</td><td>", p->pid);
		put_escaped(f, p->exe);
		fprintf(f, "</td><td>%" PRIu64 "</td><td>%s</td><td>%s</td><td>%s</td><td>%.3f</td><td>",
			p->allocations, hfp_human_bytes(p->bytes, h[0], sizeof h[0]),
			hfp_human_bytes(p->peak, h[1], sizeof h[1]), hfp_human_bytes(p->leaked, h[2], sizeof h[2]),
			(double)p->start_ns / 1e9);
		put_escaped(f, p->trace);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void polyline(FILE *f, const struct hfp_series *s, uint64_t t1, uint64_t top, const char *id,
		     const char *colour)
{
	fprintf(f, "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", id, colour);
	double prev_y = CHART_H;
	for (size_t i = 0; i < s->n; i++) {
		double x = (double)s->p[i].time_ns * CHART_W / (double)t1;
		double y = CHART_H - (double)s->p[i].bytes * CHART_H / (double)top;
		fprintf(f, "%.1f,%.1f %.1f,%.1f ", x, prev_y, x, y); /* steps: the heap holds until it changes */
		prev_y = y;
	}
	fprintf(f, "%d,%.1f", CHART_W, prev_y); /* the last value holds to the end */
	fputs("\" />\n", f);
}

/* The heap and RSS over time, the marks, the peak. */
static void put_chart(FILE *f, const struct hfp_emit_in *in)
{
	const struct hfp_accum *a = in->acc;
	uint64_t t1 = a->last_time_ns, top = a->peak_bytes > a->peak_rss ? a->peak_bytes : a->peak_rss;
	for (size_t i = 0; i < a->rss.n; i++)
		if (a->rss.p[i].time_ns > t1)
			t1 = a->rss.p[i].time_ns;
	if (t1 == 0)
		t1 = 1;
	if (top == 0)
		top = 1;
	char h[32];
	fputs("<h2>Memory over time</h2>\n", f);
	fprintf(f, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"-60 -20 %d %d\">\n", CHART_W + 80, CHART_H + 50, CHART_W + 80, CHART_H + 50);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#999\" />\n",
		CHART_W, CHART_H);
	fprintf(f, "<text x=\"-4\" y=\"4\" text-anchor=\"end\">%s</text>\n", hfp_human_bytes(top, h, sizeof h));
	fprintf(f, "<text x=\"-4\" y=\"%d\" text-anchor=\"end\">0</text>\n", CHART_H);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3f s</text>\n", CHART_W, CHART_H + 16,
		(double)t1 / 1e9);
	if (a->rss.n)
		polyline(f, &a->rss, t1, top, "rss", "#48a");
	polyline(f, &a->series, t1, top, "heap", "#c40");
	for (size_t i = 0; i < a->nmarks; i++) {
		double x = (double)a->marks[i].time_ns * CHART_W / (double)t1;
		fprintf(f, "<g class=\"mark\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\" stroke=\"#393\" "
			"stroke-dasharray=\"4 3\" /><text x=\"%.1f\" y=\"-6\">", x, x, CHART_H, x + 2);
		put_escaped(f, a->marks[i].label);
		fputs("</text></g>\n", f);
	}
	double px = (double)a->peak_time_ns * CHART_W / (double)t1;
	double py = CHART_H - (double)a->peak_bytes * CHART_H / (double)top;
	fprintf(f, "<g id=\"peak\" data-bytes=\"%" PRIu64 "\"><title>peak: %" PRIu64 " bytes in use at %.3f s"
		"</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#c40\" /><text x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"%s\">peak %s</text></g>\n", a->peak_bytes, a->peak_bytes,
		(double)a->peak_time_ns / 1e9, px, py, px > CHART_W / 2 ? px - 6 : px + 6, py < 14 ? py + 14 : py - 4,
		px > CHART_W / 2 ? "end" : "start", hfp_human_bytes(a->peak_bytes, h, sizeof h));
	fputs("<text x=\"8\" y=\"16\" fill=\"#c40\">heap in use</text>", f);
	if (a->rss.n)
		fputs("<text x=\"100\" y=\"16\" fill=\"#48a\">RSS</text>", f);
	fputs("\n</svg>\n", f);
}

struct site {
	uint32_t frame;
	struct hfp_costs c;
};

static int site_cost;
static int by_cost(const void *pa, const void *pb)
{
	uint64_t x = hfp_cost_get(&((const struct site *)pa)->c, site_cost);
	uint64_t y = hfp_cost_get(&((const struct site *)pb)->c, site_cost);
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The allocation sites, merged over stacks, the SITES_MAX largest by the chosen cost. */
static void put_sites(FILE *f, const struct hfp_emit_in *in)
{
	const struct hfp_stacks *s = in->stacks;
	uint32_t *slot = hfp_calloc(s->nframe ? s->nframe : 1, sizeof *slot); /* frame -> site + 1 */
	struct site *v = hfp_calloc(s->nd ? s->nd : 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < s->nd; i++) {
		struct hfp_dstack d = hfp_stacks_get(s, i);
		uint32_t fr = hfp_dstack_site(s, &d);
		if (!slot[fr]) {
			v[n].frame = fr;
			slot[fr] = (uint32_t)++n;
		}
		hfp_costs_add(&v[slot[fr] - 1].c, &d.c);
	}
	site_cost = in->opt->cost;
	qsort(v, n, sizeof *v, by_cost);
	if (n > SITES_MAX)
		n = SITES_MAX;
	fputs("<h2>Allocation sites</h2>\n<p>Where the program asked for memory, over all the stacks "
	      "that reach it; click a column to sort.</p>\n<table id=\"sites\"><thead><tr>"
	      "<th data-col=\"site\">site</th>", f);
	for (int c = 0; c < HFP_COST_N; c++)
		fprintf(f, "<th data-col=\"%s\">%s</th>", hfp_cost_names[c], hfp_cost_names[c]);
	fputs("</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct hfp_frame *fr = &s->frame[v[i].frame];
		fputs("<tr><td>", f);
		put_escaped(f, fr->name);
		if (fr->file) {
			fputs(" <small>", f);
			put_escaped(f, fr->file);
			fprintf(f, ":%u</small>", fr->line);
		}
		fputs("</td>", f);
		for (int c = 0; c < HFP_COST_N; c++) {
			uint64_t x = hfp_cost_get(&v[i].c, c);
			char h[32];
			fprintf(f, "<td data-v=\"%" PRIu64 "\">%s</td>", x,
				c == HFP_COST_ALLOCATIONS || c == HFP_COST_TEMPORARY ? hfp_group_digits(x, h, sizeof h)
										    : hfp_human_bytes(x, h, sizeof h));
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	free(slot);
	free(v);
}

/* The requested sizes by powers of two: [2^k, 2^(k+1)). */
static void put_histogram(FILE *f, const struct hfp_accum *a)
{
	uint64_t count[65] = { 0 }, most = 1;
	size_t pos = 0;
	const struct hfp_size_count *e;
	while ((e = hfp_hash_next(&a->hist, &pos)) != NULL)
		count[e->size ? 64 - __builtin_clzll(e->size) : 0] += e->count;
	for (int k = 0; k < 65; k++)
		if (count[k] > most)
			most = count[k];
	fputs("<h2>Requested sizes</h2>\n<table id=\"sizes\"><tr><th>bytes</th><th>allocations</th><th></th></tr>\n", f);
	for (int k = 0; k < 65; k++) {
		if (!count[k])
			continue;
		uint64_t lo = k ? 1ull << (k - 1) : 0, hi = k ? (k < 64 ? (1ull << k) - 1 : UINT64_MAX) : 0;
		fprintf(f, "<tr><td>%" PRIu64 " to %" PRIu64 "</td><td>%" PRIu64 "</td><td><div style=\"background:"
			"#c40;height:10px;width:%.0fpx\"></div></td></tr>\n", lo, hi, count[k],
			400.0 * (double)count[k] / (double)most);
	}
	fputs("</table>\n", f);
}

static int emit_html(FILE *f, const struct hfp_emit_in *in)
{
	const struct hfp_accum *a = in->acc;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>heapfold: ", f);
	put_escaped(f, in->info && in->info->exe ? in->info->exe : in->source);
	fprintf(f, "</title>\n<style>\n%s</style>\n<script>\n%s%s</script>\n</head>\n<body data-cost=\"%s\">\n",
		style, hfp_html_flame_script, script, hfp_cost_names[in->opt->cost]);
	put_header(f, in);
	put_chart(f, in);
	fputs("<h2>Flame graph</h2>\n<p>Cost: <select id=\"cost\">", f);
	for (int c = 0; c < HFP_COST_N; c++)
		fprintf(f, "<option value=\"%s\">%s</option>", hfp_cost_names[c], hfp_cost_names[c]);
	fputs("</select> Search (a regular expression): <input id=\"search\" size=\"30\"> "
	      "<span id=\"matched\"></span> <span id=\"zoomed\"></span><br>Click a frame to zoom into "
	      "it, the background to zoom out.</p>\n"
	      "<svg id=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" height=\"24\"></svg>\n"
	      "<p id=\"details\"></p>\n", f);
	hfp_html_flame_data(f, in->stacks);
	put_sites(f, in);
	if (a->want_histogram || hfp_hash_count(&a->hist))
		put_histogram(f, a);
	fputs("</body></html>\n", f);
	return ferror(f) ? -1 : 0;
}

const struct hfp_emitter hfp_emitter_html = {
	.path = html_path,
	.write = emit_html,
};
