/* strbuf: a growable string (see strbuf.h). Growth doubles the capacity, so appending n bytes
 * one at a time costs O(log n) reallocations and at most 2n bytes. */
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

static int grow(struct strbuf *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 16;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int strbuf_append(struct strbuf *b, const char *s, size_t n)
{
	if (grow(b, b->len + n + 1) < 0)
		return -1;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int strbuf_append_u(struct strbuf *b, unsigned long v)
{
	char d[24];
	size_t k = sizeof d;
	do
		d[--k] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	return strbuf_append(b, d + k, sizeof d - k);
}

int strbuf_join(struct strbuf *b, const char *const *parts, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		if ((i && strbuf_append(b, sep, strlen(sep)) < 0) ||
		    strbuf_append(b, parts[i], strlen(parts[i])) < 0)
			return -1;
	return 0;
}

void strbuf_free(struct strbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void strbuf_free_leaky(struct strbuf *b)
{
	b->data = NULL; /* BUG (deliberate): the data is not freed */
	b->len = b->cap = 0;
}
