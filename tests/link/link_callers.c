/* Callers of libc functions that allocate: each libc function is called from a function of its
 * own (call_<name>), so the caller of every allocation made inside libc is known. In a static
 * musl program, whose libc has no unwind tables, heapfold recovers those callers from the
 * machine code (lib/record/hf_recover.c) or marks the stack as cut at the libc function; it must
 * never name a wrong caller. tests/integration/link_callers.sh checks every stack:
 *
 *   link_callers DIR        (DIR: a scratch directory, for the file functions)
 *
 * The calls run twice, from two levels of call_twice, so a recovered stack must also name the
 * right frames above the caller. */
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "gt.h"

static const char *dir;
static char path[512];

#define CALLER(name) __attribute__((noinline)) static void call_##name(void)

CALLER(strdup)
{
	free(strdup("heapfold"));
}

CALLER(strndup)
{
	free(strndup("heapfold-static", 8));
}

CALLER(asprintf)
{
	char *s = NULL;
	GT_CHECK(asprintf(&s, "%s-%d", "heapfold", 42) > 0);
	free(s);
}

CALLER(realpath)
{
	char *r = realpath(dir, NULL);
	GT_CHECK(r);
	free(r);
}

CALLER(fopen)
{
	FILE *f = fopen(path, "w");
	GT_CHECK(f);
	fputs("line one\nline two\n", f);
	GT_CHECK(fclose(f) == 0);
}

CALLER(getline)
{
	FILE *f = fopen(path, "r");
	GT_CHECK(f);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0)
		;
	free(line);
	fclose(f);
}

CALLER(opendir)
{
	DIR *d = opendir(dir);
	GT_CHECK(d);
	while (readdir(d))
		;
	closedir(d);
}

CALLER(open_memstream)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	GT_CHECK(f);
	for (int i = 0; i < 200; i++)
		fprintf(f, "%d,", i);
	fclose(f);
	free(buf);
}

CALLER(regcomp)
{
	regex_t re;
	GT_CHECK(regcomp(&re, "^(heap|fold)+[0-9]*$", REG_EXTENDED) == 0);
	GT_CHECK(regexec(&re, "heapfoldheap42", 0, NULL, 0) == 0);
	regfree(&re);
}

CALLER(scandir)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	GT_CHECK(n >= 3); /* ., .. and the file */
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

CALLER(fmemopen)
{
	char buf[64];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	GT_CHECK(f);
	fputs("heapfold", f);
	fclose(f);
}

CALLER(setenv)
{
	GT_CHECK(setenv("HEAPFOLD_TEST_CALLERS", "1", 1) == 0);
	GT_CHECK(unsetenv("HEAPFOLD_TEST_CALLERS") == 0);
}

__attribute__((noinline)) static void all(void)
{
	call_strdup();
	call_strndup();
	call_asprintf();
	call_realpath();
	call_fopen();
	call_getline();
	call_opendir();
	call_open_memstream();
	call_regcomp();
	call_scandir();
	call_fmemopen();
	call_setenv();
}

__attribute__((noinline)) static void call_twice(int level)
{
	if (level == 0) {
		all();
		return;
	}
	call_twice(level - 1);
	__asm__ __volatile__("" ::: "memory"); /* not a tail call */
}

int main(int argc, char **argv)
{
	GT_CHECK(argc == 2);
	dir = argv[1];
	size_t n = strlen(dir);
	GT_CHECK(n + 16 < sizeof path);
	memcpy(path, dir, n);
	memcpy(path + n, "/callers.txt", 13);
	call_twice(0);
	call_twice(1);
	gt_say("link_callers: ok\n");
	return 0;
}
