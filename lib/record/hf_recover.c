/* hf_recover.c: the callers of musl libc functions, which have no unwind tables, in statically
 * linked musl programs.
 *
 * A stack captured inside strdup, fopen or getline ends at the libc function: libunwind cannot
 * step past code without unwind tables (and heapfold drops what its frame-pointer guess finds
 * beyond, see hf_stack.c). Here, when the first frame of the program's stack is such a
 * function, its caller is found from the machine code instead, only where that is certain:
 *
 *   1. the return address into the libc function sits in a stack slot heapfold can name
 *      exactly: the one above the hooks' own frames, which keep frame pointers (the same walk
 *      as hf_early.c); it must be the frame the unwinder reported;
 *   2. the function's start and size come from the executable's symbol table, and hf_x86.c
 *      decodes it from its start to that call site and finds how far rsp was below its entry
 *      there, and where it pushed rbp (if it did), or says it cannot;
 *   3. the caller's return address is read from that slot, and must follow a call
 *      instruction in the executable's code;
 * and the unwinder goes on from there (libunwind's fast trace from a register state built from
 * those values), for as many libc functions in a row as that takes. Anything else leaves the
 * stack as it was: cut at the libc function, marked "no unwind information". The first frames
 * count as trustworthy then (hf_stack.c does not cut them).
 *
 * Only in statically linked musl programs (glibc's libc has unwind tables; a musl libc.so has
 * no symbol table with sizes to decode from). Decisions are cached per return address; the
 * cache is read without a lock (an address field written last, checked twice). */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "hf_base.h"
#include "hf_recover.h"
#include "hf_unwind.h"

#define PLAN_N 4096 /* cached decisions (direct-mapped) */
#define MAX_LEVELS 8 /* libc functions in a row (fopen -> __fdopen -> malloc) */

/* libunwind's fast trace, internal to it but linked into us (hidden). */
int _ULx86_64_tdep_trace(unw_cursor_t *cursor, void **addresses, int *n);

struct fn {
	uint64_t start, size;
};

static struct {
	int state; /* 0: not loaded, 1: loaded, -1: not available */
	struct fn *v;
	size_t n;
	uint64_t bias, lo, hi; /* the executable's load bias and the span of its code */
} ex;

/* A decision for one return address. Written under lock, read lock-free: ip is stored last
 * (0 while the entry changes) and read before and after the fields. */
struct plan {
	uintptr_t ip;
	int32_t state; /* 1: recoverable, 2: has unwind info (nothing to do), 3: not recoverable */
	int32_t height, rbp_h;
};
static struct plan plans[PLAN_N];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int hf_recover_on;

void hf_recover_init(void)
{
#ifndef __GLIBC__
	hf_recover_on = hf_g.link_mode == HF_LINK_STATIC && !hf_g.unwind_fp;
#endif
}

/* --- the executable's functions ------------------------------------------------------------ */

static void sort_fns(struct fn *a, size_t n)
{
	/* Heap sort by start (no qsort: it may allocate). */
	for (size_t i = n / 2; i-- > 0;) {
		for (size_t j = i;;) {
			size_t c = 2 * j + 1;
			if (c >= n)
				break;
			if (c + 1 < n && a[c + 1].start > a[c].start)
				c++;
			if (a[c].start <= a[j].start)
				break;
			struct fn t = a[j];
			a[j] = a[c];
			a[c] = t;
			j = c;
		}
	}
	for (size_t k = n; k-- > 1;) {
		struct fn t = a[0];
		a[0] = a[k];
		a[k] = t;
		for (size_t j = 0;;) {
			size_t c = 2 * j + 1;
			if (c >= k)
				break;
			if (c + 1 < k && a[c + 1].start > a[c].start)
				c++;
			if (a[c].start <= a[j].start)
				break;
			struct fn u = a[j];
			a[j] = a[c];
			a[c] = u;
			j = c;
		}
	}
}

static int exe_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	ex.bias = info->dlpi_addr;
	ex.lo = UINT64_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			uint64_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
			ex.lo = lo < ex.lo ? lo : ex.lo;
			ex.hi = hi > ex.hi ? hi : ex.hi;
		}
	}
	return 1; /* the first object is the executable */
}

/* Lock held. The function symbols of the executable's .symtab, from its file. */
static void load_exe(void)
{
	ex.state = -1;
	dl_iterate_phdr(exe_cb, NULL);
	if (ex.lo >= ex.hi)
		return;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0 && getauxval(AT_EXECFN))
		fd = open((const char *)getauxval(AT_EXECFN), O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t len = (size_t)st.st_size;
	const uint8_t *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const void *)base;
	const Elf64_Shdr *sh = (const void *)(base + eh->e_shoff);
	const Elf64_Shdr *symtab = NULL;
	if (!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh->e_shentsize == sizeof(Elf64_Shdr) && eh->e_shoff <= len &&
	    eh->e_shnum <= (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		for (size_t i = 0; i < eh->e_shnum; i++)
			if (sh[i].sh_type == SHT_SYMTAB && sh[i].sh_entsize == sizeof(Elf64_Sym) &&
			    sh[i].sh_offset <= len && sh[i].sh_size <= len - sh[i].sh_offset)
				symtab = &sh[i];
	size_t nsyms = symtab ? symtab->sh_size / sizeof(Elf64_Sym) : 0;
	struct fn *v = nsyms ? hf_os_alloc(nsyms * sizeof *v) : NULL;
	size_t n = 0;
	const Elf64_Shdr *strtab = symtab && symtab->sh_link < eh->e_shnum ? &sh[symtab->sh_link] : NULL;
	if (!strtab || strtab->sh_offset > len || strtab->sh_size > len - strtab->sh_offset)
		nsyms = 0;
	for (size_t i = 0; v && i < nsyms; i++) {
		const Elf64_Sym *y = (const Elf64_Sym *)(base + symtab->sh_offset) + i;
		if (ELF64_ST_TYPE(y->st_info) != STT_FUNC || !y->st_size || y->st_shndx == SHN_UNDEF ||
		    y->st_name >= strtab->sh_size)
			continue;
		const char *name = (const char *)base + strtab->sh_offset + y->st_name;
		if (!memchr(name, 0, strtab->sh_size - y->st_name) || !hf_x86_is_entry(name))
			continue; /* (a part of another function: fn_of finds nothing there) */
		v[n++] = (struct fn){ y->st_value + ex.bias, y->st_size };
	}
	munmap((void *)(uintptr_t)base, len);
	if (!n)
		return;
	sort_fns(v, n);
	ex.v = v;
	ex.n = n;
	ex.state = 1;
}

/* Lock held: the function holding the call that returns to ip (ip - 1 is inside it). */
static const struct fn *fn_of(uintptr_t ip)
{
	size_t a = 0, b = ex.n;
	while (a < b) { /* first start above ip - 1 */
		size_t m = a + (b - a) / 2;
		if (ex.v[m].start <= ip - 1)
			a = m + 1;
		else
			b = m;
	}
	if (!a)
		return NULL;
	const struct fn *f = &ex.v[a - 1];
	/* Inside it, and not inside a neighbour too (aliases share a start: same function). */
	if (ip - 1 - f->start >= f->size)
		return NULL;
	return f;
}

/* --- decisions ----------------------------------------------------------------------------- */

static size_t slot_of(uintptr_t ip)
{
	return (size_t)((ip * 0x9e3779b97f4a7c15ull) >> 52) & (PLAN_N - 1);
}

static int lookup(uintptr_t ip, struct plan *out)
{
	struct plan *p = &plans[slot_of(ip)];
	if (__atomic_load_n(&p->ip, __ATOMIC_ACQUIRE) != ip)
		return 0;
	out->state = hf_load(&p->state);
	out->height = hf_load(&p->height);
	out->rbp_h = hf_load(&p->rbp_h);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return hf_load(&p->ip) == ip;
}

static struct plan decide(uintptr_t ip)
{
	struct plan pl = { ip, 3, 0, -1 };
	pthread_mutex_lock(&lock);
	if (lookup(ip, &pl)) {
		pthread_mutex_unlock(&lock);
		return pl;
	}
	pl = (struct plan){ ip, 3, 0, -1 };
	if (hf_unwind_has_info(ip)) {
		pl.state = 2;
	} else {
		if (!ex.state)
			load_exe();
		const struct fn *f = ex.state > 0 && ip > ex.lo && ip <= ex.hi ? fn_of(ip) : NULL;
		int32_t h, rbp_h;
		if (f && f->start >= ex.lo && f->start + f->size <= ex.hi &&
		    hf_x86_call_height((const uint8_t *)(uintptr_t)f->start, f->start, f->size, ip,
				       &h, &rbp_h) == 0) {
			pl.state = 1;
			pl.height = h;
			pl.rbp_h = rbp_h;
		}
	}
	struct plan *p = &plans[slot_of(ip)];
	hf_store(&p->ip, 0);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	hf_store(&p->state, pl.state);
	hf_store(&p->height, pl.height);
	hf_store(&p->rbp_h, pl.rbp_h);
	__atomic_store_n(&p->ip, ip, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
	return pl;
}

/* Whether the code just before ra is a call instruction (rel32, or indirect through a
 * register or memory): a value in a stack slot that is not a return address fails this. */
static int after_call(uintptr_t ra)
{
	if (ra < ex.lo + 7 || ra > ex.hi)
		return 0;
	const uint8_t *p = (const uint8_t *)ra;
	if (p[-5] == 0xe8)
		return 1;
	for (int k = 2; k <= 7; k++) /* ff /2 with ModRM (+SIB, displacement) */
		if (p[-k] == 0xff && ((p[-k + 1] >> 3) & 7) == 2)
			return 1;
	return 0;
}

/* --- at capture ---------------------------------------------------------------------------- */

unsigned hf_recover(const void *frame, uintptr_t *ips, unsigned n, unsigned want, unsigned *trusted,
		    int *looked)
{
	struct plan pl;
	*trusted = 0;
	*looked = 0;
	if (!lookup(ips[0], &pl))
		pl = decide(ips[0]);
	if (pl.state != 1)
		return n;
	*looked = 1;
	/* The slot holding ips[0]: above the hooks' frames (each keeps a frame pointer). */
	const uintptr_t *f = frame;
	const uintptr_t *slot = NULL;
	uintptr_t rbp = 0;
	for (int i = 0; i < 8 && f && !((uintptr_t)f & 7); i++) {
		if (f[1] - hf_rec_lo >= hf_rec_hi - hf_rec_lo) {
			slot = &f[1];
			rbp = f[0]; /* the libc function's rbp at its call, saved by our frame */
			break;
		}
		const uintptr_t *next = (const uintptr_t *)f[0];
		if (next <= f)
			return n;
		f = next;
	}
	if (!slot || *slot != ips[0])
		return n;
	unsigned k = 1; /* ips[0] stays; what follows is replaced */
	uintptr_t ip = ips[0];
	for (int level = 0; level < MAX_LEVELS && k < want; level++) {
		const uint8_t *sp = (const uint8_t *)(slot + 1); /* rsp at the call in ip's function */
		const uintptr_t *ra_slot = (const uintptr_t *)(sp + pl.height);
		uintptr_t ra = *ra_slot;
		if (!after_call(ra))
			return n;
		if (pl.rbp_h >= 0)
			rbp = *(const uintptr_t *)(sp + pl.height - pl.rbp_h);
		ips[k++] = ra;
		*trusted = k - 1; /* frames before index k - 1 have a known caller */
		slot = ra_slot;
		ip = ra;
		if (!lookup(ip, &pl))
			pl = decide(ip);
		if (pl.state == 1)
			continue; /* another libc function */
		if (pl.state == 3)
			return k; /* ends there, marked as before */
		break;
	}
	if (pl.state != 2 || k >= want)
		return k;
	/* The rest with libunwind's fast trace, from the caller's state: rip the return address,
	 * rsp just above its slot, rbp as the libc functions left it. */
	unw_context_t uc;
	unw_cursor_t c;
	if (unw_getcontext(&uc) != 0)
		return k;
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)ip;
	uc.uc_mcontext.gregs[REG_RSP] = (greg_t)(uintptr_t)(slot + 1);
	uc.uc_mcontext.gregs[REG_RBP] = (greg_t)rbp;
	if (unw_init_local2(&c, &uc, 0) < 0)
		return k;
	int m = (int)(want - k);
	if (_ULx86_64_tdep_trace(&c, (void **)(ips + k), &m) < 0 && m <= 0)
		return k;
	return k + (unsigned)(m > 0 ? m : 0);
}
