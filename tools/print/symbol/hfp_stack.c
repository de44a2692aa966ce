/* hfp_stack.c: turns stack-tree nodes into displayed stacks: each distinct return address is
 * symbolized once (cached by module and address), pseudo-frames get their names, stacks are cut
 * at main or at a thread's start routine and below the allocation functions, and stacks that
 * display the same are merged.
 *
 * Memory: interned strings and frames, one cache entry per distinct address, one merged stack per
 * distinct displayed stack: its costs (64 bytes with its place in the pool), its frames encoded in
 * the pool (a byte or two a frame) and a slot of the index. */
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_mem.h"
#include "../core/hfp_order.h"
#include "hfp_allocfn.h"
#include "hfp_demangle.h"
#include "hfp_preorder.h"
#include "hfp_stack.h"

static const char *const pseudo_names[] = {
	[HF_FRAME_MALLOC] = "malloc",
	[HF_FRAME_CALLOC] = "calloc",
	[HF_FRAME_REALLOC] = "realloc",
	[HF_FRAME_REALLOCARRAY] = "reallocarray",
	[HF_FRAME_POSIX_MEMALIGN] = "posix_memalign",
	[HF_FRAME_ALIGNED_ALLOC] = "aligned_alloc",
	[HF_FRAME_MEMALIGN] = "memalign",
	[HF_FRAME_VALLOC] = "valloc",
	[HF_FRAME_PVALLOC] = "pvalloc",
	[HF_FRAME_TRUNCATED_DEPTH] = "[truncated]",
	[HF_FRAME_TRUNCATED_NOINFO] = "[no unwind info]",
	[HF_FRAME_BEFORE_START] = "[before heapfold started]",
};

const char *hfp_pseudo_name(uint64_t code)
{
	if (code < sizeof pseudo_names / sizeof pseudo_names[0])
		return pseudo_names[code];
	return NULL;
}

static int is_allocator_code(uint64_t frame)
{
	return frame >= HF_FRAME_MALLOC && frame <= HF_FRAME_PVALLOC;
}

/* Functions that start threads or call main: a stack stops at the frame they call. For threads
 * that is the start routine (glibc: clone3 -> start_thread -> routine; others: clone). For main
 * it is main itself, which matters when main has no name (a stripped executable): glibc's
 * __libc_start_call_main and musl's libc_start_main_stage2 call it. For Rust, the frame called
 * by __rust_begin_short_backtrace: the program's main, or a thread's closure. */
static int is_root(const char *name)
{
	static const char *const roots[] = { "start_thread", "clone", "__clone", "clone3", "__clone3",
					     "thread_start", "__thread_start", "__libc_start_call_main",
					     "__libc_start_main", "__libc_start_main_impl",
					     "libc_start_main_stage2" };
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
		if (strcmp(name, roots[i]) == 0)
			return 1;
	/* Rust: std calls main and every thread's closure through __rust_begin_short_backtrace,
	 * where Rust's own backtraces start (std::sys::backtrace:: or, in older releases,
	 * std::sys_common::backtrace::; generic arguments after it in v0 names). */
	return strstr(name, "::__rust_begin_short_backtrace") != NULL;
}

/* Functions a stack keeps as its outermost frame: main, and the loader's function that runs
 * the constructors of shared libraries (glibc's _dl_init, musl's do_init_fini), so that an
 * allocation in a constructor reads "_dl_init;call_init;ctor" as main's read "main;f". */
static int is_anchor(const char *name)
{
	return strcmp(name, "main") == 0 || strcmp(name, "_dl_init") == 0 ||
	       strcmp(name, "do_init_fini") == 0;
}

/* struct hfp_frame.kind: the tests above, made once per frame rather than once per frame of
 * every stack (a million stacks of 20 frames would otherwise spend most of their time in
 * strcmp). Whether a frame is an allocation function depends on --allocator-frame, so it is
 * found on first use. */
enum {
	KIND_ROOT = 1,
	KIND_ANCHOR = 2,
	KIND_ALLOCFN_KNOWN = 4,
	KIND_ALLOCFN = 8,
};

static int is_allocfn(struct hfp_stacks *s, uint32_t id)
{
	struct hfp_frame *f = &s->frame[id];
	if (!(f->kind & KIND_ALLOCFN_KNOWN))
		f->kind |= KIND_ALLOCFN_KNOWN |
			   (hfp_allocfn_match(f->name, s->allocfns, s->nallocfns) ? KIND_ALLOCFN : 0);
	return (f->kind & KIND_ALLOCFN) != 0;
}

/* ---- the indexes ---------------------------------------------------------------------------- */

/* Frames are interned: their strings are, so the key compares pointers. */
struct frame_key {
	const char *name, *file, *module;
	uint64_t line; /* 64 bits: no padding in the key */
};

struct frame_ent {
	struct frame_key k;
	uint32_t id;
};

static const struct hfp_hash_type frame_type = {
	.entry_size = sizeof(struct frame_ent),
	.key_size = sizeof(struct frame_key),
	.min_cap = 1024,
	.max_load = 50,
};

/* Each distinct return address is symbolized once: its frames are a range of addr_frames. */
struct addr_key {
	uint64_t frame;
	uint64_t module;
};

struct addr_ent {
	struct addr_key k;
	uint32_t start, count;
};

static const struct hfp_hash_type addr_type = {
	.entry_size = sizeof(struct addr_ent),
	.key_size = sizeof(struct addr_key),
	.min_cap = 1024,
	.max_load = 50,
};

/* Display stacks are keyed by their frames as the pool holds them (s->d[id].at on); a stack's
 * bytes end where the next one's start. Is id the stack being added (s->key)? */
static int d_same(void *ctx, uint32_t id)
{
	const struct hfp_stacks *s = ctx;
	uint64_t at = s->d[id].at, end = id + 1 < s->nd ? s->d[id + 1].at : s->npool;
	return end - at == s->key_len && memcmp(s->pool + at, s->key, s->key_len) == 0;
}

/* ---- frames --------------------------------------------------------------------------------- */

void hfp_stacks_init(struct hfp_stacks *s)
{
	memset(s, 0, sizeof *s);
	hfp_hash_init(&s->frame_index, &frame_type, NULL);
	hfp_hash_init(&s->addr_index, &addr_type, NULL);
	/* Addresses vary from run to run (ASLR): a trace cannot aim its stacks at one probe run. */
	s->d_seed = (uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ull;
}

void hfp_stacks_set_source(struct hfp_stacks *s, struct hfp_nodesrc nodes, void *resolve_ctx)
{
	if (s->node_rank)
		s->rank_base += (uint64_t)s->nodes.count + 1;
	free(s->node_rank);
	s->node_rank = NULL;
	s->nodes = nodes;
	s->resolve_ctx = resolve_ctx;
	s->chain[0].nnode = s->chain[1].nnode = 0; /* another trace's node ids */
	hfp_hash_free(&s->addr_index);
	hfp_hash_init(&s->addr_index, &addr_type, NULL);
	s->naddr_frames = 0;
	memset(s->addr_memo, 0, sizeof s->addr_memo);
}

uint32_t hfp_stacks_frame(struct hfp_stacks *s, const char *name, const char *file, unsigned line,
			  const char *module)
{
	/* Intern the strings first: frames are then compared by pointer (and frames whose
	 * shortened names are the same merge). */
	char *shortened = s->shorten_templates && name ? hfp_shorten_templates(name) : NULL;
	name = hfp_intern(&s->strings, shortened ? shortened : name && *name ? name : "[unknown]");
	free(shortened);
	file = file && *file ? hfp_intern(&s->strings, file) : NULL;
	module = module ? hfp_intern(&s->strings, module) : NULL;
	if (!file)
		line = 0;
	struct frame_key k = { name, file, module, line };
	int added;
	struct frame_ent *e = hfp_hash_put(&s->frame_index, &k, sizeof k, &added);
	if (added) {
		if (s->nframe == s->frame_cap) {
			s->frame_cap = s->frame_cap ? s->frame_cap * 2 : 256;
			s->frame = hfp_reallocarray(s->frame, s->frame_cap, sizeof *s->frame);
		}
		s->frame[s->nframe] = (struct hfp_frame){ name, file, module, line,
							   (is_root(name) ? KIND_ROOT : 0) | (is_anchor(name) ? KIND_ANCHOR : 0) };
		e->id = (uint32_t)s->nframe++;
	}
	return e->id;
}

/* Frame ids of a return address, innermost first, symbolized on first use. */
static const uint32_t *addr_frames(struct hfp_stacks *s, uint32_t module, uint64_t frame,
				   uint32_t *count)
{
	struct hfp_addr_memo *m = &s->addr_memo[((frame ^ module) * 0x9E3779B97F4A7C15ull) >> 56];
	if (m->frame == frame && m->module == module && m->count) {
		*count = m->count;
		return s->addr_frames + m->start;
	}
	struct addr_key k = { frame, module };
	const struct addr_ent *hit = hfp_hash_find(&s->addr_index, &k, sizeof k);
	if (hit) {
		*m = (struct hfp_addr_memo){ frame, module, hit->start, hit->count };
		*count = hit->count;
		return s->addr_frames + hit->start;
	}
	struct hfp_srcframe sf[HFP_MAX_INLINE];
	size_t n = s->resolve(s->resolve_ctx, module, frame, sf, HFP_MAX_INLINE);
	if (n == 0) {
		sf[0] = (struct hfp_srcframe){ "[unknown]", NULL, 0, NULL };
		n = 1;
	}
	if (s->naddr_frames + n > s->addr_frames_cap) {
		size_t cap = s->addr_frames_cap ? s->addr_frames_cap * 2 : 1024;
		while (s->naddr_frames + n > cap)
			cap *= 2;
		s->addr_frames = hfp_reallocarray(s->addr_frames, cap, sizeof *s->addr_frames);
		s->addr_frames_cap = cap;
	}
	uint32_t start = (uint32_t)s->naddr_frames;
	for (size_t i = 0; i < n; i++)
		s->addr_frames[s->naddr_frames++] =
			hfp_stacks_frame(s, sf[i].name, sf[i].file, sf[i].line, sf[i].module);
	int added;
	struct addr_ent *e = hfp_hash_put(&s->addr_index, &k, sizeof k, &added);
	e->start = start;
	e->count = (uint32_t)n;
	*m = (struct hfp_addr_memo){ frame, module, start, (uint32_t)n };
	*count = (uint32_t)n;
	return s->addr_frames + start;
}

/* The frame of a pseudo-frame code (every stack has one, the allocator's), interned once. */
static uint32_t pseudo_frame(struct hfp_stacks *s, uint64_t code)
{
	uint32_t *memo = code < sizeof s->pseudo_frame / sizeof s->pseudo_frame[0] ? &s->pseudo_frame[code] : NULL;
	if (memo && *memo)
		return *memo - 1;
	const char *pn = hfp_pseudo_name(code);
	uint32_t id = hfp_stacks_frame(s, pn ? pn : "[invalid frame]", NULL, 0, NULL);
	if (memo)
		*memo = id + 1;
	return id;
}

/* ---- stacks --------------------------------------------------------------------------------- */

/* Room for more nodes and frames in c. */
static void chain_room(struct hfp_chain *c, size_t nodes, size_t frames)
{
	if (c->nnode + nodes > c->node_cap) {
		c->node_cap = 2 * (c->nnode + nodes) > 64 ? 2 * (c->nnode + nodes) : 64;
		c->node = hfp_reallocarray(c->node, c->node_cap, sizeof *c->node);
		c->at = hfp_reallocarray(c->at, c->node_cap, sizeof *c->at);
	}
	if (c->nframe + frames > c->frame_cap) {
		c->frame_cap = 2 * (c->nframe + frames) > 64 ? 2 * (c->nframe + frames) : 64;
		c->frame = hfp_reallocarray(c->frame, c->frame_cap, sizeof *c->frame);
	}
}

static void chain_free(struct hfp_chain *c)
{
	free(c->node);
	free(c->at);
	free(c->frame);
	memset(c, 0, sizeof *c);
}

/* All frames of the stack ending at leaf, innermost first, alloc set if the first is the
 * allocator pseudo-frame; a truncated stack ends with its "[truncated]" or "[no unwind info]"
 * pseudo-frame. Valid until the next call. */
static const struct hfp_chain *expand(struct hfp_stacks *s, uint32_t leaf)
{
	const struct hfp_chain *old = &s->chain[s->last];
	struct hfp_chain *c = &s->chain[!s->last];
	c->nnode = c->nframe = 0;
	c->alloc = 0;
	/* The trace defines a parent before its children (docs/format.md, NODE records), so ids
	 * strictly decrease on the way to the root: that bounds the walk even on a damaged trace,
	 * and meets the last stack's nodes in one pass down its list. A node's way to the root is
	 * the same whichever stack reaches it: from the first node the two share, the rest is the
	 * last stack's. */
	uint32_t id = leaf, prev = UINT32_MAX;
	size_t j = 0;
	while (id && id < prev) {
		while (j < old->nnode && old->node[j] > id)
			j++;
		if (j < old->nnode && old->node[j] == id) {
			size_t nodes = old->nnode - j, frames = old->nframe - old->at[j];
			chain_room(c, nodes, frames);
			if (c->nnode == 0)
				c->alloc = old->alloc;
			for (size_t k = 0; k < nodes; k++) {
				c->node[c->nnode + k] = old->node[j + k];
				c->at[c->nnode + k] = (uint32_t)(old->at[j + k] - old->at[j] + c->nframe);
			}
			memcpy(c->frame + c->nframe, old->frame + old->at[j], frames * sizeof *c->frame);
			c->nnode += nodes;
			c->nframe += frames;
			break;
		}
		struct hf_node nd = hfp_node(&s->nodes, id);
		if (!nd.frame)
			break;
		chain_room(c, 1, HFP_MAX_INLINE);
		c->node[c->nnode] = id;
		c->at[c->nnode++] = (uint32_t)c->nframe;
		if (nd.frame < HF_FRAME_MIN_ADDR) {
			if (is_allocator_code(nd.frame) && c->nframe == 0)
				c->alloc = 1;
			c->frame[c->nframe++] = pseudo_frame(s, nd.frame);
		} else {
			uint32_t n;
			const uint32_t *f = addr_frames(s, nd.module, nd.frame, &n);
			memcpy(c->frame + c->nframe, f, n * sizeof *f);
			c->nframe += n;
		}
		prev = id;
		id = nd.parent;
	}
	s->last = !s->last;
	return c;
}

static int name_matches(const char *name, const char *want)
{
	size_t n = strlen(want);
	if (strncmp(name, want, n) != 0)
		return 0;
	return name[n] == 0 || name[n] == '(';
}

int hfp_stacks_has_function(struct hfp_stacks *s, uint32_t leaf, const char *const *names, size_t n)
{
	const struct hfp_chain *v = expand(s, leaf);
	int found = 0;
	for (size_t i = 0; i < v->nframe && !found; i++)
		for (size_t k = 0; k < n && !found; k++)
			found = name_matches(s->frame[v->frame[i]].name, names[k]);
	return found;
}

/* ---- the pool: frame ids as LEB128 varints --------------------------------------------------- */

/* Room for n more bytes of s->key. */
static uint8_t *key_room(struct hfp_stacks *s, size_t n)
{
	if (!s->key || n > s->key_cap) {
		s->key_cap = n > 256 ? n : 256;
		free(s->key);
		s->key = hfp_malloc(s->key_cap);
	}
	return s->key;
}

static size_t put_id(uint8_t *p, uint32_t id)
{
	size_t n = 0;
	for (; id >= 0x80; id >>= 7)
		p[n++] = (uint8_t)(id | 0x80);
	p[n++] = (uint8_t)id;
	return n;
}

static uint32_t get_id(const uint8_t **p)
{
	uint32_t id = 0;
	for (unsigned shift = 0;; shift += 7) {
		uint8_t b = *(*p)++;
		id |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return id;
	}
}

/* Sets r's costs to c: in 32 bits each if they fit and r is not wide already, else in s->wide. */
static void set_costs(struct hfp_stacks *s, struct hfp_dstack_rec *r, const struct hfp_costs *c)
{
	if (r->alloc_frames & HFP_DSTACK_WIDE) {
		s->wide[r->c32[0]] = *c;
		return;
	}
	const uint64_t v[6] = { c->allocations, c->bytes, c->temporary, c->leaked, c->leaked_count, c->peak };
	uint64_t any = 0;
	for (int k = 0; k < 6; k++)
		any |= v[k];
	if (any <= UINT32_MAX) {
		for (int k = 0; k < 6; k++)
			r->c32[k] = (uint32_t)v[k];
		return;
	}
	if (s->nwide == s->wide_cap) {
		s->wide_cap = s->wide_cap ? s->wide_cap * 2 : 64;
		s->wide = hfp_reallocarray(s->wide, s->wide_cap, sizeof *s->wide);
	}
	s->wide[s->nwide] = *c;
	r->c32[0] = (uint32_t)s->nwide++;
	r->alloc_frames |= HFP_DSTACK_WIDE;
}

/* Adds c to the display stack of the len bytes at s->key (depth frames), made if new. */
static void add_key(struct hfp_stacks *s, size_t len, uint32_t depth, uint32_t alloc_frames,
		    const struct hfp_costs *c, uint32_t near)
{
	s->key_len = len;
	uint64_t h = 0;
	size_t at = 0;
	uint32_t id = UINT32_MAX;
	if (!s->trie_only) {
		h = hfp_hash__bytes(s->key, len, s->d_seed);
		id = hfp_idindex_find(&s->d_index, h, d_same, s, &at);
	}
	if (id != UINT32_MAX) {
		struct hfp_costs sum = hfp_stacks_get(s, id).c;
		hfp_costs_add(&sum, c);
		set_costs(s, &s->d[id], &sum);
		return;
	}
	if (s->nd == s->d_cap) {
		s->d_cap = s->d_cap ? s->d_cap * 2 : 256;
		s->d = hfp_reallocarray(s->d, s->d_cap, sizeof *s->d);
		if (s->near_keys)
			s->near = hfp_reallocarray(s->near, s->d_cap, sizeof *s->near);
	}
	if (s->near_keys)
		s->near[s->nd] = near;
	if (!s->pool || s->npool + len > s->pool_cap) {
		size_t cap = s->pool_cap ? s->pool_cap * 2 : 4096;
		while (s->npool + len > cap)
			cap *= 2;
		s->pool = hfp_realloc(s->pool, cap);
		s->pool_cap = cap;
	}
	hfp_mem_ahead(s->pool, s->npool + len, s->pool_cap, &s->pool_present);
	hfp_mem_ahead(s->d, (s->nd + 1) * sizeof *s->d, s->d_cap * sizeof *s->d, &s->d_present);
	memcpy(s->pool + s->npool, s->key, len);
	struct hfp_dstack_rec *r = &s->d[s->nd];
	*r = (struct hfp_dstack_rec){ s->npool, depth, alloc_frames < depth ? alloc_frames : 0, { 0 } };
	set_costs(s, r, c);
	s->npool += len;
	if (!s->trie_only)
		hfp_idindex_add(&s->d_index, h, at, (uint32_t)s->nd);
	s->nd++;
}

void hfp_stacks_add_frames(struct hfp_stacks *s, const uint32_t *frames, uint32_t depth,
			   uint32_t alloc_frames, const struct hfp_costs *c)
{
	uint8_t *k = key_room(s, (size_t)depth * 5);
	size_t len = 0;
	for (uint32_t i = 0; i < depth; i++)
		len += put_id(k + len, frames[i]);
	add_key(s, len, depth, alloc_frames, c, UINT32_MAX);
}

const uint32_t *hfp_dstack_frames(const struct hfp_stacks *s, const struct hfp_dstack *d,
				  struct hfp_framebuf *b)
{
	if (d->depth > b->cap) {
		b->cap = d->depth > 64 ? d->depth : 64;
		free(b->v);
		b->v = hfp_reallocarray(NULL, b->cap, sizeof *b->v);
	}
	const uint8_t *p = s->pool + d->at;
	for (uint32_t k = 0; k < d->depth; k++)
		b->v[k] = get_id(&p);
	return b->v;
}

void hfp_framebuf_free(struct hfp_framebuf *b)
{
	free(b->v);
	b->v = NULL;
	b->cap = 0;
}

uint32_t hfp_dstack_site(const struct hfp_stacks *s, const struct hfp_dstack *d)
{
	const uint8_t *p = s->pool + d->at;
	for (uint32_t k = d->depth - 1 - d->alloc_frames; k > 0; k--)
		while (*p++ & 0x80)
			;
	return get_id(&p);
}

/* musl starts a thread in a static function of its pthread_create.c, start (or start_c11 for
 * thrd_create), which a static program's symbol table names. Names that common are taken as the
 * thread's root only where they are the outermost frame of a stack that reaches no main
 * (beyond them at most a truncation marker: musl's libc has no unwind tables): the index of that
 * frame, or SIZE_MAX. */
static size_t musl_thread_root(const struct hfp_stacks *s, const struct hfp_chain *v, size_t lo)
{
	size_t outer = v->nframe;
	while (outer > lo && s->frame[v->frame[outer - 1]].name[0] == '[' &&
	       !s->frame[v->frame[outer - 1]].file && !strchr(s->frame[v->frame[outer - 1]].name, '+'))
		outer--; /* pseudo-frames: [no unwind info], [truncated], ... */
	if (outer <= lo + 1)
		return SIZE_MAX;
	const char *name = s->frame[v->frame[outer - 1]].name;
	return strcmp(name, "start") == 0 || strcmp(name, "start_c11") == 0 ? outer - 1 : SIZE_MAX;
}

void hfp_stacks_prefetch(const struct hfp_stacks *s, uint32_t leaf)
{
	if (s->nodes.table.ref && leaf >= 1 && leaf <= s->nodes.count)
		__builtin_prefetch(&s->nodes.table.ref[leaf - 1]);
	if (s->node_rank && leaf <= s->nodes.count)
		__builtin_prefetch(&s->node_rank[leaf]);
}

/* near for a stack whose leaf node is leaf (struct hfp_stacks). */
static uint32_t near_key(struct hfp_stacks *s, uint32_t leaf)
{
	if (!s->near_keys || !s->nodes.node)
		return UINT32_MAX;
	if (!s->node_rank)
		s->node_rank = hfp_node_preorder(&s->nodes);
	uint64_t k = leaf <= s->nodes.count ? s->rank_base + s->node_rank[leaf] : UINT32_MAX;
	return k < UINT32_MAX ? (uint32_t)k : UINT32_MAX;
}

void hfp_stacks_add(struct hfp_stacks *s, uint32_t leaf, const struct hfp_costs *c)
{
	const struct hfp_chain *v = expand(s, leaf);
	int alloc = v->alloc;
	/* The allocator: the malloc pseudo-frame and the allocation functions that called it. */
	size_t nalloc = alloc;
	while (alloc && nalloc < v->nframe &&
	       is_allocfn(s, v->frame[nalloc]))
		nalloc++;
	size_t lo = s->show_allocator ? 0 : nalloc; /* innermost kept */
	size_t hi = v->nframe;                      /* one past the outermost kept */
	if (!s->above_main) {
		/* Keep up to the outermost anchor, main or _dl_init (recursion into main keeps its
		 * inner copies), or else cut below the innermost root. A truncation marker is the
		 * outermost element, so any cut removes it. */
		size_t root = SIZE_MAX, main_at = SIZE_MAX;
		for (size_t i = lo; i < v->nframe; i++) {
			unsigned kind = s->frame[v->frame[i]].kind;
			if (root == SIZE_MAX && (kind & KIND_ROOT))
				root = i;
			if (kind & KIND_ANCHOR)
				main_at = i;
		}
		if (root == SIZE_MAX && main_at == SIZE_MAX)
			root = musl_thread_root(s, v, lo);
		if (main_at != SIZE_MAX && (root == SIZE_MAX || root > main_at))
			hi = main_at + 1;
		else if (root != SIZE_MAX && root > lo)
			hi = root;
	}
	if (hi <= lo) /* nothing but the allocator: show it rather than an empty stack */
		lo = 0, hi = v->nframe ? nalloc : 0;
	/* The kept frames, v[hi-1] (the root) down to v[lo], encoded. */
	uint8_t *k = key_room(s, (hi - lo + 1) * 5);
	size_t len = 0;
	uint32_t depth = (uint32_t)(hi - lo);
	for (size_t i = hi; i-- > lo;)
		len += put_id(k + len, v->frame[i]);
	if (depth == 0) {
		len = put_id(k, hfp_stacks_frame(s, "[no frames]", NULL, 0, NULL));
		depth = 1;
	}
	add_key(s, len, depth, lo == 0 ? (uint32_t)nalloc : 0, c, near_key(s, leaf));
}

uint32_t *hfp_stacks_near_order(const struct hfp_stacks *s)
{
	if (!s->near || s->nd > UINT32_MAX)
		return NULL;
	return hfp_order_by_key(s->near, s->nd);
}

void hfp_stacks_reserve(struct hfp_stacks *s, size_t n)
{
	if (!s->trie_only)
		hfp_idindex_reserve(&s->d_index, s->nd + n);
}

void hfp_stacks_consumed(const struct hfp_stacks *s, size_t from, size_t to)
{
	if (!s->trie_only || from >= to || to > s->nd)
		return;
	/* Display stacks are appended with their frames: d[i].at grows with i. */
	uint64_t at = s->d[from].at, end = to < s->nd ? s->d[to].at : s->npool;
	hfp_mem_release(&s->d[from], (to - from) * sizeof *s->d);
	hfp_mem_release(s->pool + at, (size_t)(end - at));
}

void hfp_stacks_nodes_gone(struct hfp_stacks *s)
{
	s->nodes.table = (struct hf_nodes){ NULL, NULL, 0, 0 };
	s->chain[0].nnode = s->chain[1].nnode = 0;
}

void hfp_stacks_done(struct hfp_stacks *s)
{
	hfp_idindex_free(&s->d_index);
	free(s->node_rank);
	s->node_rank = NULL;
	free(s->key);
	s->key = NULL;
	s->key_len = s->key_cap = 0;
}

void hfp_stacks_free(struct hfp_stacks *s)
{
	hfp_hash_free(&s->frame_index);
	hfp_hash_free(&s->addr_index);
	hfp_idindex_free(&s->d_index);
	free(s->pool);
	free(s->key);
	free(s->d);
	free(s->near);
	free(s->node_rank);
	chain_free(&s->chain[0]);
	chain_free(&s->chain[1]);
	free(s->wide);
	free(s->frame);
	free(s->addr_frames);
	hfp_strtab_free(&s->strings);
	memset(s, 0, sizeof *s);
}
