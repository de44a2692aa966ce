/* hf_unwind.h: stack capture (hf_unwind.c): the unwinders, and hf_unwind_capture, inlined into
 * each hook. */
#ifndef HF_UNWIND_H
#define HF_UNWIND_H

#include "hf_base.h"
#include "hf_thread.h"
/* HEAPFOLD_UNWIND's values (hf_options.c spells them as the launcher's --unwind does). */
enum hf_unwind_mode {
	HF_UNWIND_LIBUNWIND = 0, /* unw_backtrace with the memo of each thread's last stacks */
	HF_UNWIND_FP = 1,        /* the frame-pointer walker */
	HF_UNWIND_PLAIN = 2,     /* unw_backtrace without the memo */
	HF_UNWIND_CHECK = 3,     /* as HF_UNWIND_LIBUNWIND, each stack checked against unw_step */
};

/* Per thread (fp mode): the stack bounds the walker checks every frame pointer against. */
void hf_unwind_thread_init(struct hf_thread *tb);
/* The frame-pointer walker: up to want return addresses into tb->ips, innermost first. *id: the
 * number of the walk, if it is one the thread keeps (0: none), as hf_unw_backtrace_known gives
 * libunwind's (tb->known_id: nothing copied when the thread knows it). */
unsigned hf_unwind_fp(struct hf_thread *tb, unsigned want, unsigned long *id);
/* Slow path: whether ip has unwind information (a stack ending there without it was cut). */
int hf_unwind_has_info(uintptr_t ip);
/* Slow path, for a new stack: the first of ips[from] to ips[n - 1] without unwind information, n
 * if every one has it (in one call, each distinct address looked up once in a row). */
unsigned hf_unwind_info_end(const uintptr_t *ips, unsigned from, unsigned n);
/* The recorder's own code, libunwind and zlib included: [hf_rec_lo, hf_rec_hi). In the shared
 * library, its executable segment; in a static executable, the hf_text section that the
 * archive's partial link gathers all of it into (lib/record/hf_static.ld). */
extern uintptr_t hf_rec_lo, hf_rec_hi;
/* Sets hf_rec_lo and hf_rec_hi (idempotent, allocation-free); -1 if not found. */
int hf_unwind_range_init(void);
/* HEAPFOLD_UNWIND=libunwind-check: unwinds again with a plain unw_step loop, which neither the
 * memo nor unw_backtrace's fast path takes part in, and counts (and reports the first few of)
 * the stacks whose program frames differ from got[0..n) (unw_backtrace's, recorder frames
 * included). Slow: for tests and for a stack that looks wrong. */
void hf_unwind_check(const uintptr_t *got, unsigned n, unsigned want);
/* HEAPFOLD_UNWIND=libunwind-check: a stack known by libunwind's number, unwound all the same:
 * whether the node its frames make is the one known (counted, the first few reported). */
void hf_unwind_check_known(int same);
/* At exit, in check mode: a line with how many stacks were checked and how many differed, and
 * one with how many were known by number and how many of those made another node. */
void hf_unwind_check_report(void);
/* libunwind's (declared here so that hooks call it directly; see hf_unwind_capture). */
int unw_backtrace(void **buffer, int size);
/* Our libunwind's (tools/dev/patches/libunwind-trace-memo.patch): 1 turns the memo of each
 * thread's last stack off. */
extern int hf_unw_memo_off;
/* Also ours: unw_backtrace that numbers its traces. The memo keeps a thread's last traces,
 * each with a number unique in the process, and a trace it replays has its number again: every
 * stack word its frames were read from was checked unchanged. *id is that number (0 if the
 * frames are not a kept trace's). known holds HF_UNW_KNOWN numbers, a trace's at
 * known[number % HF_UNW_KNOWN]: when the trace found is there, buffer is not written. */
int hf_unw_backtrace_known(void **buffer, int size, const unsigned long *known,
			   unsigned long *id);

/* Captures the caller's stack into tb->ips, innermost first, recorder frames dropped: up to
 * *want frames (set here: max_depth and room for the recorder's frames and one more, so that
 * a deeper stack shows as one frame too many). *out points at the first program frame.
 * Returns the number of frames. Inlined into each hook, so that unw_backtrace has one recorder
 * frame (the hook's) to walk before the program's: each frame costs it about 4 ns even when
 * cached. The hook then lets hf_recover fill in frames static musl's libc has no unwind
 * tables for, and cuts the stack at max_depth.
 * *id: the unwinder's number for these frames (libunwind's or the walker's; 0: none). When the
 * thread knows it (tb->known_id), nothing is captured: the caller takes what it made of them
 * before. */
HF_INLINE unsigned hf_unwind_capture(struct hf_thread *tb, uintptr_t **out, unsigned *want_out,
				     unsigned long *id)
{
	unsigned max = hf_g.max_depth, want = max + HF_SKIP_MAX + 1, n, skip = 0;
	uintptr_t *raw = tb->ips;
	*id = 0;
	if (hf_g.unwind_fp && tb->stack_hi) {
		n = hf_unwind_fp(tb, want, id);
	} else if (hf_likely(!hf_g.unwind_check)) {
		int r = hf_unw_backtrace_known((void **)raw, (int)want, tb->known_id, id);
		n = r > 0 ? (unsigned)r : 0;
	} else { /* always the frames, to compare them, and the node (hf_unwind_check_known) */
		int r = hf_unw_backtrace_known((void **)raw, (int)want, NULL, id);
		n = r > 0 ? (unsigned)r : 0;
		hf_unwind_check(raw, n, want);
	}
	if (*id && tb->known_id[*id % HF_UNW_KNOWN] == *id && !hf_g.unwind_check) {
		*out = raw;
		*want_out = want;
		return 0;
	}
	while (skip < n && raw[skip] - hf_rec_lo < hf_rec_hi - hf_rec_lo)
		skip++;
	*out = raw + skip;
	*want_out = want - skip;
	return n - skip;
}

#endif
