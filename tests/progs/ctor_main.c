/* Ground truth for allocations made before the recorder starts (tests/integration/rec_ctor.sh):
 * linked with tests/progs/lib/ctor_lib.c, whose constructor makes 3 x malloc(100) before the
 * preloaded recorder's constructor runs, and frees the one it keeps here; main makes
 * 4 x malloc(50), all freed. */
#include <stdlib.h>
#include <unistd.h>

void ctor_lib_release(void);
void *volatile gt_sink;

int main(void)
{
	for (int i = 0; i < 4; i++) {
		void *p = malloc(50);
		gt_sink = p;
		free(p);
	}
	ctor_lib_release();
	if (write(1, "ctor_main: ok\n", 14) < 0)
		return 1;
	return 0;
}
