/* hfp_split.c: a trace read in two parts at once, on two cores.
 *
 * A thread's stream decodes without the others' (format.md: a chunk names its stream, and
 * decodes alone), and what a flame graph of allocations or bytes counts, each stack's
 * allocations and their sizes, comes from the allocation events alone, whatever frees them. So
 * for those the trace's streams are split in two (hf_trace_split: whole streams, about the same
 * bytes each), each part read by its own reader into its own accumulator, one on the calling
 * thread and one on a new thread, and the second's counts added to the first's. Nothing crosses
 * from one core to the other but the two accumulators at the end: handing events over as they
 * are read costs more than accumulating them (docs/performance.md). Where the parts' totals do
 * not add up to the clean-exit record, or a part cannot be read, the caller reads the trace
 * again as one: it then reports what is wrong exactly as it always does. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "../core/hfp_base.h"
#include "hfp_accum.h"
#include "hfp_split.h"

/* The part on the new thread. Its progress is published every 64K events for the calling
 * thread's progress line. */
struct part {
	const char *path;
	struct hfp_accum *a;
	int rc;
	struct hf_trace_seen seen;
	atomic_uint_fast64_t events, done;
};

/* The calling thread's part, with the progress line. */
struct here {
	struct hfp_accum *a;
	const struct part *other;
	const struct hf_trace_info *info;
	const char *pass;
	double start, next; /* next 0: no progress */
};

static int take_there(void *ctx, const struct hf_event *ev)
{
	struct part *p = ctx;
	hfp_accum_take(p->a, ev);
	if ((p->a->events & 0xffff) == 0) {
		atomic_store_explicit(&p->events, p->a->events, memory_order_relaxed);
		atomic_store_explicit(&p->done, hfp_read_done(p->a), memory_order_relaxed);
	}
	return 0;
}

static void show(const struct here *h)
{
	uint64_t events = h->a->events + atomic_load_explicit(&h->other->events, memory_order_relaxed);
	uint64_t done = hfp_read_done(h->a) + atomic_load_explicit(&h->other->done, memory_order_relaxed);
	hfp_read_show(events, done, h->info, h->pass, hfp_read_clock() - h->start);
}

static int take_here(void *ctx, const struct hf_event *ev)
{
	struct here *h = ctx;
	hfp_accum_take(h->a, ev);
	if ((h->a->events & 0xffff) == 0 && h->next > 0 && hfp_read_clock() >= h->next) {
		show(h);
		h->next = hfp_read_clock() + 0.25;
	}
	return 0;
}

static void *there(void *arg)
{
	struct part *p = arg;
	hf_trace *t = NULL;
	p->rc = hf_trace_open(p->path, &t);
	if (p->rc == HF_TRACE_OK)
		p->rc = hf_trace_split(t, 1, 2);
	if (p->rc == HF_TRACE_OK)
		p->rc = hf_trace_each(t, take_there, p);
	hf_trace_seen(t, &p->seen);
	hf_trace_close(t);
	atomic_store_explicit(&p->events, p->a->events, memory_order_relaxed);
	atomic_store_explicit(&p->done, hfp_read_done(p->a), memory_order_relaxed);
	return NULL;
}

int hfp_split_worth(void)
{
	cpu_set_t set;
	return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 2;
}

/* The parts' totals against the clean-exit record's (a trace without one has none to check). */
static int add_up(const struct hf_trace_info *info, const struct hf_trace_seen *x,
		  const struct hf_trace_seen *y)
{
	if (!info->complete)
		return 1;
	return x->allocations + y->allocations == info->close.allocations &&
	       x->frees + y->frees == info->close.frees && x->failed + y->failed == info->close.failed &&
	       x->bytes + y->bytes == info->close.bytes;
}

int hfp_split_read(struct hfp_read *r, struct hfp_accum *a, struct hfp_accum *b, const char *pass)
{
	struct part p = { .path = r->path, .a = b, .rc = HF_TRACE_ERR_ARG };
	atomic_init(&p.events, 0);
	atomic_init(&p.done, 0);
	struct here h = { a, &p, hf_trace_info(r->t), pass, 0, 0 };
	if (r->progress) {
		h.start = hfp_read_clock();
		h.next = h.start + 0.25;
	}
	/* The new thread takes no signal: they stay the main thread's, as without it. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t th;
	int made = pthread_create(&th, NULL, there, &p) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!made)
		return -1;
	int rc = hf_trace_split(r->t, 0, 2);
	if (rc == HF_TRACE_OK)
		rc = hf_trace_each(r->t, take_here, &h);
	pthread_join(th, NULL);
	struct hf_trace_seen seen;
	hf_trace_seen(r->t, &seen);
	if (rc != HF_TRACE_END || p.rc != HF_TRACE_END || !add_up(h.info, &seen, &p.seen))
		return -1;
	if (r->progress) /* the last state, as hfp_read_events leaves it (b's counts not in a yet) */
		show(&h);
	hfp_accum_add_counts(a, b);
	return HFP_EXIT_OK;
}
