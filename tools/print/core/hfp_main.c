/* hfp_main.c: heapfold_print's entry point. Everything else, hfp_main() included, lives in the
 * other files so the unit tests and the fuzzer can link all of it but this one. */
#include "hfp_run.h"

int main(int argc, char **argv)
{
	return hfp_main(argc, argv);
}
