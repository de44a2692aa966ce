/* hf_early.c: the blocks allocated before the recorder's constructor ran.
 *
 * Constructors of libraries the program loads run before ours (libstdc++ allocates its
 * exception pool there), and a statically linked glibc program allocates 5 blocks before any
 * constructor (locale and stdio setup inside __libc_start_main). Losing those blocks would make
 * their later frees look like frees of unknown pointers and their leaks invisible, so until the
 * recorder starts, live blocks are kept here with their stacks, and the first trace starts with
 * them: one ALLOC each, followed by its FREE for a block freed before the start (allocation order
 * is kept, so an address reused before the start replays consistently).
 *
 * In the shared library the stack is unwound in full, as the hooks do later (libunwind needs
 * nothing of ours but the recorder's address range). In a static program it is not: unwinding
 * inside glibc's static start-up corrupts libunwind's cache for the main thread (seen on glibc
 * 2.36: later unwinds of that thread return garbage), so the stack is the one address the hook
 * was called from (the first return address outside the recorder, read through the hooks' own
 * frame pointers, which every recorder function keeps: no frame of code we did not compile is
 * read), under a "[before heapfold started]" marker.
 *
 * The table is small and static, used before the constructor only, where one thread runs;
 * a spin lock keeps it consistent anyway (a constructor may start threads). When it is full,
 * the freed blocks are dropped to make room for live ones (their counts are lost, the live set
 * stays right); live blocks beyond its size are counted in the statistics but not recorded. */
#include "hf_base.h"
#include "hf_early.h"
#include "hf_unwind.h"

static uintptr_t caller_of(const void *frame);

#define EARLY_MAX 256

int hf_early_open = 1;
static struct hf_early_block blocks[EARLY_MAX];
static size_t n_blocks;
static int lock;

static void take(void)
{
	hf_spin_lock(&lock);
}

static void give(void)
{
	hf_spin_unlock(&lock);
}

/* The hook's stack, recorder frames dropped: 0 frames if it cannot be had. */
static unsigned unwind(uintptr_t *out, unsigned *key)
{
	void *raw[HF_EARLY_DEPTH + HF_SKIP_MAX + 1];
	int r = unw_backtrace(raw, (int)(sizeof raw / sizeof raw[0]));
	unsigned n = r > 0 ? (unsigned)r : 0, skip = 0, k = 0;
	while (skip < n && (uintptr_t)raw[skip] - hf_rec_lo < hf_rec_hi - hf_rec_lo)
		skip++;
	for (; skip + k < n && k < HF_EARLY_DEPTH; k++)
		out[k] = (uintptr_t)raw[skip + k];
	if (skip + k < n)
		*key |= 1u << 8; /* deeper than we keep: truncated */
	return k;
}

void hf_early_alloc(void *p, size_t size, unsigned kind, const void *frame)
{
	struct hf_early_block b = { .ptr = (uintptr_t)p, .size = size, .kind = kind };
	if (!hf_rec_hi && hf_unwind_range_init() < 0)
		return;
	if (hf_early_unwind)
		b.n = unwind(b.ips, &b.key);
	if (!b.n) {
		b.ips[0] = caller_of(frame);
		b.n = b.ips[0] != 0;
		b.key = 1u << 9; /* before start */
	}
	take();
	if (n_blocks == EARLY_MAX) { /* full: drop the freed blocks, keeping the order */
		size_t k = 0;
		for (size_t i = 0; i < n_blocks; i++)
			if (!blocks[i].freed)
				blocks[k++] = blocks[i];
		n_blocks = k;
	}
	if (hf_early_open && n_blocks < EARLY_MAX)
		blocks[n_blocks++] = b;
	give();
}

void hf_early_free(void *p)
{
	take();
	for (size_t i = n_blocks; i-- > 0;) {
		if (blocks[i].ptr == (uintptr_t)p && !blocks[i].freed) {
			blocks[i].freed = 1;
			break;
		}
	}
	give();
}

size_t hf_early_take(const struct hf_early_block **out)
{
	take();
	hf_store(&hf_early_open, 0);
	size_t n = n_blocks;
	n_blocks = 0; /* taken once: the first trace, or nobody */
	give();
	*out = blocks;
	return n;
}

static uintptr_t caller_of(const void *frame)
{
	const uintptr_t *f = frame;
	/* Each step reads a recorder function's (saved frame pointer, return address) pair; the
	 * first return address outside the recorder is the caller. Bounded: hooks are 2 to 4
	 * frames deep. */
	for (int i = 0; i < 8 && f && !((uintptr_t)f & 7); i++) {
		uintptr_t ret = f[1];
		if (ret - hf_rec_lo >= hf_rec_hi - hf_rec_lo)
			return ret >= HF_FRAME_MIN_ADDR ? ret : 0;
		const uintptr_t *next = (const uintptr_t *)f[0];
		if (next <= f)
			return 0;
		f = next;
	}
	return 0;
}
