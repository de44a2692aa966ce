/* hfp_stack.h: the stack layer: stack-tree nodes -> displayed stacks of interned source frames,
 * with merged costs. It takes node and resolver callbacks, so tests can feed it synthetic trees. */
#ifndef HFP_STACK_H
#define HFP_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "heapfold_trace.h"

#include "../core/hfp_cost.h"
#include "../core/hfp_hash.h"
#include "../core/hfp_idindex.h"
#include "../core/hfp_strtab.h"
#include "hfp_symbol.h"

/* An interned source frame; frames are compared by id. */
struct hfp_frame {
	const char *name, *file, *module;
	unsigned line;
	unsigned kind; /* what the stack layer makes of the name (hfp_stack.c), found once */
};

/* A displayed stack with merged costs, as hfp_stacks_get gives it. Its frames
 * (hfp_dstack_frames gives them as an array): frames[0] is the root (outermost),
 * frames[depth-1] the leaf: the allocation site, or with --show-allocator the allocator, whose
 * alloc_frames frames (the malloc pseudo-frame and the allocation functions above it) end the
 * stack. */
struct hfp_dstack {
	uint64_t at; /* where its frames start in struct hfp_stacks.pool */
	uint32_t depth;
	uint32_t alloc_frames;
	struct hfp_costs c;
};

/* How the stack layer keeps one: each cost in 32 bits while they all fit, 40 bytes rather than
 * 64 (a million stacks of a few allocations each are the case that weighs). A stack whose cost
 * outgrows 32 bits keeps its costs in struct hfp_stacks.wide, and c32[0] is their index there. */
#define HFP_DSTACK_WIDE 0x80000000u /* in alloc_frames */
struct hfp_dstack_rec {
	uint64_t at;
	uint32_t depth;
	uint32_t alloc_frames; /* | HFP_DSTACK_WIDE */
	uint32_t c32[6];       /* struct hfp_costs' fields, in its order */
};
_Static_assert(sizeof(struct hfp_costs) == 6 * sizeof(uint64_t),
	       "struct hfp_dstack_rec.c32 and hfp_stacks_get hold struct hfp_costs' six fields");

/* Room for one stack's frames, kept by an emitter from one stack to the next. */
struct hfp_framebuf {
	uint32_t *v;
	size_t cap;
};

/* A stack's frames as its nodes gave them, for the next stack to share (hfp_stack.c, expand). */
struct hfp_chain {
	uint32_t *node;  /* its nodes, leaf first (their ids decrease towards the root) */
	uint32_t *at;    /* where each node's frames start in frame */
	uint32_t *frame; /* its frames, innermost first */
	size_t nnode, nframe, node_cap, frame_cap;
	int alloc;       /* frame[0] is the allocator pseudo-frame */
};

struct hfp_stacks {
	/* configuration */
	struct hfp_nodesrc nodes;
	hfp_resolve_fn resolve;
	void *resolve_ctx;
	int above_main, show_allocator;
	int shorten_templates;       /* names without template arguments (hfp_shorten_templates) */
	const char *const *allocfns; /* --allocator-frame patterns, beside the defaults */
	size_t nallocfns;

	struct hfp_strtab strings;
	struct hfp_frame *frame;   /* by frame id */
	uint32_t pseudo_frame[32]; /* 1 + the frame id of a pseudo-frame code, once interned */
	size_t nframe, frame_cap;
	struct hfp_hash frame_index; /* frame (name, file, module, line) -> id */
	struct hfp_hash addr_index;  /* (module, return address) -> range of addr_frames */
	uint32_t *addr_frames;       /* the ranges: frame ids, innermost first */
	size_t naddr_frames, addr_frames_cap;
	/* The last addresses looked up, by a few bits of each: a stack's walk looks an address up
	 * at every node, 24 million times for a million stacks of 23 frames, and a program's
	 * stacks go through few of its addresses most of the time. count 0: empty. */
	struct hfp_addr_memo {
		uint64_t frame;
		uint32_t module, start, count;
	} addr_memo[256];

	struct hfp_dstack_rec *d;  /* merged display stacks (read them with hfp_stacks_get) */
	size_t nd, d_cap;
	size_t d_present, pool_present; /* bytes of d and pool made present (hfp_mem_ahead) */
	struct hfp_costs *wide;    /* the costs of those that outgrew 32 bits */
	size_t nwide, wide_cap;
	struct hfp_idindex d_index; /* frame sequence (as the pool holds it) -> dstack */
	uint64_t d_seed;            /* of its hashes */
	/* Their frames, one stack after the other, root first, each frame id as a LEB128 varint:
	 * ids are small (a program has thousands of functions, not millions), so a frame takes a
	 * byte or two rather than four, in one array rather than a block per stack. */
	uint8_t *pool;
	size_t npool, pool_cap;
	/* The last two stacks expanded, chain[last] the newer. A stack shares its outer nodes with
	 * the one before when they come in a depth-first order of the stack tree (hfp_run.c drains
	 * them so for -F alone): those nodes' frames are copied from there, not walked again. */
	struct hfp_chain chain[2];
	int last;
	uint8_t *key;              /* a stack being added, encoded */
	size_t key_len, key_cap;

	/* Set near_keys before the first stack is added to have near: for each display stack, the
	 * preorder rank (hfp_preorder.h) of the first leaf node that made it, after the ranks of
	 * the traces before its own. Stacks in the order of near mostly share their prefix with
	 * the one before (an output's shortcut, hfp_folded_stream.c); it says nothing else. */
	int near_keys;
	uint32_t *near;        /* by display stack, beside d */
	uint32_t *node_rank;   /* the current source's ranks, made at its first stack */
	uint64_t rank_base;    /* the ranks of the sources before it */

	/* Set before the first stack is added when the one output made is the trie of -F or --svg
	 * alone, which reads the display stacks once, in their order, and merges equal ones itself:
	 * they are then not merged here (no index of them), and hfp_stacks_consumed gives their
	 * memory back as the trie takes them, so that it does not grow beside all of them. */
	int trie_only;
};

/* s must stay where it is until hfp_stacks_free (its tables point back at it). */
void hfp_stacks_init(struct hfp_stacks *s);
/* The nodes of another trace from here on (several traces in one report), and the resolver
 * context that symbolizes its addresses: the addresses symbolized so far are forgotten (module
 * ids belong to one trace); frames and display stacks stay, so the traces' stacks merge. */
void hfp_stacks_set_source(struct hfp_stacks *s, struct hfp_nodesrc nodes, void *resolve_ctx);
/* At most n more display stacks are coming (a drain of n stacks): the index that merges them is
 * made that size at once, not grown while they come (which holds the old index and the new). */
void hfp_stacks_reserve(struct hfp_stacks *s, size_t n);
/* Adds the costs of the stack ending at leaf node to its display stack. */
void hfp_stacks_add(struct hfp_stacks *s, uint32_t leaf, const struct hfp_costs *c);
/* 1 if any frame of the whole stack (above main too, inlined frames included) is one of names;
 * a C++ name matches with or without its parameter list. */
int hfp_stacks_has_function(struct hfp_stacks *s, uint32_t leaf, const char *const *names, size_t n);
/* Interns a frame (also used by tests). */
uint32_t hfp_stacks_frame(struct hfp_stacks *s, const char *name, const char *file, unsigned line,
			  const char *module);
/* Adds a display stack given by frame ids, root first, the last alloc_frames of them the
 * allocator's (tests and hfp_stacks_add). */
void hfp_stacks_add_frames(struct hfp_stacks *s, const uint32_t *frames, uint32_t depth,
			   uint32_t alloc_frames, const struct hfp_costs *c);
/* Starts loading what hfp_stacks_add will read first for the stack ending at leaf (its leaf
 * node, and the node's rank for near keys): a stack a few places on in a drain. A hint only. */
void hfp_stacks_prefetch(const struct hfp_stacks *s, uint32_t leaf);
/* The current source's nodes are gone (hf_trace_drop_nodes): nothing reads them any more. */
void hfp_stacks_nodes_gone(struct hfp_stacks *s);
/* No stack is added from here on: frees what adding them takes (the index of display stacks,
 * the nodes' ranks), before the outputs are made. */
void hfp_stacks_done(struct hfp_stacks *s);
/* The display stacks from .. to-1 will not be read again (the trie, which calls it with from
 * where its last call ended): with trie_only set, the memory of their records and frames goes
 * back to the system now, not when the stack layer is freed. */
void hfp_stacks_consumed(const struct hfp_stacks *s, size_t from, size_t to);
/* The display stacks' indexes in the order of their near keys, ties by index (a malloc'ed
 * array of nd), or NULL without near keys. */
uint32_t *hfp_stacks_near_order(const struct hfp_stacks *s);
/* Display stack i (i < nd). */
static inline struct hfp_dstack hfp_stacks_get(const struct hfp_stacks *s, size_t i)
{
	const struct hfp_dstack_rec *r = &s->d[i];
	struct hfp_dstack d = { r->at, r->depth, r->alloc_frames & ~HFP_DSTACK_WIDE, { 0 } };
	if (r->alloc_frames & HFP_DSTACK_WIDE)
		d.c = s->wide[r->c32[0]];
	else
		d.c = (struct hfp_costs){ r->c32[0], r->c32[1], r->c32[2], r->c32[3], r->c32[4], r->c32[5] };
	return d;
}
/* d's frames, root first (d->depth of them), in b (valid until b's next use). */
const uint32_t *hfp_dstack_frames(const struct hfp_stacks *s, const struct hfp_dstack *d,
				  struct hfp_framebuf *b);
void hfp_framebuf_free(struct hfp_framebuf *b);
/* The frame of d where the program asked for memory: frames[depth - 1 - alloc_frames]. */
uint32_t hfp_dstack_site(const struct hfp_stacks *s, const struct hfp_dstack *d);
void hfp_stacks_free(struct hfp_stacks *s);
/* The name shown for an allocator or truncation pseudo-frame code, or NULL. */
const char *hfp_pseudo_name(uint64_t code);

#endif
