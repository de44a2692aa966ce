/* hfp_inputs.h: the traces a run reads: the TRACE arguments with each directory replaced by the
 * trace files in it, and the --pid/--exe selection. */
#ifndef HFP_INPUTS_H
#define HFP_INPUTS_H

#include <stddef.h>

struct hf_trace_info;
struct hfp_options;

struct hfp_inputs {
	char **path;
	size_t n;
};

/* Expands args: a directory becomes the heapfold traces in it (files whose first bytes are a
 * trace chunk's, in name order; other files are left out), anything else stays as given (the
 * reader says what is wrong with it). Returns HFP_EXIT_OK, or HFP_EXIT_DATA after one line on
 * stderr (a directory that cannot be read or holds no trace). */
int hfp_inputs_expand(struct hfp_inputs *in, const char *const *args, size_t n);
void hfp_inputs_free(struct hfp_inputs *in);
/* 1 if the process of info is one --pid and --exe select (each, when given, must match; --exe
 * matches the program's file name or its full path). */
int hfp_inputs_selected(const struct hfp_options *o, const struct hf_trace_info *info);

#endif
