/* hf_follow.h: exec followed within the traced process (hf_follow_preload.c): the program a
 * traced process execs is traced too, into a trace of its own. */
#ifndef HF_FOLLOW_H
#define HF_FOLLOW_H

#include "hf_base.h"

struct hf_follow {
	void *mem;    /* the environment built for the exec (hf_os_alloc), or NULL */
	size_t cap;
	int untraced; /* the new image will not be traced (static, other libc, setuid, ...) */
};

/* Before an exec of file (search: looked up in PATH as execvp does; fd >= 0: fexecve's) with
 * envp: the environment to pass. For the traced process, envp with our variables back (removed
 * from the program's view at start) and the recorder that fits the new program (glibc or musl),
 * or without them and one line saying why the new program cannot be traced. Unchanged for a
 * process that is not traced (a forked child without --follow, a vfork child). */
char *const *hf_follow_prepare(struct hf_follow *fl, const char *file, int search, int fd,
			       char *const envp[]);
/* After the trace is closed, right before the exec. */
void hf_follow_commit(struct hf_follow *fl);
/* The exec returned (failed): frees what prepare built. Keeps errno. */
void hf_follow_failed(struct hf_follow *fl);

#endif
