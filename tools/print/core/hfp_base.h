/* hfp_base.h: what every part of heapfold_print shares: its name in messages and its exit codes. */
#ifndef HFP_BASE_H
#define HFP_BASE_H

#define HFP_NAME "heapfold_print"

/* Exit codes, as the man page documents them. */
enum hfp_exit {
	HFP_EXIT_OK = 0,
	HFP_EXIT_DATA = 1,   /* missing, unreadable, corrupt trace; unknown version */
	HFP_EXIT_USAGE = 2,  /* bad option or argument */
	HFP_EXIT_OUTPUT = 3, /* an output could not be created or written */
	HFP_EXIT_LIMIT = 4,  /* a --fail-if or --fail-on-leak limit was broken */
};

#endif
