/* hf_follow_preload.c: exec is followed within the traced process (shared library only).
 *
 * The process the user launched is traced as whatever it becomes: a wrapper script that execs
 * the real program, env running an interpreter, a shell's last command. At start the recorder
 * removes its variables (LD_PRELOAD's entry, HEAPFOLD_*) from the program's environment, so the
 * program and its forked children never see them (hf_init.c); an exec by the traced process
 * itself puts them back into the environment it passes, with HEAPFOLD_EXEC counting the images,
 * and the next image's recorder opens a trace of its own (same pid: -o NAME.gz gives NAME.1.gz
 * and so on, the default name differs by the program's name) and removes them again. Forked
 * children stay untraced unless --follow (HEAPFOLD_FOLLOW=1), heaptrack's choice too; what
 * they ran is noted for the launcher's listing (hf_run.c).
 *
 * The new program is looked at first (its ELF program headers; a script's interpreter): one of
 * the other C library gets the recorder built for it (lib/musl/libheapfold.so beside
 * lib/libheapfold.so), or runs untraced with one line when there is none; a static program, one
 * for another architecture, and a setuid or setgid one (whose loader ignores the preload) run
 * untraced with one line. A static program keeps HEAPFOLD_*, for a recorder linked into it
 * (and, with --follow, LD_PRELOAD for what it runs).
 *
 * An exec may happen in any state of the heap and in a vfork child: nothing here calls malloc;
 * the environment is built in pages of our own, freed if the exec fails. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_follow.h"
#include "hf_run.h"

enum target { T_SAME, T_OTHER_LIBC, T_STATIC, T_FOREIGN, T_SECURE };
enum libc { L_UNKNOWN, L_GLIBC, L_MUSL };

#ifdef __GLIBC__
#define OUR_LIBC L_GLIBC
#else
#define OUR_LIBC L_MUSL
#endif
#if defined(__x86_64__)
#define OUR_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define OUR_MACHINE EM_AARCH64
#else
#define OUR_MACHINE 0 /* not checked */
#endif

/* n bytes of s at out + k, NUL-terminated, within cap (hf_fmt has no %.*s). The new length. */
static size_t put(char *out, size_t cap, size_t k, const char *s, size_t n)
{
	if (k >= cap)
		return k;
	if (n > cap - 1 - k)
		n = cap - 1 - k;
	memcpy(out + k, s, n);
	out[k + n] = 0;
	return k + n;
}

static char self_path[PATH_MAX];  /* this library, absolute */
static char other_path[PATH_MAX]; /* the build for the other C library, "" if not found */

/* This library's own path, absolute (the program may chdir before it execs), and the other
 * C library's build: lib/musl/libheapfold.so beside lib/libheapfold.so. */
__attribute__((constructor)) static void follow_init(void)
{
	Dl_info di;
	if (!dladdr((void *)(uintptr_t)follow_init, &di) || !di.dli_fname || !di.dli_fname[0])
		return;
	char cwd[PATH_MAX];
	if (di.dli_fname[0] == '/' || !getcwd(cwd, sizeof cwd))
		hf_fmt(self_path, sizeof self_path, "%s", di.dli_fname);
	else
		hf_fmt(self_path, sizeof self_path, "%s/%s", cwd, di.dli_fname);
	char *slash = strrchr(self_path, '/');
	if (!slash)
		return;
	size_t dir = (size_t)(slash - self_path);
	size_t k = 0;
	if (OUR_LIBC == L_GLIBC) {
		k = put(other_path, sizeof other_path, 0, self_path, dir);
		put(other_path, sizeof other_path, k, "/musl/libheapfold.so", 20);
	} else if (dir >= 5 && !strncmp(slash - 5, "/musl", 5)) {
		k = put(other_path, sizeof other_path, 0, self_path, dir - 5);
		put(other_path, sizeof other_path, k, "/libheapfold.so", 15);
	}
	if (access(other_path, R_OK) != 0)
		other_path[0] = 0;
}

/* --- the new program ------------------------------------------------------------------------ */

static enum libc libc_of(const char *interp)
{
	return strstr(interp, "ld-musl") ? L_MUSL : strstr(interp, "ld-linux") ? L_GLIBC : L_UNKNOWN;
}

/* Whether exec'ing st gains privileges: the loader then ignores LD_PRELOAD paths. */
static int secure(const struct stat *st)
{
	return ((st->st_mode & S_ISUID) && st->st_uid != geteuid()) ||
	       ((st->st_mode & S_ISGID) && st->st_gid != getegid());
}

static enum target classify(const char *path, int depth, enum libc *lc);

/* "#!INTERP ARG": the interpreter decides (one level: an interpreter that is a script itself is
 * rare, and the kernel's limit anyway). */
static enum target classify_script(const unsigned char *h, size_t n, int depth, enum libc *lc)
{
	char interp[PATH_MAX];
	size_t i = 2, k = 0;
	while (i < n && (h[i] == ' ' || h[i] == '\t'))
		i++;
	while (i < n && h[i] != ' ' && h[i] != '\t' && h[i] != '\n' && k + 1 < sizeof interp)
		interp[k++] = (char)h[i++];
	interp[k] = 0;
	return k && depth == 0 ? classify(interp, 1, lc) : T_SAME;
}

static enum target classify(const char *path, int depth, enum libc *lc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return T_SAME; /* the exec itself will fail, or run what we cannot read: its business */
	unsigned char h[256];
	struct stat st;
	ssize_t n = pread(fd, h, sizeof h, 0);
	enum target t = T_SAME;
	ElfW(Ehdr) eh;
	if (fstat(fd, &st) == 0 && secure(&st)) {
		t = T_SECURE;
	} else if (n >= 2 && h[0] == '#' && h[1] == '!') {
		t = classify_script(h, (size_t)n, depth, lc);
	} else if (n >= (ssize_t)sizeof eh && !memcmp(h, ELFMAG, SELFMAG)) {
		memcpy(&eh, h, sizeof eh);
		if (h[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
		    (OUR_MACHINE && eh.e_machine != OUR_MACHINE)) {
			t = T_FOREIGN;
		} else {
			t = T_STATIC; /* unless it names an interpreter (the dynamic loader) */
			for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
				ElfW(Phdr) ph;
				off_t at = (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize);
				if (pread(fd, &ph, sizeof ph, at) != (ssize_t)sizeof ph)
					break;
				if (ph.p_type != PT_INTERP)
					continue;
				char interp[PATH_MAX];
				size_t len = ph.p_filesz < sizeof interp ? ph.p_filesz : sizeof interp - 1;
				ssize_t r = pread(fd, interp, len, (off_t)ph.p_offset);
				interp[r > 0 ? r : 0] = 0;
				*lc = libc_of(interp);
				t = *lc == L_UNKNOWN || *lc == OUR_LIBC ? T_SAME : T_OTHER_LIBC;
				break;
			}
		}
	}
	close(fd);
	return t;
}

/* The file an exec of file would run: execvp's PATH search (the first executable regular
 * file), the file itself when it names a folder, fexecve's descriptor. */
static const char *resolve(const char *file, int search, int fd, char *buf, size_t cap)
{
	if (fd >= 0) {
		hf_fmt(buf, cap, "/proc/self/fd/%d", fd);
		return buf;
	}
	if (!file || !file[0])
		return NULL;
	if (!search || strchr(file, '/'))
		return file;
	extern char **environ;
	const char *p = "/bin:/usr/bin";
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			p = *e + 5;
	while (1) {
		size_t n = strcspn(p, ":");
		struct stat st;
		size_t k = put(buf, cap, 0, p, n);
		k = put(buf, cap, k, "/", n ? 1 : 0);
		put(buf, cap, k, file, strlen(file));
		if (access(buf, X_OK) == 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			return buf;
		if (!p[n])
			return NULL;
		p += n + 1;
	}
}

/* --- the environment ------------------------------------------------------------------------ */

/* Whether an LD_PRELOAD entry is one of our builds. */
static int is_ours(const char *item, size_t n)
{
	char path[PATH_MAX];
	struct stat a, b;
	if (n >= sizeof path)
		return 0;
	memcpy(path, item, n);
	path[n] = 0;
	if (!strchr(path, '/'))
		return !strcmp(path, "libheapfold.so");
	if (stat(path, &a) != 0)
		return 0;
	return (self_path[0] && stat(self_path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) ||
	       (other_path[0] && stat(other_path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

#define SEP " :\t\n"

/* "LD_PRELOAD=" + lib (if any) + the program's own entries (value without ours), the
 * separators between those as they were, so that the next image, removing lib, gives the
 * program exactly its value. Returns the length, 0 if nothing would be left. */
static size_t compose_preload(char *out, size_t cap, const char *lib, const char *value)
{
	size_t k = hf_fmt(out, cap, "LD_PRELOAD=%s", lib ? lib : "");
	int first = !lib;
	for (const char *s = value ? value : ""; *s;) {
		const char *sep = s;
		s += strspn(s, SEP);
		size_t n = strcspn(s, SEP);
		if (n == 0)
			break;
		if (!is_ours(s, n)) {
			if (!first && sep != value && s > sep) /* the separator it had */
				k = put(out, cap, k, sep, (size_t)(s - sep));
			else if (!first)
				k = put(out, cap, k, " ", 1);
			k = put(out, cap, k, s, n);
			first = 0;
		}
		s += n;
	}
	return first ? 0 : k;
}

static const char *const no_env[] = { NULL };

char *const *hf_follow_prepare(struct hf_follow *fl, const char *file, int search, int fd,
			       char *const envp[])
{
	int err = errno;
	memset(fl, 0, sizeof *fl);
	char *const *env = envp ? envp : (char *const *)(uintptr_t)no_env;
	char buf[PATH_MAX];
	const char *target = resolve(file, search, fd, buf, sizeof buf);
	int followed = hf_g.pid != 0 && getpid() == hf_g.pid && hf_load(&hf_g.state) != HF_STATE_CHILD;
	if (!followed) {
		/* A forked or vfork child: with --follow the environment it inherited keeps our
		 * variables and its program is traced; without, noted for the listing. */
		if (target && !hf_g.follow)
			hf_run_untraced(file);
		errno = err;
		return env;
	}

	enum libc lc = OUR_LIBC;
	enum target t = target ? classify(target, 0, &lc) : T_SAME;
	const char *lib = self_path[0] ? self_path : NULL, *name = file ? file : "the program";
	switch (t) {
	case T_SAME:
		break;
	case T_OTHER_LIBC:
		lib = other_path[0] ? other_path : NULL;
		if (!lib)
			hf_warn("%s is a %s program, and the recorder has no %s build beside %s: it "
				"runs untraced (build heapfold with musl-gcc installed; docs/linking.md)",
				name, lc == L_MUSL ? "musl" : "glibc", lc == L_MUSL ? "musl" : "glibc",
				self_path);
		break;
	case T_STATIC:
		/* With --follow, what the static program runs inherits the preload (valgrind's
		 * static tool passes it on to the program it runs). */
		lib = hf_g.follow ? lib : NULL;
		fl->untraced = 1;
		hf_warn("%s is statically linked: the preload library cannot reach it, and it runs "
			"untraced unless heapfold is linked into it (docs/linking.md)", name);
		break;
	case T_FOREIGN:
		lib = NULL;
		hf_warn("%s is built for another architecture or word size: it runs untraced", name);
		break;
	case T_SECURE:
		lib = NULL;
		hf_warn("%s is setuid or setgid: the loader ignores preloaded libraries there, and it "
			"runs untraced", name);
		break;
	}
	fl->untraced |= !lib;

	size_t n = 0, n_saved, plen = 0;
	const char *prog_preload = NULL;
	const char *const *saved = hf_run_saved_env(&n_saved);
	for (char *const *e = env; *e; e++, n++)
		if (!strncmp(*e, "LD_PRELOAD=", 11))
			prog_preload = *e + 11;
	plen = 32 + strlen(self_path) + strlen(other_path) + (prog_preload ? strlen(prog_preload) : 0);
	fl->cap = (n + n_saved + 3) * sizeof(char *) + plen + 32;
	fl->mem = hf_os_alloc(fl->cap);
	if (!fl->mem) {
		hf_warn("out of memory before an exec: %s runs untraced", name);
		errno = err;
		return env;
	}
	char **out = fl->mem, *preload = (char *)(out + n + n_saved + 3), *count = preload + plen;
	size_t k = 0;
	int keep_ours = lib || t == T_STATIC; /* an untraced program never sees them */
	int have_preload = compose_preload(preload, plen, lib, prog_preload) > 0;
	for (char *const *e = env; *e; e++) {
		if (hf_opt_is_ours(*e))
			continue; /* ours come from what we found at start */
		if (!strncmp(*e, "LD_PRELOAD=", 11)) {
			if (have_preload)
				out[k++] = preload; /* where the program had it */
			have_preload = 0;
			continue;
		}
		out[k++] = *e;
	}
	if (have_preload)
		out[k++] = preload;
	for (size_t i = 0; keep_ours && i < n_saved; i++)
		if (hf_opt_is_ours(saved[i]) && strncmp(saved[i], "HEAPFOLD_EXEC=", 14) != 0)
			out[k++] = (char *)(uintptr_t)saved[i];
	if (keep_ours) {
		hf_fmt(count, 32, "HEAPFOLD_EXEC=%u", hf_run_image() + 1);
		out[k++] = count;
	}
	out[k] = NULL;
	errno = err;
	return out;
}

void hf_follow_commit(struct hf_follow *fl)
{
	if (fl->untraced)
		hf_run_end(); /* nothing after this image will list the run's traces */
}

void hf_follow_failed(struct hf_follow *fl)
{
	int err = errno;
	if (fl->mem)
		hf_os_free(fl->mem, fl->cap);
	fl->mem = NULL;
	errno = err;
}
