/* hf_dump: the integration tests' oracle. Reads a trace with the public reader, replays its
 * events in order and prints exact totals (--summary), per-stack counts with a minimal libelf
 * symbolization (--stacks, and --failed for failed allocations) and the raw events (--events).
 *
 *   hf_dump [--summary] [--stacks] [--failed] [--events] TRACE
 *
 * Exit 0 on success, 1 on a reader error (message on stderr), 2 on bad usage. Being an oracle, it
 * is deliberately plain: a hash table of live blocks, counters, and nothing clever. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapfold_trace.h"

enum { EXIT_OK = 0, EXIT_TRACE = 1, EXIT_USAGE = 2 };

struct opts {
	int summary, stacks, failed, events;
	const char *path;
};

/* ---- a map from 64-bit keys (pointers, thread numbers) to small records ------------------- */

struct block {
	uint64_t size;
	uint64_t idx; /* blocks: the thread's allocation count before it; threads: allocations */
	uint32_t node, thread;
};

struct map {
	uint64_t *key;
	struct block *val;
	uint8_t *used;
	size_t cap, n;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fputs("hf_dump: out of memory\n", stderr);
		exit(EXIT_TRACE);
	}
	return p;
}

static size_t slot_of(const struct map *m, uint64_t k)
{
	uint64_t h = k * UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h ^ h >> 29) & (m->cap - 1);
}

static struct block *map_find(const struct map *m, uint64_t k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(m, k);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i])
			return NULL;
		if (m->key[i] == k)
			return &m->val[i];
	}
}

static struct block *map_put(struct map *m, uint64_t k);

static void map_grow(struct map *m)
{
	struct map old = *m;
	m->cap = old.cap ? 2 * old.cap : 1024;
	m->n = 0;
	m->key = xcalloc(m->cap, sizeof *m->key);
	m->val = xcalloc(m->cap, sizeof *m->val);
	m->used = xcalloc(m->cap, 1);
	for (size_t i = 0; i < old.cap; i++)
		if (old.used[i])
			*map_put(m, old.key[i]) = old.val[i];
	free(old.key);
	free(old.val);
	free(old.used);
}

/* Returns the record of k, a zeroed new one if k was absent. */
static struct block *map_put(struct map *m, uint64_t k)
{
	struct block *b = map_find(m, k);
	if (b)
		return b;
	if (2 * (m->n + 1) > m->cap)
		map_grow(m);
	size_t i = slot_of(m, k);
	while (m->used[i])
		i = (i + 1) & (m->cap - 1);
	m->used[i] = 1;
	m->key[i] = k;
	memset(&m->val[i], 0, sizeof m->val[i]);
	m->n++;
	return &m->val[i];
}

/* Linear probing deletion: shift the following entries back so no probe chain breaks. */
static void map_del(struct map *m, struct block *b)
{
	size_t i = (size_t)(b - m->val), mask = m->cap - 1;
	m->used[i] = 0;
	m->n--;
	for (size_t j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m, m->key[j]);
		/* Move j into the hole i if its home is not in (i, j] cyclically. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->key[i] = m->key[j];
			m->val[i] = m->val[j];
			m->used[i] = 1;
			m->used[j] = 0;
			i = j;
		}
	}
}

static void map_free(struct map *m)
{
	free(m->key);
	free(m->val);
	free(m->used);
}

/* ---- replaying the events ------------------------------------------------------------------- */

struct node_stats {
	uint64_t allocs, bytes, leaked_blocks, leaked_bytes, temporary;
	uint64_t failed, failed_bytes; /* ALLOC_FAILED records and the sizes they asked for */
};

struct state {
	hf_trace *t;
	struct map live, threads;
	struct node_stats *ns; /* by node id */
	uint64_t allocations, frees, failed, bytes, temporary, marks, samples, unknown_frees;
	uint64_t live_bytes, live_blocks, peak_bytes, peak_blocks;
	uint64_t max_key; /* of any event: the free epochs taken are (max_key + 1) / 2 */
};

static void note_peak(struct state *s, uint64_t bytes, uint64_t blocks)
{
	if (bytes > s->peak_bytes)
		s->peak_bytes = bytes;
	if (blocks > s->peak_blocks)
		s->peak_blocks = blocks;
}

static struct node_stats *stats(struct state *s, uint32_t node)
{
	static struct node_stats none;
	return node <= hf_trace_node_count(s->t) ? &s->ns[node] : &none;
}

static void on_alloc(struct state *s, const struct hf_event *ev)
{
	struct block *th = map_put(&s->threads, ev->thread);
	uint64_t idx = th->idx++;
	struct node_stats *st = stats(s, ev->node);

	s->allocations++;
	s->bytes += ev->size;
	st->allocs++;
	st->bytes += ev->size;
	if (ev->flags & HF_EVF_UNIT) {
		/* Allocated and freed at once: it counts at its position, then is gone. */
		s->frees++;
		s->temporary++;
		st->temporary++;
		note_peak(s, s->live_bytes + ev->size, s->live_blocks + 1);
		return;
	}
	struct block *b = map_find(&s->live, ev->ptr);
	if (b) { /* already live: a free is missing; replace the block, keep the totals consistent */
		s->live_bytes -= b->size;
		s->live_blocks--;
	} else {
		b = map_put(&s->live, ev->ptr);
	}
	b->size = ev->size;
	b->node = ev->node;
	b->thread = ev->thread;
	b->idx = idx;
	s->live_bytes += ev->size;
	s->live_blocks++;
	note_peak(s, s->live_bytes, s->live_blocks);
}

static void on_free(struct state *s, const struct hf_event *ev)
{
	s->frees++;
	struct block *b = map_find(&s->live, ev->ptr);
	if (!b) {
		s->unknown_frees++;
		return;
	}
	/* Temporary: freed by the thread that allocated it, before that thread allocated again. */
	const struct block *th = map_find(&s->threads, ev->thread);
	if (b->thread == ev->thread && th && th->idx == b->idx + 1) {
		s->temporary++;
		stats(s, b->node)->temporary++;
	}
	s->live_bytes -= b->size;
	s->live_blocks--;
	map_del(&s->live, b);
}

/* ---- printing ---------------------------------------------------------------------------------- */

static const char *type_name(int type)
{
	static const char *const names[] = { "?", "ALLOC", "FREE", "ALLOC_FAILED", "THREAD_START",
					     "THREAD_END", "MARK", "SAMPLE" };
	return type >= 1 && type <= 7 ? names[type] : "?";
}

/* Text from the trace on one line: control characters become '?'. */
static void put_text(const char *s)
{
	for (; s && *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_event(const struct hf_event *ev)
{
	const char *fl = (ev->flags & HF_EVF_UNIT) && (ev->flags & HF_EVF_REALLOC) ? "unit,realloc"
			 : ev->flags & HF_EVF_UNIT				   ? "unit"
			 : ev->flags & HF_EVF_REALLOC				   ? "realloc"
										   : "-";
	printf("%llu %u %s %s 0x%llx %llu %u", (unsigned long long)ev->key, ev->thread,
	       type_name(ev->type), fl, (unsigned long long)ev->ptr, (unsigned long long)ev->size,
	       ev->node);
	switch (ev->type) {
	case HF_EV_ALLOC:
		if (ev->flags & HF_EVF_REALLOC)
			printf(" old=0x%llx", (unsigned long long)ev->old_ptr);
		break;
	case HF_EV_THREAD_START:
		printf(" tid=%llu parent=%u name=", (unsigned long long)ev->tid, ev->parent);
		put_text(ev->text);
		break;
	case HF_EV_MARK:
		printf(" label=");
		put_text(ev->text);
		break;
	case HF_EV_SAMPLE:
		printf(" rss=%llu", (unsigned long long)ev->rss);
		break;
	}
	printf(" time=%llu\n", (unsigned long long)ev->time_ns);
}

static void print_summary(const struct state *s)
{
	const struct hf_trace_info *in = hf_trace_info(s->t);
	uint64_t leaked_blocks = 0, leaked_bytes = 0;
	for (size_t i = 0; i < s->live.cap; i++)
		if (s->live.used[i]) {
			leaked_blocks++;
			leaked_bytes += s->live.val[i].size;
		}
	printf("complete=%d\n", in->complete ? 1 : 0);
	printf("exit_status=%llu\n", (unsigned long long)(in->complete ? in->close.exit_status : 0));
	printf("truncated_bytes=%llu\n", (unsigned long long)in->truncated_bytes);
	printf("threads=%u\n", in->streams);
	printf("nodes=%zu\n", hf_trace_node_count(s->t));
	printf("allocations=%llu\n", (unsigned long long)s->allocations);
	printf("frees=%llu\n", (unsigned long long)s->frees);
	printf("failed=%llu\n", (unsigned long long)s->failed);
	printf("bytes=%llu\n", (unsigned long long)s->bytes);
	printf("temporary=%llu\n", (unsigned long long)s->temporary);
	printf("leaked_blocks=%llu\n", (unsigned long long)leaked_blocks);
	printf("leaked_bytes=%llu\n", (unsigned long long)leaked_bytes);
	printf("peak_bytes=%llu\n", (unsigned long long)s->peak_bytes);
	printf("peak_blocks=%llu\n", (unsigned long long)s->peak_blocks);
	printf("marks=%llu\n", (unsigned long long)s->marks);
	printf("samples=%llu\n", (unsigned long long)s->samples);
	printf("unknown_frees=%llu\n", (unsigned long long)s->unknown_frees);
	printf("sample_bytes=%llu\n", (unsigned long long)in->sample_bytes);
	printf("clock_resolution_ns=%llu\n", (unsigned long long)in->clock_resolution_ns);
	/* The highest epoch of the trace: at least as many as the times a hook wrote the recorder's
	 * one shared counter (format.md 3), each write raising it by one or more. */
	printf("free_epochs=%llu\n", (unsigned long long)((s->max_key + 1) / 2));
}

/* ---- minimal symbolization with libelf ------------------------------------------------------- */

struct sym {
	uint64_t value, size;
	int pref;
	char *name;
};

struct modsyms {
	uint32_t id;
	int loaded;
	struct sym *v;
	size_t n;
};

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->pref != y->pref)
		return x->pref > y->pref ? -1 : 1;
	if ((x->name[0] == '_') != (y->name[0] == '_'))
		return x->name[0] == '_' ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Function symbols of the file at path (.symtab, else .dynsym), sorted, one per address. */
static void load_syms(struct modsyms *ms, const char *path)
{
	ms->loaded = 1;
	int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL, *found = NULL;
	GElf_Shdr sh, fsh;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !found)) {
			found = scn;
			fsh = sh;
			if (sh.sh_type == SHT_SYMTAB)
				break;
		}
	}
	Elf_Data *data = found ? elf_getdata(found, NULL) : NULL;
	size_t count = data && fsh.sh_entsize ? fsh.sh_size / fsh.sh_entsize : 0;
	ms->v = xcalloc(count, sizeof *ms->v);
	for (size_t i = 0; i < count; i++) {
		GElf_Sym s;
		if (!gelf_getsym(data, (int)i, &s))
			continue;
		int type = GELF_ST_TYPE(s.st_info), bind = GELF_ST_BIND(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		const char *name = elf_strptr(elf, fsh.sh_link, s.st_name);
		if (!name || !*name)
			continue;
		struct sym *d = &ms->v[ms->n++];
		d->value = s.st_value;
		d->size = s.st_size;
		d->pref = bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0;
		d->name = strdup(name);
		if (!d->name)
			ms->n--;
	}
	qsort(ms->v, ms->n, sizeof *ms->v, sym_cmp);
	size_t k = 0; /* keep the preferred name of each address */
	for (size_t i = 0; i < ms->n; i++) {
		if (k && ms->v[k - 1].value == ms->v[i].value) {
			free(ms->v[i].name);
			continue;
		}
		ms->v[k++] = ms->v[i];
	}
	ms->n = k;
	if (elf)
		elf_end(elf);
	close(fd);
}

static const char *find_sym(const struct modsyms *ms, uint64_t addr)
{
	size_t lo = 0, hi = ms->n;
	while (lo < hi) { /* first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (ms->v[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The nearest symbol at or below addr, or one of the few before it when symbols nest. */
	for (size_t i = lo, tries = 0; i > 0 && tries < 8; i--, tries++) {
		const struct sym *s = &ms->v[i - 1];
		if (addr - s->value < s->size)
			return s->name;
	}
	return NULL;
}

static const char *find_trace_sym(hf_trace *t, uint32_t module, uint64_t addr)
{
	size_t n;
	const struct hf_symbol *s = hf_trace_symbols(t, module, &n);
	const char *best = NULL;
	for (size_t i = 0; i < n && s[i].start <= addr; i++)
		if (addr - s[i].start < s[i].size)
			best = s[i].name;
	return best;
}

struct symbolizer {
	hf_trace *t;
	struct modsyms *mods; /* by module index */
	size_t nmods;
	char **frame_text;    /* by node id, computed once */
};

static struct modsyms *mod_syms(struct symbolizer *z, uint32_t id)
{
	for (size_t i = 0; i < z->nmods; i++) {
		if (z->mods[i].id != id)
			continue;
		if (!z->mods[i].loaded)
			load_syms(&z->mods[i], hf_trace_module_at(z->t, i)->path);
		return &z->mods[i];
	}
	return NULL;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p) {
		fputs("hf_dump: out of memory\n", stderr);
		exit(EXIT_TRACE);
	}
	return p;
}

static const char *frame_text(struct symbolizer *z, uint32_t id)
{
	if (z->frame_text[id])
		return z->frame_text[id];
	struct hf_node nd = hf_trace_node(z->t, id);
	char buf[600];
	if (nd.frame < HF_FRAME_MIN_ADDR) {
		snprintf(buf, sizeof buf, "%s",
			 nd.frame == HF_FRAME_TRUNCATED_DEPTH	  ? "[truncated]"
			 : nd.frame == HF_FRAME_TRUNCATED_NOINFO ? "[no-unwind-info]"
			 : nd.frame == HF_FRAME_BEFORE_START     ? "[before-start]"
								  : "[pseudo]");
	} else if (!nd.module || !hf_trace_module(z->t, nd.module)) {
		snprintf(buf, sizeof buf, "[0x%llx]", (unsigned long long)nd.frame);
	} else {
		const struct hf_module *m = hf_trace_module(z->t, nd.module);
		uint64_t off = nd.frame - m->bias;
		const struct modsyms *ms = mod_syms(z, nd.module);
		/* A return address: the call is the instruction before it. */
		const char *name = ms ? find_sym(ms, off - 1) : NULL;
		if (!name)
			name = find_trace_sym(z->t, nd.module, off - 1);
		if (name) {
			snprintf(buf, sizeof buf, "%s", name);
		} else {
			const char *base = strrchr(m->path, '/');
			base = base ? base + 1 : m->path;
			snprintf(buf, sizeof buf, "[%s+0x%llx]", *base ? base : "vdso",
				 (unsigned long long)off);
		}
	}
	/* Frame names end up in ';'-separated, space-separated lines: keep them one token. */
	for (char *p = buf; *p; p++)
		if (*p == ';' || *p == ' ' || (unsigned char)*p < 0x20)
			*p = '_';
	return z->frame_text[id] = xstrdup(buf);
}

static const char *allocator_name(uint64_t frame)
{
	static const char *const names[] = { "malloc", "calloc", "realloc", "reallocarray",
					     "posix_memalign", "aligned_alloc", "memalign", "valloc",
					     "pvalloc" };
	return frame >= 1 && frame <= 9 ? names[frame - 1] : "unknown";
}

struct line {
	char *stack; /* "ALLOCATOR FRAMES", the aggregation key */
	struct node_stats st;
	char *text;
};

static int line_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->stack, ((const struct line *)b)->stack);
}

static int line_text_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

/* "outermost;...;innermost" of the stack above the allocator node leaf. */
static char *stack_text(struct symbolizer *z, uint32_t leaf)
{
	size_t depth = 0, len = 0;
	for (uint32_t n = hf_trace_node(z->t, leaf).parent; n; n = hf_trace_node(z->t, n).parent) {
		depth++;
		len += strlen(frame_text(z, n)) + 1;
	}
	uint32_t *ids = xcalloc(depth, sizeof *ids);
	size_t k = depth;
	for (uint32_t n = hf_trace_node(z->t, leaf).parent; n; n = hf_trace_node(z->t, n).parent)
		ids[--k] = n;
	const char *alloc = allocator_name(hf_trace_node(z->t, leaf).frame);
	char *s = xcalloc(strlen(alloc) + len + 2, 1), *p = s;
	p += sprintf(p, "%s ", alloc);
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "%s%s", i ? ";" : "", frame_text(z, ids[i]));
	free(ids);
	return s;
}

/* failed: the stacks of failed allocations (--failed) instead of those of allocations. */
static void print_stacks(struct state *s, int failed)
{
	hf_trace *t = s->t;
	size_t nn = hf_trace_node_count(t);
	struct symbolizer z = { .t = t, .nmods = hf_trace_module_count(t) };
	z.mods = xcalloc(z.nmods, sizeof *z.mods);
	for (size_t i = 0; i < z.nmods; i++)
		z.mods[i].id = hf_trace_module_at(t, i)->id;
	z.frame_text = xcalloc(nn + 1, sizeof *z.frame_text);
	elf_version(EV_CURRENT);

	for (size_t i = 0; i < s->live.cap && !failed; i++)
		if (s->live.used[i]) {
			struct node_stats *st = stats(s, s->live.val[i].node);
			st->leaked_blocks++;
			st->leaked_bytes += s->live.val[i].size;
		}
	struct line *lines = xcalloc(nn, sizeof *lines);
	size_t nl = 0;
	for (uint32_t id = 1; id <= nn; id++)
		if (failed ? s->ns[id].failed : s->ns[id].allocs) {
			lines[nl].stack = stack_text(&z, id);
			lines[nl++].st = s->ns[id];
		}
	/* Stacks that symbolize alike are one line. */
	qsort(lines, nl, sizeof *lines, line_key_cmp);
	size_t k = 0;
	for (size_t i = 0; i < nl; i++) {
		if (k && !strcmp(lines[k - 1].stack, lines[i].stack)) {
			struct node_stats *a = &lines[k - 1].st, *b = &lines[i].st;
			a->allocs += b->allocs;
			a->bytes += b->bytes;
			a->leaked_blocks += b->leaked_blocks;
			a->leaked_bytes += b->leaked_bytes;
			a->temporary += b->temporary;
			a->failed += b->failed;
			a->failed_bytes += b->failed_bytes;
			free(lines[i].stack);
			continue;
		}
		lines[k++] = lines[i];
	}
	nl = k;
	for (size_t i = 0; i < nl; i++) {
		const struct node_stats *st = &lines[i].st;
		const char *sp = strchr(lines[i].stack, ' ');
		size_t n = strlen(lines[i].stack) + 128;
		lines[i].text = xcalloc(n, 1);
		if (failed)
			snprintf(lines[i].text, n, "%.*s %llu %llu %s", (int)(sp - lines[i].stack),
				 lines[i].stack, (unsigned long long)st->failed,
				 (unsigned long long)st->failed_bytes, sp + 1);
		else
			snprintf(lines[i].text, n, "%.*s %llu %llu %llu %llu %llu %s",
				 (int)(sp - lines[i].stack), lines[i].stack,
				 (unsigned long long)st->allocs, (unsigned long long)st->bytes,
				 (unsigned long long)st->leaked_blocks,
				 (unsigned long long)st->leaked_bytes, (unsigned long long)st->temporary,
				 sp + 1);
	}
	qsort(lines, nl, sizeof *lines, line_text_cmp);
	for (size_t i = 0; i < nl; i++) {
		/* An empty stack (no frame above the allocator) leaves a trailing space: drop it. */
		size_t n = strlen(lines[i].text);
		if (n && lines[i].text[n - 1] == ' ')
			lines[i].text[n - 1] = 0;
		puts(lines[i].text);
		free(lines[i].text);
		free(lines[i].stack);
	}
	free(lines);
	for (size_t i = 0; i < z.nmods; i++) {
		for (size_t j = 0; j < z.mods[i].n; j++)
			free(z.mods[i].v[j].name);
		free(z.mods[i].v);
	}
	free(z.mods);
	for (size_t i = 0; i <= nn; i++)
		free(z.frame_text[i]);
	free(z.frame_text);
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fputs("usage: hf_dump [--summary] [--stacks] [--failed] [--events] TRACE\n"
	      "  --summary  totals as key=value lines (the default)\n"
	      "  --stacks   one line per allocator and stack: ALLOCATOR ALLOCS BYTES LEAKED_BLOCKS\n"
	      "             LEAKED_BYTES TEMPORARY outermost;...;innermost\n"
	      "  --failed   one line per allocator and stack of failed allocations: ALLOCATOR\n"
	      "             FAILED REQUESTED_BYTES outermost;...;innermost\n"
	      "  --events   one line per event, in order\n",
	      f);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--summary"))
			o->summary = 1;
		else if (!strcmp(argv[i], "--stacks"))
			o->stacks = 1;
		else if (!strcmp(argv[i], "--failed"))
			o->failed = 1;
		else if (!strcmp(argv[i], "--events"))
			o->events = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			exit(EXIT_OK);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hf_dump: unknown option %s\n", argv[i]);
			return -1;
		} else if (o->path) {
			fputs("hf_dump: one trace at a time\n", stderr);
			return -1;
		} else {
			o->path = argv[i];
		}
	}
	if (!o->path) {
		fputs("hf_dump: no trace given\n", stderr);
		return -1;
	}
	if (!o->summary && !o->stacks && !o->failed && !o->events)
		o->summary = 1;
	return 0;
}

static void print_warnings(const hf_trace *t, size_t *shown)
{
	for (const char *w; (w = hf_trace_warning(t, *shown)); (*shown)++)
		fprintf(stderr, "hf_dump: warning: %s\n", w);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct state s = { 0 };
	size_t shown = 0;
	int rc = hf_trace_open(o.path, &s.t), status = EXIT_OK;
	if (rc < 0) {
		fprintf(stderr, "hf_dump: %s\n", hf_trace_error(s.t));
		hf_trace_close(s.t);
		return EXIT_TRACE;
	}
	print_warnings(s.t, &shown);
	s.ns = xcalloc(hf_trace_node_count(s.t) + 1, sizeof *s.ns);

	struct hf_event ev;
	while ((rc = hf_trace_next(s.t, &ev)) == HF_TRACE_OK) {
		if (o.events)
			print_event(&ev);
		if (ev.key > s.max_key)
			s.max_key = ev.key;
		switch (ev.type) {
		case HF_EV_ALLOC:
			on_alloc(&s, &ev);
			break;
		case HF_EV_FREE:
			on_free(&s, &ev);
			break;
		case HF_EV_ALLOC_FAILED:
			s.failed++;
			stats(&s, ev.node)->failed++;
			stats(&s, ev.node)->failed_bytes += ev.size;
			break;
		case HF_EV_MARK:
			s.marks++;
			break;
		case HF_EV_SAMPLE:
			s.samples++;
			break;
		}
	}
	print_warnings(s.t, &shown);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "hf_dump: %s\n", hf_trace_error(s.t));
		status = EXIT_TRACE;
	} else {
		if (o.summary)
			print_summary(&s);
		if (o.stacks)
			print_stacks(&s, 0);
		if (o.failed)
			print_stacks(&s, 1);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("hf_dump: write error");
		status = EXIT_TRACE;
	}
	map_free(&s.live);
	map_free(&s.threads);
	free(s.ns);
	hf_trace_close(s.t);
	return status;
}
