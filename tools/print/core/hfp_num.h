/* hfp_num.h: numbers read from the command line and numbers written for people. */
#ifndef HFP_NUM_H
#define HFP_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Parses "123", "4K", "1.5M", "2G" (binary units: 1K = 1024; an optional trailing B or iB).
 * Returns 0, or -1 for anything else (empty, junk, unknown suffix, overflow). */
int hfp_parse_size(const char *s, uint64_t *out);
/* Parses a plain unsigned decimal integer. Returns 0 or -1. */
int hfp_parse_uint(const char *s, uint64_t *out);
/* Human-readable bytes as heaptrack prints them: "838B", "1.68K", "4.66M" (1K = 1024). */
char *hfp_human_bytes(uint64_t v, char *buf, size_t cap);
/* Integer with thousands separators: "1,234,567". */
char *hfp_group_digits(uint64_t v, char *buf, size_t cap);

#endif
