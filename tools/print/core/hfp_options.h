/* hfp_options.h: heapfold_print's command line, parsed into one struct every stage reads. */
#ifndef HFP_OPTIONS_H
#define HFP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hfp_limits.h"

struct hfp_options {
	const char *trace;      /* the first trace given (names the run when there is one) */
	const char **traces;    /* every TRACE argument and -f/--file, in order: files or directories */
	size_t ntraces;
	uint64_t *pids;         /* --pid: only the traces of these processes */
	size_t npids;
	const char **exes;      /* --exe: only the traces of these programs */
	size_t nexes;
	const char *output;     /* -o: the report; NULL = stdout */
	const char *folded;     /* -F: folded stacks; "-" = stdout */
	const char *svg;        /* --svg; "-" = stdout */
	const char *html;       /* --html */
	const char *histogram;  /* -H */
	const char *pprof;      /* --pprof */
	const char *diff_base;  /* -d, --diff: the base trace */
	const char *massif;     /* -M, --print-massif */
	double massif_threshold; /* --massif-threshold, percent (default 1) */
	int cost;               /* enum hfp_cost for -F / --svg */
	int cost_given;
	int print_allocators, print_peaks, print_temporary, print_leaks;
	unsigned long peak_limit, sub_peak_limit;
	int temporary_only;     /* --temporary */
	uint64_t temporary_threshold;
	uint64_t min_size, max_size;
	const char **functions; /* --filter-bt-function (any of them) */
	size_t nfunctions;
	const char **debug_paths;
	size_t ndebug_paths;
	const char *sysroot;
	int above_main;         /* --print-above-main */
	int show_allocator;     /* --show-allocator */
	const char **allocfns;  /* --allocator-frame */
	size_t nallocfns;
	int raw_names;          /* --raw-names */
	int shorten_templates;  /* --shorten-templates */
	struct hfp_limit *limits; /* --fail-if, --fail-on-leak */
	size_t nlimits;
	int progress;           /* -1 auto (stderr is a terminal), 0 off, 1 on */
	int help, version;
};

/* Parses argv into *o. Returns HFP_EXIT_OK, or HFP_EXIT_USAGE after printing one line on stderr.
 * o->help / o->version ask the caller to print usage or version and exit 0. */
int hfp_options_parse(struct hfp_options *o, int argc, char **argv);
void hfp_options_free(struct hfp_options *o);
void hfp_usage(FILE *f);
/* 1 when any option narrows the set of allocations (the report says so at the top). */
int hfp_options_filtered(const struct hfp_options *o);
/* "--min-size 1K --temporary ..." describing the active filters, in buf. */
void hfp_options_describe_filters(const struct hfp_options *o, char *buf, size_t cap);

#endif
