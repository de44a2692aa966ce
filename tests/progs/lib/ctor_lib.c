/* A shared library whose constructor allocates (tests/integration/rec_ctor.sh): it runs before
 * the preloaded recorder's own constructor. ctor_inner makes 3 x malloc(100), frees 2, keeps 1
 * until the program calls ctor_lib_release. */
#include <stdlib.h>

void *volatile ctor_sink;
static void *kept;

__attribute__((noinline)) static void ctor_inner(void)
{
	for (int i = 0; i < 3; i++) {
		void *p = malloc(100);
		ctor_sink = p;
		if (i < 2)
			free(p);
		else
			kept = p;
	}
}

__attribute__((constructor)) static void ctor(void)
{
	ctor_inner();
}

void ctor_lib_release(void)
{
	free(kept);
}
