/* hf_reader_merge.c: hf_trace_next, the k-way merge of format.md section 3.
 *
 * Every stream has a cursor over its chunks. A min-heap orders the cursors by (key, stream):
 * the key of the event a cursor holds ready, or, for a cursor whose next chunk is not inflated
 * yet, 2 * that chunk's epoch_start (a lower bound of every key in it). A chunk is inflated only
 * when its bound reaches the top of the heap, and a cursor holds at most one chunk body, so
 * memory follows the number of streams active at the same time, not the length of the trace.
 *
 * A cursor that has just delivered an event is advanced at the next call, not at once, so that
 * the event's text (which points into the cursor's chunk body) stays valid until then. */
#include <stdlib.h>
#include <string.h>

#include "hf_events.h"
#include "hf_reader_int.h"

struct hf_cursor {
	uint32_t stream;
	int meta;                /* stream 0: only its SAMPLE records are events */
	const uint32_t *chunks;  /* the stream's chunks (indices into t->chunks) in seq order */
	size_t nchunks, next;    /* next: the next chunk to inflate */
	const struct hf_chunk_ref *ref; /* the inflated chunk, NULL if none */
	uint8_t *body;
	size_t cap;
	struct hf_colr cr;       /* the chunk's body: its records, or its columns (format 4) */
	unsigned major;          /* the chunk's format and record count (ref->h's), read once a */
	uint32_t records;        /* record would be two loads */
	int columns;             /* which of the two */
	uint64_t C, T, P;        /* the decoder registers (format.md 2) */
	struct hf_recent recent; /* and the chunk's rings of recent addresses (format 4) */
	uint32_t nrec;           /* records decoded in this chunk */
	uint64_t stream_rec;     /* records decoded in the stream before this chunk's current one */
	int ended;               /* THREAD_END seen: nothing may follow */
	int done;
	int have_ev, pending;    /* ev is ready; pend (a realloc's allocation half) comes next */
	int unit_open;           /* the next record is a REALLOC_LAST of the block just allocated */
	uint64_t key, last_key;
	uint32_t node_ok;        /* the last node an allocation named, known to be an allocator's
				  * (0: none yet; 0 is never a node) */
	struct hf_event ev, pend;
	const uint8_t *text;     /* ev's text, in body */
	size_t text_len;
};

/* ---- the heap ---------------------------------------------------------------------------------- */

static int before(const hf_trace *t, size_t a, size_t b)
{
	const struct hf_cursor *x = &t->cur[a], *y = &t->cur[b];
	if (x->key != y->key)
		return x->key < y->key;
	return x->stream < y->stream;
}

static void heap_down(hf_trace *t, size_t i)
{
	size_t *h = t->heap, n = t->nheap;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && before(t, h[l], h[m]))
			m = l;
		if (l + 1 < n && before(t, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void heap_push(hf_trace *t, size_t ci)
{
	size_t *h = t->heap, i = t->nheap++;
	h[i] = ci;
	while (i && before(t, h[i], h[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, tmp = h[i];
		h[i] = h[p];
		h[p] = tmp;
		i = p;
	}
}

static void heap_pop(hf_trace *t)
{
	t->heap[0] = t->heap[--t->nheap];
	heap_down(t, 0);
}

/* ---- cursors --------------------------------------------------------------------------------- */

static const struct hf_chunk_ref *next_chunk(const hf_trace *t, const struct hf_cursor *c)
{
	return &t->chunks[c->chunks[c->next]];
}

/* Positions c before its next chunk worth inflating, or marks it done. */
static void seek_chunk(hf_trace *t, struct hf_cursor *c)
{
	/* Meta chunks without SAMPLE records hold no events: the open has read them already. */
	while (c->meta && c->next < c->nchunks && !next_chunk(t, c)->samples)
		c->next++;
	if (c->next < c->nchunks)
		c->key = 2 * next_chunk(t, c)->h.epoch_start;
	else
		c->done = 1;
}

static const char *tag_name(unsigned tag)
{
	static const char *const fixed[] = { NULL, "ALLOC", "FREE", "FREE_LAST", "REALLOC",
					     "ALLOC_FAILED", "EPOCH", "TIME", "REALLOC_LAST",
					     "ALLOC_RECENT", "FREE_RECENT" };
	static const char *const sized[] = { "THREAD_START", "THREAD_END", "MARK" };
	if (tag < sizeof fixed / sizeof fixed[0])
		return fixed[tag];
	if (tag >= HF_TAG_ALLOC_AT && tag <= HF_TAG_ALLOC_AT_LAST)
		return "ALLOC_AT";
	if (tag >= HF_TAG_FREE_AT && tag <= HF_TAG_FREE_AT_LAST)
		return "FREE_AT";
	if (tag >= HF_TAG_THREAD_START && tag <= HF_TAG_MARK)
		return sized[tag - HF_TAG_THREAD_START];
	return tag == HF_TAG_SAMPLE ? "SAMPLE" : NULL;
}

/* "bad record tag 0x9a at body byte 77", "FREE record at body byte 12: ..." */
static int fail_at(hf_trace *t, const struct hf_cursor *c, size_t at, const char *what,
		   unsigned tag)
{
	const char *name = tag_name(tag);
	if (!what)
		return hf__chunk_fail(t, c->ref, "bad record tag 0x%02x at body byte %zu", tag, at);
	if (name)
		return hf__chunk_fail(t, c->ref, "%s record at body byte %zu: %s", name, at, what);
	return hf__chunk_fail(t, c->ref, "record 0x%02x at body byte %zu: %s", tag, at, what);
}

static int end_chunk(hf_trace *t, struct hf_cursor *c)
{
	const struct hf_chunk_ref *r = c->ref;
	if (c->nrec != r->h.records)
		return hf__chunk_fail(t, r, "the body holds %u records, the header says %u", c->nrec,
				      r->h.records);
	if (hf_colr_left(&c->cr))
		return hf__chunk_fail(t, r, "body in columns: a column holds more than its records' fields");
	if (c->C != r->h.epoch_end)
		return hf__chunk_fail(t, r, "the epoch register ends at %llu, the header says epoch_end %llu",
				      (unsigned long long)c->C, (unsigned long long)r->h.epoch_end);
	hf__body_put(t, c->body, c->cap);
	c->body = NULL;
	c->ref = NULL;
	t->bodies--;
	seek_chunk(t, c);
	return 0;
}

static int check_node(const hf_trace *t, uint32_t node)
{
	return node >= 1 && node <= t->nnodes && hf__node_is_allocator(t, node);
}

/* check_node for the node of a stream's allocation: most name the node the one before named. */
static inline int alloc_node_ok(const hf_trace *t, struct hf_cursor *c, uint32_t node)
{
	if (node == c->node_ok && node)
		return 1;
	if (!check_node(t, node))
		return 0;
	c->node_ok = node;
	return 1;
}

/* The tag cursor (every record starts with one) and where it is in the body. */
static inline struct hf_colrd *tags(struct hf_cursor *c)
{
	return &c->cr.col[HF_COL_TAG]; /* column 0 in both forms: no pointer to follow */
}

static inline size_t tag_pos(const struct hf_cursor *c)
{
	return (size_t)(c->cr.col[HF_COL_TAG].p - c->cr.base);
}

/* Whether the next record has this tag (g: the tag cursor). */
static inline int next_is(const struct hf_colrd *g, unsigned tag)
{
	return g->p < g->end && *g->p == tag;
}

/* A FREE_LAST directly after an allocation record (ALLOC, REALLOC, REALLOC_LAST) turns it into a
 * unit (format.md 3), and consumes it. A REALLOC_LAST next frees the block too (realloc is a free
 * then an allocation): a unit as well, but the REALLOC_LAST is left for the next event. Returns 1
 * (FREE_LAST taken), 2 (REALLOC_LAST next), 0 (neither) or an error. */
static inline int take_free_last(hf_trace *t, struct hf_cursor *c, struct hf_colrd *g)
{
	if (next_is(g, HF_TAG_REALLOC_LAST) && c->major >= 2)
		return 2;
	if (next_is(g, HF_TAG_FREE_LAST)) {
		if (++c->nrec > c->records)
			return hf__chunk_fail(t, c->ref, "more records than the header's %u at body byte %zu",
					      c->records, tag_pos(c));
		g->p++;
		hf_recent_push(c->recent.f, &c->recent.nf, c->P); /* the unit's block: P is L here */
		return 1;
	}
	return 0;
}

/* An allocation record's size: a code since format 4 (hf_size_code), the size before. */
static inline uint64_t sized(struct hf_cursor *c, uint32_t node, uint64_t field)
{
	return c->major >= 4 ? hf_size_value(&c->recent, node, field) : field;
}

static int add_epoch(uint64_t *c, uint64_t d)
{
	if (d > HF_EPOCH_MAX - *c)
		return -1;
	*c += d;
	return 0;
}

/* An event with every field 0 but its stream and time, set field by field: as a compound
 * literal it was cleared whole with `rep stos`, whose start-up cost was a fifth of
 * hf_trace_next's time on a trace of 100 million small units. */
static inline void event_start(struct hf_event *ev, uint32_t stream, uint64_t time_ns)
{
	ev->type = 0;
	ev->flags = 0;
	ev->thread = stream;
	ev->key = 0;
	ev->time_ns = time_ns;
	ev->ptr = ev->old_ptr = ev->size = 0;
	ev->node = ev->parent = 0;
	ev->tid = ev->rss = 0;
	ev->text = NULL;
}

/* The totals the end checks against the CLOSE record (finish), counted as records are decoded:
 * an allocation of size bytes, and its free too when it is a unit. */
static inline void seen_alloc(hf_trace *t, uint64_t size, int unit)
{
	t->seen.allocations++;
	t->seen.bytes += size;
	t->seen.frees += unit != 0;
}

/* Decodes one record of a thread chunk. Returns 1 if it made c->ev, 0 if not, or an error.
 * Inlined, as advance is, into hf_trace_next: a call per event and its register saves were
 * about a tenth of heapfold_print -F's instructions on a trace of small units. columns is a
 * constant at each call: the cursors are then known (each column's own, or one for all) and the
 * compiler keeps them apart; read through pointers to cursors, a trace of 200 million events
 * took a tenth longer. */
static inline __attribute__((always_inline)) int dec_event(hf_trace *t, struct hf_cursor *c, const int columns)
{
	struct hf_colrd *b = c->cr.col; /* with columns, b[k] reads column k; without, b[0] all */
	struct hf_colrd *g = &b[HF_COL_TAG];
	size_t at = (size_t)(g->p - c->cr.base);
	unsigned tag = *g->p++;
	struct hf_event *ev = &c->ev;
	uint64_t size, d, de, dr, e, r;
	uint32_t node, j;
	uint64_t a;
	int64_t sd, sd2;
	int unit;
	struct hf_ev_alloc ra;
	struct hf_ev_free rf;
	struct hf_ev_realloc rr;
	struct hf_ev_failed rfail;
	struct hf_ev_realloc_last rl;

	if (++c->nrec > c->records)
		return hf__chunk_fail(t, c->ref, "more records than the header's %u at body byte %zu",
				      c->records, at);
	if (c->ended)
		return fail_at(t, c, at, "record after THREAD_END", tag);
	int open = c->unit_open;
	c->unit_open = 0;
	event_start(ev, c->stream, c->T);
	c->text = NULL;
	switch (tag) {
	case HF_TAG_ALLOC_AT ... HF_TAG_ALLOC_AT_LAST:
		if (c->major < 6)
			break;
		if (hf_dec_alloc_at(b, columns, &ra) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		j = tag - HF_TAG_ALLOC_AT;
		goto an_alloc_at;
	case HF_TAG_ALLOC_RECENT:
		if (c->major < 4)
			break;
		if (hf_dec_alloc_recent(b, columns, &ra, &j) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		if (j == HF_PLACE_CLASS && c->major < 5)
			return fail_at(t, c, at, "truncated or invalid field", tag);
	an_alloc_at:
		node = ra.node, size = sized(c, ra.node, ra.size);
		if (j == HF_PLACE_CLASS) {
			if (!(a = c->recent.k[hf_class_slot(size)]))
				return fail_at(t, c, at, "names an empty size-class slot", tag);
		} else if (!(a = hf_recent_at(c->recent.f, c->recent.nf, j))) {
			return fail_at(t, c, at, "names an empty place of the recent frees", tag);
		}
		goto an_alloc;
	case HF_TAG_ALLOC:
		if (hf_dec_alloc(b, columns, &ra) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		node = ra.node, size = sized(c, ra.node, ra.size);
		a = c->P + (uint64_t)ra.dptr;
	an_alloc:
		if (!alloc_node_ok(t, c, node))
			return fail_at(t, c, at, "allocation names a node that is not an allocator node", tag);
		c->P = a;
		hf_recent_push(c->recent.a, &c->recent.na, a);
		c->recent.k[hf_class_slot(size)] = a;
		if ((unit = take_free_last(t, c, g)) < 0)
			return unit;
		c->unit_open = unit == 2;
		ev->type = HF_EV_ALLOC;
		ev->flags = unit ? HF_EVF_UNIT : 0;
		ev->ptr = c->P;
		ev->size = size;
		ev->node = node;
		ev->key = 2 * c->C;
		seen_alloc(t, size, unit);
		return 1;
	case HF_TAG_FREE_AT ... HF_TAG_FREE_AT_LAST:
		if (c->major < 6)
			break;
		j = tag - HF_TAG_FREE_AT, de = 0;
		goto a_free_at;
	case HF_TAG_FREE_RECENT:
		if (c->major < 4)
			break;
		if (hf_dec_free_recent(b, columns, &j, &de) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
	a_free_at:
		if (!(a = hf_recent_at(c->recent.a, c->recent.na, j)))
			return fail_at(t, c, at, "names an empty place of the recent allocations", tag);
		goto a_free;
	case HF_TAG_FREE:
		if (hf_dec_free(b, columns, &rf) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		de = rf.depoch;
		a = c->P = c->P + (uint64_t)rf.dptr;
	a_free:
		e = c->C;
		if (add_epoch(&e, de) < 0 || e == HF_EPOCH_MAX)
			return fail_at(t, c, at, "free epoch beyond the limit", tag);
		c->C = e + 1;
		hf_recent_push(c->recent.f, &c->recent.nf, a);
		ev->type = HF_EV_FREE;
		ev->ptr = a;
		ev->key = 2 * e + 1;
		t->seen.frees++;
		return 1;
	case HF_TAG_FREE_LAST:
		return fail_at(t, c, at, "FREE_LAST not directly after ALLOC, REALLOC or REALLOC_LAST", tag);
	case HF_TAG_REALLOC_LAST:
		/* Reached here only when the record before was not an allocation of this chunk
		 * (take_free_last stops before one that is, and the cursor is at it now). */
		if (c->major < 2)
			break;
		if (!open)
			return fail_at(t, c, at, "REALLOC_LAST not directly after ALLOC, REALLOC or REALLOC_LAST", tag);
		if (hf_dec_realloc_last(b, columns, &rl) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		if (!alloc_node_ok(t, c, rl.node))
			return fail_at(t, c, at, "allocation names a node that is not an allocator node", tag);
		if ((unit = take_free_last(t, c, g)) < 0)
			return unit;
		ev->type = HF_EV_ALLOC;
		ev->flags = HF_EVF_REALLOC | (unit ? HF_EVF_UNIT : 0);
		ev->old_ptr = ev->ptr = c->P;
		ev->size = sized(c, rl.node, rl.size);
		ev->node = rl.node;
		ev->key = 2 * c->C;
		c->unit_open = unit == 2;
		seen_alloc(t, ev->size, unit);
		return 1;
	case HF_TAG_REALLOC:
		if (hf_dec_realloc(b, columns, &rr) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		node = rr.node, size = sized(c, rr.node, rr.size), sd = rr.dold, sd2 = rr.dnew, de = rr.depoch, dr = rr.dr;
		if (!alloc_node_ok(t, c, node))
			return fail_at(t, c, at, "allocation names a node that is not an allocator node", tag);
		e = c->C;
		if (add_epoch(&e, de) < 0 || e == HF_EPOCH_MAX || (r = e + 1, add_epoch(&r, dr) < 0))
			return fail_at(t, c, at, "free epoch beyond the limit", tag);
		ev->type = HF_EV_FREE;
		ev->flags = HF_EVF_REALLOC;
		ev->ptr = c->P + (uint64_t)sd;
		ev->key = 2 * e + 1;
		c->P = ev->ptr + (uint64_t)sd2;
		c->C = r;
		hf_recent_push(c->recent.f, &c->recent.nf, ev->ptr);
		hf_recent_push(c->recent.a, &c->recent.na, c->P);
		if ((unit = take_free_last(t, c, g)) < 0)
			return unit;
		c->unit_open = unit == 2;
		c->pend = *ev;
		c->pend.type = HF_EV_ALLOC;
		c->pend.flags = HF_EVF_REALLOC | (unit ? HF_EVF_UNIT : 0);
		c->pend.old_ptr = ev->ptr;
		c->pend.ptr = c->P;
		c->pend.size = size;
		c->pend.node = node;
		c->pend.key = 2 * r;
		c->pending = 1;
		t->seen.frees++;
		seen_alloc(t, size, unit);
		return 1;
	case HF_TAG_ALLOC_FAILED:
		if (hf_dec_failed(b, columns, &rfail) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		node = rfail.node, size = sized(c, rfail.node, rfail.size);
		if (!check_node(t, node))
			return fail_at(t, c, at, "allocation names a node that is not an allocator node", tag);
		ev->type = HF_EV_ALLOC_FAILED;
		ev->size = size;
		ev->node = node;
		ev->key = 2 * c->C;
		t->seen.failed++;
		return 1;
	case HF_TAG_EPOCH:
		if (hf_dec_epoch(b, columns, &d) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		if (d == 0 || add_epoch(&c->C, d) < 0)
			return fail_at(t, c, at, d ? "epoch beyond the limit" : "EPOCH of 0", tag);
		return 0;
	case HF_TAG_TIME:
		if (hf_dec_time(b, columns, &d) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		c->T += d;
		return 0;
	}
	if (tag < 0x40 || tag > 0x7f)
		return fail_at(t, c, at, NULL, tag);

	uint64_t len;
	struct hf_colrd *o = &b[columns ? HF_COL_OTHER : 0];
	if (hf_get_varint(&o->p, o->end, &len) < 0 || len > (uint64_t)(o->end - o->p))
		return fail_at(t, c, at, "record length runs past the end of the body", tag);
	struct hf_body rb = { c->cr.base, o->p, o->p + len };
	o->p += len;
	ev->key = 2 * c->C;
	switch (tag) {
	case HF_TAG_THREAD_START:
		if (c->stream_rec + c->nrec != 1)
			return fail_at(t, c, at, "THREAD_START is not the first record of its stream", tag);
		if (hf_dec_thread_start_body(&rb.p, rb.end, &ev->tid, &ev->parent, &c->text, &c->text_len) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		ev->type = HF_EV_THREAD_START;
		return 1;
	case HF_TAG_THREAD_END:
		c->ended = 1;
		ev->type = HF_EV_THREAD_END;
		return 1;
	case HF_TAG_MARK:
		if (hf_dec_mark_body(&rb.p, rb.end, &c->text, &c->text_len) < 0)
			return fail_at(t, c, at, "truncated or invalid field", tag);
		ev->type = HF_EV_MARK;
		return 1;
	}
	if (tag >= HF_TAG_HEADER && tag <= HF_TAG_CLOSE)
		return fail_at(t, c, at, "meta record in a thread chunk", tag);
	return 0; /* an unknown sized record, from a newer minor version: skipped */
}

/* Decodes one record of a meta chunk (checked in full by the open): SAMPLE makes an event. */
static int dec_meta(hf_trace *t, struct hf_cursor *c)
{
	struct hf_colrd *b = tags(c); /* a meta chunk's body is records: one cursor */
	size_t at = tag_pos(c);
	unsigned tag = *b->p++;
	uint64_t len;

	c->nrec++;
	if (tag < 0x40 || tag > 0x7f || hf_get_varint(&b->p, b->end, &len) < 0 || len > (uint64_t)(b->end - b->p))
		return fail_at(t, c, at, "meta record changed since the open", tag);
	struct hf_body rb = { c->cr.base, b->p, b->p + len };
	b->p += len;
	if (tag != HF_TAG_SAMPLE)
		return 0;
	struct hf_event *ev = &c->ev;
	memset(ev, 0, sizeof *ev);
	c->text = NULL;
	struct hf_rec_sample smp;
	if (hf_dec_sample(&rb.p, rb.end, &smp) < 0 || add_epoch(&c->C, smp.dc) < 0)
		return fail_at(t, c, at, "meta record changed since the open", tag);
	ev->rss = smp.rss;
	c->T += smp.dt;
	ev->type = HF_EV_SAMPLE;
	ev->time_ns = c->T;
	ev->key = 2 * c->C;
	return 1;
}

static int ready(hf_trace *t, struct hf_cursor *c, uint64_t key)
{
	/* Unreachable with the index's epoch checks, but cheap, and the merge relies on it. */
	if (key < c->last_key)
		return hf__chunk_fail(t, c->ref, "event key %llu is below the stream's previous key %llu",
				      (unsigned long long)key, (unsigned long long)c->last_key);
	c->key = c->last_key = key;
	c->have_ev = 1;
	return 0;
}

/* Makes c's next event ready, or moves c to its next chunk, or marks it done. */
static inline __attribute__((always_inline)) int advance(hf_trace *t, struct hf_cursor *c)
{
	c->have_ev = 0;
	if (c->pending) {
		c->pending = 0;
		c->ev = c->pend;
		c->text = NULL;
		return ready(t, c, c->ev.key);
	}
	while (c->ref) {
		if (tags(c)->p == tags(c)->end) {
			c->stream_rec += c->nrec;
			return end_chunk(t, c);
		}
		int rc = c->meta ? dec_meta(t, c) : c->columns ? dec_event(t, c, 1) : dec_event(t, c, 0);
		if (rc < 0)
			return rc;
		if (rc)
			return ready(t, c, c->ev.key);
	}
	return 0;
}

static int load(hf_trace *t, struct hf_cursor *c)
{
	const struct hf_chunk_ref *r = next_chunk(t, c);
	int rc = hf__inflate(t, r, &c->body, &c->cap);
	if (rc < 0)
		return rc;
	if (++t->bodies > t->bodies_peak)
		t->bodies_peak = t->bodies;
	c->next++;
	c->ref = r;
	c->major = r->h.major;
	c->records = r->h.records;
	const char *why = NULL;
	c->columns = (r->h.flags & HF_CHUNK_COLUMNS) != 0;
	if (!c->columns)
		hf_colr_records(&c->cr, c->body, r->h.ulen);
	else if (hf_colr_columns(&c->cr, c->body, r->h.ulen, r->h.records, &why) < 0)
		return hf__chunk_fail(t, r, "body in columns: %s", why);
	c->C = r->h.epoch_start;
	c->T = r->h.time_start;
	c->P = 0;
	hf_recent_reset(&c->recent);
	c->nrec = 0;
	c->unit_open = 0;
	return advance(t, c);
}

/* A stream's chunks: order[first .. first + n), bytes once inflated, and its part (split). */
struct stream_span {
	size_t first, n;
	uint64_t bytes;
	uint32_t stream;
	unsigned part;
};

static int heavier(const void *a, const void *b)
{
	const struct stream_span *x = *(struct stream_span *const *)a, *y = *(struct stream_span *const *)b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->stream < y->stream ? -1 : x->stream > y->stream;
}

/* hf_trace_split's parts: the thread streams, heaviest first, each to the part with the fewest
 * bytes so far (the lowest such part on a tie); the meta stream to part 0. The same chunk index
 * gives every reader of the trace the same parts. */
static int assign_parts(struct stream_span *sp, size_t n, unsigned parts)
{
	struct stream_span **by = malloc((n ? n : 1) * sizeof *by);
	uint64_t *load = calloc(parts, sizeof *load);
	if (!by || !load) {
		free(by);
		free(load);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		sp[i].part = 0;
		if (sp[i].stream != 0)
			by[m++] = &sp[i];
	}
	qsort(by, m, sizeof *by, heavier);
	for (size_t i = 0; i < m; i++) {
		unsigned best = 0;
		for (unsigned p = 1; p < parts; p++)
			if (load[p] < load[best])
				best = p;
		by[i]->part = best;
		load[best] += by[i]->bytes;
	}
	free(by);
	free(load);
	return 0;
}

static int merge_init(hf_trace *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nchunks; i++)
		if (!i || t->chunks[t->order[i]].h.stream != t->chunks[t->order[i - 1]].h.stream)
			n++;
	struct stream_span *sp = calloc(n ? n : 1, sizeof *sp);
	t->cur = calloc(n ? n : 1, sizeof *t->cur);
	t->heap = calloc(n ? n : 1, sizeof *t->heap);
	t->text = malloc(HF_STRING_MAX + 1);
	if (!sp || !t->cur || !t->heap || !t->text) {
		free(sp);
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0, k = 0; i < t->nchunks; k++) {
		size_t j = i;
		sp[k].stream = t->chunks[t->order[i]].h.stream;
		while (j < t->nchunks && t->chunks[t->order[j]].h.stream == sp[k].stream)
			sp[k].bytes += t->chunks[t->order[j++]].h.ulen;
		sp[k].first = i;
		sp[k].n = j - i;
		i = j;
	}
	if (t->split_n > 1 && assign_parts(sp, n, t->split_n) < 0) {
		free(sp);
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
	}
	size_t k = 0;
	for (size_t s = 0; s < n; s++) {
		if (t->split_n > 1 && sp[s].part != t->split_k)
			continue;
		struct hf_cursor *c = &t->cur[k];
		c->stream = sp[s].stream;
		c->meta = c->stream == 0;
		c->chunks = t->order + sp[s].first;
		c->nchunks = sp[s].n;
		seek_chunk(t, c);
		if (!c->done)
			heap_push(t, k);
		k++;
	}
	t->ncur = k;
	free(sp);
	t->merge_state = 1;
	return 0;
}

int hf_trace_split(hf_trace *t, unsigned k, unsigned n)
{
	if (!t || n == 0 || k >= n || t->merge_state != 0)
		return HF_TRACE_ERR_ARG;
	t->split_k = k;
	t->split_n = n;
	return HF_TRACE_OK;
}

void hf_trace_seen(const hf_trace *t, struct hf_trace_seen *out)
{
	if (t)
		*out = t->seen;
	else
		memset(out, 0, sizeof *out);
}

/* The text of c's event, NUL-terminated in t->text (the body holds it without the NUL). */
static inline const char *event_text(hf_trace *t, const struct hf_cursor *c)
{
	memcpy(t->text, c->text, c->text_len);
	t->text[c->text_len] = 0;
	return t->text;
}

static void emit(hf_trace *t, const struct hf_cursor *c, struct hf_event *ev)
{
	/* Field by field, as dec_event wrote them a moment ago: a copy in 16-byte pieces read
	 * each piece from several stores still in flight, which the processor cannot forward
	 * (a wait of tens of cycles an event; a fifth of hf_trace_next's time on a trace of 100
	 * million small units). volatile keeps the compiler from joining the loads again. */
	const volatile struct hf_event *e = &c->ev;
	ev->type = e->type;
	ev->flags = e->flags;
	ev->thread = e->thread;
	ev->key = e->key;
	ev->time_ns = e->time_ns;
	ev->ptr = e->ptr;
	ev->old_ptr = e->old_ptr;
	ev->size = e->size;
	ev->node = e->node;
	ev->parent = e->parent;
	ev->tid = e->tid;
	ev->rss = e->rss;
	ev->text = e->text;
	if (c->text)
		ev->text = event_text(t, c);
}

/* The end of the merge: a complete trace must hold what its CLOSE record says. */
static int finish(hf_trace *t)
{
	const struct hf_trace_info *in = &t->info;
	t->merge_state = 2;
	if (!in->complete)
		return HF_TRACE_END;
	const struct {
		const char *what;
		uint64_t said, held;
	} cmp[] = {
		{ "threads", in->close.threads, in->streams },
		{ "nodes", in->close.nodes, t->nnodes },
		{ "chunks", in->close.chunks, in->chunks },
		{ "allocations", in->close.allocations, t->seen.allocations },
		{ "frees", in->close.frees, t->seen.frees },
		{ "failed allocations", in->close.failed, t->seen.failed },
		{ "bytes", in->close.bytes, t->seen.bytes },
	};
	/* A part of a split holds some of the events: their totals are the caller's to add up. */
	size_t ncmp = t->split_n > 1 ? 3 : sizeof cmp / sizeof cmp[0];
	for (size_t i = 0; i < ncmp; i++)
		if (cmp[i].said != cmp[i].held)
			return hf__fail(t, HF_TRACE_ERR_CORRUPT, "totals mismatch: CLOSE says %llu %s, trace holds %llu",
					(unsigned long long)cmp[i].said, cmp[i].what,
					(unsigned long long)cmp[i].held);
	return HF_TRACE_END;
}

/* The checks and the start of both ways of taking events. Returns 1 to go on, or what the
 * caller returns. */
static inline int merge_begin(hf_trace *t)
{
	int rc;
	if (t->err)
		return t->err;
	if (t->merge_state == 2)
		return HF_TRACE_END;
	if (t->merge_state == 0 && (rc = merge_init(t)) < 0)
		return rc;
	return 1;
}

/* The cursor of the next event in restored order, with that event ready in c->ev. Or NULL at
 * the end (*rc = HF_TRACE_END, the totals checked) or at an error (*rc < 0). */
static inline __attribute__((always_inline)) struct hf_cursor *merge_step(hf_trace *t, int *rc)
{
	if (t->emitted) {
		/* The cursor that delivered the last event is still the top of the heap: advance it
		 * and sift it down once (half the work of a pop now and a push later). */
		struct hf_cursor *c = t->emitted;
		uint64_t key = c->key;
		t->emitted = NULL;
		if ((*rc = advance(t, c)) < 0)
			return NULL;
		if (c->have_ev && c->key == key) {
			/* Its next event has the key (key, stream) that was already the smallest, so
			 * it is still the top: most events of a stream share their key until an epoch. */
			t->emitted = c;
			return c;
		}
		if (c->done)
			heap_pop(t);
		else
			heap_down(t, 0);
	}
	while (t->nheap) {
		struct hf_cursor *c = &t->cur[t->heap[0]];
		if (c->have_ev) {
			t->emitted = c;
			return c;
		}
		/* The top is a bound: inflate that chunk. Its real keys are >= the bound, so the
		 * cursor can only sink. */
		if ((*rc = load(t, c)) < 0)
			return NULL;
		if (c->done)
			heap_pop(t);
		else
			heap_down(t, 0);
	}
	*rc = finish(t);
	return NULL;
}

int hf_trace_next(hf_trace *t, struct hf_event *ev)
{
	struct hf_cursor *c;
	int rc;

	if (!t || !ev)
		return HF_TRACE_ERR_ARG;
	if ((rc = merge_begin(t)) != 1)
		return rc;
	if (!(c = merge_step(t, &rc)))
		return rc;
	emit(t, c, ev);
	return HF_TRACE_OK;
}

int hf_trace_each(hf_trace *t, int (*fn)(void *ctx, const struct hf_event *ev), void *ctx)
{
	struct hf_cursor *c;
	int rc;

	if (!t || !fn)
		return HF_TRACE_ERR_ARG;
	if ((rc = merge_begin(t)) != 1)
		return rc;
	/* The loop of hf_trace_next's, without a call, its checks and a copy of the event per
	 * event: the caller reads the cursor's own. */
	while ((c = merge_step(t, &rc))) {
		if (c->text)
			c->ev.text = event_text(t, c);
		if (fn(ctx, &c->ev))
			return HF_TRACE_OK;
	}
	return rc;
}

void hf__merge_free(hf_trace *t)
{
	for (size_t i = 0; i < t->ncur; i++)
		free(t->cur[i].body);
	free(t->cur);
	free(t->heap);
	free(t->text);
	t->cur = NULL;
	t->heap = NULL;
	t->text = NULL;
	t->ncur = 0;
}

size_t hf__merge_peak_bodies(const hf_trace *t)
{
	return t->bodies_peak;
}
