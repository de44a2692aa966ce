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
 * Ordering across threads (format.md 3): a free takes e = E++ *before* the real free; an
 * allocation reads E *after* the real allocator returned. A free of the block this thread
 * allocated last, with nothing recorded in between in the same chunk, is a one-byte FREE_LAST
 * and takes no epoch at all (the common malloc/use/free pattern).
 *
 * errno: hooks return with errno as the real function left it (the recorder may write files,
 * unwind, take locks in between). */
#include <errno.h>

#include "hf_rec.h"

#ifdef __GLIBC__
#define HF_REALLOC_ZERO_FREES 1 /* glibc: realloc(p, 0) frees p and returns NULL */
#else
#define HF_REALLOC_ZERO_FREES 0 /* musl: realloc(p, 0) returns a new 0-byte block */
#endif

/* A thread's first call (mode FRESH) once recording is on: give it a thread object. */
static HF_COLD int attach_slow(struct hf_tls *t)
{
	if (t->mode != HF_MODE_FRESH || !hf_load(&hf_g.enabled))
		return 0;
	int err = errno;
	t->mode = HF_MODE_INSIDE;
	struct hf_thread *tb = hf_thread_attach(t);
	t->mode = tb ? HF_MODE_ON : HF_MODE_OFF;
	errno = err;
	return tb != NULL;
}

/* Enters the recorder: the thread object, or NULL to just call the real function. */
HF_INLINE struct hf_thread *begin(struct hf_tls *t)
{
	if (hf_unlikely(t->mode != HF_MODE_ON) && !attach_slow(t))
		return NULL;
	struct hf_thread *tb = t->tb;
	t->mode = HF_MODE_INSIDE;
	hf_busy_enter(tb);
	return tb;
}

HF_INLINE void end(struct hf_tls *t, struct hf_thread *tb)
{
	hf_busy_leave(tb);
	t->mode = HF_MODE_ON;
}

HF_INLINE uint32_t stack_node(struct hf_thread *tb, unsigned kind)
{
	const uintptr_t *ips;
	int trunc;
	unsigned n = hf_unwind_capture(tb, &ips, &trunc);
	return hf_stack_node(tb, ips, n, kind | (unsigned)trunc << 8);
}

/* Room for one event, and a TIME record if the coarse clock moved. May cut the chunk. */
HF_INLINE uint8_t *prep(struct hf_thread *tb)
{
	if (hf_unlikely(tb->pos > tb->lim))
		hf_thread_full(tb);
	uint64_t now = hf_load(&hf_g.clock);
	if (hf_unlikely(now != tb->T))
		hf_thread_tick(tb, now);
	return tb->pos;
}

HF_INLINE void put_alloc(struct hf_thread *tb, uint32_t node, const void *p, size_t size)
{
	uint8_t *q = prep(tb);
	uint64_t r = hf_load(&hf_E.v), a = (uint64_t)(uintptr_t)p;
	if (hf_unlikely(r > tb->C)) { /* another thread freed since we last looked */
		*q++ = HF_TAG_EPOCH;
		q = hf_put_varint(q, r - tb->C);
		tb->C = r;
		tb->records++;
	}
	*q++ = HF_TAG_ALLOC;
	q = hf_put_varint(q, node);
	q = hf_put_varint(q, size);
	q = hf_put_svarint(q, hf_delta(a, tb->P));
	tb->P = a;
	tb->last_ptr = a;
	tb->last_end = q;
	tb->pos = q;
	tb->records++;
	tb->n_alloc++;
	tb->bytes += size;
}

HF_INLINE void put_failed(struct hf_thread *tb, uint32_t node, size_t size)
{
	uint8_t *q = prep(tb);
	*q++ = HF_TAG_ALLOC_FAILED;
	q = hf_put_varint(q, node);
	tb->pos = hf_put_varint(q, size);
	tb->records++;
	tb->n_failed++;
}

/* e was taken before the real call that freed ptr. */
HF_INLINE void put_free(struct hf_thread *tb, const void *ptr, uint64_t e)
{
	uint8_t *q = prep(tb);
	uint64_t a = (uint64_t)(uintptr_t)ptr;
	*q++ = HF_TAG_FREE;
	q = hf_put_svarint(q, hf_delta(a, tb->P));
	tb->pos = hf_put_varint(q, e - tb->C);
	tb->C = e + 1;
	tb->P = a;
	tb->records++;
	tb->n_free++;
}

/* The tail of every allocating hook: p is what the real call returned (NULL: it failed), size
 * what the program asked for (saturated at SIZE_MAX when nmemb * size overflows). */
HF_INLINE void *finish_alloc(struct hf_tls *t, struct hf_thread *tb, unsigned kind, void *p,
				 size_t size)
{
	if (hf_likely(hf_load(&hf_g.enabled))) {
		int err = errno;
		uint32_t node = stack_node(tb, kind);
		if (hf_likely(node)) {
			if (hf_likely(p != NULL))
				put_alloc(tb, node, p, size);
			else
				put_failed(tb, node, size);
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

void *hf_malloc(size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return hf_real.malloc(n);
	return finish_alloc(t, tb, HF_FN_MALLOC, hf_real.malloc(n), n);
}

void *hf_calloc(size_t m, size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return hf_real.calloc(m, n);
	return finish_alloc(t, tb, HF_FN_CALLOC, hf_real.calloc(m, n), mul_size(m, n));
}

void *hf_aligned_alloc(size_t align, size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return hf_real.aligned_alloc(align, n);
	return finish_alloc(t, tb, HF_FN_ALIGNED_ALLOC, hf_real.aligned_alloc(align, n), n);
}

void *hf_memalign(size_t align, size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return hf_real.memalign(align, n);
	return finish_alloc(t, tb, HF_FN_MEMALIGN, hf_real.memalign(align, n), n);
}

void *hf_valloc(size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return hf_real.valloc(n);
	return finish_alloc(t, tb, HF_FN_VALLOC, hf_real.valloc(n), n);
}

void *hf_pvalloc(size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return hf_real.pvalloc(n);
	return finish_alloc(t, tb, HF_FN_PVALLOC, hf_real.pvalloc(n), n);
}

int hf_posix_memalign(void **out, size_t align, size_t n)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb = begin(t);
	if (!tb)
		return hf_real.posix_memalign(out, align, n);
	int rc = hf_real.posix_memalign(out, align, n); /* an error code; errno untouched */
	finish_alloc(t, tb, HF_FN_POSIX_MEMALIGN, rc == 0 ? *out : NULL, n);
	return rc;
}

void hf_free(void *p)
{
	struct hf_tls *t = &hf_tls;
	struct hf_thread *tb;
	if (!p)
		return; /* free(NULL) does nothing and is not recorded */
	if (!(tb = begin(t))) {
		hf_real.free(p);
		return;
	}
	if (hf_unlikely(!hf_load(&hf_g.enabled))) {
		hf_real.free(p);
	} else if ((uint64_t)(uintptr_t)p == tb->last_ptr && tb->pos == tb->last_end) {
		/* Frees the block allocated last, nothing in between: 1 byte, no epoch. The reserve
		 * left after lim always holds it, so no space check and no clock tick. */
		hf_real.free(p);
		*tb->pos++ = HF_TAG_FREE_LAST;
		tb->records++;
		tb->n_free++;
	} else {
		uint64_t e = __atomic_fetch_add(&hf_E.v, 1, __ATOMIC_RELAXED);
		hf_real.free(p);
		int err = errno;
		put_free(tb, p, e);
		errno = err;
	}
	end(t, tb);
}

/* realloc and reallocarray: old != NULL, recording enabled. e is taken before the real call
 * (the free half's key), r read after it (the allocation half's). */
HF_INLINE void *realloc_rec(struct hf_thread *tb, unsigned kind, void *old, size_t m, size_t n,
			 size_t size)
{
	uint64_t e = __atomic_fetch_add(&hf_E.v, 1, __ATOMIC_RELAXED);
	void *p = kind == HF_FN_REALLOC ? hf_real.realloc(old, n) : hf_real.reallocarray(old, m, n);
	int err = errno;
	if (!p && HF_REALLOC_ZERO_FREES && size == 0) {
		put_free(tb, old, e); /* glibc freed old and returned NULL */
	} else if (!p) {
		uint32_t node = stack_node(tb, kind); /* failed: old stays allocated */
		if (node)
			put_failed(tb, node, size);
	} else {
		uint32_t node = stack_node(tb, kind);
		if (node) {
			uint8_t *q = prep(tb);
			uint64_t r = hf_load(&hf_E.v), a = (uint64_t)(uintptr_t)p;
			uint64_t o = (uint64_t)(uintptr_t)old;
			if (r < e + 1)
				r = e + 1; /* cannot happen: E only grows and we added 1 */
			*q++ = HF_TAG_REALLOC;
			q = hf_put_varint(q, node);
			q = hf_put_varint(q, size);
			q = hf_put_svarint(q, hf_delta(o, tb->P));
			q = hf_put_svarint(q, hf_delta(a, o));
			q = hf_put_varint(q, e - tb->C);
			q = hf_put_varint(q, r - (e + 1));
			tb->C = r;
			tb->P = a;
			tb->last_ptr = a;
			tb->last_end = q;
			tb->pos = q;
			tb->records++;
			tb->n_alloc++;
			tb->n_free++;
			tb->bytes += size;
		}
	}
	errno = err;
	return p;
}

HF_INLINE void *realloc_hook(unsigned kind, void *old, size_t m, size_t n)
{
	struct hf_tls *t = &hf_tls;
	size_t size = kind == HF_FN_REALLOC ? n : mul_size(m, n);
	struct hf_thread *tb = begin(t);
	if (!tb)
		return kind == HF_FN_REALLOC ? hf_real.realloc(old, n) : hf_real.reallocarray(old, m, n);
	if (!old || !hf_load(&hf_g.enabled)) {
		void *p = kind == HF_FN_REALLOC ? hf_real.realloc(old, n)
						: hf_real.reallocarray(old, m, n);
		return finish_alloc(t, tb, kind, p, size); /* realloc(NULL, n) is an ALLOC */
	}
	void *p = realloc_rec(tb, kind, old, m, n, size);
	end(t, tb);
	return p;
}

void *hf_realloc(void *p, size_t n)
{
	return realloc_hook(HF_FN_REALLOC, p, 1, n);
}

void *hf_reallocarray(void *p, size_t m, size_t n)
{
	return realloc_hook(HF_FN_REALLOCARRAY, p, m, n);
}
