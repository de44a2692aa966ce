/* hf_reader_nodes.c: the stack tree as the reader keeps it. A node is its parent and the index of
 * its frame among the trace's distinct (frame, module) pairs: a program's stacks go through a
 * few thousand return addresses, each in many contexts, so 8 bytes a node and 16 a distinct
 * frame hold what 16 bytes a node did (a trace of 5 million nodes: 40 MB rather than 80). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hf_reader_int.h"

_Static_assert(HF_FRAME_BEFORE_START < HF_NODE_PSEUDO_FRAMES && HF_NODE_PSEUDO_FRAMES <= HF_FRAME_MIN_ADDR,
	       "a pseudo-frame code is its own index among the frames");

static const char oom[] = "out of memory";

/* The node table's pages are made present a megabyte ahead of use, by one madvise rather than
 * a page fault each: where a fault is costly (a virtual machine that shadows page tables, about
 * 10 microseconds a page) millions of nodes would otherwise take twice as long to read. Fresh
 * pages are zero either way; before Linux 5.14 it fails and the pages fault as before. */
static void nodes_ahead(hf_trace *t)
{
#ifdef MADV_POPULATE_WRITE
	size_t need = (t->nnodes + 1) * sizeof *t->nodes, cap = t->nodecap * sizeof *t->nodes;
	if (need <= t->nodes_present)
		return;
	size_t page = 4096, to = t->nodes_present + ((size_t)1 << 20);
	to = to < need ? need : to > cap ? cap : to;
	uintptr_t a = ((uintptr_t)t->nodes + t->nodes_present + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t e = ((uintptr_t)t->nodes + to) & ~(uintptr_t)(page - 1);
	if (e > a)
		madvise((void *)a, e - a, MADV_POPULATE_WRITE);
	t->nodes_present = to;
#else
	(void)t;
#endif
}

/* The hash is seeded per trace (as the modules' is) so that crafted addresses cannot all land in
 * one probe sequence. */
static size_t frame_slot(const hf_trace *t, uint64_t frame, uint32_t module)
{
	uint64_t h = (frame ^ t->seed ^ (uint64_t)module << 47) * UINT64_C(0x9e3779b97f4a7c15);
	size_t mask = t->framehash_cap - 1, i = (size_t)(h ^ h >> 29) & mask;
	for (;;) {
		uint32_t k = t->framehash[i];
		if (!k || (t->frames[k].frame == frame && t->frames[k].module == module))
			return i;
		i = (i + 1) & mask;
	}
}

static const char *frames_init(hf_trace *t)
{
	t->framecap = 2 * HF_NODE_PSEUDO_FRAMES;
	t->frames = calloc(t->framecap, sizeof *t->frames);
	if (!t->frames)
		return oom;
	for (uint32_t i = 0; i < HF_NODE_PSEUDO_FRAMES; i++)
		t->frames[i].frame = i;
	t->nframes = HF_NODE_PSEUDO_FRAMES;
	return NULL;
}

/* The index of (frame, module) in frames, added if new; 0 when out of memory (index 0 is the
 * pseudo-frame code 0, which no node has). */
static uint32_t frame_index(hf_trace *t, uint64_t frame, uint32_t module)
{
	if (frame < HF_FRAME_MIN_ADDR)
		return (uint32_t)frame; /* the decoder let only known codes through */
	/* At most half full; rebuilt when it grows. */
	if (2 * (t->nframes + 1) > t->framehash_cap) {
		size_t cap = t->framehash_cap ? t->framehash_cap * 2 : 1024;
		uint32_t *h = calloc(cap, sizeof *h);
		if (!h)
			return 0;
		free(t->framehash);
		t->framehash = h;
		t->framehash_cap = cap;
		for (size_t i = HF_NODE_PSEUDO_FRAMES; i < t->nframes; i++)
			h[frame_slot(t, t->frames[i].frame, t->frames[i].module)] = (uint32_t)i;
	}
	size_t slot = frame_slot(t, frame, module);
	if (t->framehash[slot])
		return t->framehash[slot];
	if (t->nframes == t->framecap) {
		struct hf_node *f = realloc(t->frames, 2 * t->framecap * sizeof *f);
		if (!f)
			return 0;
		t->frames = f;
		t->framecap *= 2;
	}
	t->frames[t->nframes] = (struct hf_node){ 0, module, frame };
	t->framehash[slot] = (uint32_t)t->nframes;
	return (uint32_t)t->nframes++;
}

const char *hf__node_add(hf_trace *t, uint32_t parent, uint64_t frame, uint32_t module)
{
	const char *err;
	if (!t->frames && (err = frames_init(t)))
		return err;
	uint32_t f = frame_index(t, frame, module);
	if (!f)
		return oom;
	if (t->nnodes == t->nodecap) {
		size_t cap = t->nodecap ? t->nodecap * 2 : 1024;
		struct hf_node_ref *n = realloc(t->nodes, cap * sizeof *n);
		if (!n)
			return oom;
		t->nodes = n;
		t->nodecap = cap;
	}
	nodes_ahead(t);
	t->nodes[t->nnodes++] = (struct hf_node_ref){ parent, f };
	return NULL;
}

void hf__nodes_free(hf_trace *t)
{
	free(t->nodes);
	free(t->frames);
	free(t->framehash);
	t->nodes = NULL;
	t->frames = NULL;
	t->framehash = NULL;
	t->nodecap = t->framecap = t->framehash_cap = t->nframes = 0;
	t->nodes_present = 0;
}

size_t hf_trace_node_count(const hf_trace *t)
{
	return t ? t->nnodes : 0;
}

struct hf_nodes hf_trace_nodes(const hf_trace *t)
{
	if (!t || !t->nodes)
		return (struct hf_nodes){ NULL, NULL, 0, 0 };
	return (struct hf_nodes){ t->nodes, t->frames, (uint32_t)t->nnodes, (uint32_t)t->nframes };
}

struct hf_node hf_trace_node(const hf_trace *t, uint32_t id)
{
	struct hf_nodes n = hf_trace_nodes(t);
	return hf_nodes_get(&n, id);
}

void hf_trace_drop_nodes(hf_trace *t)
{
	if (t)
		hf__nodes_free(t);
}
