/* hf_symbols.c: SYMBOLS records for a statically linked executable, so that its trace can be
 * symbolized without the binary (a trace copied out of a FROM scratch container).
 *
 * At the close of a trace, the executable's own symbol table (.symtab, which static links keep
 * unless the binary is stripped) is read from the file, and the function symbols that hold at
 * least one frame of the trace's stacks are written: usually a few hundred names, not the
 * thousands of a static libc. The file is /proc/self/exe, or where /proc is missing, the path
 * the kernel was given at exec (AT_EXECFN; the recorder resolved it at start). Its GNU
 * build-id must match the running image's (read from memory at start): a binary replaced on
 * disk since it started gives no symbols rather than wrong ones. A stripped binary, or one that
 * cannot be opened, gives none either; heapfold_print then needs the binary (docs/linking.md).
 *
 * Runs under the meta lock at exit or hf_stop, so it allocates nothing from the program's
 * allocator: the file is mapped, the arrays come from mmap. */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_meta.h"
#include "hf_modules.h"
#include "hf_stack.h"
#include "hf_symbols.h"
#include "hf_writer.h"

#define SYMBOLS_BODY_MAX (1u << 20) /* one record's body; more names go in further records */

struct frames {
	uint64_t *v;
	size_t n, cap;
	uint64_t bias;
};

struct sym {
	uint64_t start, size;
	const char *name;
	size_t len;
	int pref; /* among aliases of one address: global, then weak, then local; fewer '_' */
};

/* Heap sorts, in place, without the program's allocator (qsort may call malloc). */
#define SIFT(T, key)                                                                              \
	static void sift_##T(T *a, size_t i, size_t n)                                            \
	{                                                                                         \
		for (;;) {                                                                        \
			size_t c = 2 * i + 1;                                                     \
			if (c >= n)                                                               \
				return;                                                           \
			if (c + 1 < n && key(a[c + 1]) > key(a[c]))                               \
				c++;                                                              \
			if (key(a[c]) <= key(a[i]))                                               \
				return;                                                           \
			T tmp = a[i];                                                             \
			a[i] = a[c];                                                              \
			a[c] = tmp;                                                               \
			i = c;                                                                    \
		}                                                                                 \
	}                                                                                         \
	static void sort_##T(T *a, size_t n)                                                      \
	{                                                                                         \
		for (size_t i = n / 2; i-- > 0;)                                                  \
			sift_##T(a, i, n);                                                        \
		for (size_t k = n; k-- > 1;) {                                                    \
			T tmp = a[0];                                                             \
			a[0] = a[k];                                                              \
			a[k] = tmp;                                                               \
			sift_##T(a, 0, k);                                                        \
		}                                                                                 \
	}
typedef uint64_t u64;
typedef struct sym symv;
#define KEY_U64(x) (x)
#define KEY_SYM(x) ((x).start)
SIFT(u64, KEY_U64)
SIFT(symv, KEY_SYM)

static void add_frame(uint64_t frame, void *arg)
{
	struct frames *f = arg;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 4096;
		uint64_t *v = hf_os_grow(f->v, f->cap * sizeof *v, cap * sizeof *v);
		if (!v)
			return;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = frame - f->bias - 1; /* a return address: the call is just before it */
}

/* Whether a sorted array holds a value in [lo, lo + size). */
static int holds(const uint64_t *v, size_t n, uint64_t lo, uint64_t size)
{
	size_t a = 0, b = n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (v[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	return a < n && v[a] - lo < size;
}

/* The file's GNU build-id note, from its section headers. */
static int build_id_matches(const uint8_t *base, size_t len, const Elf64_Shdr *sh, size_t shnum,
			    const uint8_t *want, size_t want_len)
{
	if (!want_len)
		return 1; /* nothing to compare with (linked without --build-id) */
	for (size_t i = 0; i < shnum; i++) {
		if (sh[i].sh_type != SHT_NOTE || sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset)
			continue;
		const uint8_t *p = base + sh[i].sh_offset, *end = p + sh[i].sh_size;
		while ((size_t)(end - p) >= sizeof(Elf64_Nhdr)) {
			const Elf64_Nhdr *nh = (const void *)p;
			size_t nsz = (nh->n_namesz + 3) & ~(size_t)3, dsz = (nh->n_descsz + 3) & ~(size_t)3;
			const uint8_t *name = p + sizeof *nh, *desc = name + nsz;
			if (nsz > (size_t)(end - name) || dsz > (size_t)(end - desc))
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4))
				return nh->n_descsz == want_len && !memcmp(desc, want, want_len);
			p = desc + dsz;
		}
	}
	return 0;
}

static int open_exe(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0 && hf_exe_path()[0])
		fd = open(hf_exe_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0 && getauxval(AT_EXECFN))
		fd = open((const char *)getauxval(AT_EXECFN), O_RDONLY | O_CLOEXEC);
	return fd;
}

static void put_record(uint32_t module, const struct sym *s, size_t n, uint8_t *buf)
{
	uint8_t *q = hf_enc_symbols(buf, module, n);
	uint64_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		q = hf_enc_symbol(q, s[i].start - prev, s[i].size, s[i].name, s[i].len);
		prev = s[i].start;
	}
	hf_meta_record(HF_TAG_SYMBOLS, buf, (size_t)(q - buf));
}

/* Writes the matched symbols, sorted, in records of at most SYMBOLS_BODY_MAX bytes. */
static void emit(uint32_t module, struct sym *s, size_t n)
{
	uint8_t *buf = hf_os_alloc(SYMBOLS_BODY_MAX + 64);
	if (!buf)
		return;
	sort_symv(s, n);
	size_t k = 0; /* one name per address (malloc and its aliases) */
	for (size_t i = 0; i < n; i++) {
		if (k && s[k - 1].start == s[i].start) {
			if (s[i].pref > s[k - 1].pref)
				s[k - 1] = s[i];
			continue;
		}
		s[k++] = s[i];
	}
	n = k;
	size_t first = 0, bytes = 2 * HF_VARINT_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t need = 3 * HF_VARINT_MAX + s[i].len;
		if (i > first && bytes + need > SYMBOLS_BODY_MAX) {
			put_record(module, s + first, i - first, buf);
			first = i;
			bytes = 2 * HF_VARINT_MAX;
		}
		bytes += need;
	}
	if (n > first)
		put_record(module, s + first, n - first, buf);
	hf_os_free(buf, SYMBOLS_BODY_MAX + 64);
}

void hf_symbols_write(void)
{
	uint64_t bias;
	const uint8_t *bid;
	size_t bid_len;
	uint32_t module = hf_modules_exe(&bias, &bid, &bid_len);
	if (!module)
		return;
	struct frames fr = { NULL, 0, 0, bias };
	hf_stack_frames(add_frame, &fr);
	int fd = -1;
	struct stat st;
	void *map = MAP_FAILED;
	struct sym *out = NULL;
	size_t out_cap = 0;
	if (!fr.n || (fd = open_exe()) < 0 || fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		goto done;
	size_t len = (size_t)st.st_size;
	if ((map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		goto done;
	const uint8_t *base = map;
	const Elf64_Ehdr *eh = map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
	    eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		goto done;
	const Elf64_Shdr *sh = (const void *)(base + eh->e_shoff);
	if (!build_id_matches(base, len, sh, eh->e_shnum, bid, bid_len))
		goto done;
	const Elf64_Shdr *symtab = NULL;
	for (size_t i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
	if (!symtab || symtab->sh_link >= eh->e_shnum || symtab->sh_entsize != sizeof(Elf64_Sym) ||
	    symtab->sh_offset > len || symtab->sh_size > len - symtab->sh_offset)
		goto done;
	const Elf64_Shdr *strtab = &sh[symtab->sh_link];
	if (strtab->sh_offset > len || strtab->sh_size > len - strtab->sh_offset)
		goto done;
	const Elf64_Sym *syms = (const void *)(base + symtab->sh_offset);
	const char *strs = (const char *)base + strtab->sh_offset;
	size_t nsyms = symtab->sh_size / sizeof *syms, nout = 0;
	sort_u64(fr.v, fr.n);
	for (size_t i = 0; i < nsyms; i++) {
		const Elf64_Sym *y = &syms[i];
		int type = ELF64_ST_TYPE(y->st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !y->st_size || y->st_shndx == SHN_UNDEF ||
		    y->st_name >= strtab->sh_size || !holds(fr.v, fr.n, y->st_value, y->st_size))
			continue;
		const char *name = strs + y->st_name;
		size_t nl = strnlen(name, strtab->sh_size - y->st_name);
		if (!nl || nl > 4096)
			continue;
		if (nout == out_cap) {
			size_t cap = out_cap ? 2 * out_cap : 1024;
			struct sym *o = hf_os_grow(out, out_cap * sizeof *o, cap * sizeof *o);
			if (!o)
				break;
			out = o;
			out_cap = cap;
		}
		int bind = ELF64_ST_BIND(y->st_info), under = 0;
		while (under < 3 && name[under] == '_')
			under++;
		int pref = (bind == STB_GLOBAL ? 8 : bind == STB_WEAK ? 4 : 0) + 3 - under;
		out[nout++] = (struct sym){ y->st_value, y->st_size, name, nl, pref };
	}
	emit(module, out, nout);
done:
	hf_os_free(out, out_cap * sizeof *out);
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	hf_os_free(fr.v, fr.cap * sizeof *fr.v);
}
