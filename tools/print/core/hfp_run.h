/* hfp_run.h: the whole tool: the pipeline read -> accumulate -> symbolize -> emit for parsed
 * options, and the command line in front of it. */
#ifndef HFP_RUN_H
#define HFP_RUN_H

struct hfp_options;

/* Runs the whole pipeline for parsed options. Returns an enum hfp_exit value. */
int hfp_run(const struct hfp_options *o);
/* The whole tool: parses argv, then prints help or the version, or runs the pipeline. Returns
 * the exit status (enum hfp_exit); never exits (short of running out of memory, see hfp_mem.h)
 * and frees what it allocated, so it can be called again (tests, tests/fuzz/fuzz_print.c).
 * getopt permutes argv. */
int hfp_main(int argc, char **argv);

#endif
