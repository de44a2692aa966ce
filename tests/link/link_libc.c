/* Ground truth: allocations made inside libc, each libc function called from a function of its
 * own, so that the trace attributes them to it:
 *
 *   link_libc FILE      (FILE: a text file whose first line is shorter than 100 bytes)
 *
 * - with_strdup: 8 x strdup of a 15-character string: 8 blocks of 16 bytes, freed;
 * - with_fopen: fopen, fgets, fclose: the FILE and its buffer (glibc: two blocks, the buffer
 *   allocated at the first read; musl: one block holding both), freed by fclose;
 * - with_getline: getline into a NULL buffer, then free: glibc allocates 120 bytes, musl grows
 *   its buffer with realloc (counts in tests/integration/link_libc.sh);
 * - with_atexit: 100 atexit handlers: libc keeps 32 in a static block and allocates one block
 *   for each further 32: 3 blocks, through calloc (glibc) or musl's internal __libc_calloc.
 * Each function checks itself against hf_stats (allocations in, frees out), and the program
 * prints the totals hf_stats counted for each, for the test to compare with the trace. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "gt.h"
#include "heapfold.h"

static hf_stats_t now(void)
{
	hf_stats_t s = { .size = sizeof s };
	GT_CHECK(hf_stats(&s) == HF_OK);
	return s;
}

static char line[256];
static size_t n_line;

/* "name allocs frees bytes" on standard output, without stdio (which allocates). */
static void report(const char *name, const hf_stats_t *a, const hf_stats_t *b)
{
	char buf[160];
	unsigned long v[3] = { (unsigned long)(b->total_allocs - a->total_allocs),
			       (unsigned long)(b->total_frees - a->total_frees),
			       (unsigned long)(b->total_bytes - a->total_bytes) };
	size_t k = 0;
	for (const char *s = name; *s; s++)
		buf[k++] = *s;
	for (int i = 0; i < 3; i++) {
		char d[24];
		int n = 0;
		unsigned long x = v[i];
		do
			d[n++] = (char)('0' + x % 10);
		while ((x /= 10) > 0);
		buf[k++] = ' ';
		while (n > 0)
			buf[k++] = d[--n];
	}
	buf[k++] = '\n';
	buf[k] = 0;
	gt_say(buf);
}

__attribute__((noinline)) static void with_strdup(void)
{
	char *p[8];
	for (int i = 0; i < 8; i++) {
		p[i] = strdup("heapfold-static");
		GT_CHECK(p[i]);
	}
	for (int i = 0; i < 8; i++)
		free(p[i]);
}

__attribute__((noinline)) static void with_fopen(const char *path)
{
	FILE *f = fopen(path, "r");
	GT_CHECK(f);
	GT_CHECK(fgets(line, sizeof line, f));
	n_line = strlen(line);
	GT_CHECK(fclose(f) == 0);
}

__attribute__((noinline)) static void with_getline(const char *path)
{
	int fd = open(path, O_RDONLY);
	GT_CHECK(fd >= 0);
	FILE *f = fdopen(fd, "r"); /* counted apart: with_getline's stack holds fdopen too */
	GT_CHECK(f);
	char *buf = NULL;
	size_t cap = 0;
	GT_CHECK(getline(&buf, &cap, f) == (ssize_t)n_line);
	free(buf);
	GT_CHECK(fclose(f) == 0);
}

static void handler(void)
{
}

__attribute__((noinline)) static void with_atexit(void)
{
	for (int i = 0; i < 100; i++)
		GT_CHECK(atexit(handler) == 0);
}

int main(int argc, char **argv)
{
	GT_CHECK(argc == 2);
	hf_stats_t a = now(), b;
	with_strdup();
	b = now();
	GT_CHECK(b.total_allocs - a.total_allocs == 8 && b.total_frees - a.total_frees == 8);
	GT_CHECK(b.total_bytes - a.total_bytes == 8 * 16 && b.current_bytes == a.current_bytes);
	report("strdup", &a, &b);

	a = now();
	with_fopen(argv[1]);
	b = now();
	GT_CHECK(b.total_allocs > a.total_allocs && b.current_bytes == a.current_bytes);
	report("fopen", &a, &b);

	a = now();
	with_getline(argv[1]);
	b = now();
	GT_CHECK(b.total_allocs > a.total_allocs && b.current_bytes == a.current_bytes);
	report("getline", &a, &b);

	a = now();
	with_atexit();
	b = now();
	GT_CHECK(b.total_allocs - a.total_allocs == 3 && b.total_frees == a.total_frees);
	report("atexit", &a, &b);
	gt_say("link_libc: ok\n");
	return 0;
}
