/* hf_thread.c: per-thread state, event buffers, the registry of threads and the flush protocol.
 *
 * Each recording thread owns a struct hf_thread: the columns of its chunk's records and the decoder
 * registers of its current chunk. Events are appended without locks. A chunk is cut (compressed
 * and written by the owner itself) when the buffer fills, when the owner notices at a clock tick
 * that the chunk is older than 3/4 of FLUSH_MS, at thread exit, at fork and at exit.
 *
 * Idle threads' buffers are written by the background thread, which must never read a buffer the
 * owner is appending to. The flush protocol gives the owner no atomic read-modify-write per event
 * (an asymmetric Dekker handshake, as in liburcu):
 *
 *   owner, every hook                      flusher (background thread, exit, fork)
 *   busy = 1                               flush_req = 1
 *   compiler barrier                       membarrier(PRIVATE_EXPEDITED)
 *   if (flush_req) wait until it is 0      if (!busy) { copy the chunk out, reset registers }
 *   ... real call, unwind, append ...      flush_req = 0 (release)
 *   busy = 0 (release)                     compress and write the copy
 *
 * membarrier makes every running thread of the process execute a full barrier, so either the
 * owner's "busy = 1" is visible to the flusher, or the owner's load of flush_req comes after the
 * flusher's store and sees it: the two never both proceed. The owner pays two plain stores and
 * a load; the flusher pays the system call (a few microseconds), only for threads whose data is
 * old. Without membarrier (seccomp, old kernels) the owner uses an exchange (a locked
 * instruction) instead of the plain store, and the flusher a seq_cst fence; chosen once at
 * start. Measured here (tests/bench/seed.c, shallow 1 x 1M, fp, CPU, median of 7): 48.2 ms with the
 * protocol, 48.1 ms with it compiled out, 47.9 ms with the exchange forced on every hook: all
 * within noise on this CPU; the plain-store variant stays the default for CPUs where a locked
 * instruction costs more.
 *
 * Rules that keep it deadlock-free: a flusher never waits for an owner while holding a lock an
 * owner may need (only the exit and fork paths wait at all, bounded, holding flush_lock, which
 * owners never take); an owner waits for flush_req only at hook entry, holding none of our
 * locks (it may hold the program's or libc's: hence the bounds).
 * tests/progs/rec_protocol.c stresses it.
 *
 * Thread objects are never unmapped, only recycled through a free list (with a new stream
 * number), so the background thread walks the list of all objects without a lock. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_events.h"
#include "hf_sample.h"
#include "hf_thread.h"
#include "hf_unwind.h"
#include "hf_writer.h"

__thread struct hf_tls hf_tls __attribute__((tls_model("initial-exec")));

static struct {
	pthread_mutex_t lock; /* the free list and the head of the list of all objects */
	struct hf_thread *all;
	struct hf_thread *free;
	pthread_key_t key;
	int key_ok;
	uint32_t streams;           /* last stream number handed out */
	pthread_mutex_t flush_lock; /* one flusher of other threads' buffers at a time */
	uint8_t *scratch;           /* flush_lock: a body gathered out of its owner's way */
	size_t scratch_cap;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER, .flush_lock = PTHREAD_MUTEX_INITIALIZER };

static void thread_dtor(void *arg);
static void attach_check_fork(struct hf_thread *tb);
static void release(struct hf_thread *tb);

/* The thread's stacks by hash and by libunwind's number: their node ids are an older trace's. */
static void forget_stacks(struct hf_thread *tb)
{
	memset(tb->cache, 0, sizeof tb->cache);
	memset(tb->known_id, 0, sizeof tb->known_id);
}

int hf_thread_init(void)
{
	if (!reg.key_ok) {
		if (pthread_key_create(&reg.key, thread_dtor) != 0)
			return -1;
		reg.key_ok = 1;
	}
	return 0;
}

static struct hf_thread *obj_new(void)
{
	struct hf_thread *tb = hf_os_alloc(sizeof *tb);
	uint8_t *buf = hf_os_alloc(HF_COLS_BUFFER);
	if (!tb || !buf) {
		hf_os_free(tb, sizeof *tb);
		hf_os_free(buf, HF_COLS_BUFFER);
		return NULL;
	}
	tb->buf = buf;
	pthread_mutex_lock(&reg.lock);
	tb->next = reg.all;
	hf_store_rel(&reg.all, tb);
	pthread_mutex_unlock(&reg.lock);
	return tb;
}

static void free_push(struct hf_thread *tb)
{
	pthread_mutex_lock(&reg.lock);
	tb->next_free = reg.free;
	reg.free = tb;
	pthread_mutex_unlock(&reg.lock);
}

/* --- chunks --------------------------------------------------------------------------------- */

static void chunk_reset(struct hf_thread *tb)
{
	hf_colw_reset(&tb->w, tb->buf);
	tb->lim = tb->buf + hf_colw_fit(&tb->w, tb->buf, HF_COLS_SIZED_ROOM) - HF_EVENT_RECORDS;
	tb->last_end = NULL;
	tb->P = 0;
	hf_recent_reset(&tb->recent);
	tb->n_alloc = tb->n_free = tb->n_failed = 0;
	tb->sized = 0;
	tb->bytes = 0;
	tb->epoch_start = tb->C;
	tb->time_start = tb->T;
}

/* Exclusive access (owner inside a hook, or flusher holding flush_req with busy seen 0), buffer
 * not empty: the header, totals and columns of the current chunk; the registers start a new one.
 * The columns stay in tb->buf until the next append. */
static void chunk_take(struct hf_thread *tb, struct hf_chunk_hdr *h, struct hf_counts *c, struct hf_colw *cols)
{
	*cols = tb->w;
	memset(h, 0, sizeof *h);
	h->stream = tb->stream;
	h->seq = tb->seq++;
	h->records = (uint32_t)(hf_thread_pos(tb) - tb->buf); /* a tag a record */
	h->epoch_start = tb->epoch_start;
	h->epoch_end = tb->C;
	h->time_start = tb->time_start;
	c->allocs = tb->n_alloc;
	c->frees = tb->n_free;
	c->failed = tb->n_failed;
	c->bytes = tb->bytes;
	chunk_reset(tb);
}

/* Owner, exclusive access: compress and write the current chunk from the buffer itself. */
static void flush_own(struct hf_thread *tb)
{
	if (hf_colw_empty(&tb->w, tb->buf))
		return;
	struct hf_chunk_hdr h;
	struct hf_counts c;
	struct hf_colw cols;
	chunk_take(tb, &h, &c, &cols);
	hf_writer_events_cols(&h, &cols, tb->buf, &c, &tb->poor);
}

static void append_sized(struct hf_thread *tb, uint8_t tag, const uint8_t *body, size_t len)
{
	const uint8_t *o = tb->w.p[HF_COL_OTHER];
	hf_enc_sized(&tb->w, tag, body, len); /* THREAD_START, THREAD_END: the room's last 512 bytes */
	tb->sized += (uint32_t)(tb->w.p[HF_COL_OTHER] - o);
}

static void append_thread_start(struct hf_thread *tb)
{
	char name[17] = "";
	prctl(PR_GET_NAME, name, 0, 0, 0);
	name[16] = 0;
	size_t nl = strlen(name);
	uint8_t body[HF_MAX_THREAD_START_BODY];
	/* parent thread: not tracked (pthread_create is not interposed) */
	uint8_t *q = hf_enc_thread_start_body(body, (uint64_t)tb->tid, 0, name, nl);
	append_sized(tb, HF_TAG_THREAD_START, body, (size_t)(q - body));
}

int hf_thread_relim(struct hf_thread *tb)
{
	size_t fit = hf_colw_fit(&tb->w, tb->buf, HF_COLS_SIZED_ROOM - tb->sized);
	if (fit < 2 * HF_EVENT_RECORDS)
		return 0;
	tb->lim = hf_thread_pos(tb) + fit - HF_EVENT_RECORDS;
	return 1;
}

void hf_thread_full(struct hf_thread *tb)
{
	if (!hf_thread_relim(tb))
		flush_own(tb);
}

void hf_thread_cut(struct hf_thread *tb)
{
	flush_own(tb);
}

void hf_thread_tick(struct hf_thread *tb, uint64_t now)
{
	if (now < tb->T)
		return; /* cannot happen: the clock only moves forward within a trace */
	if (now - tb->time_start >= hf_g.flush_ns / 4 * 3 && !hf_colw_empty(&tb->w, tb->buf))
		flush_own(tb);
	hf_enc_time(&tb->w, now - tb->T);
	tb->T = now;
}

/* Set by a thread that gave up waiting for a fork (see hf_thread_fork_prepare). */
static int park_broken;

void hf_thread_wait_flush(struct hf_thread *tb)
{
	for (;;) {
		int gave_up = 0;
		uint64_t t0 = 0;
		hf_store_rel(&tb->busy, 0);
		for (unsigned spins = 0; hf_load_acq(&tb->flush_req); spins++) {
			if (hf_load(&tb->flush_req) == HF_REQ_FORK && hf_load(&park_broken)) {
				gave_up = 1; /* this fork's child will not follow anyway */
				break;
			}
			sched_yield();
			if (hf_load(&tb->flush_req) != HF_REQ_FORK || (spins & 63))
				continue;
			uint64_t t = hf_os_mono_ns();
			if (!t0)
				t0 = t;
			if (t - t0 > 100000000u) {
				/* This thread may hold a lock glibc's fork needs after our prepare
				 * handler (NSS, stdio): go on, and the child will not follow. A fork
				 * request never guards the buffer, so going on is safe here. */
				__atomic_store_n(&park_broken, 1, __ATOMIC_SEQ_CST);
				gave_up = 1;
				break;
			}
		}
		if (hf_g.membarrier) {
			hf_store(&tb->busy, 1);
			hf_compiler_barrier();
		} else {
			__atomic_exchange_n(&tb->busy, 1, __ATOMIC_SEQ_CST);
		}
		if (gave_up || !hf_load_acq(&tb->flush_req))
			return;
	}
}

/* --- attach and detach ---------------------------------------------------------------------- */

struct hf_thread *hf_thread_attach(struct hf_tls *t)
{
	pthread_mutex_lock(&reg.lock);
	struct hf_thread *tb = reg.free;
	if (tb)
		reg.free = tb->next_free;
	pthread_mutex_unlock(&reg.lock);
	if (!tb && !(tb = obj_new())) {
		hf_writer_fail("out of memory for a new thread's buffer");
		return NULL;
	}
	/* A flusher may still be looking at a recycled object: take it through the protocol. The
	 * per-thread stack cache is kept: node ids are valid for the whole trace. */
	attach_check_fork(tb);
	hf_busy_enter(tb);
	unsigned gen = hf_load(&hf_g.gen);
	if (tb->gen && tb->gen != gen)
		forget_stacks(tb); /* node ids of an older trace */
	tb->gen = gen;
	tb->tid = hf_os_gettid();
	tb->late = t->late;
	tb->C = hf_load(&hf_E.v);
	tb->T = hf_load(&hf_g.clock);
	tb->seq = 0;
	tb->poor = 0;
	tb->stream = __atomic_add_fetch(&reg.streams, 1, __ATOMIC_RELAXED);
	chunk_reset(tb);
	hf_unwind_thread_init(tb);
	hf_sample_thread_init(tb);
	append_thread_start(tb);
	hf_store_rel(&tb->state, HF_TB_LIVE);
	hf_busy_leave(tb);
	if (reg.key_ok)
		pthread_setspecific(reg.key, tb); /* the destructor runs at thread exit */
	t->tb = tb;
	return tb;
}

/* --- frees held back (hf_hooks.c: free_slow) ------------------------------------------------- */

void hf_thread_release_held(struct hf_thread *tb)
{
	int err = errno;
	uint64_t e = hf_load(&hf_E.v);
	while (e < tb->C && !__atomic_compare_exchange_n(&hf_E.v, &e, tb->C, 1, __ATOMIC_RELAXED,
							  __ATOMIC_RELAXED))
		;
	for (unsigned i = 0; i < tb->nheld; i++)
		hf_real.free(tb->held[i]);
	tb->nheld = 0;
	errno = err;
}

/* Owner, exclusive access: the last records of the stream. */
static void append_thread_end(struct hf_thread *tb)
{
	append_sized(tb, HF_TAG_THREAD_END, NULL, 0); /* fits: HF_EVENT_RECORDS are left after lim */
}

/* Runs at thread exit (pthread key destructor). Allocations by destructors that run after it
 * attach a new object (a new stream; "late"), whose key destructor runs in the next round, or
 * which the background thread reaps once the thread is gone. */
static void thread_dtor(void *arg)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = arg;
	if (!tb || t->tb != tb || hf_load(&hf_g.state) == HF_STATE_CHILD)
		return;
	int mode = t->mode, err = errno;
	t->mode = HF_MODE_INSIDE;
	hf_busy_enter(tb);
	hf_thread_release(tb);
	if (hf_load(&hf_g.enabled) && tb->gen == hf_load(&hf_g.gen)) {
		append_thread_end(tb);
		flush_own(tb);
	}
	hf_store(&tb->state, HF_TB_FREE);
	hf_busy_leave(tb);
	madvise(tb->buf, HF_COLS_BUFFER, MADV_DONTNEED); /* its pages back until the object is reused */
	free_push(tb);
	t->tb = NULL;
	t->late = 1;
	t->mode = mode == HF_MODE_OFF ? HF_MODE_OFF : HF_MODE_FRESH;
	errno = err;
}

/* --- flushing other threads' buffers -------------------------------------------------------- */

static void release(struct hf_thread *tb)
{
	hf_store_rel(&tb->flush_req, 0);
}

/* An object attached after its thread's key destructor ran, whose thread has exited. */
static int late_and_gone(const struct hf_thread *tb)
{
	return tb->late && syscall(SYS_tgkill, hf_g.pid, tb->tid, 0) < 0 && errno == ESRCH;
}

/* flush_lock held. Takes tb's buffer through the protocol and writes it. wait: a deadline
 * (monotonic ns) until which to wait for an owner inside a hook instead of skipping it, 0 for
 * none. end: the thread is gone; close its stream and free the object. Returns 1 if the
 * object was retired. */
static int flush_other(struct hf_thread *tb, uint64_t wait, int end)
{
	__atomic_store_n(&tb->flush_req, HF_REQ_FLUSH, __ATOMIC_SEQ_CST);
	if (hf_os_membarrier() < 0) {
		release(tb);
		return 0;
	}
	if (hf_load_acq(&tb->busy)) {
		if (!wait || tb == hf_tls.tb) {
			release(tb);
			return 0;
		}
		while (hf_load_acq(&tb->busy)) {
			if (hf_os_mono_ns() > wait) {
				release(tb);
				return 0;
			}
			sched_yield();
		}
	}
	/* end: confirmed here, with the owner kept out. The background thread read late and tid
	 * without the protocol: they may be those of an earlier user of a recycled object, whose
	 * new owner must not lose it (tests/unit/test_rec_thread.c). */
	if (hf_load(&tb->state) != HF_TB_LIVE || (end && !late_and_gone(tb))) {
		release(tb);
		return 0;
	}
	if (tb->gen != hf_load(&hf_g.gen)) {
		/* A stream of an older trace, already flushed when it closed; a live owner renews
		 * it at its next hook, a dead one's object is free. */
		if (end)
			hf_store(&tb->state, HF_TB_FREE);
		release(tb);
		if (end)
			free_push(tb);
		return end;
	}
	hf_writer_lock(); /* before seq is taken: chunks of a stream are written in seq order */
	if (end && hf_load(&hf_g.enabled))
		append_thread_end(tb);
	size_t n = 0;
	int poor = tb->poor; /* its level: read while the buffer is ours, written by the owner only */
	struct hf_chunk_hdr h;
	struct hf_counts c;
	if (!hf_colw_empty(&tb->w, tb->buf)) {
		struct hf_colw cols;
		if (hf_os_fit(&reg.scratch, &reg.scratch_cap, hf_colw_body_len(&tb->w, tb->buf)) < 0) {
			hf_writer_fail("out of memory for a chunk");
		} else {
			chunk_take(tb, &h, &c, &cols);
			n = hf_cols_gather(&cols, tb->buf, reg.scratch); /* out of the owner's way */
		}
	}
	if (end)
		hf_store(&tb->state, HF_TB_FREE);
	release(tb);
	if (n)
		hf_writer_events(&h, reg.scratch, n, &c, 1, poor);
	hf_writer_unlock();
	if (end)
		free_push(tb);
	return end;
}

void hf_thread_bg_begin(void)
{
	pthread_mutex_lock(&reg.flush_lock);
}

void hf_thread_bg_end(void)
{
	pthread_mutex_unlock(&reg.flush_lock);
}

void hf_thread_flush_idle(uint64_t now)
{
	uint64_t age = hf_g.flush_ns / 4 * 3;
	for (struct hf_thread *tb = hf_load_acq(&reg.all); tb; tb = tb->next) {
		if (hf_load(&tb->state) != HF_TB_LIVE)
			continue;
		if (tb->late && syscall(SYS_tgkill, hf_g.pid, tb->tid, 0) < 0 && errno == ESRCH) {
			flush_other(tb, 0, 1);
			continue;
		}
		/* Racy hints, confirmed under the protocol (flush_other): a dead late thread above,
		 * here an empty or young buffer, which waits. */
		if (hf_load(&tb->w.p[HF_COL_TAG]) == hf_load(&tb->buf) || now - hf_load(&tb->time_start) < age)
			continue;
		flush_other(tb, 0, 0);
	}
}

void hf_thread_flush_all(void)
{
	/* One second in all for threads that are inside a hook: exit must never hang. */
	uint64_t deadline = hf_os_mono_ns() + 1000000000u;
	pthread_mutex_lock(&reg.flush_lock);
	for (struct hf_thread *tb = hf_load_acq(&reg.all); tb; tb = tb->next)
		if (hf_load(&tb->state) == HF_TB_LIVE)
			flush_other(tb, deadline, 0);
	pthread_mutex_unlock(&reg.flush_lock);
}

void hf_thread_flush_self(void)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = t->tb;
	if (t->mode != HF_MODE_ON || !tb || !hf_load(&hf_g.enabled) || tb->gen != hf_load(&hf_g.gen))
		return; /* (a stream of an older trace was flushed when that trace closed) */
	int err = errno;
	t->mode = HF_MODE_INSIDE;
	hf_busy_enter(tb);
	flush_own(tb);
	hf_busy_leave(tb);
	t->mode = HF_MODE_ON;
	errno = err;
}

/* --- a new trace --------------------------------------------------------------------------- */

void hf_thread_new_trace(void)
{
	hf_store(&reg.streams, 0);
}

int hf_thread_regen(struct hf_thread *tb, unsigned gen)
{
	hf_thread_release(tb); /* their epochs are the older trace's */
	forget_stacks(tb);
	tb->gen = gen;
	tb->C = hf_load(&hf_E.v);
	tb->T = hf_load(&hf_g.clock);
	tb->seq = 0;
	tb->poor = 0;
	tb->stream = __atomic_add_fetch(&reg.streams, 1, __ATOMIC_RELAXED);
	chunk_reset(tb); /* whatever an older trace left here was flushed when it closed */
	hf_sample_thread_init(tb); /* the rate may have changed (hf_set_sample_bytes) */
	append_thread_start(tb);
	return 1;
}

/* --- fork ----------------------------------------------------------------------------------- */

/* HEAPFOLD_FOLLOW=1: the child inherits our data structures, so at the moment of the fork no
 * thread may be half way through one, nor inside libunwind or zlib (their locks would stay
 * taken in the child). Every other thread is parked outside the recorder: flush_req = FORK on
 * all, one membarrier, wait until none is busy; a thread entering a hook meanwhile waits at its
 * entry, and one attaching sees "forking" and parks itself. The background thread is kept out
 * by flush_lock, which it holds for each of its ticks.
 *
 * The forking thread holds no lock a hook may need while glibc's fork then takes its own locks
 * (stdio's list lock, NSS): a parked thread may hold one of those. So both waits are bounded: a
 * thread busy inside a hook for 2 s is left alone, and a parked thread waits at most 0.1 s and
 * goes on (a fork rarely takes that long). Either way the child does not follow (it records nothing and touches nothing of
 * ours), rather than risk a deadlock in the parent or the child. */
static int parked_ok, forking;

void hf_thread_fork_prepare(void)
{
	struct hf_thread *self = hf_tls.tb;
	pthread_mutex_lock(&reg.flush_lock);
	__atomic_store_n(&park_broken, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&forking, 1, __ATOMIC_SEQ_CST);
	for (struct hf_thread *tb = hf_load_acq(&reg.all); tb; tb = tb->next)
		if (tb != self)
			__atomic_store_n(&tb->flush_req, HF_REQ_FORK, __ATOMIC_SEQ_CST);
	parked_ok = hf_os_membarrier() == 0;
	uint64_t t0 = hf_os_mono_ns();
	for (struct hf_thread *tb = hf_load_acq(&reg.all); tb && parked_ok; tb = tb->next) {
		while (tb != self && hf_load_acq(&tb->busy)) {
			if (hf_os_mono_ns() - t0 > 2000000000u) {
				parked_ok = 0;
				break;
			}
			sched_yield();
		}
	}
}

void hf_thread_fork_parent(void)
{
	struct hf_thread *self = hf_tls.tb;
	__atomic_store_n(&forking, 0, __ATOMIC_SEQ_CST);
	for (struct hf_thread *tb = hf_load_acq(&reg.all); tb; tb = tb->next)
		if (tb != self)
			release(tb);
	pthread_mutex_unlock(&reg.flush_lock);
}

/* An attaching thread during a fork parks itself (see above: the forker may not see it). */
static void attach_check_fork(struct hf_thread *tb)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&forking, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&tb->flush_req, HF_REQ_FORK, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&forking, __ATOMIC_SEQ_CST))
		release(tb); /* the parent handler ran meanwhile and may have missed us */
}

int hf_thread_fork_child(int follow)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *self = t->tb;
	pthread_mutex_init(&reg.lock, NULL);
	pthread_mutex_init(&reg.flush_lock, NULL);
	forking = 0;
	if (!follow || !parked_ok || park_broken) {
		if (self)
			hf_thread_release(self); /* the child's copies of the frees held back */
		t->mode = HF_MODE_OFF; /* only this thread exists here: nothing records again */
		return 0;
	}
	/* The other threads do not exist in the child: their objects become free. */
	reg.free = NULL;
	for (struct hf_thread *tb = reg.all; tb; tb = tb->next) {
		if (tb == self)
			continue;
		tb->state = HF_TB_FREE;
		tb->busy = 0;
		tb->flush_req = 0;
		tb->next_free = reg.free;
		reg.free = tb;
	}
	reg.streams = 0;
	if (self) {
		self->tid = hf_os_gettid();
		self->stream = ++reg.streams;
		self->seq = 0;
		self->poor = 0;
		self->T = 0;
		chunk_reset(self);
		append_thread_start(self);
	}
	return 1;
}
