/* hfp_main.c: heapfold_print's entry point. Everything else, hfp_main() included, lives in the
 * other files so the unit tests and the fuzzer can link all of it but this one. */
#include <stdlib.h> /* defines __GLIBC__ under glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "hfp_run.h"

int main(int argc, char **argv)
{
#ifdef __GLIBC__
	/* Blocks of 128 KiB or more get their own mapping and go back to the system when freed.
	 * glibc would otherwise raise that threshold to the size of each such block freed, up to
	 * 32 MiB, and keep the next ones in its heap, where freeing returns nothing: the
	 * accumulator's per-stack figures, freed block by block while the stack layer grows
	 * (hfp_accum_drain), would stay in the peak beside it. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	return hfp_main(argc, argv);
}
