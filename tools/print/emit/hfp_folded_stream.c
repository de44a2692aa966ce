/* hfp_folded_stream.c: -F, the emitter, written straight from the display stacks, without the
 * text of every line in memory at once. The lines are the stacks' escaped frame names joined by
 * ';', merged where the text is equal and sorted in byte order (hfp_folded.c states the
 * grammar). A million distinct stacks of 23 frames made 200 MB of such text; here they go into a
 * trie keyed by escaped name (equal names merge, as equal lines would), which holds each distinct
 * prefix once, and a walk of the trie writes the lines in the order of their text.
 *
 * The order: the lines under a node are its children's, and a child c adds two kinds, its own
 * line (the text ends after c's name) and the lines through it (c's name, then ';'). Byte order
 * compares the name, then what follows it: nothing (before any byte) or ';' (0x3b). So the two
 * kinds of c are apart when another child's name starts with c's and continues below ';' (as
 * "f(int)" or "f.cold" after "f"): each child gives up to two items, sorted together by name and
 * then that byte. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_buf.h"
#include "../core/hfp_cost.h"
#include "../core/hfp_idindex.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_options.h"
#include "../core/hfp_strtab.h"
#include "../symbol/hfp_stack.h"
#include "hfp_diff.h"
#include "hfp_emit.h"
#include "hfp_folded.h"

/* A node's children are found by going through its list while it has at most this many (most
 * nodes have one or two); past that, all of them are in the index too. */
#define FEW_CHILDREN 8

struct key {
	const struct hfp_ftrie *t;
	uint32_t parent;
	const char *name;
};

static uint64_t key_hash(uint32_t parent, const char *name)
{
	uint64_t h = (uint64_t)(uintptr_t)name + ((uint64_t)parent + 1) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static int key_same(void *ctx, uint32_t id)
{
	const struct key *k = ctx;
	return k->t->n[id].parent == k->parent && k->t->n[id].name == k->name;
}

static void index_add(struct hfp_ftrie *t, uint32_t id)
{
	struct key k = { t, t->n[id].parent, t->n[id].name };
	uint64_t h = key_hash(k.parent, k.name);
	size_t at;
	hfp_idindex_find(&t->index, h, key_same, &k, &at);
	hfp_idindex_add(&t->index, h, at, id);
}

uint32_t hfp_ftrie_child(struct hfp_ftrie *t, uint32_t parent, const char *name)
{
	if (t->n[parent].nchild <= FEW_CHILDREN) {
		for (uint32_t c = t->n[parent].child; c; c = t->n[c].next)
			if (t->n[c].name == name)
				return c;
	} else {
		struct key k = { t, parent, name };
		size_t at;
		uint32_t id = hfp_idindex_find(&t->index, key_hash(parent, name), key_same, &k, &at);
		if (id != UINT32_MAX)
			return id;
	}
	if (t->nn == t->cap) {
		t->cap *= 2;
		t->n = hfp_reallocarray(t->n, t->cap, sizeof *t->n);
	}
	uint32_t id = (uint32_t)t->nn++;
	hfp_mem_ahead(t->n, t->nn * sizeof *t->n, t->cap * sizeof *t->n, &t->present);
	t->n[id] = (struct hfp_ftrie_node){ name, 0, parent, 0, t->n[parent].child, 0 };
	t->n[parent].child = id;
	if (++t->n[parent].nchild == FEW_CHILDREN + 1) {
		for (uint32_t c = id; c; c = t->n[c].next)
			index_add(t, c);
	} else if (t->n[parent].nchild > FEW_CHILDREN) {
		index_add(t, id);
	}
	return id;
}

void hfp_ftrie_init(struct hfp_ftrie *t)
{
	memset(t, 0, sizeof *t);
	t->cap = 1024;
	t->n = hfp_reallocarray(NULL, t->cap, sizeof *t->n);
	t->n[0] = (struct hfp_ftrie_node){ NULL, 0, 0, 0, 0, 0 };
	t->nn = 1;
}

/* A stack's first levels that are the same names as the stack before it are that stack's nodes:
 * only the levels below are looked up, which the near order (hfp_stacks_near_order) makes few. */
int hfp_ftrie_build(struct hfp_ftrie *t, const struct hfp_stacks *s, int cost)
{
	hfp_ftrie_init(t);
	/* Each frame's escaped name, interned, found once. */
	const char **esc = hfp_calloc(s->nframe ? s->nframe : 1, sizeof *esc);
	struct hfp_buf b = { 0 };
	struct hfp_framebuf fb = { 0 };
	/* The last stack's levels: their nodes (whose names say what the levels were). */
	uint32_t *lv_node = NULL;
	size_t lv_cap = 0, lv_n = 0;
	uint32_t *order = hfp_stacks_near_order(s);
	int any = 0;
	size_t consumed = 0; /* the stacks before it given back (hfp_stacks_consumed) */
	for (size_t j = 0; j < s->nd; j++) {
		if (!order && j - consumed == 65536) {
			hfp_stacks_consumed(s, consumed, j);
			consumed = j;
		}
		if (order && j + 16 < s->nd) /* the records ahead, then their frames: the near order */
			__builtin_prefetch(&s->d[order[j + 16]]); /* is not the records' */
		if (order && j + 8 < s->nd)
			__builtin_prefetch(s->pool + s->d[order[j + 8]].at);
		struct hfp_dstack d = hfp_stacks_get(s, order ? order[j] : j);
		uint64_t c = hfp_cost_get(&d.c, cost);
		if (!c)
			continue;
		const uint32_t *frames = hfp_dstack_frames(s, &d, &fb);
		if (d.depth > lv_cap) {
			lv_cap = d.depth;
			lv_node = hfp_reallocarray(lv_node, lv_cap, sizeof *lv_node);
		}
		uint32_t at = 0;
		int same = 1;
		for (uint32_t k = 0; k < d.depth; k++) {
			uint32_t f = frames[k];
			if (!esc[f]) {
				b.len = 0;
				hfp_folded_escape(&b, s->frame[f].name);
				esc[f] = hfp_intern(&t->names, hfp_buf_str(&b));
			}
			if (same && k < lv_n && t->n[lv_node[k]].name == esc[f]) {
				at = lv_node[k];
				continue;
			}
			same = 0;
			lv_node[k] = at = hfp_ftrie_child(t, at, esc[f]);
		}
		lv_n = d.depth;
		t->n[at].count += c;
		any = 1;
	}
	hfp_idindex_free(&t->index);
	free(order);
	free(lv_node);
	hfp_buf_free(&b);
	hfp_framebuf_free(&fb);
	free(esc);
	return any;
}

/* One child's line (term 0) or the lines through it (term ';'). */
struct item {
	uint32_t node;
	unsigned char term;
};

static int item_cmp(const void *x, const void *y, void *nodes)
{
	const struct item *a = x, *b = y;
	const struct hfp_ftrie_node *n = nodes;
	const unsigned char *p = (const unsigned char *)n[a->node].name;
	const unsigned char *q = (const unsigned char *)n[b->node].name;
	while (*p && *p == *q)
		p++, q++;
	unsigned ca = *p ? *p : a->term, cb = *q ? *q : b->term;
	if (!*p && !*q) /* the same child: its own line first */
		return (int)a->term - (int)b->term;
	return (int)ca - (int)cb;
}

/* line holds the path's text (names from the root, joined by ';'); a line is it and the count. */
static int put_line(FILE *f, struct hfp_buf *line, uint64_t count)
{
	size_t keep = line->len;
	char num[24], *q = num + sizeof num;
	*--q = '\n';
	do
		*--q = (char)('0' + count % 10);
	while ((count /= 10) != 0);
	*--q = ' ';
	hfp_buf_put(line, q, (size_t)(num + sizeof num - q));
	int rc = fwrite(line->p, 1, line->len, f) == line->len ? 0 : -1;
	line->len = keep;
	return rc;
}

/* Writes the lines below node, whose path's text is in line. */
static int walk(FILE *f, const struct hfp_ftrie *t, uint32_t node, struct hfp_buf *line)
{
	size_t k = 0;
	for (uint32_t c = t->n[node].child; c; c = t->n[c].next)
		k += (t->n[c].count != 0) + (t->n[c].child != 0);
	struct item few[16]; /* most nodes have a child or two */
	struct item *it = k <= 16 ? few : hfp_reallocarray(NULL, k, sizeof *it);
	k = 0;
	for (uint32_t c = t->n[node].child; c; c = t->n[c].next) {
		if (t->n[c].count)
			it[k++] = (struct item){ c, 0 };
		if (t->n[c].child)
			it[k++] = (struct item){ c, ';' };
	}
	if (k > 1)
		qsort_r(it, k, sizeof *it, item_cmp, t->n);
	int rc = 0;
	size_t keep = line->len;
	for (size_t i = 0; i < k && !rc; i++) {
		const struct hfp_ftrie_node *c = &t->n[it[i].node];
		if (node)
			hfp_buf_putc(line, ';');
		hfp_buf_puts(line, c->name);
		rc = it[i].term ? walk(f, t, it[i].node, line) : put_line(f, line, c->count);
		line->len = keep;
	}
	if (it != few)
		free(it);
	return rc;
}

void hfp_ftrie_free(struct hfp_ftrie *t)
{
	free(t->n);
	hfp_idindex_free(&t->index);
	hfp_strtab_free(&t->names);
	memset(t, 0, sizeof *t);
}

int hfp_folded_stream(FILE *f, const struct hfp_stacks *s, int cost)
{
	struct hfp_ftrie t;
	int rc = 0;
	if (hfp_ftrie_build(&t, s, cost)) {
		struct hfp_buf line = { 0 };
		rc = walk(f, &t, 0, &line);
		hfp_buf_free(&line);
	}
	hfp_ftrie_free(&t);
	return rc || ferror(f) ? -1 : 0;
}

/* ---- the emitter: -F ------------------------------------------------------------------------ */

static const char *folded_path(const struct hfp_options *o)
{
	return o->folded;
}

static int emit_folded(FILE *f, const struct hfp_emit_in *in)
{
	if (in->base) /* built for the difference (hfp_emit.c) */
		return hfp_diff_write_folded(f, in->base, in->folded);
	return hfp_folded_stream(f, in->stacks, in->opt->cost);
}

const struct hfp_emitter hfp_emitter_folded = {
	.path = folded_path,
	.write = emit_folded,
	.needs_folded = 0, /* but with a base it gets them (hfp_emit.c) */
};
