/* hfp_out.h: outputs: a named file or standard output, closed with every error checked. */
#ifndef HFP_OUT_H
#define HFP_OUT_H

#include <stdio.h>

/* Closing checks every error (ferror, fflush, fclose, EPIPE) and prints one line naming the
 * output. */
struct hfp_out {
	FILE *f;
	const char *name; /* for messages: the path, or "standard output" */
	int is_stdout;
	int created;      /* we created the file: remove it if the run fails */
	char *buf;        /* a file's stdio buffer (HFP_OUT_BUFFER bytes) */
};

/* A file is written through a buffer of this size rather than stdio's 4 KiB: -F writes hundreds
 * of megabytes for a trace of a million distinct stacks, a write(2) each 4 KiB. */
#define HFP_OUT_BUFFER (1u << 20)

/* Opens path, or standard output for "-" and NULL. Returns HFP_EXIT_OK or HFP_EXIT_OUTPUT
 * (message printed). */
int hfp_out_open(struct hfp_out *o, const char *path);
/* The stream behind "standard output": NULL (the default) means stdout, which hfp_out_close
 * closes, as the tool's last write to it. A caller that runs hfp_main more than once (tests, the
 * fuzzer) sets its own stream here; hfp_out_close then flushes it but leaves it open. */
extern FILE *hfp_stdout;
/* Returns HFP_EXIT_OK or HFP_EXIT_OUTPUT (message printed). A pipe on standard output that its
 * reader closed (heapfold_print ... | head) is not an error: HFP_EXIT_OK, nothing printed. */
int hfp_out_close(struct hfp_out *o);
/* Closes and removes a file this run created (used when the run fails before writing it). */
void hfp_out_discard(struct hfp_out *o);

#endif
