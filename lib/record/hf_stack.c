/* hf_stack.c: stack interning. Stacks form a trie, root (outermost frame) first; every trie node
 * is written once as a NODE record (parent, frame), and its id is its position among the NODE
 * records of the meta stream (format.md 2.2). An allocation references the allocator
 * pseudo-frame node under its innermost frame.
 *
 * Two levels: hf_stack_node (hf_stack.h) looks the captured frames up in the thread's own
 * direct-mapped cache, keyed by a 64-bit hash of (frames, allocator kind), with no lock. A miss
 * comes here: under the meta lock, the frames are walked outermost first through an
 * open-addressing table keyed by (parent, frame); missing nodes are inserted and their NODE
 * records appended to the meta buffer in the same critical section, so ids and record order
 * agree. A 64-bit hash collision in the cache would attribute a stack wrongly; with the depth
 * compared too, the odds for a program with 10^6 distinct stacks are about 10^-7. */
#include <string.h>

#include "hf_base.h"
#include "hf_modules.h"
#include "hf_stack.h"
#include "hf_thread.h"
#include "hf_unwind.h"
#include "hf_writer.h"

/* The nodes, by id - 1: 12 bytes each (the record's fields), the only copy of them. */
struct node {
	uint64_t frame;
	uint32_t parent;
} __attribute__((packed));

/* The table over them: a slot is a node's id (0: empty) and the high half of its path hash, so a
 * probe reads the node itself only when that half agrees. 8 bytes a slot, at most 70% full
 * (linear probing stays short there): with the node, 24 to 35 bytes per distinct stack node,
 * and while the table doubles the old one besides (a table of whole nodes at half load cost
 * 48 to 80).
 *
 * A node's slot comes from the hash of its whole path from the root (its frames, outermost
 * first), not from (parent id, frame): the path hashes of a stack's levels follow from its frames
 * alone, so the slots of all its levels are fetched at once (path_walk), rather than one cache
 * and TLB miss after another as each level waited for its parent's id. A program with many
 * distinct stacks spent half its recording time in that chain. The path is the node (each has
 * one), so its slot is always the same; the check is still the node's (parent, frame). The slot
 * index is the hash's top bits, which the tag holds too: doubling re-places slots from their
 * tags, without the nodes. */
struct ent {
	uint32_t id;
	uint32_t tag;
};

static struct {
	struct ent *tab;
	size_t cap;     /* power of two; grown past 70% full */
	unsigned shift; /* 64 - log2(cap): a hash's slot is hash >> shift */
	uint32_t count;
	struct node *nodes;
	size_t nodes_cap;
	size_t nodes_present; /* bytes of nodes made present ahead of use (node_get) */
} st;

/* New nodes' pages are made present this many bytes at a time, by one call rather than a page
 * fault each: a program with millions of distinct stacks fills tens of megabytes of nodes, and
 * where a fault is costly (a virtual machine that shadows page tables: about 10 microseconds
 * there, twice what the one call takes per page) that was a tenth of its recording time. */
#define NODES_AHEAD (1u << 20)

/* The path hash of a child: every bit of the result depends on every bit of both (a trie has
 * few distinct frames, a recursion one or two, under many parents). */
static inline uint64_t mix(uint64_t parent_hash, uint64_t frame)
{
	uint64_t h = frame + (parent_hash + 1) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static inline size_t slot_of(uint64_t h)
{
	return (size_t)(h >> st.shift);
}

int hf_stack_init(void)
{
	if (st.tab)
		return 0;
	st.cap = 1 << 14;
	st.shift = 64 - 14;
	st.tab = hf_os_alloc(st.cap * sizeof *st.tab);
	st.nodes_cap = 1 << 13;
	st.nodes = hf_os_alloc(st.nodes_cap * sizeof *st.nodes);
	return st.tab && st.nodes ? 0 : -1;
}

/* The table at twice the size: every slot re-placed from its tag (the hash's top 32 bits, of
 * which the slot index is the top log2(cap)), at the end of its probe run. */
static int grow(void)
{
	size_t cap = st.cap * 2, mask = cap - 1;
	unsigned shift = st.shift - 1;
	struct ent *tab = hf_os_alloc_present(cap * sizeof *tab);
	if (!tab)
		return -1;
	for (size_t i = 0; i < st.cap; i++) {
		if (!st.tab[i].id)
			continue;
		size_t j = (size_t)(((uint64_t)st.tab[i].tag << 32) >> shift);
		while (tab[j].id)
			j = (j + 1) & mask;
		tab[j] = st.tab[i];
	}
	hf_os_free(st.tab, st.cap * sizeof *st.tab);
	st.tab = tab;
	st.cap = cap;
	st.shift = shift;
	return 0;
}

/* Meta lock held. The id of (parent, frame), whose path hash is h, inserted if new; 0 if out of
 * memory. */
static uint32_t node_get(uint32_t parent, uint64_t frame, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	size_t mask = st.cap - 1, i = slot_of(h);
	for (; st.tab[i].id; i = (i + 1) & mask) {
		if (st.tab[i].tag != tag)
			continue;
		const struct node *nd = &st.nodes[st.tab[i].id - 1];
		if (nd->frame == frame && nd->parent == parent)
			return st.tab[i].id;
	}
	if (st.count + 1 >= st.nodes_cap) {
		void *n = hf_os_grow(st.nodes, st.nodes_cap * sizeof *st.nodes,
				     2 * st.nodes_cap * sizeof *st.nodes);
		if (!n)
			return 0;
		st.nodes = n;
		st.nodes_cap *= 2;
	}
	if ((st.count + 1) * sizeof *st.nodes > st.nodes_present) {
		size_t cap = st.nodes_cap * sizeof *st.nodes; /* a multiple of the page size */
		size_t n = cap - st.nodes_present < NODES_AHEAD ? cap - st.nodes_present : NODES_AHEAD;
		hf_os_make_present((char *)st.nodes + st.nodes_present, n);
		st.nodes_present += n;
	}
	if (frame >= HF_FRAME_MIN_ADDR)
		hf_modules_ensure((uintptr_t)frame); /* its MODULE goes first */
	if (hf_meta_node(st.count + 1, parent, frame, parent ? st.nodes[parent - 1].frame : 0) < 0)
		return 0;
	uint32_t id = ++st.count;
	st.tab[i] = (struct ent){ id, tag };
	st.nodes[id - 1] = (struct node){ frame, parent };
	if (10 * (size_t)st.count > 7 * st.cap && grow() < 0) {
		/* No memory to grow: the table still works until it is full. */
		if (st.count + 1 >= st.cap)
			return 0;
	}
	return id;
}

/* A stack's levels, root first: the pseudo-frame saying why it was cut (if any), the captured
 * frames outermost first, the allocator pseudo-frame. Filled under the meta lock. */
static uint64_t levels[1 + HF_IPS_MAX + 1];

/* Meta lock held. The node of the m levels, inserting what is missing; 0 if out of memory.
 * Levels go in batches: their path hashes first, each slot's line prefetched, then the walk. */
static uint32_t path_walk(const uint64_t *f, unsigned m)
{
	enum { BATCH = 32 };
	uint64_t h = 0, hs[BATCH];
	uint32_t parent = 0;
	for (unsigned j0 = 0; j0 < m; j0 += BATCH) {
		unsigned k = m - j0 < BATCH ? m - j0 : BATCH;
		for (unsigned i = 0; i < k; i++) {
			h = mix(h, f[j0 + i]);
			hs[i] = h;
			__builtin_prefetch(&st.tab[slot_of(h)]);
		}
		for (unsigned i = 0; i < k; i++)
			if (!(parent = node_get(parent, f[j0 + i], hs[i])))
				return 0;
	}
	return parent;
}

uint32_t hf_stack_intern(struct hf_cache_ent *e, uint64_t h, const uintptr_t *ips, unsigned n,
			 unsigned key)
{
	unsigned depth = n; /* the cache compares the captured depth */
	for (unsigned i = 0; i < n; i++) {
		if (ips[i] < HF_FRAME_MIN_ADDR) { /* never a return address: the stack ends here */
			n = i;
			break;
		}
	}
	hf_meta_lock();
	/* A frame in code without unwind information (musl's libc has none) is as far as the
	 * stack is known: libunwind may have stepped past it by guessing with the frame pointer,
	 * and a guess can skip the real caller, so whatever lies beyond is dropped and the stack
	 * marked "truncated: no unwind information". Checked here, once per new stack: the cache
	 * maps the same captured frames to the same node afterwards. */
	unsigned root = 0;
	unsigned end = hf_unwind_info_end(ips, (key >> 16) & 0xff, n); /* the first ones' callers
									* are known (hf_recover.c) */
	if (end < n) {
		n = end + 1;
		root = HF_FRAME_TRUNCATED_NOINFO;
	}
	if (!root && (key >> 9) & 1)
		root = HF_FRAME_BEFORE_START;
	if (!root && (key >> 8) & 1)
		root = HF_FRAME_TRUNCATED_DEPTH;
	unsigned m = 0;
	if (root)
		levels[m++] = root;
	for (unsigned i = n; i-- > 0;)
		levels[m++] = ips[i];
	levels[m++] = key & 0xff;
	uint32_t leaf = st.tab ? path_walk(levels, m) : 0;
	hf_meta_unlock();
	if (leaf) {
		e->hash = h;
		e->node = leaf;
		e->depth = depth;
	} else if (st.tab) {
		hf_writer_fail("out of memory for a new stack"); /* not a trace with holes */
	}
	return leaf;
}

uint32_t hf_stack_count(void)
{
	return st.count;
}

void hf_stack_replay(void)
{
	for (uint32_t i = 0; i < st.count; i++) {
		uint32_t p = st.nodes[i].parent;
		hf_meta_node(i + 1, p, st.nodes[i].frame, p ? st.nodes[p - 1].frame : 0);
	}
}

void hf_stack_reset(void)
{
	if (!st.tab)
		return;
	memset(st.tab, 0, st.cap * sizeof *st.tab);
	st.count = 0;
}

int hf_stack_node_at(uint32_t id, uint32_t *parent, uint64_t *frame)
{
	if (id == 0 || id > st.count)
		return 0;
	*parent = st.nodes[id - 1].parent;
	*frame = st.nodes[id - 1].frame;
	return 1;
}

void hf_stack_frames(void (*fn)(uint64_t frame, void *arg), void *arg)
{
	for (uint32_t i = 0; i < st.count; i++)
		if (st.nodes[i].frame >= HF_FRAME_MIN_ADDR)
			fn(st.nodes[i].frame, arg);
}
