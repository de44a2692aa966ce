/* Ground truth for a program that closes or replaces every descriptor it did not open
 * (tests/integration/rec_closefds.sh), as daemons and closefrom(3) do. MODE (argv[1]):
 *   start  closes descriptors 3 to 1023 first thing, then allocates
 *   mid    allocates, flushes the trace (hf_flush), closes 3 to 1023, allocates again
 *   dup2   allocates, flushes, dup2s /dev/null over every open descriptor from 3, allocates
 *   stderr allocates, flushes, removes the trace file TRACE (argv[3]) so it cannot be opened
 *          again, closes 3 to 1023 and 2, opens DATA (argv[2]) as descriptor 2, writes 10
 *          bytes to it, allocates again: the recorder must stop and never write into DATA
 * Each phase makes 100 x malloc(64) + free and keeps 5 x malloc(32): 210 allocations in all
 * (105 in the first phase of stderr mode before the trace goes). */
#include <dlfcn.h>
#include <fcntl.h>
#include "gt.h"

static void *kept[10];
static int nkept;

static void phase(void)
{
	for (int i = 0; i < 100; i++) {
		void *p = malloc(64);
		GT_CHECK(p);
		gt_keep(p);
		free(p);
	}
	for (int i = 0; i < 5; i++)
		GT_CHECK((kept[nkept++] = malloc(32)) != NULL);
}

static void flush(void)
{
	void (*f)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "hf_flush");
	GT_CHECK(f != NULL);
	f();
}

static void close_from_3(void)
{
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

int main(int argc, char **argv)
{
	GT_CHECK(argc >= 2);
	const char *mode = argv[1];
	if (!strcmp(mode, "start")) {
		close_from_3();
		phase();
		phase();
	} else if (!strcmp(mode, "mid")) {
		phase();
		flush();
		close_from_3();
		phase();
	} else if (!strcmp(mode, "dup2")) {
		phase();
		flush();
		int null = open("/dev/null", O_WRONLY);
		GT_CHECK(null >= 0);
		for (int fd = 3; fd < 1024; fd++)
			if (fd != null && fcntl(fd, F_GETFD) >= 0)
				GT_CHECK(dup2(null, fd) == fd);
		phase();
	} else if (!strcmp(mode, "stderr")) {
		GT_CHECK(argc == 4);
		phase();
		flush();
		GT_CHECK(unlink(argv[3]) == 0);
		close_from_3();
		close(2);
		GT_CHECK(open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600) == 2);
		GT_CHECK(write(2, "0123456789", 10) == 10);
		phase();
	} else {
		return 2;
	}
	gt_say("rec_closefds: ok\n");
	return 0;
}
