/* hf_hooks.c: what happens on every call of the malloc family, independent of how the call was
 * intercepted (LD_PRELOAD symbols in hf_preload.c, ld --wrap in the static build). Each hook
 * calls the real function through hf_real, then appends one record to its thread's buffer.
 *
 * Fast path of malloc, in order: one TLS test (mode == ON covers "thread not attached yet",
 * "nested call from inside the recorder or libc" and "recording off in this thread"), the flush
 * protocol's busy store, the real malloc, the global enabled flag, the unwind, the stack cache
 * probe, then the record: clock and epoch compared with the thread's registers (two loads of
 * read-mostly shared lines) and 4 to 8 bytes written. No lock, no atomic read-modify-write.
 *
 * Ordering across threads (format.md 3): a free's epoch e is above every epoch the block's
 * allocation could have read, and E passes e before the block reaches the allocator; an
 * allocation reads E *after* the real allocator returned. A free of the block this thread
 * allocated last, with nothing recorded in between in the same chunk, is a one-byte FREE_LAST
 * and takes no epoch at all (the common malloc/use/free pattern). Any other free of a small
 * block, recording every allocation, is held back (free_slow): e = max(C, E) without writing E,
 * C = e + 1 runs ahead of E, and the block waits in the thread's list; the list reaches the
 * allocator (hf_thread_release: E raised to C by one compare-and-swap, then the real frees) when
 * it is full, before the thread's next call into the allocator, and at its exit. So an
 * allocation's key never exceeds 2E (its thread released first), a later free of that block
 * anywhere loads an E at least that large, and whoever gets the address next reads an E above
 * the free's epoch. A thread that only frees (a consumer) writes E once per list, not once per
 * free; a thread that alternates pays one atomic per free, as before, at its next call.
 *
 * Live statistics (hf_stats.c) are counted on every path except nested calls: recording or not,
 * attached or not, before the constructor and after exit. A call that does not record still
 * sets the thread's mode to INSIDE around the real call, so that what libc does inside it
 * (musl's calloc calls malloc; musl's free calls __libc_free, wrapped too) is neither counted
 * nor recorded twice.
 *
 * errno: hooks return with errno as the real function left it (the recorder may write files,
 * unwind, take locks in between). */
#include <errno.h>
#include <string.h>

#include "hf_events.h"
#include "hf_base.h"
#include "hf_early.h"
#include "hf_profile.h"
#include "hf_sample.h"
#include "hf_hooks.h"
#include "hf_recover.h"
#include "hf_stack.h"
#include "hf_stats.h"
#include "hf_thread.h"
#include "hf_unwind.h"

#ifdef __GLIBC__
#define HF_REALLOC_ZERO_FREES 1 /* glibc: realloc(p, 0) frees p and returns NULL */
#else
#define HF_REALLOC_ZERO_FREES 0 /* musl: realloc(p, 0) returns a new 0-byte block */
#endif

/* A thread's first call (mode FRESH) once recording is on: give it a thread object. */
static HF_COLD int attach_slow(struct hf_tls *t)
{
	int err = errno;
	t->mode = HF_MODE_INSIDE;
	struct hf_thread *tb = hf_thread_attach(t);
	t->mode = tb ? HF_MODE_ON : HF_MODE_OFF;
	errno = err;
	return tb != NULL;
}

/* Enters the recorder: the thread object, or NULL when this call does not record (see
 * plain_enter). */
HF_INLINE struct hf_thread *begin(struct hf_tls *t)
{
	if (hf_unlikely(t->mode != HF_MODE_ON) &&
	    (t->mode != HF_MODE_FRESH || !hf_load(&hf_g.enabled) || !attach_slow(t)))
		return NULL;
	struct hf_thread *tb = t->tb;
	t->mode = HF_MODE_INSIDE;
	hf_busy_enter(tb);
	return tb;
}

/* A call that does not record: returns the mode to restore after the real call, or -1 for a
 * nested call (neither counted nor recorded). */
HF_INLINE int plain_enter(struct hf_tls *t)
{
	int m = t->mode;
	if (m == HF_MODE_INSIDE)
		return -1;
	t->mode = HF_MODE_INSIDE;
	return m;
}

/* Before the recorder's constructor, a block is also kept for the first trace (hf_early.c). */
static HF_COLD void early_alloc(void *p, size_t size, unsigned kind)
{
	if (p)
		hf_early_alloc(p, size, kind, __builtin_frame_address(0));
}

HF_INLINE void *plain_alloc(struct hf_tls *t, int m, unsigned kind, void *p, size_t size)
{
	hf_stat_alloc(t, p, size);
	if (hf_unlikely(hf_load(&hf_early_open)))
		early_alloc(p, size, kind);
	t->mode = m;
	return p;
}

HF_INLINE void end(struct hf_tls *t, struct hf_thread *tb)
{
	hf_busy_leave(tb);
	t->mode = HF_MODE_ON;
}

static HF_NOINLINE HF_COLD uint32_t stack_node_again(struct hf_thread *tb, unsigned kind);

/* The allocator node of the hook's caller's stack. A stack the unwinder numbered (libunwind, or
 * the frame-pointer walker) and this thread made a node of before is that node again, without
 * the frames: a repeated stack costs the unwinder's check of its stack words, no copy, hash or
 * cache lookup (the seed loop: about a tenth of its time under the recorder). */
HF_INLINE uint32_t stack_node(struct hf_thread *tb, unsigned kind)
{
	uintptr_t *ips;
	unsigned room, trusted = 0, max = hf_g.max_depth;
	unsigned long id;
	unsigned n = hf_unwind_capture(tb, &ips, &room, &id);
	struct hf_known *k = &tb->known[id % HF_UNW_KNOWN];
	int known = id && tb->known_id[id % HF_UNW_KNOWN] == id;
	if (known && hf_likely(!hf_g.unwind_check)) /* then no frames were captured */
		return hf_likely(k->kind == kind) ? k->node : stack_node_again(tb, kind);
	int looked = 0;
#ifndef __GLIBC__
	/* static musl: the callers of libc functions without unwind tables, from machine code
	 * (trusted: how many leading frames were found so; hf_stack.c does not cut there). */
	if (hf_unlikely(hf_recover_on) && n > 0)
		n = hf_recover(__builtin_frame_address(0), ips, n, room, &trusted, &looked);
#endif
	int trunc = n > max;
	if (trunc)
		n = max;
	if (trusted > n)
		trusted = n;
	uint32_t node = hf_stack_node(tb, ips, n, kind | (unsigned)trunc << 8 | trusted << 16);
	if (hf_unlikely(known) && k->kind == kind) /* check mode */
		hf_unwind_check_known(node == k->node);
	if (id && node && !looked) {
		tb->known_id[id % HF_UNW_KNOWN] = id;
		k->node = node;
		k->kind = kind;
	}
	return node;
}

/* The same frames known for another allocator kind (a stack two hooks reach by the same
 * frames; none does so today): forgotten, and captured again. */
static HF_NOINLINE HF_COLD uint32_t stack_node_again(struct hf_thread *tb, unsigned kind)
{
	for (unsigned i = 0; i < HF_UNW_KNOWN; i++)
		tb->known_id[i] = 0;
	return stack_node(tb, kind);
}

/* Room for one event, and a TIME record if the coarse clock moved. May cut the chunk. (The
 * clock only moves forward; a thread's T may be ahead of it after an exact time, below.) */
HF_INLINE void prep(struct hf_thread *tb)
{
	if (hf_unlikely(hf_thread_pos(tb) > tb->lim))
		hf_thread_full(tb);
	uint64_t now = hf_load(&hf_g.clock);
	if (hf_unlikely(now > tb->T))
		hf_thread_tick(tb, now);
}

/* Blocks of this size or more are stamped with the exact time rather than the background
 * thread's coarse clock (TICK_MS, 10 ms; later when that thread is late): such a block is
 * what usually sets the heap's peak, whose time a user reads. One clock_gettime (about 20 ns
 * through the vDSO) beside an allocation that costs microseconds (glibc maps blocks of 128 KiB
 * and more by default). */
#define HF_EXACT_TIME_SIZE (64u << 10)

static HF_COLD void exact_time(struct hf_thread *tb)
{
	uint64_t now = hf_os_mono_ns() - hf_g.start_mono;
	if (now > tb->T)
		hf_thread_tick(tb, now);
}

/* prep for an allocation of size bytes. */
HF_INLINE void prep_alloc(struct hf_thread *tb, size_t size)
{
	prep(tb);
	if (hf_unlikely(size >= HF_EXACT_TIME_SIZE))
		exact_time(tb); /* prep left room for one TIME record beside the event */
}

/* After an allocation record: the FREE_LAST state and the totals (frees: 1 for the free half of
 * a realloc record). */
HF_INLINE void note_alloc(struct hf_thread *tb, size_t size, unsigned frees)
{
	tb->last_end = hf_thread_pos(tb);
	tb->n_alloc++;
	tb->n_free += frees;
	tb->bytes += size;
}

HF_INLINE void put_alloc(struct hf_thread *tb, uint32_t node, const void *p, size_t size)
{
	prep_alloc(tb, size);
	uint64_t r = hf_load(&hf_E.v), a = (uint64_t)(uintptr_t)p;
	if (hf_unlikely(r > tb->C)) { /* another thread freed since we last looked */
		hf_enc_epoch(&tb->w, r - tb->C);
		tb->C = r;
	}
	/* The size class's last address first: one compare, and a loop whose allocations are all
	 * at their classes' last addresses then writes the same record each time (format.md, K). */
	unsigned k = hf_class_slot(size);
	int j = HF_PLACE_CLASS;
	if (tb->recent.k[k] != a)
		j = a == tb->P ? -1 : hf_recent_find(tb->recent.f, tb->recent.nf, a);
	uint64_t sc = hf_size_code(&tb->recent, node, size);
	if (j >= 0)
		hf_enc_alloc_at(&tb->w, node, sc, (unsigned)j);
	else
		hf_enc_alloc(&tb->w, node, sc, hf_delta(a, tb->P));
	hf_recent_push(tb->recent.a, &tb->recent.na, a);
	tb->recent.k[k] = a;
	tb->P = a;
	tb->last_ptr = a;
	note_alloc(tb, size, 0);
}

HF_INLINE void put_failed(struct hf_thread *tb, uint32_t node, size_t size)
{
	prep(tb);
	hf_enc_failed(&tb->w, node, hf_size_code(&tb->recent, node, size));
	tb->n_failed++;
}

/* e was taken before the real call that freed ptr. */
HF_INLINE void put_free(struct hf_thread *tb, const void *ptr, uint64_t e)
{
	prep(tb); /* first: cutting a chunk resets P, C and the rings */
	uint64_t a = (uint64_t)(uintptr_t)ptr;
	int j = hf_recent_find(tb->recent.a, tb->recent.na, a);
	if (j >= 0) {
		if (hf_unlikely(e > tb->C)) /* FREE_AT frees at C: room for the EPOCH (prep) */
			hf_enc_epoch(&tb->w, e - tb->C);
		hf_enc_free_at(&tb->w, (unsigned)j); /* P stays */
	} else {
		hf_enc_free(&tb->w, hf_delta(a, tb->P), e - tb->C);
		tb->P = a;
	}
	hf_recent_push(tb->recent.f, &tb->recent.nf, a);
	tb->C = e + 1;
	tb->n_free++;
}

/* The block of the record just before (the thread's last allocation) freed: no epoch, no space
 * check (the reserve after lim always holds the byte), no clock tick. */
HF_INLINE void put_free_last(struct hf_thread *tb)
{
	hf_enc_free_last(&tb->w);
	hf_recent_push(tb->recent.f, &tb->recent.nf, tb->last_ptr);
	tb->n_free++;
}

/* The tail of every allocating hook: p is what the real call returned (NULL: it failed), size
 * what the program asked for (saturated at SIZE_MAX when nmemb * size overflows). */
HF_INLINE void *finish_alloc(struct hf_tls *t, struct hf_thread *tb, unsigned kind, void *p,
				 size_t size)
{
	hf_stat_alloc(t, p, size);
	if (hf_likely(hf_rec_on(tb))) {
		/* Sampling: most allocations stop here (failures are always recorded). */
		if (hf_unlikely(hf_sample_rate) && p && !hf_sample_take(tb, size)) {
			end(t, tb);
			return p;
		}
		int err = errno;
		uint32_t node = stack_node(tb, kind);
		if (hf_likely(node)) {
			if (hf_likely(p != NULL)) {
				put_alloc(tb, node, p, size);
				if (hf_unlikely(hf_sample_rate))
					hf_sample_add((uintptr_t)p);
				if (hf_unlikely(hf_profile_on))
					hf_profile_alloc((uintptr_t)p, node, size);
			} else {
				put_failed(tb, node, size);
			}
		}
		errno = err;
	}
	end(t, tb);
	return p;
}

static inline size_t mul_size(size_t m, size_t n)
{
	size_t r;
	return __builtin_mul_overflow(m, n, &r) ? SIZE_MAX : r;
}

/* Sampling's fast path: an allocation of size bytes in a recording thread that leaves the
 * thread's countdown above zero is not sampled, so nothing of the recorder is needed but the
 * statistics: no flush protocol, no recording checks. The countdown is the thread's own (a stale
 * one, after hf_stop or a new trace, is renewed by the slow path when it runs out). */
HF_INLINE int fast_unsampled(struct hf_tls *t, size_t size)
{
	return hf_likely(t->mode == HF_MODE_ON) && hf_unlikely(hf_load(&hf_sample_rate)) &&
	       t->tb->sample_left > (int64_t)(size < (1ull << 62) ? size : 1ull << 62);
}

/* A failure on sampling's fast path is recorded, as every failure is. */
static HF_COLD void *fast_failed(struct hf_tls *t, unsigned kind, size_t size)
{
	return finish_alloc(t, begin(t), kind, NULL, size);
}

/* The allocating hooks: sampling's fast path (where fast_unsampled holds), then recording
 * (begin), nested (the real call alone), or counted only. Both expect t = &hf_tls. */
#define ALLOC_FAST(kind, call, size)                                                              \
	t->mode = HF_MODE_INSIDE;                                                                 \
	hf_thread_release(t->tb);                                                                 \
	void *p_ = call;                                                                          \
	t->mode = HF_MODE_ON;                                                                     \
	if (hf_unlikely(p_ == NULL))                                                              \
		return fast_failed(t, kind, size);                                                \
	t->tb->sample_left -= (int64_t)(size);                                                    \
	hf_stat_alloc(t, p_, size);                                                               \
	return p_

#define ALLOC_SLOW(kind, call, size)                                                              \
	struct hf_thread *tb = begin(t);                                                          \
	if (hf_likely(tb != NULL)) {                                                              \
		hf_thread_release(tb);                                                            \
		return finish_alloc(t, tb, kind, call, size);                                     \
	}                                                                                         \
	int md_ = plain_enter(t);                                                                 \
	if (md_ < 0)                                                                              \
		return call;                                                                      \
	return plain_alloc(t, md_, kind, call, size)

#define ALLOC_HOOK(kind, call, size)                                                              \
	struct hf_tls *t = &hf_tls;                                                               \
	if (fast_unsampled(t, size)) {                                                            \
		ALLOC_FAST(kind, call, size);                                                     \
	}                                                                                         \
	ALLOC_SLOW(kind, call, size)

/* malloc and calloc, the calls that matter, are a test and a tail call to one of two paths:
 * each then saves only the registers it needs (measured: 8 instructions of a sampled
 * malloc/free pair's 150, and about 30 of a recorded one's). */
static HF_NOINLINE void *malloc_fast(struct hf_tls *t, size_t n)
{
	ALLOC_FAST(HF_FRAME_MALLOC, hf_real.malloc(n), n);
}

static HF_NOINLINE void *malloc_slow(struct hf_tls *t, size_t n)
{
	ALLOC_SLOW(HF_FRAME_MALLOC, hf_real.malloc(n), n);
}

void *hf_malloc(size_t n)
{
	struct hf_tls *t = &hf_tls;
	return fast_unsampled(t, n) ? malloc_fast(t, n) : malloc_slow(t, n);
}

static HF_NOINLINE void *calloc_fast(struct hf_tls *t, size_t m, size_t n, size_t size)
{
	ALLOC_FAST(HF_FRAME_CALLOC, hf_real.calloc(m, n), size);
}

static HF_NOINLINE void *calloc_slow(struct hf_tls *t, size_t m, size_t n, size_t size)
{
	ALLOC_SLOW(HF_FRAME_CALLOC, hf_real.calloc(m, n), size);
}

void *hf_calloc(size_t m, size_t n)
{
	struct hf_tls *t = &hf_tls;
	size_t size = mul_size(m, n);
	return fast_unsampled(t, size) ? calloc_fast(t, m, n, size) : calloc_slow(t, m, n, size);
}

void *hf_aligned_alloc(size_t align, size_t n)
{
	ALLOC_HOOK(HF_FRAME_ALIGNED_ALLOC, hf_real.aligned_alloc(align, n), n);
}

void *hf_memalign(size_t align, size_t n)
{
	ALLOC_HOOK(HF_FRAME_MEMALIGN, hf_real.memalign(align, n), n);
}

void *hf_valloc(size_t n)
{
	ALLOC_HOOK(HF_FRAME_VALLOC, hf_real.valloc(n), n);
}

void *hf_pvalloc(size_t n)
{
	ALLOC_HOOK(HF_FRAME_PVALLOC, hf_real.pvalloc(n), n);
}

/* Not an allocation: passed through, unrecorded. */
size_t hf_malloc_usable_size(void *p)
{
	return hf_real.malloc_usable_size(p);
}

/* posix_memalign returns an error code and leaves errno alone. */
static inline void *pm_call(void **out, size_t align, size_t n, int *rc)
{
	*rc = hf_real.posix_memalign(out, align, n);
	return *rc == 0 ? *out : NULL;
}

int hf_posix_memalign(void **out, size_t align, size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	int rc;
	if (hf_likely(tb != NULL)) {
		hf_thread_release(tb);
		finish_alloc(t, tb, HF_FRAME_POSIX_MEMALIGN, pm_call(out, align, n, &rc), n);
		return rc;
	}
	int m = plain_enter(t);
	if (m < 0)
		return hf_real.posix_memalign(out, align, n);
	plain_alloc(t, m, HF_FRAME_POSIX_MEMALIGN, pm_call(out, align, n, &rc), n);
	return rc;
}

static HF_COLD void plain_free(struct hf_tls *t, void *p)
{
	int m = plain_enter(t);
	if (m < 0) {
		hf_real.free(p);
		return;
	}
	hf_stat_free(t, p, hf_stat_usable(t, p));
	if (hf_unlikely(hf_load(&hf_early_open)))
		hf_early_free(p);
	hf_real.free(p);
	t->mode = m;
}

/* Whether p is the block this thread allocated last, with nothing recorded since and no thread
 * having freed anything since (E unchanged): then the block was ours all along, and a free of it
 * is a FREE_LAST. Otherwise the block may have been freed by another thread and the same address
 * handed back to us as someone else's block (tests/progs/gt_pingpong.c). One load of a
 * read-mostly line. Recording must be on (tb's registers are the trace's). */
HF_INLINE int unit_block(const struct hf_thread *tb, const void *p)
{
	return (uint64_t)(uintptr_t)p == tb->last_ptr && hf_thread_pos(tb) == tb->last_end &&
	       hf_load(&hf_E.v) == tb->C;
}

static HF_NOINLINE void free_slow(struct hf_tls *t, void *p)
{
	struct hf_thread *tb;
	if (!(tb = begin(t))) {
		plain_free(t, p);
		return;
	}
	int rec = hf_rec_on(tb), last = hf_likely(rec) && unit_block(tb, p);
	size_t u = last ? hf_stat_usable_unit(t, p) : hf_stat_usable(t, p);
	hf_stat_free(t, p, u);
	if (hf_unlikely(!rec)) {
		hf_real.free(p);
		end(t, tb);
		return;
	}
	if (hf_unlikely(hf_sample_rate) && !hf_sample_forget((uintptr_t)p)) {
		hf_real.free(p); /* sampling: not a sampled block, nothing to record */
		end(t, tb);
		return;
	}
	if (hf_unlikely(hf_profile_on))
		hf_profile_free((uintptr_t)p); /* before the real free, while the address is still p's */
	if (last) {
		/* Frees the block allocated last, nothing in between (unit_block): 1 byte, no
		 * epoch. The reserve left after lim always holds it, so no space check and no clock
		 * tick. */
		hf_real.free(p);
		put_free_last(tb);
	} else if (hf_likely(!hf_sample_rate) && u <= HF_HELD_MAX) {
		/* Held back (see the top of this file). Epochs of held frees only grow: each is at
		 * least C, which the previous one left above itself. */
		uint64_t r = hf_load(&hf_E.v);
		int err = errno;
		put_free(tb, p, r > tb->C ? r : tb->C);
		tb->held[tb->nheld++] = p;
		if (tb->nheld == HF_HELD_N)
			hf_thread_release_held(tb);
		errno = err;
	} else {
		hf_thread_release(tb); /* E at least C first: our epoch must not be below it */
		uint64_t e = __atomic_fetch_add(&hf_E.v, 1, __ATOMIC_RELAXED);
		hf_real.free(p);
		int err = errno;
		put_free(tb, p, e);
		errno = err;
	}
	end(t, tb);
}

/* Sampling's fast path: not a sampled block, nothing to record (fast_unsampled). */
static HF_NOINLINE void free_fast(struct hf_tls *t, void *p)
{
	hf_stat_free(t, p, hf_stat_usable(t, p));
	t->mode = HF_MODE_INSIDE;
	hf_real.free(p);
	t->mode = HF_MODE_ON;
}

void hf_free(void *p)
{
	struct hf_tls *t = &hf_tls;
	if (!p)
		return; /* free(NULL) does nothing and is not recorded */
	if (hf_likely(t->mode == HF_MODE_ON) && hf_unlikely(hf_load(&hf_sample_rate)) &&
	    hf_sample_unseen((uintptr_t)p))
		free_fast(t, p);
	else
		free_slow(t, p);
}

/* realloc and reallocarray: old != NULL, recording on. e is taken before the real call (the free
 * half's key), r read after it (the allocation half's). */
/* A REALLOC record: old freed (e: taken before the real call), p allocated with size bytes. */
HF_INLINE void put_realloc(struct hf_thread *tb, uint32_t node, void *old, void *p, size_t size, uint64_t e)
{
	prep_alloc(tb, size);
	uint64_t r = hf_load(&hf_E.v), a = (uint64_t)(uintptr_t)p;
	uint64_t o = (uint64_t)(uintptr_t)old;
	if (r < e + 1)
		r = e + 1; /* cannot happen: E only grows and we added 1 */
	const struct hf_ev_realloc rec = { node, hf_size_code(&tb->recent, node, size), hf_delta(o, tb->P),
					   hf_delta(a, o), e - tb->C, r - (e + 1) };
	hf_enc_realloc(&tb->w, &rec);
	hf_recent_push(tb->recent.f, &tb->recent.nf, o);
	hf_recent_push(tb->recent.a, &tb->recent.na, a);
	tb->C = r;
	tb->P = a;
	tb->last_ptr = a;
	note_alloc(tb, size, 1);
}

/* Whether a realloc of old to size bytes may go without an epoch (format.md 3): old is the block
 * this thread allocated last, nothing recorded since, and no thread freed anything since (the
 * FREE_LAST conditions, checked before the real call as for a free). Then the block was ours all
 * along: resized in place it is a REALLOC_LAST, moved it is a FREE_LAST and an ALLOC, and no
 * other thread can have had it at our key. Also: room for the record without cutting the chunk,
 * and no TIME record due (REALLOC_LAST must directly follow the allocation), so not a size that
 * is stamped with the exact time. */
HF_INLINE int realloc_in_unit(struct hf_thread *tb, const void *old, size_t size)
{
	return unit_block(tb, old) && (hf_thread_pos(tb) <= tb->lim || hf_thread_relim(tb)) &&
	       size < HF_EXACT_TIME_SIZE && hf_load(&hf_g.clock) <= tb->T;
}

/* old, the unit's block, resized in place (realloc_in_unit held before the call). */
HF_INLINE void put_realloc_last(struct hf_thread *tb, uint32_t node, size_t size)
{
	hf_enc_realloc_last(&tb->w, node, hf_size_code(&tb->recent, node, size));
	note_alloc(tb, size, 1);
}

/* A realloc in the unit (realloc_in_unit before the call) returned p, not NULL. Without a
 * stack node (node 0: the recorder could not intern it) the new block is not recorded, as
 * elsewhere; a block resized in place then stays in the trace with its old size. */
HF_INLINE void put_unit_realloc(struct hf_thread *tb, uint32_t node, void *old, void *p, size_t size)
{
	if (p == old) {
		if (node)
			put_realloc_last(tb, node, size);
		return;
	}
	put_free_last(tb); /* moved: old was freed inside the call */
	if (node)
		put_alloc(tb, node, p, size);
}

/* unit: realloc_in_unit, checked before the real call. */
HF_INLINE void *realloc_rec(struct hf_thread *tb, unsigned kind, void *old, size_t m, size_t n,
			 size_t size, int unit)
{
	struct hf_profile_block pb;
	int was = hf_unlikely(hf_profile_on) && hf_profile_take((uintptr_t)old, &pb);
	uint64_t e = unit ? 0 : __atomic_fetch_add(&hf_E.v, 1, __ATOMIC_RELAXED);
	void *p = kind == HF_FRAME_REALLOC ? hf_real.realloc(old, n) : hf_real.reallocarray(old, m, n);
	int err = errno;
	if (!p && HF_REALLOC_ZERO_FREES && size == 0) {
		if (unit) /* glibc freed old and returned NULL */
			put_free_last(tb);
		else
			put_free(tb, old, e);
	} else if (!p) {
		if (was)
			hf_profile_restore(&pb);
		uint32_t node = stack_node(tb, kind); /* failed: old stays allocated */
		if (node)
			put_failed(tb, node, size);
	} else {
		uint32_t node = stack_node(tb, kind);
		if (unit)
			put_unit_realloc(tb, node, old, p, size);
		else if (node)
			put_realloc(tb, node, old, p, size, e);
		if (node && hf_unlikely(hf_profile_on))
			hf_profile_alloc((uintptr_t)p, node, size);
	}
	errno = err;
	return p;
}

static inline void *realloc_call(unsigned kind, void *old, size_t m, size_t n)
{
	return kind == HF_FRAME_REALLOC ? hf_real.realloc(old, n) : hf_real.reallocarray(old, m, n);
}

/* realloc of old (not NULL) while sampling, recording on. Its halves are sampled apart: the
 * free of old is recorded if old was sampled, the new block if the countdown takes it; one
 * REALLOC record when both are. */
static HF_COLD void *realloc_sampled(struct hf_thread *tb, unsigned kind, void *old, size_t m,
				     size_t n, size_t size)
{
	/* Out of the set before the call, which may free old and let another thread have it. */
	int was = hf_sample_forget((uintptr_t)old);
	struct hf_profile_block pb;
	int kept = was && hf_profile_on && hf_profile_take((uintptr_t)old, &pb);
	uint64_t e = was ? __atomic_fetch_add(&hf_E.v, 1, __ATOMIC_RELAXED) : 0;
	void *p = realloc_call(kind, old, m, n);
	int err = errno;
	if (!p && HF_REALLOC_ZERO_FREES && size == 0) {
		if (was)
			put_free(tb, old, e); /* glibc freed old and returned NULL */
	} else if (!p) {
		if (was)
			hf_sample_add((uintptr_t)old); /* failed: old stays, and stays sampled */
		if (kept)
			hf_profile_restore(&pb);
		uint32_t node = stack_node(tb, kind);
		if (node)
			put_failed(tb, node, size);
	} else {
		uint32_t node = hf_sample_take(tb, size) ? stack_node(tb, kind) : 0;
		if (node && was)
			put_realloc(tb, node, old, p, size, e);
		else if (was)
			put_free(tb, old, e);
		else if (node)
			put_alloc(tb, node, p, size);
		if (node)
			hf_sample_add((uintptr_t)p);
		if (node && hf_profile_on)
			hf_profile_alloc((uintptr_t)p, node, size);
	}
	errno = err;
	return p;
}

/* The statistics of a realloc of old (not NULL) that returned p; u: old's usable size. */
HF_INLINE void realloc_stats(struct hf_tls *t, void *old, size_t u, void *p, size_t size)
{
	if (p) {
		hf_stat_free(t, old, u);
		hf_stat_alloc(t, p, size);
	} else if (HF_REALLOC_ZERO_FREES && size == 0) {
		hf_stat_free(t, old, u); /* glibc: realloc(p, 0) freed p */
	} else {
		hf_stat_alloc(t, NULL, size); /* failed: old stays allocated */
	}
}

static HF_COLD void *realloc_plain(struct hf_tls *t, unsigned kind, void *old, size_t m, size_t n,
				   size_t size)
{
	int md = plain_enter(t);
	if (md < 0)
		return realloc_call(kind, old, m, n);
	if (!old)
		return plain_alloc(t, md, kind, realloc_call(kind, old, m, n), size);
	size_t u = hf_stat_usable(t, old);
	void *p = realloc_call(kind, old, m, n);
	int err = errno;
	realloc_stats(t, old, u, p, size);
	if (hf_unlikely(hf_load(&hf_early_open))) {
		if (p || (HF_REALLOC_ZERO_FREES && size == 0))
			hf_early_free(old);
		early_alloc(p, size, kind);
	}
	errno = err;
	t->mode = md;
	return p;
}

/* Sampling's fast path (fast_unsampled) for a realloc of old, a block the filter has never seen,
 * whose new size leaves the countdown above zero: nothing to record but a failure. */
HF_INLINE void *realloc_fast(struct hf_tls *t, unsigned kind, void *old, size_t m, size_t n,
				      size_t size)
{
	size_t u = hf_stat_usable(t, old);
	t->mode = HF_MODE_INSIDE;
	hf_thread_release(t->tb);
	void *p = realloc_call(kind, old, m, n);
	t->mode = HF_MODE_ON;
	if (hf_unlikely(!p) && !(HF_REALLOC_ZERO_FREES && size == 0))
		return fast_failed(t, kind, size); /* old stays allocated */
	int err = errno;
	if (p)
		t->tb->sample_left -= (int64_t)size;
	realloc_stats(t, old, u, p, size);
	errno = err;
	return p;
}

/* Everything but sampling's fast path, which the entry points test first. */
static HF_NOINLINE void *realloc_slow(struct hf_tls *t, unsigned kind, void *old, size_t m, size_t n,
				      size_t size)
{
	struct hf_thread *tb = begin(t);
	if (!tb)
		return realloc_plain(t, kind, old, m, n, size);
	hf_thread_release(tb);
	if (!old) /* realloc(NULL, n) is an ALLOC */
		return finish_alloc(t, tb, kind, realloc_call(kind, old, m, n), size);
	size_t u;
	void *p;
	int rec = hf_rec_on(tb);
	if (rec && hf_unlikely(hf_sample_rate)) {
		u = hf_stat_usable(t, old);
		p = realloc_sampled(tb, kind, old, m, n, size);
	} else if (rec) {
		int unit = realloc_in_unit(tb, old, size);
		u = unit ? hf_stat_usable_unit(t, old) : hf_stat_usable(t, old);
		p = realloc_rec(tb, kind, old, m, n, size, unit);
	} else {
		u = hf_stat_usable(t, old);
		p = realloc_call(kind, old, m, n);
	}
	int err = errno;
	realloc_stats(t, old, u, p, size);
	errno = err;
	end(t, tb);
	return p;
}

/* realloc and reallocarray: sampling's fast path where it applies, else the rest. */
HF_INLINE void *realloc_hook(unsigned kind, void *old, size_t m, size_t n, size_t size)
{
	struct hf_tls *t = &hf_tls;
	if (old && fast_unsampled(t, size) && hf_sample_unseen((uintptr_t)old))
		return realloc_fast(t, kind, old, m, n, size);
	return realloc_slow(t, kind, old, m, n, size);
}

void *hf_realloc(void *p, size_t n)
{
	return realloc_hook(HF_FRAME_REALLOC, p, 1, n, n);
}

void *hf_reallocarray(void *p, size_t m, size_t n)
{
	return realloc_hook(HF_FRAME_REALLOCARRAY, p, m, n, mul_size(m, n));
}

/* --- marks and the blocks of before the start ----------------------------------------------- */

/* A record that takes its key from C (MARK, ALLOC): C catches up with E first. */
HF_INLINE void put_epoch(struct hf_thread *tb)
{
	uint64_t r = hf_load(&hf_E.v);
	if (hf_unlikely(r > tb->C)) {
		hf_enc_epoch(&tb->w, r - tb->C);
		tb->C = r;
	}
}

/* Whether the chunk has room for a sized record of len bytes (hf_columns.h: its sized records'
 * bodies have HF_COLS_SIZED_ROOM; the last 512 bytes are kept for THREAD_START and THREAD_END). */
static int sized_room(const struct hf_thread *tb, size_t len)
{
	return tb->sized + len + 2 * HF_VARINT_MAX + 512 <= HF_COLS_SIZED_ROOM;
}

void hf_hooks_mark(const char *label, size_t len)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return; /* not recording here, or called from inside the recorder (a signal) */
	if (hf_rec_on(tb)) {
		int err = errno;
		/* The regions are sized for hot events, not long labels: make room first. */
		if (!sized_room(tb, len))
			hf_thread_cut(tb);
		prep(tb);
		put_epoch(tb);
		const uint8_t *o = tb->w.p[HF_COL_OTHER];
		hf_enc_mark(&tb->w, label, len);
		tb->sized += (uint32_t)(tb->w.p[HF_COL_OTHER] - o); /* its length and body */
		tb->last_end = NULL; /* a FREE_LAST must directly follow its ALLOC */
		errno = err;
	}
	end(t, tb);
}

void hf_hooks_replay_early(void)
{
	const struct hf_early_block *b;
	size_t n = hf_early_take(&b);
	struct hf_tls *t = &hf_tls;
	if (!n || hf_sample_rate)
		return; /* sampling: blocks of before the start were not sampled, their frees will not
			 * be recorded either */
	struct hf_thread *tb = t->tb;
	if (!tb && !(tb = hf_thread_attach(t)))
		return;
	hf_busy_enter(tb);
	hf_thread_release(tb);
	for (size_t i = 0; i < n && hf_rec_on(tb); i++) {
		unsigned depth = b[i].n, key = b[i].key;
		if (depth > hf_g.max_depth) {
			depth = hf_g.max_depth;
			key |= 1u << 8;
		}
		uint32_t node = hf_stack_node(tb, b[i].ips, depth, b[i].kind | key);
		if (!node)
			continue;
		put_alloc(tb, node, (const void *)b[i].ptr, b[i].size);
		if (hf_profile_on)
			hf_profile_alloc(b[i].ptr, node, b[i].size);
		if (b[i].freed) {
			if (hf_profile_on)
				hf_profile_free(b[i].ptr);
			put_free(tb, (const void *)b[i].ptr, __atomic_fetch_add(&hf_E.v, 1, __ATOMIC_RELAXED));
		}
	}
	hf_busy_leave(tb);
}
