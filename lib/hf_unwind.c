/* hf_unwind.c: stack capture. Two unwinders:
 *
 * - libunwind's unw_backtrace (default): works on any x86-64 code through its unwind tables, and
 *   keeps a per-frame cache of its own, so a repeated stack costs about 8 ns a frame instead of
 *   the 90 ns a frame of a plain unw_step loop (PLATFORM.md);
 * - a frame-pointer walker (HEAPFOLD_UNWIND=fp) for programs built with
 *   -fno-omit-frame-pointer: about 1 ns a frame. Every frame pointer is checked against the
 *   thread's stack (pthread_getattr_np, read once per thread) before it is read, and must grow,
 *   so code without frame pointers yields a wrong outermost frame at worst, never a fault.
 *
 * Recorder frames (hooks, unwinder, this file) are dropped by address: the library's executable
 * segment, found at start, holds all of them, libunwind included (it is linked in statically). */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>

#include "hf_rec.h"

static uintptr_t rec_lo, rec_hi; /* the recorder's code: [rec_lo, rec_hi) */

static int self_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uintptr_t me = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= lo && me < lo + ph->p_memsz) {
			rec_lo = lo;
			rec_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

int hf_unwind_init(void)
{
	dl_iterate_phdr(self_cb, (void *)(uintptr_t)hf_unwind_init);
	return rec_hi ? 0 : -1;
}

int hf_unwind_is_recorder(uintptr_t ip)
{
	return ip - rec_lo < rec_hi - rec_lo;
}

void hf_unwind_thread_init(struct hf_thread *tb)
{
	tb->stack_lo = tb->stack_hi = 0;
	if (!hf_g.unwind_fp)
		return;
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
static HF_NOINLINE unsigned fp_walk(uintptr_t *ips, unsigned max, uintptr_t lo, uintptr_t hi)
{
	const uintptr_t *fp = __builtin_frame_address(0);
	uintptr_t f = (uintptr_t)fp;
	unsigned n = 0;
	if (f < lo)
		return 0;
	lo = f;
	while (n < max) {
		if (f < lo || f > hi - 16 || (f & 7))
			break;
		uintptr_t ret = fp[1];
		if (ret < HF_FRAME_MIN_ADDR)
			break;
		ips[n++] = ret;
		uintptr_t next = fp[0];
		if (next <= f)
			break;
		f = next;
		fp = (const uintptr_t *)next;
	}
	return n;
}

unsigned hf_unwind_capture(struct hf_thread *tb, const uintptr_t **out, int *truncated)
{
	unsigned max = hf_g.max_depth, want = max + HF_SKIP_MAX + 1, n, skip = 0;
	uintptr_t *raw = tb->ips;
	if (hf_g.unwind_fp && tb->stack_hi) {
		n = fp_walk(raw, want, tb->stack_lo, tb->stack_hi);
	} else {
		int r = unw_backtrace((void **)raw, (int)want);
		n = r > 0 ? (unsigned)r : 0;
	}
	while (skip < n && raw[skip] - rec_lo < rec_hi - rec_lo)
		skip++;
	n -= skip;
	raw += skip;
	*truncated = n > max;
	if (n > max)
		n = max;
	*out = raw;
	return n;
}
