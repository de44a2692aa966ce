/* hfp_warn.h: warnings, printed on stderr once when raised and kept for the top of the report. */
#ifndef HFP_WARN_H
#define HFP_WARN_H

#include <stddef.h>

struct hfp_warnings {
	char **msg;
	size_t n;
	int quiet; /* keep, do not print (tests; the symbolizer's second thread until it is joined) */
};

void hfp_warn(struct hfp_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hfp_warnings_free(struct hfp_warnings *w);

#endif
