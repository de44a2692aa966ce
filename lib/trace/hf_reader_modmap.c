/* hf_reader_modmap.c: which loaded module holds an address, while the meta stream is decoded.
 *
 * The set changes with every MODULE and MODULE_UNLOAD record and is queried by every NODE record.
 * A sorted array rebuilt on change would make a hostile trace that alternates the two quadratic,
 * so the segments live in a skip list keyed by (start, module, segment): O(log n) per operation.
 * The levels come from a generator seeded at run time, so a crafted trace cannot arrange its keys
 * against them. */
#include <stdlib.h>
#include <time.h>

#include "hf_reader_int.h"

#define MM_LEVELS 20 /* with p = 1/4: comfortable up to 4^20 segments */

struct mm_node {
	uint64_t start, end;
	uint32_t module, seg;
	struct mm_node *next[];
};

struct hf_modmap {
	struct mm_node *head;
	int level;
	uint64_t rng;
};

struct hf_modmap *hf__modmap_new(void)
{
	struct hf_modmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	if (!(m->head = calloc(1, sizeof *m->head + MM_LEVELS * sizeof(struct mm_node *)))) {
		free(m);
		return NULL;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	m->rng = ((uint64_t)(uintptr_t)m ^ (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec) | 1;
	m->level = 1;
	return m;
}

static int random_level(struct hf_modmap *m)
{
	/* xorshift64: enough randomness for balancing, no state beyond one word. */
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	uint64_t r = m->rng;
	int lvl = 1;
	while (lvl < MM_LEVELS && (r & 3) == 0) {
		lvl++;
		r >>= 2;
	}
	return lvl;
}

static int key_less(const struct mm_node *n, uint64_t start, uint32_t module, uint32_t seg)
{
	if (n->start != start)
		return n->start < start;
	if (n->module != module)
		return n->module < module;
	return n->seg < seg;
}

static void find_path(const struct hf_modmap *m, uint64_t start, uint32_t module, uint32_t seg,
		      struct mm_node **upd)
{
	struct mm_node *x = m->head;
	for (int i = m->level - 1; i >= 0; i--) {
		while (x->next[i] && key_less(x->next[i], start, module, seg))
			x = x->next[i];
		upd[i] = x;
	}
}

int hf__modmap_add(struct hf_modmap *m, uint64_t start, uint64_t end, uint32_t module, uint32_t seg)
{
	struct mm_node *upd[MM_LEVELS];
	find_path(m, start, module, seg, upd);
	int lvl = random_level(m);
	struct mm_node *n = malloc(sizeof *n + (size_t)lvl * sizeof n->next[0]);
	if (!n)
		return -1;
	for (int i = m->level; i < lvl; i++)
		upd[i] = m->head;
	if (lvl > m->level)
		m->level = lvl;
	n->start = start;
	n->end = end;
	n->module = module;
	n->seg = seg;
	for (int i = 0; i < lvl; i++) {
		n->next[i] = upd[i]->next[i];
		upd[i]->next[i] = n;
	}
	return 0;
}

void hf__modmap_remove(struct hf_modmap *m, uint64_t start, uint32_t module, uint32_t seg)
{
	struct mm_node *upd[MM_LEVELS];
	find_path(m, start, module, seg, upd);
	struct mm_node *x = upd[0]->next[0];
	if (!x || x->start != start || x->module != module || x->seg != seg)
		return;
	for (int i = 0; i < m->level; i++)
		if (upd[i]->next[i] == x)
			upd[i]->next[i] = x->next[i];
	free(x);
}

uint32_t hf__modmap_find(const struct hf_modmap *m, uint64_t addr)
{
	/* The segment with the greatest start <= addr. Loaded segments of a real process never
	 * overlap, so it is the only candidate; with a crafted overlap any answer will do. */
	const struct mm_node *x = m->head;
	for (int i = m->level - 1; i >= 0; i--)
		while (x->next[i] && x->next[i]->start <= addr)
			x = x->next[i];
	return x != m->head && addr < x->end ? x->module : 0;
}

void hf__modmap_free(struct hf_modmap *m)
{
	if (!m)
		return;
	struct mm_node *x = m->head->next[0];
	while (x) {
		struct mm_node *n = x->next[0];
		free(x);
		x = n;
	}
	free(m->head);
	free(m);
}
