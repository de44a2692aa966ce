/* hfp_buf.h: a growable byte buffer, for text built piece by piece (frame names, SVG elements,
 * lists of candidate paths). */
#ifndef HFP_BUF_H
#define HFP_BUF_H

#include <stddef.h>

struct hfp_buf {
	char *p;
	size_t len, cap;
};

void hfp_buf_put(struct hfp_buf *b, const void *s, size_t n);
void hfp_buf_puts(struct hfp_buf *b, const char *s);
void hfp_buf_putc(struct hfp_buf *b, char c);
void hfp_buf_printf(struct hfp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminates and returns the content (still owned by b). */
const char *hfp_buf_str(struct hfp_buf *b);
/* NUL-terminates and hands the content over to the caller (free it); b is empty after. */
char *hfp_buf_take(struct hfp_buf *b);
void hfp_buf_free(struct hfp_buf *b);

#endif
