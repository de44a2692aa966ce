/* hfl_program.c: the program as the kernel will run it. A name without a slash is looked up in
 * PATH as a shell does; a script runs its interpreter ("#!/usr/bin/env python3" runs env, which
 * the recorder then follows into python3); the ELF file's interpreter (PT_INTERP) names its C
 * library, and a program without one is static, out of the preload's reach. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfl.h"

static int executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* PATH's first executable file called name, into out; 0 if none. */
static int search_path(const char *name, char *out, size_t cap)
{
	const char *p = getenv("PATH");
	if (!p)
		p = "/usr/local/bin:/usr/bin:/bin";
	while (1) {
		size_t n = strcspn(p, ":");
		snprintf(out, cap, "%.*s%s%s", (int)n, n ? p : ".", "/", name);
		if (executable_file(out))
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* The interpreter of "#!INTERP ...", or "" if the file is not a script. */
static void script_interp(const char *path, char *out, size_t cap)
{
	out[0] = 0;
	FILE *f = fopen(path, "rb");
	char line[512];
	if (!f)
		return;
	if (fgets(line, sizeof line, f) && line[0] == '#' && line[1] == '!') {
		const char *s = line + 2 + strspn(line + 2, " \t");
		snprintf(out, cap, "%.*s", (int)strcspn(s, " \t\r\n"), s);
	}
	fclose(f);
}

/* The ELF interpreter's path into out ("" for none); -1 if path is not an ELF file, -2 if it
 * cannot be read (errno set). */
static int elf_interp(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ElfW(Ehdr) eh;
	out[0] = 0;
	if (fd < 0)
		return -2;
	int rc = -1;
	if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		rc = 0;
		for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
			ElfW(Phdr) ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (size_t)i * eh.e_phentsize)) !=
			    (ssize_t)sizeof ph)
				break;
			if (ph.p_type == PT_INTERP) {
				size_t n = ph.p_filesz < cap ? ph.p_filesz : cap - 1;
				ssize_t r = pread(fd, out, n, (off_t)ph.p_offset);
				out[r > 0 ? r : 0] = 0;
				break;
			}
		}
	}
	close(fd);
	return rc;
}

void hfl_program(const char *name, struct hfl_program *p)
{
	memset(p, 0, sizeof *p);
	if (!strchr(name, '/')) {
		if (!search_path(name, p->path, sizeof p->path))
			hfl_die(HFL_NOT_FOUND, "%s: command not found", name);
	} else {
		snprintf(p->path, sizeof p->path, "%s", name);
		struct stat st;
		if (stat(name, &st) != 0)
			hfl_die(HFL_NOT_FOUND, "%s: no such file", name);
		if (!S_ISREG(st.st_mode) || access(name, X_OK) != 0)
			hfl_die(HFL_CANNOT_RUN, "%s: not executable", name);
	}
	char interp[PATH_MAX];
	const char *runs = p->path;
	script_interp(p->path, interp, sizeof interp);
	if (interp[0]) {
		if (!executable_file(interp))
			hfl_die(HFL_CANNOT_RUN, "%s: its interpreter %s cannot run", name, interp);
		runs = interp; /* the interpreter decides which C library */
	}
	if (!realpath(runs, p->exe))
		snprintf(p->exe, sizeof p->exe, "%s", runs);
	char ld[PATH_MAX];
	int rc = elf_interp(p->exe, ld, sizeof ld);
	if (rc == -2)
		hfl_die(HFL_CANNOT_RUN, "cannot read %s to find its C library: %s", p->exe, strerror(errno));
	if (rc < 0)
		hfl_die(HFL_CANNOT_RUN, "%s is not an ELF program", p->exe);
	if (strstr(ld, "ld-musl"))
		p->libc = HFL_MUSL;
	else if (strstr(ld, "ld-linux"))
		p->libc = HFL_GLIBC;
	else if (!ld[0])
		hfl_die(HFL_CANNOT_RUN, "%s is statically linked: LD_PRELOAD cannot reach it. Link heapfold "
			"into it instead (pkg-config heapfold-static or heapfold-musl, see docs/linking.md).",
			name);
	else
		p->libc = HFL_GLIBC; /* another loader: glibc's conventions are the likelier */
}
