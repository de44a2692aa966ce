/* hfp_debugfile.c: compressed ELF sections inflated with libdeflate, ahead of libdw.
 *
 * Debian's debug files (libc6-dbg, the -dbgsym packages) and binaries built with gcc -gz store
 * their .debug_* sections zlib-compressed (SHF_COMPRESSED). libdw inflates every one of them
 * whole when it opens the DWARF, with zlib: for glibc's debug file, 4 MB of compressed sections
 * into about 15 MB, which took most of heapfold_print's time on a short trace (its symbolizer
 * thread was the last to finish). libdeflate inflates whole buffers about three times faster,
 * and that is all this needs: the copy made here has the same sections, each stored inflated,
 * and libelf reads it as any other file.
 *
 * The copy is an anonymous in-memory file (memfd), because libdwfl takes a file descriptor.
 * It keeps every uncompressed section, the ELF header and the program headers at their offsets
 * (what lies between them is never written, so it costs no memory), puts the inflated sections
 * after the original end, and a new section header table after them.
 *
 * The sections that naming a frame never reads (variables' locations, macros) become empty
 * SHT_NOBITS sections, which libdw takes for absent: neither inflated nor copied. For glibc's
 * debug file that is .debug_loclists, 1.4 MB of the 10 MB inflated. */
#include <elf.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfp_debugfile.h"

/* A section that claims to inflate to more is damage, not debug information. */
#define INFLATED_MAX ((uint64_t)1 << 32)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) & ~(a - 1) : v;
}

/* 1 if [off, off + len) lies within a file of size bytes. */
static int within(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* The compressed section sh of the file in[0..size): its header, checked. */
static int read_chdr(const unsigned char *in, uint64_t size, const Elf64_Shdr *sh, Elf64_Chdr *ch)
{
	if (!within(sh->sh_offset, sh->sh_size, size) || sh->sh_size < sizeof *ch)
		return -1;
	memcpy(ch, in + sh->sh_offset, sizeof *ch);
	if (ch->ch_type != ELFCOMPRESS_ZLIB || ch->ch_size > INFLATED_MAX ||
	    (ch->ch_addralign & (ch->ch_addralign - 1)) || ch->ch_addralign > 4096)
		return -1;
	return 0;
}

/* Sections that resolving an address to functions, inlined calls and lines never reads. */
static int unused_section(const char *name)
{
	static const char *const unused[] = { ".debug_loc", ".debug_loclists", ".debug_macro",
					      ".debug_macinfo" };
	for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++)
		if (strcmp(name, unused[i]) == 0)
			return 1;
	return 0;
}

/* Empties the sections of sh[0..n) that unused_section names, by the section name table of the
 * file in[0..size) (whose index is shstrndx); a name that cannot be read is kept. */
static void drop_unused(const unsigned char *in, uint64_t size, Elf64_Shdr *sh, size_t n, size_t shstrndx)
{
	if (shstrndx >= n || sh[shstrndx].sh_type != SHT_STRTAB ||
	    (sh[shstrndx].sh_flags & SHF_COMPRESSED) || !within(sh[shstrndx].sh_offset, sh[shstrndx].sh_size, size))
		return;
	const char *names = (const char *)in + sh[shstrndx].sh_offset;
	uint64_t len = sh[shstrndx].sh_size;
	for (size_t i = 0; i < n; i++) {
		uint64_t at = sh[i].sh_name;
		if (at >= len || !memchr(names + at, 0, len - at) || !unused_section(names + at))
			continue;
		sh[i].sh_type = SHT_NOBITS;
		sh[i].sh_size = 0;
		sh[i].sh_flags &= ~(uint64_t)SHF_COMPRESSED;
	}
}

/* Writes the copy of in[0..size) into a new memfd; -1 if there is nothing to inflate or the file
 * is not as expected. */
static int build(const unsigned char *in, uint64_t size)
{
	Elf64_Ehdr eh;
	if (size < sizeof eh)
		return -1;
	memcpy(&eh, in, sizeof eh);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 ||
	    !within(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), size))
		return -1;
	size_t n = eh.e_shnum;
	Elf64_Shdr *sh = malloc(n * sizeof *sh);
	if (!sh)
		return -1;
	memcpy(sh, in + eh.e_shoff, n * sizeof *sh);
	drop_unused(in, size, sh, n, eh.e_shstrndx);

	/* The layout: inflated sections from the original end on, then the section headers. */
	uint64_t end = align_up(size, 64);
	size_t ncompressed = 0;
	for (size_t i = 0; i < n; i++) {
		Elf64_Chdr ch;
		if (!(sh[i].sh_flags & SHF_COMPRESSED) || sh[i].sh_type == SHT_NOBITS)
			continue;
		if (read_chdr(in, size, &sh[i], &ch) < 0)
			goto fail; /* libelf decides what to make of it, as it would have */
		end = align_up(end, ch.ch_addralign) + ch.ch_size;
		ncompressed++;
	}
	if (!ncompressed)
		goto fail;
	uint64_t shoff = align_up(end, 8), total = shoff + n * sizeof *sh;

	int mfd = memfd_create("heapfold-debuginfo", MFD_CLOEXEC);
	if (mfd < 0)
		goto fail;
	unsigned char *out = MAP_FAILED;
	if (ftruncate(mfd, (off_t)total) == 0)
		out = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	struct libdeflate_decompressor *dec = out != MAP_FAILED ? libdeflate_alloc_decompressor() : NULL;
	if (!dec)
		goto fail_out;
	/* The inflated sections are written whole: their pages are made in one call rather than
	 * one fault at a time (13% of the -F run on a short trace where glibc's debug file is
	 * most of the work). Not the holes below them. A kernel without it faults as before. */
	uint64_t from = align_up(size, 64) & ~(uint64_t)4095;
	madvise(out + from, total - from, MADV_POPULATE_WRITE);

	memcpy(out, in, sizeof eh);
	if (eh.e_phnum && eh.e_phentsize &&
	    within(eh.e_phoff, (uint64_t)eh.e_phnum * eh.e_phentsize, size))
		memcpy(out + eh.e_phoff, in + eh.e_phoff, (size_t)eh.e_phnum * eh.e_phentsize);
	end = align_up(size, 64);
	for (size_t i = 0; i < n; i++) {
		Elf64_Shdr *s = &sh[i];
		if (s->sh_type == SHT_NOBITS || s->sh_size == 0)
			continue;
		if (!(s->sh_flags & SHF_COMPRESSED)) {
			if (within(s->sh_offset, s->sh_size, size))
				memcpy(out + s->sh_offset, in + s->sh_offset, s->sh_size);
			continue;
		}
		Elf64_Chdr ch;
		read_chdr(in, size, s, &ch); /* checked above */
		uint64_t at = align_up(end, ch.ch_addralign);
		size_t got = 0;
		if (libdeflate_zlib_decompress(dec, in + s->sh_offset + sizeof ch, s->sh_size - sizeof ch,
					       out + at, ch.ch_size, &got) != LIBDEFLATE_SUCCESS ||
		    got != ch.ch_size)
			goto fail_dec;
		s->sh_offset = at;
		s->sh_size = ch.ch_size;
		s->sh_addralign = ch.ch_addralign;
		s->sh_flags &= ~(uint64_t)SHF_COMPRESSED;
		end = at + ch.ch_size;
	}
	memcpy(out + shoff, sh, n * sizeof *sh);
	eh.e_shoff = shoff;
	memcpy(out, &eh, sizeof eh);
	libdeflate_free_decompressor(dec);
	munmap(out, total);
	free(sh);
	if (lseek(mfd, 0, SEEK_SET) != 0) {
		close(mfd);
		return -1;
	}
	return mfd;

fail_dec:
	libdeflate_free_decompressor(dec);
fail_out:
	if (out != MAP_FAILED)
		munmap(out, total);
	close(mfd);
fail:
	free(sh);
	return -1;
}

int hfp_debugfile_inflate(int fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return fd;
	uint64_t size = (uint64_t)st.st_size;
	void *in = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0); /* read whole */
	if (in == MAP_FAILED)
		return fd;
	int copy = build(in, size);
	munmap(in, size);
	if (copy < 0)
		return fd;
	close(fd);
	return copy;
}
