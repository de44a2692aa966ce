/* strbuf: a growable string, the small library code examples/unit-test/test_strbuf.c tests. */
#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>

struct strbuf {
	char *data; /* NUL-terminated, or NULL while empty */
	size_t len, cap;
};

/* Appends n bytes of s; 0, or -1 when out of memory (the buffer is unchanged). */
int strbuf_append(struct strbuf *b, const char *s, size_t n);
/* Appends the decimal digits of v. */
int strbuf_append_u(struct strbuf *b, unsigned long v);
/* Gives the memory back; the buffer is empty again. */
void strbuf_free(struct strbuf *b);
/* Joins n strings with sep into b. */
int strbuf_join(struct strbuf *b, const char *const *parts, size_t n, const char *sep);
/* A deliberately broken variant of strbuf_free that forgets the data: the test shows that
 * hf_stats catches it. */
void strbuf_free_leaky(struct strbuf *b);

#endif
