/* hfp_symfile.c: which file holds a module's symbols and DWARF.
 *
 * The recorded path if its GNU build-id matches the trace's, else --sysroot DIR +
 * path, else in each --debug-path DIR: DIR/.build-id/xx/rest(.debug) and DIR/basename, else the
 * system's /usr/lib/debug/.build-id/xx/rest.debug. A file with another build-id is never used: a
 * rebuilt binary would give plausible but wrong names. Stripped files get their DWARF and symbols
 * through hfp_sym_find_debuginfo below (the same directories, then libdwfl's standard search). Without
 * any file, the trace's SYMBOLS records (static binaries write them) give function names.
 * Anything still unknown is shown as "[module+0xOFFSET]", OFFSET = frame - bias. A file
 * whose sections are compressed reaches libdwfl inflated (hfp_debugfile.c). */
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfp_debugfile.h"
#include "hfp_symbol_int.h"

int hfp_sym_elf_ready(void)
{
	static int ok = -1;
	if (ok < 0)
		ok = elf_version(EV_CURRENT) != EV_NONE;
	return ok;
}

long hfp_file_build_id(const char *path, uint8_t *out, size_t cap)
{
	if (!hfp_sym_elf_ready())
		return -1;
	/* Paths come from the trace: a FIFO or a terminal there must not block the tool (open would
	 * wait for a writer, libelf for input). Only regular files are read; every other file this
	 * code opens passed through here first. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	long r = -1;
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && elf_kind(e) == ELF_K_ELF) {
		const void *id = NULL;
		ssize_t n = dwelf_elf_gnu_build_id(e, &id);
		r = 0;
		if (n > 0 && id) {
			size_t k = (size_t)n < cap ? (size_t)n : cap;
			memcpy(out, id, k);
			r = (long)n;
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return r;
}

void hfp_sym_hex(char *out, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

const char *hfp_sym_base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int hfp_sym_file_matches(const char *path, const uint8_t *id, size_t n)
{
	uint8_t got[64];
	long k = hfp_file_build_id(path, got, sizeof got);
	if (k < 0)
		return -1;
	if (n == 0)
		return 1;
	return (size_t)k == n && memcmp(got, id, n) == 0;
}

void hfp_sym_candidates(const struct hfp_symbolizer *s, const struct hf_module *m, struct hfp_buf *out)
{
	char id[2 * 64 + 1] = "";
	size_t idn = m->build_id_len < 64 ? m->build_id_len : 64;
	if (idn >= 2)
		hfp_sym_hex(id, m->build_id, idn);
	const char *path = m->path ? m->path : "";
	if (*path) {
		hfp_buf_put(out, path, strlen(path) + 1);
		if (s->sysroot) {
			hfp_buf_printf(out, "%s%s", s->sysroot, path);
			hfp_buf_putc(out, 0);
		}
	}
	for (size_t i = 0; i < s->ndebug_paths; i++) {
		const char *d = s->debug_paths[i];
		if (idn >= 2) {
			hfp_buf_printf(out, "%s/.build-id/%.2s/%s", d, id, id + 2);
			hfp_buf_putc(out, 0);
			hfp_buf_printf(out, "%s/.build-id/%.2s/%s.debug", d, id, id + 2);
			hfp_buf_putc(out, 0);
		}
		if (*path) {
			hfp_buf_printf(out, "%s/%s", d, hfp_sym_base_name(path));
			hfp_buf_putc(out, 0);
			hfp_buf_printf(out, "%s/%s.debug", d, hfp_sym_base_name(path));
			hfp_buf_putc(out, 0);
		}
	}
	if (idn >= 2) {
		if (s->sysroot) {
			hfp_buf_printf(out, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", s->sysroot, id, id + 2);
			hfp_buf_putc(out, 0);
		}
		hfp_buf_printf(out, "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
		hfp_buf_putc(out, 0);
	}
}

/* libdwfl asks for DWARF when the file it has lacks it: try the same directories by build-id,
 * debuglink name and basename, then libdwfl's standard search (debuglink, /usr/lib/debug). */
int hfp_sym_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			  char **debuginfo_file_name)
{
	struct modstate *ms = userdata ? *userdata : NULL;
	if (ms) {
		const unsigned char *bits = NULL;
		GElf_Addr vaddr;
		int n = dwfl_module_build_id(mod, &bits, &vaddr);
		const struct hfp_symbolizer *s = ms->s;
		char id[2 * 64 + 1] = "";
		if (n >= 2 && n <= 64)
			hfp_sym_hex(id, bits, (size_t)n);
		struct hfp_buf c = { 0 };
		for (size_t i = 0; i < s->ndebug_paths; i++) {
			const char *d = s->debug_paths[i];
			if (*id) {
				hfp_buf_printf(&c, "%s/.build-id/%.2s/%s.debug", d, id, id + 2);
				hfp_buf_putc(&c, 0);
			}
			if (debuglink_file) {
				hfp_buf_printf(&c, "%s/%s", d, debuglink_file);
				hfp_buf_putc(&c, 0);
			}
			if (file_name) {
				hfp_buf_printf(&c, "%s/%s.debug", d, hfp_sym_base_name(file_name));
				hfp_buf_putc(&c, 0);
			}
		}
		if (*id && s->sysroot) {
			hfp_buf_printf(&c, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", s->sysroot, id, id + 2);
			hfp_buf_putc(&c, 0);
		}
		/* The system's, which libdwfl's search below finds too; but libdwfl keeps the file
		 * it opened to check the build-id, so only a descriptor returned from here can be
		 * one whose sections hfp_debugfile_inflate inflated. */
		if (*id) {
			hfp_buf_printf(&c, "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
			hfp_buf_putc(&c, 0);
		}
		for (size_t off = 0; off < c.len; off += strlen(c.p + off) + 1) {
			const char *p = c.p + off;
			if (file_name && strcmp(p, file_name) == 0)
				continue;
			if (hfp_sym_file_matches(p, n > 0 ? bits : NULL, n > 0 ? (size_t)n : 0) != 1)
				continue;
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				*debuginfo_file_name = strdup(p);
				hfp_buf_free(&c);
				return hfp_debugfile_inflate(fd);
			}
		}
		hfp_buf_free(&c);
	}
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					    debuglink_crc, debuginfo_file_name);
}
