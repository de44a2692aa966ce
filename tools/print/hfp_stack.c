/* hfp_stack.c: turns stack-tree nodes into displayed stacks: each distinct return address is
 * symbolized once (cached by module and address), pseudo-frames get their names, stacks are cut
 * at main or at a thread's start routine, and stacks that display the same are merged.
 *
 * Memory: interned strings and frames, one cache entry per distinct address, one merged stack per
 * distinct displayed stack. */
#include <stdlib.h>
#include <string.h>

#include "hfp.h"

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
 * __libc_start_call_main and musl's libc_start_main_stage2 call it. */
static int is_root(const char *name)
{
	static const char *const roots[] = { "start_thread", "clone", "__clone", "clone3", "__clone3",
					     "thread_start", "__thread_start", "__libc_start_call_main",
					     "__libc_start_main", "__libc_start_main_impl",
					     "libc_start_main_stage2" };
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
		if (strcmp(name, roots[i]) == 0)
			return 1;
	return 0;
}

/* ---- small hash helpers --------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

struct addr_ent {
	uint64_t frame; /* 0: empty */
	uint32_t module;
	uint32_t start, count;
};

struct addr_index {
	struct addr_ent *e;
	size_t cap, n;
};

struct id_index { /* set of uint32 ids (+1), hashed by a caller-computed hash */
	uint32_t *slot;
	uint64_t *hash;
	size_t cap, n;
};

static void id_index_grow(struct id_index *x)
{
	size_t cap = x->cap ? x->cap * 2 : 1024;
	uint32_t *slot = hfp_calloc(cap, sizeof *slot);
	uint64_t *hash = hfp_calloc(cap, sizeof *hash);
	for (size_t i = 0; i < x->cap; i++) {
		if (!x->slot[i])
			continue;
		size_t j = x->hash[i] & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = x->slot[i];
		hash[j] = x->hash[i];
	}
	free(x->slot);
	free(x->hash);
	x->slot = slot;
	x->hash = hash;
	x->cap = cap;
}

/* ---- frames --------------------------------------------------------------------------------- */

static uint64_t frame_hash(const char *name, const char *file, unsigned line, const char *module)
{
	uint64_t h = mix(0, (uintptr_t)name);
	h = mix(h, (uintptr_t)file);
	h = mix(h, line);
	return mix(h, (uintptr_t)module);
}

void hfp_stacks_init(struct hfp_stacks *s)
{
	memset(s, 0, sizeof *s);
	s->frame_index = hfp_calloc(1, sizeof(struct id_index));
	s->addr_index = hfp_calloc(1, sizeof(struct addr_index));
	s->d_index = hfp_calloc(1, sizeof(struct id_index));
}

uint32_t hfp_stacks_frame(struct hfp_stacks *s, const char *name, const char *file, unsigned line,
			  const char *module)
{
	/* Intern the strings first: frames are then compared by pointer. */
	name = hfp_intern(&s->strings, name && *name ? name : "[unknown]");
	file = file && *file ? hfp_intern(&s->strings, file) : NULL;
	module = module ? hfp_intern(&s->strings, module) : NULL;
	if (!file)
		line = 0;
	struct id_index *x = s->frame_index;
	if ((x->n + 1) * 2 > x->cap)
		id_index_grow(x);
	uint64_t h = frame_hash(name, file, line, module);
	size_t j = h & (x->cap - 1);
	while (x->slot[j]) {
		const struct hfp_frame *f = &s->frame[x->slot[j] - 1];
		if (x->hash[j] == h && f->name == name && f->file == file && f->line == line &&
		    f->module == module)
			return x->slot[j] - 1;
		j = (j + 1) & (x->cap - 1);
	}
	if (s->nframe == s->frame_cap) {
		s->frame_cap = s->frame_cap ? s->frame_cap * 2 : 256;
		s->frame = hfp_reallocarray(s->frame, s->frame_cap, sizeof *s->frame);
	}
	s->frame[s->nframe] = (struct hfp_frame){ name, file, module, line };
	x->slot[j] = (uint32_t)++s->nframe;
	x->hash[j] = h;
	x->n++;
	return (uint32_t)(s->nframe - 1);
}

/* Frame ids of a return address, innermost first, symbolized on first use. */
static const uint32_t *addr_frames(struct hfp_stacks *s, uint32_t module, uint64_t frame,
				   uint32_t *count)
{
	struct addr_index *x = s->addr_index;
	if ((x->n + 1) * 2 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 1024;
		struct addr_ent *e = hfp_calloc(cap, sizeof *e);
		for (size_t i = 0; i < x->cap; i++) {
			if (!x->e[i].frame)
				continue;
			size_t j = mix(x->e[i].module, x->e[i].frame) & (cap - 1);
			while (e[j].frame)
				j = (j + 1) & (cap - 1);
			e[j] = x->e[i];
		}
		free(x->e);
		x->e = e;
		x->cap = cap;
	}
	size_t j = mix(module, frame) & (x->cap - 1);
	while (x->e[j].frame) {
		if (x->e[j].frame == frame && x->e[j].module == module) {
			*count = x->e[j].count;
			return s->addr_frames + x->e[j].start;
		}
		j = (j + 1) & (x->cap - 1);
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
	x->e[j] = (struct addr_ent){ frame, module, start, (uint32_t)n };
	x->n++;
	*count = (uint32_t)n;
	return s->addr_frames + start;
}

/* ---- stacks --------------------------------------------------------------------------------- */

struct idvec {
	uint32_t *v;
	size_t n, cap;
};

static void idvec_push(struct idvec *v, uint32_t id)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->v = hfp_reallocarray(v->v, v->cap, sizeof *v->v);
	}
	v->v[v->n++] = id;
}

/* All frames of the stack ending at leaf, innermost first; a truncated stack ends with its
 * "[truncated]" or "[no unwind info]" pseudo-frame. *alloc is set to 1 if v[0] is the allocator
 * pseudo-frame. */
static void expand(struct hfp_stacks *s, uint32_t leaf, struct idvec *v, int *alloc)
{
	v->n = 0;
	*alloc = 0;
	uint32_t id = leaf;
	/* Parents are defined before their children (format.md), so ids strictly decrease on the
	 * way to the root: that bounds the walk even on a damaged trace. */
	uint32_t prev = UINT32_MAX;
	while (id && id < prev) {
		const struct hf_node *nd = s->nodes.node(s->nodes.ctx, id);
		if (!nd)
			break;
		if (nd->frame < HF_FRAME_MIN_ADDR) {
			const char *pn = hfp_pseudo_name(nd->frame);
			if (is_allocator_code(nd->frame) && v->n == 0)
				*alloc = 1;
			idvec_push(v, hfp_stacks_frame(s, pn ? pn : "[invalid frame]", NULL, 0, NULL));
		} else {
			uint32_t n;
			const uint32_t *f = addr_frames(s, nd->module, nd->frame, &n);
			for (uint32_t i = 0; i < n; i++)
				idvec_push(v, f[i]);
		}
		prev = id;
		id = nd->parent;
	}
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
	struct idvec v = { 0 };
	int alloc, found = 0;
	expand(s, leaf, &v, &alloc);
	for (size_t i = 0; i < v.n && !found; i++)
		for (size_t k = 0; k < n && !found; k++)
			found = name_matches(s->frame[v.v[i]].name, names[k]);
	free(v.v);
	return found;
}

static uint64_t seq_hash(const uint32_t *f, uint32_t n)
{
	uint64_t h = n;
	for (uint32_t i = 0; i < n; i++)
		h = mix(h, f[i]);
	return h;
}

void hfp_stacks_add_frames(struct hfp_stacks *s, const uint32_t *frames, uint32_t depth,
			   const struct hfp_costs *c)
{
	struct id_index *x = s->d_index;
	if ((x->n + 1) * 2 > x->cap)
		id_index_grow(x);
	uint64_t h = seq_hash(frames, depth);
	size_t j = h & (x->cap - 1);
	while (x->slot[j]) {
		struct hfp_dstack *d = &s->d[x->slot[j] - 1];
		if (x->hash[j] == h && d->depth == depth &&
		    memcmp(d->frames, frames, depth * sizeof *frames) == 0) {
			hfp_costs_add(&d->c, c);
			return;
		}
		j = (j + 1) & (x->cap - 1);
	}
	if (s->nd == s->d_cap) {
		s->d_cap = s->d_cap ? s->d_cap * 2 : 256;
		s->d = hfp_reallocarray(s->d, s->d_cap, sizeof *s->d);
	}
	struct hfp_dstack *d = &s->d[s->nd];
	d->frames = hfp_reallocarray(NULL, depth, sizeof *frames);
	memcpy(d->frames, frames, depth * sizeof *frames);
	d->depth = depth;
	d->c = *c;
	x->slot[j] = (uint32_t)++s->nd;
	x->hash[j] = h;
	x->n++;
}

void hfp_stacks_add(struct hfp_stacks *s, uint32_t leaf, const struct hfp_costs *c)
{
	struct idvec v = { 0 };
	int alloc;
	expand(s, leaf, &v, &alloc);
	size_t lo = (alloc && !s->show_allocator) ? 1 : 0; /* innermost kept */
	size_t hi = v.n;                                     /* one past the outermost kept */
	if (!s->above_main) {
		/* Keep up to the outermost main (recursion into main keeps its inner copies), or else
		 * cut below the innermost root. A truncation marker is the outermost element, so any
		 * cut removes it. */
		size_t root = SIZE_MAX, main_at = SIZE_MAX;
		for (size_t i = lo; i < v.n; i++) {
			const char *name = s->frame[v.v[i]].name;
			if (root == SIZE_MAX && is_root(name))
				root = i;
			if (strcmp(name, "main") == 0)
				main_at = i;
		}
		if (main_at != SIZE_MAX && (root == SIZE_MAX || root > main_at))
			hi = main_at + 1;
		else if (root != SIZE_MAX && root > lo)
			hi = root;
	}
	if (hi <= lo) /* nothing but the allocator: show it rather than an empty stack */
		lo = 0, hi = v.n ? 1 : 0;
	uint32_t depth = (uint32_t)(hi - lo);
	uint32_t *f = hfp_reallocarray(NULL, depth ? depth : 1, sizeof *f);
	for (uint32_t i = 0; i < depth; i++)
		f[i] = v.v[hi - 1 - i]; /* root first */
	if (depth == 0) {
		f[0] = hfp_stacks_frame(s, "[no frames]", NULL, 0, NULL);
		depth = 1;
	}
	hfp_stacks_add_frames(s, f, depth, c);
	free(f);
	free(v.v);
}

void hfp_stacks_free(struct hfp_stacks *s)
{
	struct id_index *fi = s->frame_index, *di = s->d_index;
	struct addr_index *ai = s->addr_index;
	if (fi) {
		free(fi->slot);
		free(fi->hash);
	}
	if (di) {
		free(di->slot);
		free(di->hash);
	}
	if (ai)
		free(ai->e);
	free(fi);
	free(di);
	free(ai);
	for (size_t i = 0; i < s->nd; i++)
		free(s->d[i].frames);
	free(s->d);
	free(s->frame);
	free(s->addr_frames);
	hfp_strtab_free(&s->strings);
	memset(s, 0, sizeof *s);
}
