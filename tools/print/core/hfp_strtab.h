/* hfp_strtab.h: string interning: equal strings get the same pointer, alive until
 * hfp_strtab_free, so frames and names compare by pointer. A zeroed struct is an empty table. */
#ifndef HFP_STRTAB_H
#define HFP_STRTAB_H

#include <stddef.h>

#include "hfp_hash.h"

struct hfp_strtab {
	struct hfp_hash h; /* the strings, set up at the first one */
};

const char *hfp_intern(struct hfp_strtab *t, const char *s);
/* Interns the first len bytes of s. */
const char *hfp_intern_n(struct hfp_strtab *t, const char *s, size_t len);
void hfp_strtab_free(struct hfp_strtab *t);

#endif
