/* hfl_paths.c: where the launcher is and how it names files to the user: its own folder (the
 * recorder and heapfold_print are found beside it) and paths quoted as one shell word. Shared
 * by the run (hfl_main.c) and the --fail-if run (hfl_run.c). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "hfl.h"

const char *hfl_self_dir(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		if (n <= 0)
			hfl_die(HFL_NO_RECORDER, "cannot find where heapfold is (/proc/self/exe): %s",
				strerror(errno));
		dir[n] = 0;
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
	}
	return dir;
}

const char *hfl_shell_word(const char *s, char *out, size_t cap)
{
	if (s[0] && !s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./%+,:=@-")])
		return s;
	size_t k = 0;
	out[k++] = '\'';
	for (; *s && k + 6 < cap; s++) {
		if (*s == '\'') {
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else {
			out[k++] = *s;
		}
	}
	out[k++] = '\'';
	out[k] = 0;
	return out;
}
