/* hf_early.c: the blocks allocated before the recorder's constructor ran.
 *
 * A statically linked glibc program allocates 5 blocks before any constructor (locale and stdio
 * setup inside __libc_start_main), and a constructor of another library may allocate before
 * ours. Stacks are not captured then: unwinding inside glibc's static start-up corrupts
 * libunwind's cache for the main thread (seen on glibc 2.36: later unwinds of that thread return
 * garbage). Losing those blocks instead would make
 * their later frees look like frees of unknown pointers and their leaks invisible, so until the
 * recorder starts, live blocks are kept here with the address they were called from (the first
 * return address outside the recorder, read through the hooks' own frame pointers, which every
 * recorder function keeps: no unwinding, and no frame of code we did not compile is read), and
 * the first trace starts with them: one ALLOC each, its stack that one frame marked truncated.
 *
 * The table is small and static, used before the constructor only, where one thread runs;
 * a spin lock keeps it consistent anyway (a constructor may start threads). Blocks beyond its
 * size are counted in the statistics but not recorded. */
#include "hf_base.h"
#include "hf_early.h"
#include "hf_unwind.h"

#define EARLY_MAX 256

int hf_early_open = 1;
static struct hf_early_block blocks[EARLY_MAX];
static size_t n_blocks;
static int lock;

static void take(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		while (hf_load(&lock))
			__builtin_ia32_pause();
}

static void give(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

void hf_early_alloc(void *p, size_t size, unsigned kind, uintptr_t caller)
{
	take();
	if (hf_early_open && n_blocks < EARLY_MAX)
		blocks[n_blocks++] = (struct hf_early_block){ (uintptr_t)p, caller, size, kind };
	give();
}

void hf_early_free(void *p)
{
	take();
	for (size_t i = n_blocks; i-- > 0;) {
		if (blocks[i].ptr == (uintptr_t)p) {
			blocks[i] = blocks[--n_blocks]; /* order does not matter: all replay at once */
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

uintptr_t hf_early_caller(const void *frame)
{
	if (!hf_rec_hi && hf_unwind_range_init() < 0)
		return 0;
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
