/* hfp_buf.c: a growable byte buffer (see hfp_buf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hfp_buf.h"
#include "hfp_mem.h"

void hfp_buf_put(struct hfp_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (b->len + n + 1 > cap)
			cap *= 2;
		b->p = hfp_realloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void hfp_buf_puts(struct hfp_buf *b, const char *s)
{
	hfp_buf_put(b, s, strlen(s));
}

void hfp_buf_putc(struct hfp_buf *b, char c)
{
	hfp_buf_put(b, &c, 1);
}

void hfp_buf_printf(struct hfp_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		hfp_buf_put(b, tmp, (size_t)n);
		return;
	}
	char *big = hfp_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	hfp_buf_put(b, big, (size_t)n);
	free(big);
}

const char *hfp_buf_str(struct hfp_buf *b)
{
	hfp_buf_put(b, "", 0);
	b->p[b->len] = 0;
	return b->p;
}

char *hfp_buf_take(struct hfp_buf *b)
{
	hfp_buf_str(b);
	char *p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void hfp_buf_free(struct hfp_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
