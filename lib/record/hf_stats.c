/* hf_stats.c: the live heap statistics behind hf_stats(), counted from program start whether or
 * not a trace is being written.
 *
 * Bytes are usable sizes: malloc_usable_size before the real free, because the size a program
 * asked for is not known when it frees a block. Every count (allocations, bytes asked for,
 * usable bytes allocated and freed, frees, temporary, failed) is a per-thread counter that only
 * its thread writes, with plain stores, summed when read: current bytes are usable bytes
 * allocated minus freed, current blocks allocations minus frees.
 *
 * The peak is different: it needs the order of all threads' allocations. While it is tracked,
 * current bytes also go through one global atomic, hf_live.bytes, so that the peak is exact. A
 * thread's frees do not touch it: their bytes are "owed" in the thread's own counter, and an
 * allocation the debt covers takes its bytes off the debt, hf_live.bytes unchanged (the bytes
 * were counted there already); one it does not cover adds its size less the debt in one atomic
 * add (the debt is also paid once it exceeds HF_OWED_MAX). So hf_live.bytes is the true total
 * plus what threads owe, never less: an allocation after which it, less this thread's own debt,
 * is not above the peak cannot have passed the peak truly, and one after which it is, is
 * checked against the true total (what other threads owe subtracted) before the peak is raised
 * with a compare-and-swap; the blocks live at a new peak are summed then. hf_stats.h says why a
 * thread's allocation paid from its debt and another's add cannot both miss a new peak.
 *
 * Shared lines written: the atomic add only while a thread's allocations outgrow its frees (a
 * heap that grows, a thread that only allocates), and the peak only when it rises. A thread that
 * allocates what it freed, the common case of a service in its steady state, writes only its
 * own block and reads hf_live and hf_peak. Measured on the seed benchmark under LD_PRELOAD with
 * HEAPFOLD_PEAK=1 (2 threads x 1M malloc/free, loop seconds): 0.15 s when every allocation
 * added to hf_live (the threads took turns owning its line), 0.067 s now, the same as with the
 * peak off; a program whose threads each allocate more than they free still shares the line.
 * Even so the peak is tracked only where it can be read (hf_stats_init): in a dynamic process,
 * when a loaded object imports hf_stats or hf_stats_reset_peak (linked with libheapfold.so, or
 * through HF_WEAK references, under LD_PRELOAD too); in every static program that links the
 * archive (a weak reference cannot tell the linker whether the program calls hf_stats); or with
 * HEAPFOLD_PEAK=1 (for a program that finds hf_stats with dlsym, or in a library it loads later).
 * HEAPFOLD_PEAK=0 turns it off anywhere. Elsewhere the peak fields read HF_STATS_NO_PEAK. Until
 * the constructor decides, the peak is tracked, so allocations made before it are in the peak
 * of a program that wants it.
 *
 * Per-thread blocks live in a registry that is only ever appended to (readers walk it without a
 * lock); a thread's block goes back to a free list at its exit, after its counts were added to
 * those of exited threads and what it owed was paid. hf_stats reads under a sequence count, so
 * a thread exiting meanwhile is counted once. Writers (attach, exit) serialise on a spin lock
 * held for a few instructions; a forked child resets it. */
#include <errno.h>
#include <string.h>

#include "heapfold.h"
#include "hf_base.h"
#include "hf_stats.h"
#include "hf_thread.h"

struct hf_live hf_live, hf_peak;
int hf_peak_on = 1;

#define SLAB_BLOCKS 256

static struct {
	int lock;
	unsigned seq;               /* odd while exited counts move */
	struct hf_tstat *all;       /* every block, newest first */
	struct hf_tstat *free;
	struct hf_tstat dead;       /* counts of exited threads */
	struct hf_tstat *slab;      /* blocks not handed out yet */
	size_t slab_left;
	pthread_key_t key;
	int key_ok;
} sr;

/* The first blocks come from here: no mmap before main in most programs. */
static struct hf_tstat first_slab[64];
/* If mmap fails for a new thread's block: shared, so its counts may lose increments. */
static struct hf_tstat spare;

static void take(void)
{
	hf_spin_lock(&sr.lock);
}

static void give(void)
{
	hf_spin_unlock(&sr.lock);
}

static void add_to(struct hf_tstat *d, const struct hf_tstat *s)
{
	hf_store(&d->allocs, hf_load(&d->allocs) + hf_load(&s->allocs));
	hf_store(&d->bytes, hf_load(&d->bytes) + hf_load(&s->bytes));
	hf_store(&d->frees, hf_load(&d->frees) + hf_load(&s->frees));
	hf_store(&d->temporary, hf_load(&d->temporary) + hf_load(&s->temporary));
	hf_store(&d->failed, hf_load(&d->failed) + hf_load(&s->failed));
	hf_store(&d->ualloc, hf_load(&d->ualloc) + hf_load(&s->ualloc));
	hf_store(&d->ufree, hf_load(&d->ufree) + hf_load(&s->ufree));
}

static void zero(struct hf_tstat *s)
{
	hf_store(&s->allocs, 0);
	hf_store(&s->bytes, 0);
	hf_store(&s->frees, 0);
	hf_store(&s->temporary, 0);
	hf_store(&s->failed, 0);
	hf_store(&s->ualloc, 0);
	hf_store(&s->ufree, 0);
}

/* At thread exit (key destructor): the counts join those of exited threads, the block is
 * reused. A thread that allocates after this (a later destructor) attaches again. */
static void thread_exit(void *arg)
{
	struct hf_tstat *s = arg;
	struct hf_tls *t = &hf_tls;
	if (!s || s == &spare || t->ts != s)
		return;
	take();
	hf_store(&sr.seq, sr.seq + 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	add_to(&sr.dead, s);
	zero(s);
	uint64_t owed = hf_load(&s->owed);
	__atomic_sub_fetch(&hf_live.bytes, owed, __ATOMIC_RELAXED);
	hf_store(&s->owed, 0);
	__atomic_store_n(&sr.seq, sr.seq + 1, __ATOMIC_RELEASE);
	s->live = 0;
	s->next_free = sr.free;
	sr.free = s;
	give();
	t->ts = NULL;
	t->last_ptr = 0;
}

/* Whether anything in this process can read the peak. */
static int peak_wanted(void)
{
	static const char *const api[] = { "hf_stats", "hf_stats_reset_peak", "hf_metrics_format", NULL };
	long opt = hf_opt(HF_OPT_PEAK);
	if (opt >= 0)
		return (int)opt;
	if (*hf_opt_str(HF_OPT_METRICS))
		return 1; /* heapfold_heap_peak_bytes */
	return hf_g.link_mode == HF_LINK_STATIC || hf_imports_any(api);
}

void hf_stats_init(void)
{
	if (!peak_wanted())
		hf_store(&hf_peak_on, 0);
	if (!sr.key_ok && pthread_key_create(&sr.key, thread_exit) == 0)
		sr.key_ok = 1;
	if (sr.key_ok && hf_tls.ts)
		pthread_setspecific(sr.key, hf_tls.ts); /* the main thread attached before us */
}

struct hf_tstat *hf_stats_attach(struct hf_tls *t)
{
	int err = errno;
	take();
	struct hf_tstat *s = sr.free;
	if (s) {
		sr.free = s->next_free;
	} else {
		if (!sr.slab_left) {
			if (!sr.all) {
				sr.slab = first_slab;
				sr.slab_left = sizeof first_slab / sizeof *first_slab;
			} else if ((sr.slab = hf_os_alloc(SLAB_BLOCKS * sizeof *s))) {
				sr.slab_left = SLAB_BLOCKS;
			}
		}
		if (sr.slab_left) {
			s = sr.slab++;
			sr.slab_left--;
			s->next = sr.all;
			hf_store_rel(&sr.all, s);
		} else {
			s = &spare;
		}
	}
	s->live = 1;
	give();
	t->ts = s;
	/* Blocks are recycled at thread exit once the key exists (from the constructor on). */
	if (s != &spare && hf_load(&sr.key_ok))
		pthread_setspecific(sr.key, s);
	errno = err;
	return s;
}

/* The sum of every thread's counters, exited ones included, each thread counted once. */
static void sum_counts(struct hf_tstat *sum)
{
	for (unsigned tries = 0;; tries++) {
		unsigned s1 = __atomic_load_n(&sr.seq, __ATOMIC_ACQUIRE);
		if ((s1 & 1) && tries < 1000) {
			__builtin_ia32_pause();
			continue;
		}
		memset(sum, 0, sizeof *sum);
		add_to(sum, &sr.dead);
		for (struct hf_tstat *s = hf_load_acq(&sr.all); s; s = s->next)
			add_to(sum, s);
		add_to(sum, &spare);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&sr.seq, __ATOMIC_RELAXED) == s1 || tries >= 1000)
			return;
	}
}

static uint64_t blocks_of(const struct hf_tstat *sum)
{
	return sum->allocs > sum->frees ? sum->allocs - sum->frees : 0;
}

/* What every thread but self owes (self: NULL for all). */
static uint64_t owed_by_others(const struct hf_tstat *self)
{
	uint64_t owed = hf_load(&spare.owed);
	for (struct hf_tstat *s = hf_load_acq(&sr.all); s; s = s->next)
		if (s != self)
			owed += hf_load(&s->owed);
	return owed;
}

void hf_stats_peak(struct hf_tstat *self, uint64_t g)
{
	uint64_t owed = owed_by_others(self);
	if (g <= owed)
		return;
	uint64_t bytes = g - owed, old = hf_load(&hf_peak.bytes);
	while (bytes > old) {
		if (__atomic_compare_exchange_n(&hf_peak.bytes, &old, bytes, 1, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			struct hf_tstat sum;
			sum_counts(&sum);
			hf_store(&hf_peak.blocks, blocks_of(&sum));
			return;
		}
	}
}

void hf_stats_fork_child(void)
{
	sr.lock = 0;
	if (sr.seq & 1)
		sr.seq++; /* a thread that does not exist here was moving counts: they stay where
			   * they were (in its block or in dead), counted once */
}

void hf_stats_read(hf_stats_t *out)
{
	struct hf_tstat sum;
	sum_counts(&sum);
	out->current_bytes = sum.ualloc > sum.ufree ? sum.ualloc - sum.ufree : 0;
	out->current_blocks = blocks_of(&sum);
	out->peak_bytes = hf_load(&hf_peak.bytes);
	out->peak_blocks = hf_load(&hf_peak.blocks);
	out->total_allocs = sum.allocs;
	out->total_bytes = sum.bytes;
	out->total_frees = sum.frees;
	out->temporary = sum.temporary;
	out->failed = sum.failed;
	if (!hf_load(&hf_peak_on)) {
		out->peak_bytes = out->peak_blocks = HF_STATS_NO_PEAK;
	} else if (out->peak_bytes < out->current_bytes) { /* a raise under way elsewhere */
		out->peak_bytes = out->current_bytes;
		out->peak_blocks = out->current_blocks;
	}
}

void hf_stats_reset(void)
{
	struct hf_tstat sum;
	sum_counts(&sum);
	uint64_t g = hf_load(&hf_live.bytes), owed = owed_by_others(NULL);
	hf_store(&hf_peak.blocks, blocks_of(&sum));
	hf_store(&hf_peak.bytes, g > owed ? g - owed : 0);
}
