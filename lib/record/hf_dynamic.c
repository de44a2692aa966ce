/* hf_dynamic.c: the dynamic sections of the objects dl_iterate_phdr lists. hf_preload.c reads
 * the executable's DT_NEEDED entries (is the program linked with us?); hf_stats.c asks once, in
 * the constructor, whether an object imports hf_stats (can anything read the peak?).
 *
 * An import is a dynamic symbol with no section (SHN_UNDEF), weak references included (HF_WEAK
 * programs). They are not always below DT_GNU_HASH's symoffset: GNU ld hashes the undefined
 * symbols a shared library at link time defined, so the whole table is read. Addresses in the
 * dynamic section: glibc relocates them in place when it loads an object, musl leaves the
 * link-time values, which lie below the object's base. */
#include <elf.h>
#include <link.h>
#include <string.h>

#include "hf_base.h"
#include "hf_stats.h"

struct scan {
	const char *const *names;
	int found;
};

const void *hf_dyn_section(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			return (const void *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	return NULL; /* a static executable */
}

uintptr_t hf_dyn_addr(const struct dl_phdr_info *info, uintptr_t v)
{
	return v < info->dlpi_addr ? info->dlpi_addr + v : v;
}

/* The number of dynamic symbols, or 0 if the object has no hash table to tell. DT_HASH: nchain.
 * DT_GNU_HASH: one past the last symbol of the last chain (the table has no count). */
static size_t symbol_count(uintptr_t hash, uintptr_t gnu)
{
	if (gnu) {
		const uint32_t *h = (const uint32_t *)gnu;
		uint32_t nbuckets = h[0], symoffset = h[1], bloom_words = h[2];
		const uint32_t *buckets = (const uint32_t *)((const ElfW(Addr) *)(h + 4) + bloom_words);
		const uint32_t *chain = buckets + nbuckets;
		uint32_t last = 0;
		for (uint32_t b = 0; b < nbuckets; b++)
			if (buckets[b] > last)
				last = buckets[b];
		if (last < symoffset)
			return symoffset;
		while (!(chain[last - symoffset] & 1))
			last++;
		return (size_t)last + 1;
	}
	if (hash) {
		const ElfW(Word) *h = (const ElfW(Word) *)hash;
		return h[1];
	}
	return 0;
}

static int object_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan *sc = data;
	const ElfW(Dyn) *dyn = hf_dyn_section(info);
	(void)size;
	if (!dyn)
		return 0;
	uintptr_t symtab = 0, strtab = 0, hash = 0, gnu = 0;
	size_t strsz = 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			symtab = hf_dyn_addr(info, dyn->d_un.d_ptr);
			break;
		case DT_STRTAB:
			strtab = hf_dyn_addr(info, dyn->d_un.d_ptr);
			break;
		case DT_STRSZ:
			strsz = dyn->d_un.d_val;
			break;
		case DT_HASH:
			hash = hf_dyn_addr(info, dyn->d_un.d_ptr);
			break;
		case DT_GNU_HASH:
			gnu = hf_dyn_addr(info, dyn->d_un.d_ptr);
			break;
		}
	}
	if (!symtab || !strtab)
		return 0;
	size_t n = symbol_count(hash, gnu);
	const ElfW(Sym) *sym = (const ElfW(Sym) *)symtab;
	for (size_t i = 1; i < n; i++) {
		if (sym[i].st_shndx != SHN_UNDEF || sym[i].st_name >= strsz)
			continue;
		const char *nm = (const char *)strtab + sym[i].st_name;
		size_t room = strsz - sym[i].st_name;
		for (const char *const *w = sc->names; *w; w++) {
			size_t len = strlen(*w);
			if (len < room && !memcmp(nm, *w, len + 1)) {
				sc->found = 1;
				return 1;
			}
		}
	}
	return 0;
}

int hf_imports_any(const char *const *names)
{
	struct scan sc = { names, 0 };
	dl_iterate_phdr(object_cb, &sc);
	return sc.found;
}
