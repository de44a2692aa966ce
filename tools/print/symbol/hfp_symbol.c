/* hfp_symbol.c: offline symbolization from the trace's module map with elfutils' libdwfl.
 *
 * Each module gets its own Dwfl session holding one ELF reported at address 0, and is queried
 * with module-relative addresses (frame - bias). That keeps the recorded bias out of libdwfl's
 * ET_DYN/ET_EXEC rules, and modules that overlapped in time (dlclose, then dlopen at the same
 * address) never collide. A session is opened on the first address that needs it.
 *
 * Which file holds a module's symbols and DWARF: hfp_symfile.c.
 *
 * Opening a module's DWARF is most of the symbolizer's time: Debian's debug files compress their
 * sections, and libdw would inflate each one whole with zlib (glibc's, 4 MB into 14 MB);
 * hfp_debugfile.c inflates them first, with libdeflate, into a copy libdw reads as it is. So
 * hfp_symbolizer_prefetch opens every module of the trace on a second thread while the events
 * are read; the first hfp_symbolize waits for it. Until then the sessions belong to that thread
 * alone, and its warnings are kept and printed when it is joined, in the order they came.
 *
 * Symbolizing itself (finding an address's compilation unit, its scopes, its line, the public
 * name of a libc alias) is the next largest part: that thread goes on with the return address
 * of every stack node of the trace, each distinct one once, and keeps the answers (the memo).
 * The first hfp_symbolize stops it wherever it is: the addresses it did not reach are
 * symbolized on demand, so the main thread never waits for work it would not have done. An
 * address's answer does not depend on who computed it or when, so the output is the same. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/hfp_buf.h"
#include "../core/hfp_hash.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_strtab.h"
#include "../core/hfp_warn.h"
#include "hfp_debugfile.h"
#include "hfp_demangle.h"
#include "hfp_symbol_int.h"

struct memo_ent {
	uint64_t frame, module; /* the key */
	uint32_t start, count;
};

static const struct hfp_hash_type memo_type = {
	.entry_size = sizeof(struct memo_ent),
	.key_size = 2 * sizeof(uint64_t),
	.min_cap = 1024,
	.max_load = 50,
};

/* ---- modules -------------------------------------------------------------------------------- */

static void open_module(struct hfp_symbolizer *s, struct modstate *ms)
{
	const struct hf_module *m = ms->m;
	ms->state = MOD_NONE;
	ms->syms = s->src.symbols ? s->src.symbols(s->src.ctx, ms->id, &ms->nsyms) : NULL;
	if (!ms->syms)
		ms->nsyms = 0;

	struct hfp_buf c = { 0 };
	hfp_sym_candidates(s, m, &c);
	const char *found = NULL, *mismatch = NULL;
	for (size_t off = 0; off < c.len && !found; off += strlen(c.p + off) + 1) {
		int r = hfp_sym_file_matches(c.p + off, m->build_id, m->build_id_len);
		if (r == 1)
			found = c.p + off;
		else if (r == 0 && !mismatch)
			mismatch = c.p + off;
	}
	char id[2 * 64 + 1] = "(none)";
	if (m->build_id_len && m->build_id_len <= 64)
		hfp_sym_hex(id, m->build_id, m->build_id_len);
	if (found) {
		ms->dwfl = dwfl_begin(&s->cb);
		if (ms->dwfl) {
			dwfl_report_begin(ms->dwfl);
			/* Base 0 with add_p_vaddr: addresses are the ELF's own virtual addresses.
			 * libdwfl owns the descriptor from here on (-1: it opens the file). */
			int fd = open(found, O_RDONLY | O_CLOEXEC);
			ms->mod = dwfl_report_elf(ms->dwfl, ms->label, found, hfp_debugfile_inflate(fd), 0, true);
			dwfl_report_end(ms->dwfl, NULL, NULL);
			if (ms->mod) {
				void **ud = NULL;
				dwfl_module_info(ms->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
				if (ud)
					*ud = ms;
				ms->state = MOD_DWFL;
			} else {
				hfp_warn(s->w, "%s: cannot read it: %s", found, dwfl_errmsg(-1));
				dwfl_end(ms->dwfl);
				ms->dwfl = NULL;
			}
		}
	} else if (mismatch) {
		hfp_warn(s->w, "%s: build-id does not match the trace's (%s); not used, its frames show as "
			 "[%s+0xOFFSET]%s", mismatch, id, ms->label,
			 ms->nsyms ? " unless the trace's own symbols name them" :
				     "; give the original with --debug-path");
	} else if (m->path && *m->path && !ms->nsyms) {
		hfp_warn(s->w, "%s (build-id %s) not found: its frames show as [%s+0xOFFSET]; "
			 "see --debug-path and --sysroot", m->path, id, ms->label);
	}
	hfp_buf_free(&c);
}

static struct modstate *module_state(struct hfp_symbolizer *s, uint32_t id)
{
	if (s->last < s->nmods && s->mods[s->last]->id == id)
		return s->mods[s->last];
	for (size_t i = 0; i < s->nmods; i++)
		if (s->mods[i]->id == id) {
			s->last = i;
			return s->mods[i];
		}
	const struct hf_module *m = s->src.module(s->src.ctx, id);
	if (!m)
		return NULL;
	if (s->nmods == s->capmods) {
		s->capmods = s->capmods ? s->capmods * 2 : 16;
		s->mods = hfp_reallocarray(s->mods, s->capmods, sizeof *s->mods);
	}
	struct modstate *ms = hfp_calloc(1, sizeof *ms);
	s->mods[s->nmods] = ms;
	ms->id = id;
	ms->s = s;
	ms->m = m;
	ms->npub = SIZE_MAX;
	ms->label = m->path && *m->path ? hfp_sym_base_name(m->path) : "[vdso]";
	if (!*ms->label)
		ms->label = "[unknown]";
	s->last = s->nmods++;
	return ms;
}

/* ---- names ---------------------------------------------------------------------------------- */

static const char *clean_name(struct hfp_symbolizer *s, const char *raw)
{
	if (!raw)
		return NULL;
	char *d = hfp_demangle(raw);
	if (!d)
		return raw;
	const char *r = hfp_intern(&s->names, d);
	free(d);
	return r;
}

/* The name of a subprogram or inlined subroutine: its (demangled) linkage name, else its name,
 * following abstract origins and specifications. */
static const char *die_name(struct hfp_symbolizer *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *n = NULL;
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		n = dwarf_formstring(&attr);
	if (n)
		return clean_name(s, n);
	return dwarf_diename(die);
}

static const char *unresolved(struct hfp_symbolizer *s, const char *label, uint64_t off)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "[%s+0x%" PRIx64 "]", label, off);
	return hfp_intern(&s->names, tmp);
}

/* The symbol containing a (module-relative); NULL rather than a neighbour's name. */
static const char *symtab_name(struct hfp_symbolizer *s, struct modstate *ms, uint64_t a)
{
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *n = dwfl_module_addrinfo(ms->mod, a, &off, &sym, NULL, NULL, NULL);
	if (!n || !*n)
		return NULL;
	if (sym.st_size ? off >= sym.st_size : off != 0)
		return NULL;
	return clean_name(s, n);
}

static const char *records_name(struct hfp_symbolizer *s, struct modstate *ms, uint64_t a)
{
	size_t lo = 0, hi = ms->nsyms;
	while (lo < hi) { /* first symbol starting above a */
		size_t mid = lo + (hi - lo) / 2;
		if (ms->syms[mid].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct hf_symbol *sy = &ms->syms[lo - 1];
	uint64_t size = sy->size ? sy->size : 1;
	if (a - sy->start >= size || !sy->name || !*sy->name)
		return NULL;
	return clean_name(s, sy->name);
}

/* How public a function symbol looks, lower is better: fewer leading underscores (glibc's
 * strdup is a weak alias of __strdup), then global before weak before local, then shorter. */
static uint64_t publicness(const GElf_Sym *sym, const char *name)
{
	unsigned bind = GELF_ST_BIND(sym->st_info);
	uint64_t b = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
	uint64_t u = strspn(name, "_");
	return u << 40 | b << 32 | (uint64_t)strcspn(name, "@");
}

static int pubsym_order(const void *x, const void *y)
{
	const struct pubsym *a = x, *b = y;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* One pass over the symbol table for the module's life: each call used to scan it whole, and
 * every C++ name starts with '_' (_Z...), so a C++ program paid its symbol count per address. */
static void pubsym_index(struct modstate *ms)
{
	int n = dwfl_module_getsymtab(ms->mod);
	ms->pub = n > 1 ? hfp_reallocarray(NULL, (size_t)n, sizeof *ms->pub) : NULL;
	size_t k = 0;
	for (int i = 1; i < n; i++) {
		GElf_Sym sy;
		GElf_Addr addr;
		const char *nm = dwfl_module_getsym_info(ms->mod, i, &sy, &addr, NULL, NULL, NULL);
		int type = GELF_ST_TYPE(sy.st_info);
		if (!nm || !*nm || (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		ms->pub[k++] = (struct pubsym){ addr, publicness(&sy, nm), (uint32_t)i, nm };
	}
	qsort(ms->pub, k, sizeof *ms->pub, pubsym_order);
	size_t m = 0; /* the first of each address is its best */
	for (size_t i = 0; i < k; i++)
		if (!m || ms->pub[m - 1].start != ms->pub[i].start)
			ms->pub[m++] = ms->pub[i];
	ms->npub = m;
}

static const struct pubsym *pubsym_at(struct modstate *ms, uint64_t start)
{
	if (ms->npub == SIZE_MAX)
		pubsym_index(ms);
	size_t lo = 0, hi = ms->npub;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ms->pub[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ms->npub && ms->pub[lo].start == start ? &ms->pub[lo] : NULL;
}

/* A libc's internal alias (glibc's __GI___strdup, __strdup, _IO_new_fopen) replaced by the public
 * name at the same address (strdup, fopen), as a user would write it: the function symbol at
 * the start of the function that holds a with the best publicness. Only names starting with
 * '_' are looked at; --raw-names keeps them all. */
static const char *public_name(struct hfp_symbolizer *s, struct modstate *ms, uint64_t a, const char *name)
{
	GElf_Off off = 0;
	GElf_Sym sym;
	if (s->raw_names || name[0] != '_' || !dwfl_module_addrinfo(ms->mod, a, &off, &sym, NULL, NULL, NULL))
		return name;
	const struct pubsym *p = pubsym_at(ms, a - off);
	const char *best = p ? p->name : NULL;
	uint64_t best_score = p ? p->score : UINT64_MAX;
	if (!best || best_score >= publicness(&sym, name))
		return name; /* nothing more public than what we have */
	char plain[256]; /* without a symbol version: pthread_create@GLIBC_2.2.5 */
	size_t len = strcspn(best, "@");
	if (best[len] && len < sizeof plain) {
		memcpy(plain, best, len);
		plain[len] = 0;
		best = hfp_intern(&s->names, plain);
	}
	return clean_name(s, best);
}

static size_t resolve_dwarf(struct hfp_symbolizer *s, struct modstate *ms, uint64_t a,
			    struct hfp_srcframe *out, size_t max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = dwfl_module_addrdie(ms->mod, a, &bias);
	const char *module = ms->m->path;
	const char *file = NULL;
	int line = 0;
	Dwfl_Line *ln = dwfl_module_getsrc(ms->mod, a);
	if (ln)
		file = dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL);
	if (!cu)
		return 0;
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, a - bias, &scopes);
	if (n <= 0) {
		free(scopes);
		return 0;
	}
	/* dwarf_getscopes continues from an inlined subroutine into its abstract definition; the
	 * physical nesting (which function each copy was inlined into) comes from its parents, as
	 * eu-addr2line does. */
	Dwarf_Die inner = scopes[0];
	free(scopes);
	scopes = NULL;
	n = dwarf_getscopes_die(&inner, &scopes);
	if (n <= 0) {
		free(scopes);
		return 0;
	}
	Dwarf_Files *files = NULL;
	Dwarf_Die cudie;
	if (!dwarf_diecu(&inner, &cudie, NULL, NULL) || dwarf_getsrcfiles(&cudie, &files, NULL) != 0)
		files = NULL;
	size_t k = 0;
	const char *at_file = file;
	unsigned at_line = line > 0 ? (unsigned)line : 0;
	for (int i = 0; i < n && k < max; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine && tag != DW_TAG_entry_point)
			continue;
		const char *name = die_name(s, &scopes[i]);
		if (!name && tag != DW_TAG_inlined_subroutine)
			name = symtab_name(s, ms, a);
		if (name && tag != DW_TAG_inlined_subroutine)
			name = public_name(s, ms, a, name);
		out[k++] = (struct hfp_srcframe){ name ? name : "[unknown]", at_file, at_line, module };
		if (tag != DW_TAG_inlined_subroutine)
			break; /* the function that holds the code: outermost */
		/* The caller's position is where this copy was inlined. */
		Dwarf_Attribute attr;
		Dwarf_Word v;
		at_file = NULL;
		at_line = 0;
		if (files && dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &v) == 0)
			at_file = dwarf_filesrc(files, v, NULL, NULL);
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &v) == 0)
			at_line = (unsigned)v;
	}
	free(scopes);
	return k;
}

static size_t resolve(struct hfp_symbolizer *s, uint32_t module, uint64_t frame, struct hfp_srcframe *out,
		      size_t max)
{
	struct modstate *ms = module ? module_state(s, module) : NULL;
	if (!ms) {
		out[0] = (struct hfp_srcframe){ unresolved(s, "unknown", frame), NULL, 0, NULL };
		return 1;
	}
	if (ms->state == MOD_NEW)
		open_module(s, ms);
	uint64_t rel = frame - ms->m->bias;
	uint64_t a = rel - 1; /* a return address: the call is the instruction before it */
	if (ms->state == MOD_DWFL) {
		size_t k = resolve_dwarf(s, ms, a, out, max);
		if (k)
			return k;
		const char *n = symtab_name(s, ms, a);
		if (n) {
			out[0] = (struct hfp_srcframe){ public_name(s, ms, a, n), NULL, 0, ms->m->path };
			Dwfl_Line *ln = dwfl_module_getsrc(ms->mod, a);
			int line = 0;
			if (ln)
				out[0].file = dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL);
			out[0].line = line > 0 ? (unsigned)line : 0;
			return 1;
		}
	}
	if (ms->nsyms) {
		const char *n = records_name(s, ms, a);
		if (n) {
			out[0] = (struct hfp_srcframe){ n, NULL, 0, ms->m->path };
			return 1;
		}
	}
	out[0] = (struct hfp_srcframe){ unresolved(s, ms->label, rel), NULL, 0, ms->m->path };
	return 1;
}

/* ---- opening modules ahead of time ---------------------------------------------------------- */

/* The prefetch thread: the answer for (module, frame) into the memo, unless it is there. */
static void memoize(struct hfp_symbolizer *s, uint32_t module, uint64_t frame)
{
	const uint64_t key[2] = { frame, module };
	int added;
	struct memo_ent *e = hfp_hash_put(&s->memo, key, sizeof key, &added);
	if (!added)
		return;
	struct hfp_srcframe f[HFP_MAX_INLINE];
	size_t n = resolve(s, module, frame, f, HFP_MAX_INLINE);
	if (s->npool + n > s->cappool) {
		s->cappool = s->cappool ? s->cappool * 2 : 1024;
		while (s->npool + n > s->cappool)
			s->cappool *= 2;
		s->pool = hfp_reallocarray(s->pool, s->cappool, sizeof *s->pool);
	}
	memcpy(s->pool + s->npool, f, n * sizeof *f);
	/* e is still the entry: resolve did not touch the memo. */
	e->start = (uint32_t)s->npool;
	e->count = (uint32_t)n;
	s->npool += n;
}

static void *prefetch_main(void *arg)
{
	struct hfp_symbolizer *s = arg;
	for (size_t i = 0; i < s->nprefetch; i++) {
		struct modstate *ms = module_state(s, s->prefetch_ids[i]);
		if (ms && ms->state == MOD_NEW)
			open_module(s, ms);
		Dwarf_Addr bias;
		if (ms && ms->state == MOD_DWFL)
			dwfl_module_getdwarf(ms->mod, &bias); /* inflates the debug sections */
	}
	/* Every distinct frame, from the reader's table of them when there is one, else every node:
	 * one address can take a millisecond (its unit's first lookup). */
	const struct hf_nodes *t = &s->nodes.table;
	for (uint32_t i = HF_NODE_PSEUDO_FRAMES; t->ref && i < t->nframe; i++) {
		if (atomic_load_explicit(&s->stop, memory_order_relaxed))
			break;
		memoize(s, t->frame[i].module, t->frame[i].frame);
	}
	for (uint32_t id = 1; !t->ref && s->nodes.node && id <= s->nodes.count; id++) {
		if (atomic_load_explicit(&s->stop, memory_order_relaxed))
			break;
		struct hf_node nd = s->nodes.node(s->nodes.ctx, id);
		if (nd.frame >= HF_FRAME_MIN_ADDR)
			memoize(s, nd.module, nd.frame);
	}
	return NULL;
}

void hfp_symbolizer_prefetch(struct hfp_symbolizer *s, const uint32_t *ids, size_t n,
			     const struct hfp_nodesrc *nodes)
{
	if (s->prefetching || !n)
		return;
	s->nodes = nodes ? *nodes : (struct hfp_nodesrc){ 0 };
	atomic_store(&s->stop, 0);
	s->prefetch_ids = hfp_reallocarray(NULL, n, sizeof *ids);
	memcpy(s->prefetch_ids, ids, n * sizeof *ids);
	s->nprefetch = n;
	s->user_w = s->w;
	s->prefetch_w = (struct hfp_warnings){ .quiet = 1 };
	s->w = &s->prefetch_w;
	if (pthread_create(&s->prefetch, NULL, prefetch_main, s) == 0) {
		s->prefetching = 1;
	} else { /* no thread: modules open on first use, as without prefetching */
		s->w = s->user_w;
		free(s->prefetch_ids);
		s->prefetch_ids = NULL;
	}
}

static void prefetch_join(struct hfp_symbolizer *s)
{
	if (!s->prefetching)
		return;
	atomic_store(&s->stop, 1);
	pthread_join(s->prefetch, NULL);
	s->prefetching = 0;
	s->w = s->user_w;
	for (size_t i = 0; i < s->prefetch_w.n; i++)
		hfp_warn(s->w, "%s", s->prefetch_w.msg[i]);
	hfp_warnings_free(&s->prefetch_w);
	free(s->prefetch_ids);
	s->prefetch_ids = NULL;
}

void hfp_symbolizer_prefetch_stop(struct hfp_symbolizer *s)
{
	prefetch_join(s);
}

size_t hfp_symbolize(void *symbolizer, uint32_t module, uint64_t frame, struct hfp_srcframe *out,
		     size_t max)
{
	struct hfp_symbolizer *s = symbolizer;
	prefetch_join(s);
	if (max == 0)
		return 0;
	/* What the thread did not reach is resolved, not memoized: the caller keeps its own
	 * answers (the stack layer asks once per address), so a second copy would only cost. */
	const uint64_t key[2] = { frame, module };
	const struct memo_ent *e = hfp_hash_find(&s->memo, key, sizeof key);
	if (!e)
		return resolve(s, module, frame, out, max);
	size_t n = e->count < max ? e->count : max;
	memcpy(out, s->pool + e->start, n * sizeof *out);
	return n;
}

struct hfp_symbolizer *hfp_symbolizer_new(const struct hfp_modsrc *src, const char *const *debug_paths,
					  size_t ndebug_paths, const char *sysroot,
					  struct hfp_warnings *w)
{
	hfp_sym_elf_ready();
	struct hfp_symbolizer *s = hfp_calloc(1, sizeof *s);
	s->src = *src;
	s->debug_paths = debug_paths;
	s->ndebug_paths = ndebug_paths;
	s->sysroot = sysroot;
	s->w = w;
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = hfp_sym_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = NULL; /* libdwfl's default: ":.debug:/usr/lib/debug" */
	hfp_hash_init(&s->memo, &memo_type, NULL);
	return s;
}

void hfp_symbolizer_free(struct hfp_symbolizer *s)
{
	if (!s)
		return;
	prefetch_join(s);
	for (size_t i = 0; i < s->nmods; i++) {
		if (s->mods[i]->dwfl)
			dwfl_end(s->mods[i]->dwfl);
		free(s->mods[i]->pub);
		free(s->mods[i]);
	}
	free(s->mods);
	hfp_hash_free(&s->memo);
	free(s->pool);
	hfp_strtab_free(&s->names);
	free(s);
}

void hfp_symbolizer_raw_names(struct hfp_symbolizer *s, int on)
{
	s->raw_names = on;
}
