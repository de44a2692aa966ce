/* hfp_warn.c: warnings, printed on stderr once when raised and kept for the report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hfp_base.h"
#include "hfp_buf.h"
#include "hfp_mem.h"
#include "hfp_warn.h"

void hfp_warn(struct hfp_warnings *w, const char *fmt, ...)
{
	struct hfp_buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	hfp_buf_puts(&b, tmp);
	if (!w->quiet)
		fprintf(stderr, HFP_NAME ": warning: %s\n", hfp_buf_str(&b));
	w->msg = hfp_reallocarray(w->msg, w->n + 1, sizeof *w->msg);
	w->msg[w->n++] = hfp_buf_take(&b);
}

void hfp_warnings_free(struct hfp_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msg[i]);
	free(w->msg);
	w->msg = NULL;
	w->n = 0;
}
