/* floor.c: the least an LD_PRELOAD heap profiler can add to a malloc/free pair, to measure
 * heapfold against (docs/performance.md, "Sampling"). Built as a preload library, it forwards
 * malloc and free to glibc's allocator; with -DSTATS it also keeps what heapfold's live
 * statistics must (hf_stats, the metrics): per-thread counts of calls, requested bytes, and
 * usable bytes allocated and freed (malloc_usable_size on both sides, since a free does not know
 * the size). Nothing is recorded.
 *
 *   cc -O2 -fPIC -shared -ftls-model=initial-exec [-DSTATS] tests/bench/floor.c -o floor.so
 *   valgrind --tool=callgrind --trace-children=yes env LD_PRELOAD=$PWD/floor.so SEED shallow 0 N */
#include <malloc.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

#ifdef STATS
static __thread size_t allocs, frees, requested, usable_in, usable_out;
#endif

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);
#ifdef STATS
	if (p) {
		allocs++;
		requested += n;
		usable_in += malloc_usable_size(p);
	}
#endif
	return p;
}

void free(void *p)
{
#ifdef STATS
	if (p) {
		frees++;
		usable_out += malloc_usable_size(p);
	}
#endif
	__libc_free(p);
}

void *calloc(size_t m, size_t n)
{
	return __libc_calloc(m, n);
}

void *realloc(void *p, size_t n)
{
	return __libc_realloc(p, n);
}
