/* hfp_symbol_int.h: the symbolizer's state, shared by its files: hfp_symbol.c (modules, names,
 * resolving, the prefetch thread and its memo) and hfp_symfile.c (which file holds a module's
 * symbols and DWARF). Nothing outside symbol/ includes it. */
#ifndef HFP_SYMBOL_INT_H
#define HFP_SYMBOL_INT_H

#include <elfutils/libdwfl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/hfp_buf.h"
#include "../core/hfp_hash.h"
#include "../core/hfp_strtab.h"
#include "../core/hfp_warn.h"
#include "hfp_symbol.h"

enum mod_state { MOD_NEW, MOD_DWFL, MOD_NONE };

struct modstate {
	uint32_t id;
	int state;
	struct hfp_symbolizer *s;
	const struct hf_module *m;
	const char *label; /* basename of the path, for [label+0xOFFSET] */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	const struct hf_symbol *syms;
	size_t nsyms;
	/* public_name's index: the most public function symbol at each start address, by address;
	 * built on first use (npub == SIZE_MAX before) */
	struct pubsym *pub;
	size_t npub;
};

struct pubsym {
	uint64_t start, score; /* score: publicness (lower is more public) */
	uint32_t index;        /* in the symbol table: the earlier of two equal scores wins */
	const char *name;
};

struct hfp_symbolizer {
	struct hfp_modsrc src;
	const char *const *debug_paths;
	size_t ndebug_paths;
	const char *sysroot;
	struct hfp_warnings *w;
	Dwfl_Callbacks cb;
	struct modstate **mods; /* stable addresses: libdwfl keeps them as module userdata */
	size_t nmods, capmods;
	size_t last; /* index of the module hit last: consecutive lookups mostly share one */
	struct hfp_strtab names; /* demangled and formatted names, alive as long as s */
	/* hfp_symbolizer_prefetch: the thread, the modules it opens, its warnings until joined */
	pthread_t prefetch;
	int prefetching;
	uint32_t *prefetch_ids;
	size_t nprefetch;
	struct hfp_warnings *user_w;
	struct hfp_warnings prefetch_w;
	struct hfp_nodesrc nodes;  /* the nodes whose addresses the thread symbolizes ahead */
	atomic_int stop;           /* set by prefetch_join: the thread stops at the next address */
	/* The memo: (module, address) -> frames pool[start .. start + count) */
	struct hfp_hash memo;
	struct hfp_srcframe *pool;
	size_t npool, cappool;
	int raw_names; /* hfp_symbolizer_raw_names */
};

/* hfp_symfile.c */
int hfp_sym_elf_ready(void);
/* out: 2n + 1 bytes */
void hfp_sym_hex(char *out, const uint8_t *b, size_t n);
const char *hfp_sym_base_name(const char *p);
/* 1 if path is an ELF whose build-id is id[0..n) (any ELF when n is 0: nothing to verify),
 * 0 if it is another build, -1 if it is missing or not ELF. */
int hfp_sym_file_matches(const char *path, const uint8_t *id, size_t n);
/* Candidate paths for a module's file, in order of preference, into out (NUL-separated). */
void hfp_sym_candidates(const struct hfp_symbolizer *s, const struct hf_module *m, struct hfp_buf *out);
/* libdwfl's find_debuginfo callback (Dwfl_Callbacks). */
int hfp_sym_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			   char **debuginfo_file_name);

#endif
