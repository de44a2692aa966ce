/* hfp_main.c: heapfold_print's entry point. Everything else lives in the other hfp_*.c files so
 * the unit tests can link all of it but this. */
#include "hfp.h"

#ifndef HF_VERSION_STRING
#define HF_VERSION_STRING "unknown"
#endif

int main(int argc, char **argv)
{
	struct hfp_options o;
	int rc = hfp_options_parse(&o, argc, argv);
	if (rc == HFP_EXIT_OK && (o.help || o.version)) {
		struct hfp_out out;
		hfp_out_open(&out, NULL);
		if (o.help)
			hfp_usage(stdout);
		else
			printf(HFP_NAME " " HF_VERSION_STRING "\n");
		rc = hfp_out_close(&out);
	} else if (rc == HFP_EXIT_OK) {
		rc = hfp_run(&o);
	}
	hfp_options_free(&o);
	return rc;
}
