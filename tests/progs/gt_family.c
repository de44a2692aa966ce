/* Ground truth: every function of the malloc family, each called from its own function, with
 * known counts and sizes; some blocks freed, some leaked; plus the edge cases (size 0, free(NULL),
 * overflow, realloc(p, 0), failures) whose results and errno must be exactly libc's.
 * tests/integration/rec_family.sh holds the expected numbers; keep the two in step. */
#include <malloc.h>
#include <stdint.h>
#include "gt.h"

#define N_MALLOC 100 /* 100 x malloc(100): 60 freed, 40 leaked */
static void *leaks[64];

__attribute__((noinline)) static void from_malloc(void)
{
	void *p[N_MALLOC];
	for (int i = 0; i < N_MALLOC; i++) {
		p[i] = malloc(100);
		GT_CHECK(p[i]);
		memset(p[i], 1, 100);
	}
	for (int i = 0; i < 60; i++)
		free(p[i]);
	for (int i = 60; i < N_MALLOC; i++)
		leaks[i - 60] = p[i];
}

__attribute__((noinline)) static void from_calloc(void)
{
	for (int i = 0; i < 50; i++) { /* 50 x calloc(4, 25): all freed */
		unsigned char *p = calloc(4, 25);
		GT_CHECK(p && p[99] == 0);
		gt_keep(p);
		free(p);
	}
}

__attribute__((noinline)) static void from_realloc(void)
{
	for (int i = 0; i < 30; i++) { /* realloc(NULL, 64) then realloc(p, 128): all freed */
		void *p = realloc(gt_null(), 64);
		GT_CHECK(p);
		void *q = realloc(p, 128);
		GT_CHECK(q);
		free(q);
	}
}

__attribute__((noinline)) static void from_reallocarray(void)
{
	for (int i = 0; i < 20; i++) { /* 20 x reallocarray(NULL, 10, 8): leaked */
		void *p = reallocarray(gt_null(), 10, 8);
		GT_CHECK(p);
		gt_keep(p);
	}
}

__attribute__((noinline)) static void from_posix_memalign(void)
{
	for (int i = 0; i < 10; i++) { /* 10 x 200 bytes aligned to 64: freed */
		void *p = NULL;
		GT_CHECK(posix_memalign(&p, 64, 200) == 0);
		GT_CHECK(((uintptr_t)p & 63) == 0);
		free(p);
	}
}

__attribute__((noinline)) static void from_aligned_alloc(void)
{
	for (int i = 0; i < 10; i++) { /* 10 x 256 bytes aligned to 64: freed */
		void *p = aligned_alloc(64, 256);
		GT_CHECK(p && ((uintptr_t)p & 63) == 0);
		free(p);
	}
}

__attribute__((noinline)) static void from_memalign(void)
{
	for (int i = 0; i < 10; i++) { /* 10 x 96 bytes aligned to 32: freed */
		void *p = memalign(32, 96);
		GT_CHECK(p && ((uintptr_t)p & 31) == 0);
		free(p);
	}
}

__attribute__((noinline)) static void from_valloc(void)
{
	for (int i = 0; i < 5; i++) { /* 5 x valloc(1000): freed */
		void *p = valloc(1000);
		GT_CHECK(p && ((uintptr_t)p & 4095) == 0);
		free(p);
	}
}

#ifdef __GLIBC__
__attribute__((noinline)) static void from_pvalloc(void)
{
	for (int i = 0; i < 5; i++) { /* 5 x pvalloc(1000): freed */
		void *p = pvalloc(1000);
		GT_CHECK(p && ((uintptr_t)p & 4095) == 0);
		free(p);
	}
}
#endif

/* 3 x malloc(0), freed; 5 x free(NULL); two overflows that fail with ENOMEM; realloc(p, 0). */
__attribute__((noinline)) static void edge_cases(void)
{
	for (int i = 0; i < 3; i++) {
		void *p = malloc(0);
		gt_keep(p);
		free(p);
	}
	for (int i = 0; i < 5; i++)
		free(NULL);
	volatile size_t huge = SIZE_MAX / 2; /* hidden from the compiler's overflow warnings */
	errno = 0;
	GT_CHECK(calloc(huge, 4) == NULL && errno == ENOMEM);
	errno = 0;
	GT_CHECK(reallocarray(NULL, huge, 4) == NULL && errno == ENOMEM);
	errno = 0;
	void *p = NULL;
	GT_CHECK(posix_memalign(&p, 3, 16) == EINVAL && errno == 0);
	void *q = malloc(48); /* realloc(q, 0): glibc frees and returns NULL, musl returns a block */
	GT_CHECK(q);
	void *r = realloc(q, 0);
	free(r);
}

int main(void)
{
	from_malloc();
	from_calloc();
	from_realloc();
	from_reallocarray();
	from_posix_memalign();
	from_aligned_alloc();
	from_memalign();
	from_valloc();
#ifdef __GLIBC__
	from_pvalloc();
#endif
	edge_cases();
	gt_keep(leaks);
	gt_say("gt_family: ok\n");
	return 7; /* a distinctive exit status the launcher must pass through */
}
