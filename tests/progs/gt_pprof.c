/* Ground truth for heap profiles (tests/integration/rec_pprof.sh): gt_pprof FIRST SECOND ANSWER
 *   keep   10 x malloc(1000), kept;   then hf_pprof_write(FIRST)
 *   swap   the 10 freed, 5 x malloc(3000), kept;   then hf_pprof_write(SECOND)
 * so FIRST holds 10 blocks, 10,000 bytes in use at keep; SECOND holds 5 blocks, 15,000 bytes in
 * use at swap, and exactly those allocated since FIRST. At exit the 5 are live: 15,000 bytes
 * leaked. ANSWER is what both calls must return: ok, noprofile (no live profile kept) or
 * notavail (no heapfold at all). */
#include "gt.h"
#define HF_WEAK /* preloaded, linked, or neither */
#include "heapfold.h"

static void *blocks[10];

__attribute__((noinline)) static void keep(void)
{
	for (int i = 0; i < 10; i++) {
		blocks[i] = malloc(1000);
		GT_CHECK(blocks[i]);
	}
}

__attribute__((noinline)) static void swap(void)
{
	for (int i = 0; i < 10; i++)
		free(blocks[i]);
	for (int i = 0; i < 5; i++) {
		blocks[i] = malloc(3000);
		GT_CHECK(blocks[i]);
	}
}

int main(int argc, char **argv)
{
	GT_CHECK(argc == 4);
	int want = !strcmp(argv[3], "ok") ? HF_OK : !strcmp(argv[3], "noprofile") ? HF_ENOPROFILE : HF_ENOTAVAIL;
	GT_CHECK(hf_pprof_write(NULL) == (want == HF_ENOTAVAIL ? HF_ENOTAVAIL : HF_EINVAL));
	keep();
	GT_CHECK(hf_pprof_write(argv[1]) == want);
	swap();
	GT_CHECK(hf_pprof_write(argv[2]) == want);
	gt_say("gt_pprof: ok\n");
	return 0;
}
