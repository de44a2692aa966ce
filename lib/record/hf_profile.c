/* hf_profile.c: the live heap profile (see hf_profile.h).
 *
 * Weights are fixed point (16 fraction bits), so that exact runs (weight 1) count exactly and a
 * block's bytes leave the in-use counter exactly as they entered. Counters are indexed by node
 * id in pages of 4,096 nodes mapped on first use (hf_os_alloc: never the program's allocator). */
#include <string.h>

#include "hf_base.h"
#include "hf_profile.h"
#include "hf_sample.h"

#define FRAC 16
#define PAGE_NODES 4096u
#define PAGES 4096u /* 16M nodes */

int hf_profile_on;

struct counters {
	uint64_t a_obj, a_bytes; /* since the last snapshot, fixed point */
	uint64_t u_obj, u_bytes; /* in use now, fixed point */
};

#define block hf_profile_block

static struct {
	int lock;
	struct block *tab;
	size_t cap, used, live;
	struct counters *page[PAGES];
	int failed;
} pf;

static void take(void)
{
	hf_spin_lock(&pf.lock);
}

static void give(void)
{
	hf_spin_unlock(&pf.lock);
}

void hf_profile_init(void)
{
	hf_profile_on = *hf_opt_str(HF_OPT_PPROF_DIR) || hf_opt(HF_OPT_PPROF);
}

static size_t slot_of(uintptr_t p, size_t cap)
{
	return (size_t)(((uint64_t)p * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

/* Lock held. The table at cap, without deleted marks. -1 without memory. */
static int rebuild(size_t cap)
{
	struct block *tab = hf_os_alloc(cap * sizeof *tab);
	if (!tab)
		return -1;
	for (size_t i = 0; i < pf.cap; i++) {
		if (pf.tab[i].p > 1) {
			size_t j = slot_of(pf.tab[i].p, cap);
			while (tab[j].p)
				j = (j + 1) & (cap - 1);
			tab[j] = pf.tab[i];
		}
	}
	if (pf.tab)
		hf_os_free(pf.tab, pf.cap * sizeof *pf.tab);
	pf.tab = tab;
	pf.cap = cap;
	pf.used = pf.live;
	return 0;
}

/* Lock held. The counters of node, NULL without memory. */
static struct counters *counters(uint32_t node)
{
	uint32_t pg = node / PAGE_NODES;
	if (pg >= PAGES)
		return NULL;
	if (!pf.page[pg] && !(pf.page[pg] = hf_os_alloc(PAGE_NODES * sizeof(struct counters))))
		return NULL;
	return &pf.page[pg][node % PAGE_NODES];
}

/* exp(x) - 1 for x <= 0, without libm (the recorder links no libm): exp by range reduction to
 * |r| <= ln 2 and its series; near 0 the series of expm1 itself, which keeps its precision. */
static double expm1_neg(double x)
{
	if (x > -1e-5)
		return x + x * x / 2;
	if (x < -60)
		return -1;
	int k = 0;
	while (x < -0.6931471805599453) {
		x += 0.6931471805599453;
		k++;
	}
	double term = 1, sum = 1;
	for (int i = 1; i < 18; i++) {
		term *= x / i;
		sum += term;
	}
	while (k-- > 0)
		sum *= 0.5;
	return sum - 1;
}

/* The weight of a recorded block of size bytes: 1, or for a sampled one the inverse of the
 * probability it had of being sampled (pprof's heap profiles scale the same way). */
static uint64_t weight(size_t size)
{
	uint64_t rate = hf_load(&hf_sample_rate);
	if (!rate || size == 0)
		return rate ? (uint64_t)rate << FRAC : 1u << FRAC;
	double p = -expm1_neg(-(double)size / (double)rate);
	return (uint64_t)((double)(1u << FRAC) / p + 0.5);
}

/* Lock held. */
static void insert(uintptr_t p, uint32_t node, uint64_t size, uint64_t w)
{
	size_t cap = !pf.cap ? 4096 : (pf.live + 1) * 4 > pf.cap ? pf.cap * 2 : pf.cap;
	if ((pf.used + 1) * 2 > pf.cap && rebuild(cap) < 0) {
		pf.failed = 1;
		return;
	}
	size_t j = slot_of(p, pf.cap);
	while (pf.tab[j].p > 1)
		j = (j + 1) & (pf.cap - 1);
	if (!pf.tab[j].p)
		pf.used++;
	pf.tab[j] = (struct block){ p, node, 0, size, w };
	pf.live++;
	struct counters *c = counters(node);
	if (c) {
		c->u_obj += w;
		c->u_bytes += size * w;
	}
}

/* Lock held. Removes p; 1 and *out if it was there. */
static int drop(uintptr_t p, struct block *out)
{
	if (!pf.cap)
		return 0;
	for (size_t j = slot_of(p, pf.cap); pf.tab[j].p; j = (j + 1) & (pf.cap - 1)) {
		if (pf.tab[j].p != p)
			continue;
		*out = pf.tab[j];
		pf.tab[j].p = 1;
		pf.live--;
		struct counters *c = counters(out->node);
		if (c) {
			c->u_obj -= out->weight;
			c->u_bytes -= out->size * out->weight;
		}
		return 1;
	}
	return 0;
}

void hf_profile_alloc(uintptr_t p, uint32_t node, size_t size)
{
	uint64_t w = weight(size);
	take();
	struct counters *c = counters(node);
	if (c) {
		c->a_obj += w;
		c->a_bytes += (uint64_t)size * w;
	} else {
		pf.failed = 1;
	}
	insert(p, node, size, w);
	give();
}

void hf_profile_free(uintptr_t p)
{
	struct block b;
	take();
	drop(p, &b);
	give();
}

int hf_profile_take(uintptr_t old, struct block *b)
{
	take();
	int there = drop(old, b);
	give();
	return there;
}

void hf_profile_restore(const struct block *b)
{
	take();
	insert(b->p, b->node, b->size, b->weight);
	give();
}

int hf_profile_incomplete(void)
{
	return hf_load(&pf.failed);
}

void hf_profile_reset(void)
{
	take();
	if (pf.tab)
		hf_os_free(pf.tab, pf.cap * sizeof *pf.tab);
	pf.tab = NULL;
	pf.cap = pf.used = pf.live = 0;
	pf.failed = 0;
	for (unsigned i = 0; i < PAGES; i++)
		if (pf.page[i]) {
			hf_os_free(pf.page[i], PAGE_NODES * sizeof(struct counters));
			pf.page[i] = NULL;
		}
	give();
}

void hf_profile_fork_child(void)
{
	pf.lock = 0;
}

static uint64_t rounded(uint64_t fixed)
{
	return (fixed + (1u << (FRAC - 1))) >> FRAC;
}

size_t hf_profile_collect(void (*fn)(const struct hf_profile_row *row, void *arg), void *arg)
{
	size_t n = 0;
	take();
	for (unsigned pg = 0; pg < PAGES; pg++) {
		struct counters *c = pf.page[pg];
		for (unsigned i = 0; c && i < PAGE_NODES; i++) {
			if (!c[i].a_obj && !c[i].u_obj)
				continue;
			struct hf_profile_row r = { pg * PAGE_NODES + i, rounded(c[i].a_obj), rounded(c[i].a_bytes),
						    rounded(c[i].u_obj), rounded(c[i].u_bytes) };
			c[i].a_obj = c[i].a_bytes = 0;
			if (r.alloc_objects || r.alloc_bytes || r.inuse_objects || r.inuse_bytes) {
				fn(&r, arg);
				n++;
			}
		}
	}
	give();
	return n;
}
