/* hf_modules.c: the module map. Every loaded object is written as a MODULE record (resolved
 * path, GNU build-id read from its in-memory PT_NOTE, load bias, PT_LOAD segments) before any
 * NODE holding one of its addresses, and MODULE_UNLOAD follows its dlclose.
 *
 * New objects are noticed three ways: a NODE whose frame lies in no known module triggers a
 * rescan when the loader's object list changed (dl_phdr_info's adds/subs counters), which also
 * covers allocations made by a library's constructors inside dlopen; the background thread
 * polls those counters every FLUSH_MS / 4; and hf_preload.c's dlclose rescans. dlopen itself is
 * not interposed: glibc resolves a relative dlopen against the *caller's* RUNPATH and $ORIGIN,
 * and a wrapper would make us the caller.
 *
 * Everything here runs under the meta lock. dl_iterate_phdr takes only the loader's list lock
 * (glibc's dl_load_write_lock, musl's rwlock), which is never held while user code runs, so
 * calling it with the meta lock held cannot deadlock against a constructor that allocates. */
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_meta.h"
#include "hf_modules.h"
#include "hf_writer.h"

/* --- the executable's path ------------------------------------------------------------------ */

static char exe_path[PATH_MAX];

const char *hf_exe_path(void)
{
	return exe_path;
}

/* The executable: the loader's first object. glibc names it "" (then /proc/self/exe), musl as
 * typed (maybe relative); run as "ld.so --preload lib prog" /proc/self/exe is the loader, so
 * the object's own name wins unless it is the same file as /proc/self/exe. */
static int first_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(const char **)data = info->dlpi_name ? info->dlpi_name : "";
	return 1;
}

void hf_modules_find_exe(void)
{
	const char *name = "";
	char proc[PATH_MAX], resolved[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", proc, sizeof proc - 1);
	proc[n > 0 ? n : 0] = 0;
	dl_iterate_phdr(first_cb, &name);
	/* Without /proc (a FROM scratch container) static musl's "/proc/self/exe" names nothing:
	 * the path the kernel was given at exec is the best there is. */
	if (!proc[0] && (!name[0] || !strcmp(name, "/proc/self/exe"))) {
		const char *fn = (const char *)getauxval(AT_EXECFN);
		if (fn)
			name = fn;
	}
	struct stat a, b;
	if (!name[0] || (proc[0] && stat(name, &a) == 0 && stat(proc, &b) == 0 &&
			 a.st_dev == b.st_dev && a.st_ino == b.st_ino))
		hf_fmt(exe_path, sizeof exe_path, "%s", proc);
	else if (realpath(name, resolved))
		hf_fmt(exe_path, sizeof exe_path, "%s", resolved);
	else
		hf_fmt(exe_path, sizeof exe_path, "%s", name);
}


struct mod {
	uint64_t bias;
	int index;         /* position in the loader's list when found: 0 is the executable */
	const void *phdr;
	uint32_t id;
	uint16_t phnum;
	uint8_t alive, seen;
	uint64_t lo, hi;   /* span of the PT_LOAD segments, bias applied */
	char *name;        /* the loader's name, for identity */
	char *path;        /* resolved, as in its MODULE record */
	uint8_t bid[64];   /* GNU build-id */
	size_t bid_len;
	uint8_t *body;     /* the MODULE record's body, replayed in a followed child */
	size_t body_len;
};

static struct {
	struct mod *mods;
	size_t n, cap;
	uint32_t next_id;
	unsigned long long adds, subs; /* loader generation at the last scan */
	int have_gen, scanned;
	uintptr_t vdso;
	uint8_t scratch[8192]; /* a MODULE body under construction */
} ms;

/* Module data lives as long as the process: a bump allocator over mmap'd blocks. */
static void *keep(const void *src, size_t n)
{
	static uint8_t *blk;
	static size_t left;
	n = (n + 7) & ~(size_t)7;
	if (n > left) {
		size_t sz = n > (64 << 10) ? n : 64 << 10;
		blk = hf_os_alloc(sz);
		if (!blk) {
			left = 0;
			return NULL;
		}
		left = sz;
	}
	void *p = blk;
	memcpy(p, src, n);
	blk += n;
	left -= n;
	return p;
}

/* Whether [a, a + n) lies inside one PT_LOAD segment: notes are read only from mapped memory. */
static int mapped(const struct dl_phdr_info *info, uint64_t a, uint64_t n)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && a >= ph->p_vaddr && a + n <= ph->p_vaddr + ph->p_memsz &&
		    a + n >= a)
			return 1;
	}
	return 0;
}

static size_t read_build_id(const struct dl_phdr_info *info, uint8_t *out, size_t cap)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE || !mapped(info, ph->p_vaddr, ph->p_memsz))
			continue;
		size_t align = ph->p_align == 8 ? 8 : 4;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const void *)p;
			size_t namesz = nh->n_namesz, descsz = nh->n_descsz;
			const uint8_t *name = p + sizeof *nh;
			if (namesz > (size_t)(end - name))
				break;
			const uint8_t *desc = name + ((namesz + align - 1) & ~(align - 1));
			if (desc > end || descsz > (size_t)(end - desc))
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(name, "GNU", 4) &&
			    descsz <= cap) {
				memcpy(out, desc, descsz);
				return descsz;
			}
			size_t adv = (descsz + align - 1) & ~(align - 1);
			if (adv > (size_t)(end - desc))
				break;
			p = desc + adv;
		}
	}
	return 0;
}

/* A new object: builds, writes and keeps its MODULE record. */
static void add(const struct dl_phdr_info *info, int index)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	char resolved[4096];
	const char *path = name;
	if (index == 0) {
		path = hf_exe_path(); /* resolved at start (hf_modules_find_exe) */
	} else if (ms.vdso && (uintptr_t)info->dlpi_phdr - ms.vdso < 4096) {
		path = "";
	} else if (name[0] && name[0] != '/' && realpath(name, resolved)) {
		path = resolved;
	}
	size_t plen = strnlen(path, sizeof resolved - 1);
	uint8_t bid[64];
	size_t blen = read_build_id(info, bid, sizeof bid);

	if (ms.n == ms.cap) {
		size_t cap = ms.cap ? ms.cap * 2 : 64;
		void *m = hf_os_grow(ms.mods, ms.cap * sizeof *ms.mods, cap * sizeof *ms.mods);
		if (!m)
			return;
		ms.mods = m;
		ms.cap = cap;
	}
	uint8_t *q = ms.scratch;
	uint32_t id = ++ms.next_id;
	int nseg = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		nseg += info->dlpi_phdr[i].p_type == PT_LOAD;
	if (nseg > 64)
		nseg = 64; /* keeps the body within scratch; no real object has more */
	const struct hf_rec_module rec = { id, (const uint8_t *)path, bid, plen, blen, info->dlpi_addr,
					   (uint64_t)nseg };
	q = hf_enc_module(q, &rec);
	for (int i = 0, k = 0; i < info->dlpi_phnum && k < nseg; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		k++;
		q = hf_enc_module_seg(q, ph->p_vaddr, ph->p_memsz, ph->p_flags & 7);
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	size_t len = (size_t)(q - ms.scratch);
	struct mod *m = &ms.mods[ms.n];
	*m = (struct mod){ .bias = info->dlpi_addr, .phdr = info->dlpi_phdr, .id = id,
			   .index = index, .phnum = info->dlpi_phnum, .alive = 1, .seen = 1,
			   .lo = lo, .hi = hi };
	m->bid_len = blen;
	memcpy(m->bid, bid, blen);
	m->name = keep(name, strlen(name) + 1);
	m->body = keep(ms.scratch, len);
	m->body_len = len;
	char pz[sizeof resolved];
	memcpy(pz, path, plen);
	pz[plen] = 0;
	m->path = keep(pz, plen + 1);
	if (!m->name || !m->body || !m->path)
		return;
	ms.n++;
	hf_meta_record(HF_TAG_MODULE, ms.scratch, len);
}

static int scan_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	int *index = data;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	if (*index == 0 && size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		ms.adds = info->dlpi_adds;
		ms.subs = info->dlpi_subs;
		ms.have_gen = 1;
	}
	for (size_t i = 0; i < ms.n; i++) {
		struct mod *m = &ms.mods[i];
		if (m->alive && m->bias == info->dlpi_addr && m->phdr == info->dlpi_phdr &&
		    m->phnum == info->dlpi_phnum && !strcmp(m->name, name)) {
			m->seen = 1;
			(*index)++;
			return 0;
		}
	}
	add(info, *index);
	(*index)++;
	return 0;
}

void hf_modules_scan(void)
{
	if (!ms.vdso)
		ms.vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	for (size_t i = 0; i < ms.n; i++)
		ms.mods[i].seen = 0;
	int index = 0;
	dl_iterate_phdr(scan_cb, &index);
	for (size_t i = 0; i < ms.n; i++) {
		struct mod *m = &ms.mods[i];
		if (m->alive && !m->seen) {
			uint8_t body[HF_MAX_MODULE_UNLOAD_BODY];
			m->alive = 0;
			hf_meta_record(HF_TAG_MODULE_UNLOAD, body, (size_t)(hf_enc_module_unload(body, m->id) - body));
		}
	}
	ms.scanned = 1;
}

struct gen {
	unsigned long long adds, subs;
	int ok;
};

static int gen_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct gen *g = data;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		g->adds = info->dlpi_adds;
		g->subs = info->dlpi_subs;
		g->ok = 1;
	}
	return 1; /* the counters are global: the first object is enough */
}

/* Whether the loader's list changed since the last scan (always "yes" without counters). */
static int changed(void)
{
	struct gen g = { 0, 0, 0 };
	dl_iterate_phdr(gen_cb, &g);
	return !g.ok || !ms.have_gen || g.adds != ms.adds || g.subs != ms.subs;
}

void hf_modules_ensure(uintptr_t addr)
{
	for (size_t i = 0; i < ms.n; i++)
		if (ms.mods[i].alive && addr >= ms.mods[i].lo && addr < ms.mods[i].hi)
			return;
	if (!ms.scanned || changed())
		hf_modules_scan();
}

void hf_modules_poll(void)
{
	hf_meta_lock();
	if (!ms.scanned || changed())
		hf_modules_scan();
	hf_meta_unlock();
}

/* A followed child's trace starts with the modules its parent had loaded, same ids, without
 * asking the loader (whose lock a parent thread may have held at fork). */
void hf_modules_replay(void)
{
	for (size_t i = 0; i < ms.n; i++)
		if (ms.mods[i].alive)
			hf_meta_record(HF_TAG_MODULE, ms.mods[i].body, ms.mods[i].body_len);
}

void hf_modules_mappings(hf_mapping_fn fn, void *arg)
{
	for (size_t i = 0; i < ms.n; i++) {
		const struct mod *m = &ms.mods[i];
		if (!m->alive || !m->path[0])
			continue;
		const ElfW(Phdr) *ph = m->phdr;
		for (int k = 0; k < m->phnum; k++)
			if (ph[k].p_type == PT_LOAD && (ph[k].p_flags & PF_X))
				fn(m->path, m->bid, m->bid_len, m->bias + (ph[k].p_vaddr & ~(uint64_t)4095),
				   m->bias + ph[k].p_vaddr + ph[k].p_memsz, ph[k].p_offset & ~(uint64_t)4095, arg);
	}
}

uint32_t hf_modules_exe(uint64_t *bias, const uint8_t **build_id, size_t *build_id_len)
{
	for (size_t i = 0; i < ms.n; i++) {
		struct mod *m = &ms.mods[i];
		if (m->alive && m->index == 0) {
			*bias = m->bias;
			*build_id = m->bid;
			*build_id_len = m->bid_len;
			return m->id;
		}
	}
	return 0;
}
