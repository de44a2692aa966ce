/* hf_rival_preload.c: another malloc that wins symbol resolution over ours.
 *
 * Preloaded or linked, heapfold sees the program's allocations only because the dynamic linker
 * binds malloc and the rest to its definitions: the first object in the lookup order (the
 * executable, then LD_PRELOAD's libraries in order, then the executable's DT_NEEDED libraries)
 * that defines a name wins. With LD_PRELOAD="libmimalloc.so.2 libheapfold.so" (or jemalloc
 * first), a program linked with -lmimalloc before -lheapfold, or an executable with an
 * allocator linked into it, the other allocator wins: every call goes there, and a trace
 * without the program's allocations would be written with nothing to say why. So at start we
 * ask the loader what it binds each name to, and if it is not us, one line names the object and
 * the fix. With heapfold first nothing is said: the other allocator is what our
 * dlsym(RTLD_NEXT) finds, and every allocation is recorded and made by it
 * (tests/integration/rec_allocators.sh). */
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>

#include "hf_base.h"
#include "hf_rival.h"
#include "hf_thread.h"

/* The names a program calls most; an allocator that replaces any of them replaces all. */
static const char *const checked[] = { "malloc", "free", "calloc", "realloc" };

struct in_exe {
	uintptr_t addr;
	int found;
};

/* The first object dl_iterate_phdr reports is the executable: whether addr is in one of its
 * loaded segments. */
static int exe_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct in_exe *e = data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && e->addr >= lo && e->addr - lo < ph->p_memsz)
			e->found = 1;
	}
	return 1; /* the executable only */
}

void hf_rival_check(void)
{
	struct hf_tls *t = &hf_tls;
	int mode = t->mode;
	t->mode = HF_MODE_INSIDE; /* whatever the loader allocates is not the program's */
	Dl_info self, other;
	const char *name = NULL;
	void *f = NULL;
	if (dladdr((void *)(uintptr_t)hf_rival_check, &self)) {
		for (size_t i = 0; i < sizeof checked / sizeof checked[0] && !name; i++) {
			f = dlsym(RTLD_DEFAULT, checked[i]);
			if (f && dladdr(f, &other) && other.dli_fbase != self.dli_fbase)
				name = checked[i];
		}
	}
	if (name) {
		struct in_exe e = { (uintptr_t)f, 0 };
		dl_iterate_phdr(exe_cb, &e);
		if (e.found)
			hf_warn("%s is the executable's own (an allocator linked into it), which no library "
				"can replace: the program's allocations are not recorded; link that "
				"allocator as a shared library instead, and load libheapfold.so first",
				name);
		else
			hf_warn("%s is %s's, which the loader found before libheapfold.so: the program's "
				"allocations are not recorded; load libheapfold.so first (first in "
				"LD_PRELOAD, as the heapfold launcher does, or -lheapfold before that "
				"library when linking)",
				name, other.dli_fname && other.dli_fname[0] ? other.dli_fname : "another object");
	}
	t->mode = mode;
}
