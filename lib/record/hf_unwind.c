/* hf_unwind.c: stack capture. Two unwinders:
 *
 * - libunwind's unw_backtrace (default): works on any x86-64 code through its unwind tables, and
 *   keeps a per-frame cache of its own, so a repeated stack costs about 8 ns a frame instead of
 *   the 90 ns a frame of a plain unw_step loop (measured here, x86-64);
 * - a frame-pointer walker (HEAPFOLD_UNWIND=fp) for programs built with
 *   -fno-omit-frame-pointer: about 1 ns a frame. Every frame pointer is checked against the
 *   thread's stack (pthread_getattr_np, read once per thread) before it is read, and must grow,
 *   so code without frame pointers yields a wrong outermost frame at worst, never a fault.
 *   Like libunwind's memo, it checks the words its last walks read before walking (fp_walk).
 *
 * Recorder frames (hooks, unwinder, this file) are dropped by address. In the shared library,
 * its executable segment holds all of them, libunwind included (linked in statically). In a
 * static executable the recorder's code is part of the program's own segment, so the archive
 * is built as one partial link whose code, ours, libunwind's and zlib's, is gathered into one
 * section, hf_text (lib/record/hf_static.ld): the linker's __start_hf_text and __stop_hf_text bound
 * it. Every frame a hook leaves between the program and the unwinder lies in it, whatever the
 * compiler inlined or turned into tail calls. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>

#include "hf_base.h"
#include "hf_thread.h"
#include "hf_unwind.h"

uintptr_t hf_rec_lo, hf_rec_hi;

/* Defined by the linker in a static executable only (weak: NULL in the shared library). */
extern const char __start_hf_text[] __attribute__((weak, visibility("hidden")));
extern const char __stop_hf_text[] __attribute__((weak, visibility("hidden")));

static int self_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uintptr_t me = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= lo && me < lo + ph->p_memsz) {
			hf_rec_lo = lo;
			hf_rec_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

int hf_unwind_range_init(void)
{
	if (hf_rec_hi)
		return 0;
	uintptr_t lo = (uintptr_t)__start_hf_text, hi = (uintptr_t)__stop_hf_text;
	if (lo && hi > lo && (uintptr_t)hf_unwind_range_init - lo < hi - lo) {
		hf_rec_lo = lo;
		hf_rec_hi = hi;
		return 0;
	}
	dl_iterate_phdr(self_cb, (void *)(uintptr_t)hf_unwind_range_init);
	return hf_rec_hi ? 0 : -1;
}


/* The walker's memo of a thread's last walks. A walk's course depends on nothing but the frame
 * it starts from, the thread's stack bounds, its room and the stack words it reads (each frame's
 * return address and saved frame pointer); a walk from the same frame that finds every one of
 * those words unchanged gives the same frames. So each walk keeps the words it read, and the
 * next walk first checks the kept ones, newest first: loads whose addresses are known, not the
 * chain of dependent ones a walk is. A walk that matches has the kept walk's number, and the
 * thread knows the node of a number it has seen (tb->known_id): then neither the frames nor
 * their hash are made. Walks of more than FP_MEMO_N frames are not kept. Every word checked
 * lies above the walker's own frame, in the live part of the thread's stack. */
#define FP_MEMO_K 4
#define FP_MEMO_N 64

struct fp_walk {
	uintptr_t f0;     /* the walker's frame where the walk started */
	unsigned max;     /* the room it had */
	unsigned nrd;     /* the words it read, 0: nothing kept in this slot; its frames: nrd / 2
			   * (two words a frame, and an odd last one is a return address not taken) */
	unsigned long id; /* its number: 1, 2, ... in the thread's memo */
	/* The words it read, as the stack holds them: frame k's saved frame pointer (read at f_k,
	 * and where frame k + 1 is: f_0 is f0, and no address need be kept) at 2k, its return
	 * address (read first, at f_k + 8) at 2k + 1. An odd nrd: the last frame's return address
	 * was read alone. */
	uintptr_t rd[2 * FP_MEMO_N + 2] __attribute__((aligned(16)));
};

struct hf_fp_memo {
	unsigned cur; /* the slot the next walk kept goes to */
	unsigned long last_id;
	struct fp_walk w[FP_MEMO_K];
};

/* Two stack words, frame pointer and return address, compared at once (an unaligned load). */
typedef uintptr_t fp_pair
	__attribute__((vector_size(2 * sizeof(uintptr_t)), aligned(sizeof(uintptr_t)), may_alias));

/* Whether the stack words w read are all as it found them. Every word is read and the
 * differences ORed, one branch at the end: the addresses come from the kept walk, not from the
 * words being checked, so the loads do not wait on one another, and all of them are safe to
 * make: w started from this very frame of this thread, and each of its frames lay between that
 * frame and the top of the thread's stack when it was read, memory that stays mapped while the
 * frame runs. */
static inline int fp_same(const struct fp_walk *w)
{
	const uintptr_t *fp = (const uintptr_t *)w->f0;
	const uintptr_t *v = w->rd, *end = w->rd + (w->nrd & ~1u);
	fp_pair d = {0, 0};
	for (; v < end; v += 2) {
		d |= *(const fp_pair *)fp ^ *(const fp_pair *)v;
		fp = (const uintptr_t *)v[0];
	}
	uintptr_t r = d[0] | d[1];
	if (w->nrd & 1) /* the walk ended on a return address too low to be one */
		r |= fp[1] ^ v[1];
	return r == 0;
}

void hf_unwind_thread_init(struct hf_thread *tb)
{
	tb->stack_lo = tb->stack_hi = 0;
	if (!hf_g.unwind_fp)
		return;
	/* Kept with a recycled object, emptied: another thread's walks were checked against its
	 * own stack's bounds, and their words may lie outside this thread's stack. */
	if (!tb->fp_memo)
		tb->fp_memo = hf_os_alloc(sizeof *tb->fp_memo);
	else
		for (unsigned k = 0; k < FP_MEMO_K; k++)
			tb->fp_memo->w[k].nrd = 0;
	pthread_attr_t a;
	void *addr;
	size_t size;
	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return; /* no bounds: this thread uses libunwind */
	if (pthread_attr_getstack(&a, &addr, &size) == 0 && size > 0) {
		tb->stack_lo = (uintptr_t)addr;
		tb->stack_hi = (uintptr_t)addr + size;
	}
	pthread_attr_destroy(&a);
}

/* Walks saved (frame pointer, return address) pairs upwards from its own frame. A frame must lie
 * between the previous one and the top of the stack, so the walk ends and reads only the live
 * part of the thread's stack (a handler on an alternate signal stack gets no frames). */
static HF_NOINLINE unsigned fp_walk(struct hf_fp_memo *m, const unsigned long *known, uintptr_t *ips,
				    unsigned max, uintptr_t lo, uintptr_t hi, unsigned long *id)
{
	const uintptr_t *fp = __builtin_frame_address(0);
	uintptr_t f = (uintptr_t)fp, f0 = f;
	unsigned n = 0, r = 0;
	if (f < lo)
		return 0;
	if (m) {
		for (unsigned a = 1; a <= FP_MEMO_K; a++) {
			const struct fp_walk *w = &m->w[(m->cur - a) % FP_MEMO_K];
			if (!w->nrd || w->f0 != f0 || w->max != max)
				continue;
			if (!fp_same(w))
				continue;
			unsigned wn = w->nrd / 2;
			*id = w->id;
			if (known[w->id % HF_UNW_KNOWN] != w->id)
				for (unsigned k = 0; k < wn; k++)
					ips[k] = w->rd[2 * k + 1];
			return wn;
		}
	}
	struct fp_walk *w = m ? &m->w[m->cur % FP_MEMO_K] : NULL;
	if (w)
		w->nrd = 0; /* rewritten below, kept only if whole */
	lo = f;
	while (n < max) {
		if (f < lo || f > hi - 16 || (f & 7))
			break;
		uintptr_t ret = fp[1];
		if (w && r < 2 * FP_MEMO_N + 1)
			w->rd[r + 1] = ret;
		r++;
		if (ret < HF_FRAME_MIN_ADDR)
			break;
		ips[n++] = ret;
		uintptr_t next = fp[0];
		if (w && r < 2 * FP_MEMO_N + 1)
			w->rd[r - 1] = next;
		r++;
		if (next <= f)
			break;
		f = next;
		fp = (const uintptr_t *)next;
	}
	if (w && r <= 2 * FP_MEMO_N + 1) {
		w->f0 = f0;
		w->max = max;
		w->id = *id = ++m->last_id;
		w->nrd = r;
		m->cur++;
	}
	return n;
}

/* Slow path (a new stack, meta lock held): whether ip, a return address, lies in code with
 * unwind information. A stack that reaches code without it (musl's libc has none: an
 * allocation inside strdup ends at strdup) is cut there and gets the "truncated: no unwind
 * information" root; one that ends where the tables say "outermost" (_start, clone) is whole.
 * The frame pointer walker cannot tell: it never marks. Answers are cached by address (frames
 * repeat across stacks, and a lookup searches the unwind tables). */
#define INFO_CACHE_N 4096
static struct {
	uintptr_t ip;
	int has;
} info_cache[INFO_CACHE_N];

int hf_unwind_has_info(uintptr_t ip)
{
	unw_proc_info_t pi;
	if (hf_g.unwind_fp)
		return 1;
	size_t slot = (size_t)((ip * 0x9e3779b97f4a7c15ull) >> 52) & (INFO_CACHE_N - 1);
	if (info_cache[slot].ip == ip)
		return info_cache[slot].has;
	int has = unw_get_proc_info_by_ip(unw_local_addr_space, (unw_word_t)(ip - 1), &pi, NULL) == 0;
	info_cache[slot].ip = ip;
	info_cache[slot].has = has;
	return has;
}

unsigned hf_unwind_info_end(const uintptr_t *ips, unsigned from, unsigned n)
{
	if (hf_g.unwind_fp)
		return n;
	uintptr_t seen = 0; /* the frame before, found to have it: a recursion repeats its frames */
	for (unsigned i = from; i < n; i++) {
		if (ips[i] == seen)
			continue;
		if (!hf_unwind_has_info(ips[i]))
			return i;
		seen = ips[i];
	}
	return n;
}

unsigned hf_unwind_fp(struct hf_thread *tb, unsigned want, unsigned long *id)
{
	return fp_walk(tb->fp_memo, tb->known_id, tb->ips, want, tb->stack_lo, tb->stack_hi, id);
}

/* HEAPFOLD_UNWIND=libunwind-check (hf_unwind.h). Counters are shared by all threads; this mode is
 * for tests, where an atomic add per stack does not matter. */
static unsigned long check_stacks, check_differ;

HF_NOINLINE void hf_unwind_check(const uintptr_t *got, unsigned n, unsigned want)
{
	uintptr_t ref[HF_IPS_MAX + 1];
	unw_context_t uc;
	unw_cursor_t c;
	unsigned m = 0, a = 0, b = 0;
	if (want > HF_IPS_MAX)
		want = HF_IPS_MAX;
	/* One more frame than unw_backtrace was given room for: this function is one more
	 * recorder frame below the program's. */
	if (unw_getcontext(&uc) == 0 && unw_init_local(&c, &uc) == 0) {
		do {
			unw_word_t ip;
			if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0)
				break;
			ref[m++] = (uintptr_t)ip;
		} while (m < want + 1 && unw_step(&c) > 0);
	}
	while (a < n && got[a] - hf_rec_lo < hf_rec_hi - hf_rec_lo)
		a++;
	while (b < m && ref[b] - hf_rec_lo < hf_rec_hi - hf_rec_lo)
		b++;
	/* Where either was cut by its room, compare the frames both have. */
	unsigned na = n - a, nb = m - b, k = 0;
	int same = na == nb || ((n == want || m == want + 1) && na && nb);
	unsigned common = na < nb ? na : nb;
	for (; same && k < common; k++)
		same = got[a + k] == ref[b + k];
	__atomic_add_fetch(&check_stacks, 1, __ATOMIC_RELAXED);
	if (same)
		return;
	if (__atomic_add_fetch(&check_differ, 1, __ATOMIC_RELAXED) > 3)
		return;
	if (k > 0)
		k--; /* the loop stepped past the first difference */
	hf_warn("unwind check: a stack differs at frame %u of %u (unw_step: %u frames): "
		"unw_backtrace 0x%lx, unw_step 0x%lx; caller 0x%lx",
		k, na, nb, k < na ? (unsigned long)got[a + k] : 0ul, k < nb ? (unsigned long)ref[b + k] : 0ul,
		k + 1 < nb ? (unsigned long)ref[b + k + 1] : 0ul);
}

static unsigned long check_known, check_known_differ;

void hf_unwind_check_known(int same)
{
	__atomic_add_fetch(&check_known, 1, __ATOMIC_RELAXED);
	if (same || __atomic_add_fetch(&check_known_differ, 1, __ATOMIC_RELAXED) > 3)
		return;
	hf_warn("unwind check: a stack libunwind numbered as a known one made another node");
}

void hf_unwind_check_report(void)
{
	hf_warn("unwind check: %lu stacks compared with unw_step, %lu differed",
		__atomic_load_n(&check_stacks, __ATOMIC_RELAXED), __atomic_load_n(&check_differ, __ATOMIC_RELAXED));
	hf_warn("unwind check: %lu stacks known by libunwind's number, %lu made another node",
		__atomic_load_n(&check_known, __ATOMIC_RELAXED),
		__atomic_load_n(&check_known_differ, __ATOMIC_RELAXED));
}
