/* hf_modules.h: the module map (hf_modules.c): loaded objects for offline symbolization, and
 * the executable's path. */
#ifndef HF_MODULES_H
#define HF_MODULES_H

#include "hf_base.h"
/* Under the meta lock: emits MODULE / MODULE_UNLOAD for what changed since the last scan. */
void hf_modules_scan(void);
/* At start: resolves the executable's path, which hf_exe_path returns from then on. */
void hf_modules_find_exe(void);
/* Under the meta lock, before a NODE with address addr: rescan if addr is in no known module
 * and the loader's object list changed (a dlopen whose MODULE is not written yet). */
void hf_modules_ensure(uintptr_t addr);
/* Takes the meta lock; rescans if the loader's object list changed (dlopen, dlclose). */
void hf_modules_poll(void);
/* Under the meta lock, in a followed child: appends the MODULE records of loaded objects again. */
void hf_modules_replay(void);
/* Under the meta lock: the executable's module id (0 if none), its load bias and build-id. */
uint32_t hf_modules_exe(uint64_t *bias, const uint8_t **build_id, size_t *build_id_len);

/* Under the meta lock: fn for each executable segment of every loaded module with a path, as
 * /proc/self/maps shows it (start and offset down to the page): for pprof's mappings. */
typedef void (*hf_mapping_fn)(const char *path, const uint8_t *build_id, size_t build_id_len,
			      uint64_t start, uint64_t limit, uint64_t offset, void *arg);
void hf_modules_mappings(hf_mapping_fn fn, void *arg);

/* The executable's resolved path (readlink /proc/self/exe), "" if unknown. */
const char *hf_exe_path(void); /* hf_modules.c */

#endif
