/* hf_sample.c: sampling, for a recorder that can stay on in production.
 *
 * HEAPFOLD_SAMPLE_BYTES=R records about one allocation per R bytes allocated: a Poisson process
 * over the bytes, so an allocation of s bytes is recorded with probability 1 - exp(-s/R), and
 * heapfold_print weighs each recorded one by the inverse (the unbiased estimator pprof's heap
 * profiles use). Each thread counts down its own exponentially distributed number of bytes,
 * from its own generator: an unsampled allocation touches nothing shared.
 *
 * The free of a sampled block is recorded, the free of any other block is not, so the recorder
 * keeps the set of sampled blocks now live: an open-addressing table (mmap'd, grown under its
 * lock) sized by live samples, not by all blocks, behind a counting filter that answers "not
 * sampled" for a free with one load. The filter counts per slot, so removing one address never
 * hides another that shares its slot (16-bit counts: a slot would need 65,536 live samples).
 *
 * HEAPFOLD_SAMPLE_SEED fixes the generators' seed (tests); otherwise it comes from the clock and
 * the pid. ln(u) for the exponential draw is computed here, without libm (static programs need
 * no -lm). */
#include <string.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_sample.h"
#include "hf_writer.h"

uint64_t hf_sample_rate;
uint16_t *hf_sfilter;

static uint64_t seed;

/* ---- the countdown ---------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ln(u) for u in (0, 1]: u = m * 2^e with m in [1, 2), ln(m) = 2 atanh(z), z = (m-1)/(m+1) <= 1/3,
 * by its series to z^13 (error below 1e-7: far below the sampling's own noise). */
static double ln01(double u)
{
	uint64_t bits;
	memcpy(&bits, &u, sizeof bits);
	int e = (int)((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
	double m;
	memcpy(&m, &bits, sizeof m);
	double z = (m - 1) / (m + 1), z2 = z * z, t = z, sum = 0;
	for (int k = 1; k <= 13; k += 2, t *= z2)
		sum += t / k;
	return e * 0.6931471805599453 + 2 * sum;
}

void hf_sample_next(struct hf_thread *tb)
{
	/* u uniform in (0, 1], from 53 bits */
	double u = ((double)(splitmix(&tb->sample_rng) >> 11) + 1.0) / 9007199254740992.0;
	double d = -ln01(u) * (double)hf_sample_rate;
	tb->sample_left = d < 1 ? 1 : d > 9e18 ? (int64_t)9e18 : (int64_t)d;
}

void hf_sample_thread_init(struct hf_thread *tb)
{
	if (!hf_sample_rate)
		return;
	tb->sample_rng = seed ^ ((uint64_t)tb->tid * 0xd1b54a32d192ed03ull);
	if (hf_opt(HF_OPT_SAMPLE_SEED))
		tb->sample_rng = seed + tb->stream; /* reproducible: streams are numbered in order */
	hf_sample_next(tb);
}

int hf_sample_init(void)
{
	if (hf_sample_set_rate((uint64_t)hf_opt(HF_OPT_SAMPLE_BYTES)) < 0) {
		hf_warn("out of memory for sampling (HEAPFOLD_SAMPLE_BYTES); not recording");
		return -1;
	}
	return 0;
}

static void set_clear(void);

int hf_sample_set_rate(uint64_t rate)
{
	/* The filter is mapped only when sampling is asked for: 128 KiB of address space a program
	 * that does not sample should not lose (under a tight ulimit -v, it can be the
	 * difference). Once mapped it stays: a free may be reading it. */
	if (rate && !hf_sfilter) {
		uint16_t *f = hf_os_alloc((sizeof *hf_sfilter) << HF_SFILTER_BITS);
		if (!f)
			return -1;
		__atomic_store_n(&hf_sfilter, f, __ATOMIC_RELEASE);
	}
	if (rate && !seed) {
		seed = (uint64_t)hf_opt(HF_OPT_SAMPLE_SEED);
		if (!seed)
			seed = hf_os_mono_ns() ^ ((uint64_t)getpid() << 32);
	}
	set_clear();
	hf_store(&hf_sample_rate, rate);
	return 0;
}

void hf_sample_new_trace(void)
{
	set_clear();
}

/* ---- the set of sampled blocks ---------------------------------------------------------------- */

static struct {
	int lock;
	uintptr_t *tab; /* 0 empty, 1 deleted, else an address */
	size_t cap, used, live;
} set;

static void take(void)
{
	hf_spin_lock(&set.lock);
}

static void give(void)
{
	hf_spin_unlock(&set.lock);
}

static size_t slot_of(uintptr_t p, size_t cap)
{
	return (size_t)(((uint64_t)p * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

/* Lock held. Rebuilds the table at cap (the deleted marks go). -1 without memory. */
static int rebuild(size_t cap)
{
	uintptr_t *tab = hf_os_alloc(cap * sizeof *tab);
	if (!tab)
		return -1;
	for (size_t i = 0; i < set.cap; i++) {
		uintptr_t p = set.tab[i];
		if (p > 1) {
			size_t j = slot_of(p, cap);
			while (tab[j])
				j = (j + 1) & (cap - 1);
			tab[j] = p;
		}
	}
	if (set.tab)
		hf_os_free(set.tab, set.cap * sizeof *set.tab);
	set.tab = tab;
	set.cap = cap;
	set.used = set.live;
	return 0;
}

/* Empties the set and the filter (no trace is being recorded). */
static void set_clear(void)
{
	if (!hf_sfilter)
		return;
	take();
	if (set.tab)
		hf_os_free(set.tab, set.cap * sizeof *set.tab);
	set.tab = NULL;
	set.cap = set.used = set.live = 0;
	memset(hf_sfilter, 0, (sizeof *hf_sfilter) << HF_SFILTER_BITS);
	give();
}

void hf_sample_add(uintptr_t p)
{
	take();
	/* At half full (deleted marks count): double when live entries fill a quarter, else
	 * rebuild at the same size to clear the marks. */
	size_t cap = !set.cap ? 4096 : (set.live + 1) * 4 > set.cap ? set.cap * 2 : set.cap;
	if ((set.used + 1) * 2 > set.cap && rebuild(cap) < 0) {
		give();
		hf_writer_fail("out of memory for the set of sampled blocks");
		return;
	}
	size_t j = slot_of(p, set.cap);
	while (set.tab[j] > 1)
		j = (j + 1) & (set.cap - 1);
	if (!set.tab[j])
		set.used++;
	set.tab[j] = p;
	set.live++;
	__atomic_add_fetch(&hf_sfilter[hf_sfilter_slot(p)], 1, __ATOMIC_RELAXED);
	give();
}

int hf_sample_forget_slow(uintptr_t p)
{
	int found = 0;
	take();
	if (set.cap) {
		size_t j = slot_of(p, set.cap);
		for (; set.tab[j]; j = (j + 1) & (set.cap - 1)) {
			if (set.tab[j] == p) {
				set.tab[j] = 1;
				set.live--;
				__atomic_sub_fetch(&hf_sfilter[hf_sfilter_slot(p)], 1, __ATOMIC_RELAXED);
				found = 1;
				break;
			}
		}
	}
	give();
	return found;
}

void hf_sample_fork_child(void)
{
	set.lock = 0;
}
