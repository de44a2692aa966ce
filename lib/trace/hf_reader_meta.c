/* hf_reader_meta.c: decoding the meta stream (format.md 2.2) when a trace is opened: header,
 * modules, stack nodes, symbols and the closing totals. SAMPLE records are only checked and
 * counted here; the merge delivers them in order later. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hf_reader_int.h"

static const char oom[] = "out of memory";

struct meta_state {
	const struct hf_chunk_ref *c;
	int header, closed;
	uint64_t C;
	uint32_t samples;
};

/* ---- modules ------------------------------------------------------------------------------ */

/* The hash is seeded per trace so that crafted ids cannot all land in one probe sequence. */
static size_t mod_slot(const hf_trace *t, uint32_t id)
{
	uint64_t h = (id ^ t->seed) * UINT64_C(0x9e3779b97f4a7c15);
	size_t mask = t->modhash_cap - 1, i = (size_t)(h ^ h >> 32) & mask;
	while (t->modhash[i] && t->mods[t->modhash[i] - 1].id != id)
		i = (i + 1) & mask;
	return i;
}

static long mod_index(const hf_trace *t, uint32_t id)
{
	if (!t->modhash_cap)
		return -1;
	size_t i = mod_slot(t, id);
	return t->modhash[i] ? (long)t->modhash[i] - 1 : -1;
}

static const char *mod_append(hf_trace *t, const struct hf_module *m)
{
	if (t->nmods == t->modcap) {
		size_t cap = t->modcap ? t->modcap * 2 : 16;
		struct hf_module *mods = realloc(t->mods, cap * sizeof *mods);
		if (!mods)
			return oom;
		t->mods = mods;
		struct hf_modext *x = realloc(t->modx, cap * sizeof *x);
		if (!x)
			return oom;
		t->modx = x;
		t->modcap = cap;
	}
	/* Keep the hash at most half full; rebuild it when it grows. */
	if (2 * (t->nmods + 1) > t->modhash_cap) {
		size_t cap = t->modhash_cap ? t->modhash_cap * 2 : 64;
		uint32_t *h = calloc(cap, sizeof *h);
		if (!h)
			return oom;
		free(t->modhash);
		t->modhash = h;
		t->modhash_cap = cap;
		for (size_t i = 0; i < t->nmods; i++)
			t->modhash[mod_slot(t, t->mods[i].id)] = (uint32_t)i + 1;
	}
	t->mods[t->nmods] = *m;
	memset(&t->modx[t->nmods], 0, sizeof t->modx[0]);
	t->nmods++;
	t->modhash[mod_slot(t, m->id)] = (uint32_t)t->nmods;
	return NULL;
}

static void seg_range(const struct hf_module *m, size_t i, uint64_t *start, uint64_t *end)
{
	*start = m->bias + m->seg[i].vaddr; /* wraps like the process's own arithmetic */
	*end = m->seg[i].memsz > UINT64_MAX - *start ? UINT64_MAX : *start + m->seg[i].memsz;
}

static const char *dec_module(hf_trace *t, struct hf_body *r)
{
	struct hf_module m = { 0 };
	struct hf_rec_module rec;
	if (hf_dec_module(&r->p, r->end, &rec) < 0)
		return "truncated or invalid field";
	const uint8_t *s = rec.path, *bid = rec.build_id;
	size_t n = rec.path_len, nbid = rec.build_id_len;
	uint64_t nseg = rec.nseg;
	m.id = rec.id;
	m.bias = rec.bias;
	if (m.id == 0)
		return "module id 0 is reserved for \"no module\"";
	if (mod_index(t, m.id) >= 0)
		return "module id defined twice";
	/* Each segment takes at least 3 bytes: a larger count is a lie, not a reason to allocate. */
	if (nseg > (uint64_t)(r->end - r->p) / 3)
		return "segment count larger than the record";
	struct hf_segment *seg = nseg ? hf__arena_alloc(&t->arena, nseg * sizeof *seg) : NULL;
	if (nseg && !seg)
		return oom;
	for (size_t i = 0; i < nseg; i++) {
		struct hf_rec_segment sr;
		if (hf_dec_module_seg(&r->p, r->end, &sr) < 0)
			return "truncated or invalid field";
		seg[i].vaddr = sr.vaddr;
		seg[i].memsz = sr.memsz;
		seg[i].flags = sr.flags;
	}
	if (!(m.path = hf__arena_str(&t->arena, s, n)))
		return oom;
	if (nbid) {
		uint8_t *b = hf__arena_alloc(&t->arena, nbid);
		if (!b)
			return oom;
		memcpy(b, bid, nbid);
		m.build_id = b;
		m.build_id_len = nbid;
	}
	m.nseg = nseg;
	m.seg = seg;
	const char *err = mod_append(t, &m);
	if (err)
		return err;
	for (size_t i = 0; i < nseg; i++) {
		uint64_t start, end;
		seg_range(&m, i, &start, &end);
		if (end > start && hf__modmap_add(t->modmap, start, end, m.id, (uint32_t)i) < 0)
			return oom;
	}
	return NULL;
}

static const char *dec_module_unload(hf_trace *t, struct hf_body *r)
{
	uint32_t id;
	if (hf_dec_module_unload(&r->p, r->end, &id) < 0)
		return "truncated or invalid field";
	long i = mod_index(t, id);
	if (i < 0)
		return "unloads a module that was never loaded";
	struct hf_module *m = &t->mods[i];
	if (m->unloaded)
		return "unloads a module twice";
	m->unloaded = 1;
	for (size_t k = 0; k < m->nseg; k++) {
		uint64_t start, end;
		seg_range(m, k, &start, &end);
		if (end > start)
			hf__modmap_remove(t->modmap, start, m->id, (uint32_t)k);
	}
	return NULL;
}

/* ---- stack nodes ----------------------------------------------------------------------------- */

static int is_allocator(uint64_t frame)
{
	return frame >= HF_FRAME_MALLOC && frame <= HF_FRAME_LAST_ALLOCATOR;
}

static const char *dec_node(hf_trace *t, struct hf_body *r)
{
	if (t->nnodes >= UINT32_MAX - 1)
		return "too many nodes";
	uint32_t parent;
	uint64_t frame;
	if (t->info.major >= 3) {
		int pseudo;
		uint64_t v;
		int rc = hf_dec_node_rel(&r->p, r->end, (uint32_t)t->nnodes + 1, &parent, &pseudo, &v);
		if (rc < 0)
			return rc == -1 ? "truncated or invalid field" : "parent is not a node defined before it";
		frame = hf_node_frame(pseudo, v, parent ? hf__node_frame(t, parent) : 0);
		if (pseudo != (frame < HF_FRAME_MIN_ADDR))
			return "frame address is a pseudo-frame code, or the reverse";
	} else {
		struct hf_rec_node rec;
		if (hf_dec_node(&r->p, r->end, &rec) < 0)
			return "truncated or invalid field";
		parent = rec.parent;
		frame = rec.frame;
	}
	/* Parents are defined before their children, which also rules out cycles: every walk up
	 * the tree ends after at most `id` steps. */
	if (parent > t->nnodes)
		return "parent is not a node defined before it";
	if (frame < HF_FRAME_MIN_ADDR) {
		if (!is_allocator(frame) && frame != HF_FRAME_TRUNCATED_DEPTH && frame != HF_FRAME_TRUNCATED_NOINFO &&
		    frame != HF_FRAME_BEFORE_START)
			return "unknown pseudo-frame code";
		if (!is_allocator(frame) && parent)
			return "truncation pseudo-frame is not the outermost frame";
	}
	if (parent && hf__node_is_allocator(t, parent))
		return "parent is an allocator pseudo-frame (allocator nodes are leaves)";
	return hf__node_add(t, parent, frame, frame >= HF_FRAME_MIN_ADDR ? hf__modmap_find(t->modmap, frame) : 0);
}

/* ---- header, symbols, samples, close --------------------------------------------------------- */

static const char *get_string(hf_trace *t, struct hf_body *r, const char **out)
{
	const uint8_t *s;
	size_t n;
	if (hf__get_str(r, &s, &n) < 0)
		return "truncated or invalid field";
	return (*out = hf__arena_str(&t->arena, s, n)) ? NULL : oom;
}

static const char *dec_header(hf_trace *t, struct hf_body *r, int *code)
{
	struct hf_trace_info *in = &t->info;
	struct hf_rec_header h;
	uint64_t argc, nopt;
	const char *err;

	if (hf_dec_header_magic(&r->p, r->end)) {
		*code = HF_TRACE_ERR_NOT_TRACE;
		return "gzip file, but not a heapfold trace";
	}
	if (hf_dec_header_version(&r->p, r->end, &h) < 0)
		return "truncated or invalid field";
	uint64_t major = h.major, minor = h.minor;
	in->major = major > 0xffff ? 0xffff : (unsigned)major;
	in->minor = minor > 0xffff ? 0xffff : (unsigned)minor;
	if (major < HF_FORMAT_MAJOR_OLDEST || major > HF_FORMAT_MAJOR) {
		*code = HF_TRACE_ERR_VERSION;
		return "version";
	}
	if (hf_dec_header_rest(&r->p, r->end, &h) < 0)
		return "truncated or invalid field";
	in->pid = h.pid;
	in->ppid = h.ppid;
	in->start_realtime_ns = h.start_realtime_ns;
	in->clock_resolution_ns = h.clock_resolution_ns;
	in->page_size = h.page_size;
	in->pointer_size = h.pointer_size;
	if (h.link_mode > HF_LINK_STATIC)
		return "unknown link mode";
	in->link_mode = (unsigned)h.link_mode;
	if ((err = get_string(t, r, &in->exe)))
		return err;
	if (hf__get_u64(r, &argc) < 0 || argc > (uint64_t)(r->end - r->p))
		return "argument count larger than the record";
	const char **argv = hf__arena_alloc(&t->arena, (argc + 1) * sizeof *argv);
	if (!argv)
		return oom;
	for (size_t i = 0; i < argc; i++)
		if ((err = get_string(t, r, &argv[i])))
			return err;
	argv[argc] = NULL;
	in->argc = argc;
	in->argv = argv;
	if ((err = get_string(t, r, &in->libc)) || (err = get_string(t, r, &in->recorder)))
		return err;
	if (hf__get_u64(r, &nopt) < 0 || nopt > (uint64_t)(r->end - r->p) / 2)
		return "option count larger than the record";
	const char **name = hf__arena_alloc(&t->arena, (nopt + 1) * sizeof *name);
	const char **value = hf__arena_alloc(&t->arena, (nopt + 1) * sizeof *value);
	if (!name || !value)
		return oom;
	for (size_t i = 0; i < nopt; i++)
		if ((err = get_string(t, r, &name[i])) || (err = get_string(t, r, &value[i])))
			return err;
	in->nopt = nopt;
	in->opt_name = name;
	in->opt_value = value;
	in->sample_bytes = 0;
	if (major >= 2 || minor >= 2) {
		if (hf__get_u64(r, &in->sample_bytes) < 0)
			return "truncated or invalid field";
	} else {
		/* Minor 1 traces of a recorder that sampled said so among the options only. */
		for (size_t i = 0; i < nopt; i++)
			if (!strcmp(name[i], "SAMPLE_BYTES"))
				in->sample_bytes = strtoull(value[i], NULL, 10);
	}
	/* The recorder's limit is 2 GiB; far above it, estimates would overflow their counts. */
	if (in->sample_bytes > HF_SAMPLE_BYTES_MAX)
		return "sampling rate out of range";
	return NULL;
}

static const char *dec_symbols(hf_trace *t, struct hf_body *r)
{
	uint32_t id;
	uint64_t n, start = 0;
	if (hf_dec_symbols(&r->p, r->end, &id, &n) < 0)
		return "truncated or invalid field";
	long mi = mod_index(t, id);
	if (mi < 0)
		return "symbols of a module that was never loaded";
	if (n > (uint64_t)(r->end - r->p) / 3)
		return "symbol count larger than the record";
	struct hf_modext *x = &t->modx[mi];
	if (n > x->cap - x->nsym) {
		size_t cap = x->nsym + (size_t)n;
		if (cap < 2 * x->cap)
			cap = 2 * x->cap;
		struct hf_symbol *s = realloc(x->sym, cap * sizeof *s);
		if (!s)
			return oom;
		x->sym = s;
		x->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t d;
		struct hf_symbol *s = &x->sym[x->nsym];
		const uint8_t *name;
		size_t len;
		if (hf_dec_symbol(&r->p, r->end, &d, &s->size, &name, &len) < 0)
			return "truncated or invalid field";
		if (d > UINT64_MAX - start)
			return "symbol address overflows";
		s->start = start += d;
		if (!(s->name = hf__arena_str(&t->arena, name, len)))
			return oom;
		x->nsym++;
	}
	return NULL;
}

static const char *dec_sample(struct meta_state *st, struct hf_body *r)
{
	struct hf_rec_sample rec;
	if (hf_dec_sample(&r->p, r->end, &rec) < 0)
		return "truncated or invalid field";
	if (rec.dc > HF_EPOCH_MAX - st->C)
		return "epoch beyond the limit";
	st->C += rec.dc;
	st->samples++;
	return NULL;
}

static const char *dec_close(hf_trace *t, struct hf_body *r)
{
	struct hf_trace_info *in = &t->info;
	struct hf_rec_close c;
	if (hf_dec_close(&r->p, r->end, &c) < 0)
		return "truncated or invalid field";
	in->close.allocations = c.allocations;
	in->close.frees = c.frees;
	in->close.failed = c.failed;
	in->close.bytes = c.bytes;
	in->close.threads = c.threads;
	in->close.nodes = c.nodes;
	in->close.chunks = c.chunks;
	in->close.end_time_ns = c.end_time_ns;
	in->close.exit_status = c.exit_status;
	in->complete = 1;
	return NULL;
}

/* ---- a meta chunk ------------------------------------------------------------------------------ */

static const char *const meta_names[] = {
	"HEADER", "MODULE", "MODULE_UNLOAD", "NODE", "SAMPLE", "SYMBOLS", "CLOSE",
};

static int decode_chunk(hf_trace *t, struct meta_state *st, const uint8_t *body)
{
	const struct hf_chunk_ref *c = st->c;
	struct hf_body b = { body, body, body + c->h.ulen };
	uint32_t nrec = 0;

	st->C = c->h.epoch_start;
	st->samples = 0;
	while (b.p < b.end) {
		size_t at = hf__body_pos(&b);
		unsigned tag = *b.p++;
		uint64_t len;

		if (++nrec > c->h.records)
			return hf__chunk_fail(t, c, "more records than the header's %u at body byte %zu",
					      c->h.records, at);
		if (tag < 0x40 || tag > 0x7f) {
			if (tag >= 0x01 && tag <= 0x3f)
				return hf__chunk_fail(t, c, "event record tag 0x%02x in a meta chunk at body byte %zu",
						      tag, at);
			return hf__chunk_fail(t, c, "bad record tag 0x%02x at body byte %zu", tag, at);
		}
		if (hf__get_u64(&b, &len) < 0 || len > (uint64_t)(b.end - b.p))
			return hf__chunk_fail(t, c, "record length runs past the end of the body at body byte %zu",
					      at);
		struct hf_body r = { b.base, b.p, b.p + len };
		b.p += len;
		if (!st->header && tag != HF_TAG_HEADER)
			return hf__fail(t, HF_TRACE_ERR_NOT_TRACE,
					"gzip file, but not a heapfold trace (no HEADER record)");
		if (st->closed)
			return hf__chunk_fail(t, c, "record 0x%02x after CLOSE at body byte %zu", tag, at);

		const char *err = NULL;
		int code = HF_TRACE_ERR_CORRUPT;
		switch (tag) {
		case HF_TAG_HEADER:
			if (st->header)
				err = "a second HEADER";
			else if (!(err = dec_header(t, &r, &code)))
				st->header = 1;
			if (err && code == HF_TRACE_ERR_VERSION)
				return hf__fail(t, code, "trace format %u.%u is %s than this reader (%d.%d)",
						t->info.major, t->info.minor,
						t->info.major > HF_FORMAT_MAJOR ? "newer" : "older",
						HF_FORMAT_MAJOR, HF_FORMAT_MINOR);
			break;
		case HF_TAG_MODULE:
			err = dec_module(t, &r);
			break;
		case HF_TAG_MODULE_UNLOAD:
			err = dec_module_unload(t, &r);
			break;
		case HF_TAG_NODE:
			err = dec_node(t, &r);
			break;
		case HF_TAG_SAMPLE:
			err = dec_sample(st, &r);
			break;
		case HF_TAG_SYMBOLS:
			err = dec_symbols(t, &r);
			break;
		case HF_TAG_CLOSE:
			if (!(err = dec_close(t, &r)))
				st->closed = 1;
			break;
		case HF_TAG_THREAD_START:
		case HF_TAG_THREAD_END:
		case HF_TAG_MARK:
			return hf__chunk_fail(t, c, "thread record tag 0x%02x in a meta chunk at body byte %zu",
					      tag, at);
		default:
			break; /* an unknown sized record, from a newer minor version: skipped */
		}
		if (err == oom)
			return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
		if (err && code == HF_TRACE_ERR_NOT_TRACE)
			return hf__fail(t, code, "%s", err);
		if (err)
			return hf__chunk_fail(t, c, "bad %s record at body byte %zu: %s",
					      meta_names[tag - HF_TAG_HEADER], at, err);
	}
	if (nrec != c->h.records)
		return hf__chunk_fail(t, c, "the body holds %u records, the header says %u", nrec,
				      c->h.records);
	if (st->C != c->h.epoch_end)
		return hf__chunk_fail(t, c, "the epoch register ends at %llu, the header says epoch_end %llu",
				      (unsigned long long)st->C, (unsigned long long)c->h.epoch_end);
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct hf_symbol *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

int hf__read_meta(hf_trace *t)
{
	struct meta_state st = { 0 };
	int rc = 0;

	if (!t->nmeta)
		return 0;
	if (!(t->modmap = hf__modmap_new()))
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < t->nmeta && !rc; i++) {
		struct hf_chunk_ref *c = &t->chunks[t->order[i]];
		uint8_t *body;
		size_t cap;
		if ((rc = hf__inflate(t, c, &body, &cap)) < 0)
			break;
		st.c = c;
		rc = decode_chunk(t, &st, body);
		c->samples = st.samples;
		hf__body_put(t, body, cap);
	}
	/* Only NODE records need the address map. */
	hf__modmap_free(t->modmap);
	t->modmap = NULL;
	if (rc < 0)
		return rc;
	if (!st.header)
		return hf__fail(t, HF_TRACE_ERR_NOT_TRACE,
				"gzip file, but not a heapfold trace (no HEADER record)");
	for (size_t i = 0; i < t->nmods; i++)
		if (t->modx[i].nsym > 1)
			qsort(t->modx[i].sym, t->modx[i].nsym, sizeof *t->modx[i].sym, by_start);
	return 0;
}

void hf__meta_free(hf_trace *t)
{
	for (size_t i = 0; i < t->nmods; i++)
		free(t->modx[i].sym);
	free(t->modx);
	free(t->mods);
	free(t->modhash);
	hf__nodes_free(t);
	hf__modmap_free(t->modmap);
	t->modx = NULL;
	t->mods = NULL;
	t->modhash = NULL;
	t->modmap = NULL;
}

const struct hf_module *hf_trace_module(const hf_trace *t, uint32_t id)
{
	long i = t ? mod_index(t, id) : -1;
	return i >= 0 ? &t->mods[i] : NULL;
}

const struct hf_symbol *hf_trace_symbols(const hf_trace *t, uint32_t module, size_t *n)
{
	long i = t ? mod_index(t, module) : -1;
	if (i < 0 || !t->modx[i].nsym) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = t->modx[i].nsym;
	return t->modx[i].sym;
}
