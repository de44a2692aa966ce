/* hfp_strtab.c: string interning on the shared hash table, keyed by the strings' bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hfp_mem.h"
#include "hfp_strtab.h"

struct str_ent {
	uint64_t hash; /* owned by the table */
	char *s;
};

/* The interned string is the key when it starts with the key's len bytes and ends there. */
static int str_same(const void *entry, const void *key, size_t len, void *ctx)
{
	(void)ctx;
	const char *s = ((const struct str_ent *)entry)->s;
	return strncmp(s, key, len) == 0 && strnlen(s, len + 1) == len;
}

static const struct hfp_hash_type str_type = {
	.entry_size = sizeof(struct str_ent),
	.key_size = 0,
	.same = str_same,
	.min_cap = 256,
	.max_load = 50,
};

const char *hfp_intern_n(struct hfp_strtab *t, const char *s, size_t len)
{
	if (!t->h.type) /* a zeroed struct is an empty table: its owners need no init call */
		hfp_hash_init(&t->h, &str_type, NULL);
	int added;
	struct str_ent *e = hfp_hash_put(&t->h, s, len, &added);
	if (added)
		e->s = hfp_strndup(s, len);
	return e->s;
}

const char *hfp_intern(struct hfp_strtab *t, const char *s)
{
	return hfp_intern_n(t, s, strlen(s));
}

void hfp_strtab_free(struct hfp_strtab *t)
{
	size_t pos = 0;
	struct str_ent *e;
	while ((e = hfp_hash_next(&t->h, &pos)) != NULL)
		free(e->s);
	hfp_hash_free(&t->h);
}
