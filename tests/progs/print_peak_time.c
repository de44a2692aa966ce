/* Ground truth for the time of the peak (tests/integration/print_costs.sh): main sleeps 25 ms,
 * then allocates 50 MiB, the peak, and frees it. It prints the time from main's start to just
 * before that malloc, in microseconds: the trace starts earlier still, so the peak's reported
 * time is at least that. */
#include <time.h>
#include "gt.h"

static unsigned long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000u + (unsigned long long)ts.tv_nsec / 1000u;
}

int main(void)
{
	unsigned long long t0 = now_us();
	struct timespec d = { 0, 25 * 1000 * 1000 };
	while (nanosleep(&d, &d) != 0)
		;
	unsigned long long t1 = now_us();
	void *p = malloc(50u << 20);
	GT_CHECK(p);
	gt_keep(p);
	free(p);
	char buf[64], *q = buf + sizeof buf;
	*--q = 0;
	*--q = '\n';
	unsigned long long v = t1 - t0;
	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	gt_say("elapsed_us=");
	gt_say(q);
	return 0;
}
