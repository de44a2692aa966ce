/* gt.h: helpers for ground-truth programs. These programs must not use stdio or anything else
 * that allocates behind their back, so that the trace's totals are exactly the allocations the
 * program's own code makes. */
#ifndef GT_H
#define GT_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Stores a pointer where the compiler cannot see it die, so malloc/free pairs survive -O. */
extern void *volatile gt_sink;
void *volatile gt_sink;

static inline void gt_keep(void *p)
{
	gt_sink = p;
}

static void gt_say(const char *s)
{
	ssize_t r = write(1, s, strlen(s));
	(void)r;
}

/* NULL where the compiler cannot see it (it rewrites realloc(NULL, n) as malloc(n)). */
static inline void *gt_null(void)
{
	void *volatile n = NULL;
	return n;
}

/* A failed expectation about libc's behaviour (with or without heapfold): say so, exit 99. */
#define GT_CHECK(cond)                                                                            \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			gt_say("gt: check failed: " #cond "\n");                                 \
			_exit(99);                                                                \
		}                                                                                 \
	} while (0)

#endif
