/* The one monotonic clock (see clock.h). */
#include "clock.h"
#include <time.h>

uint64_t clock_ns(void)
{
	struct timespec ts;
	/* CLOCK_BOOTTIME exists since Linux 2.6.39; CLOCK_MONOTONIC only as a
	 * fallback, so that a deadline still passes if it ever failed. */
	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0 && clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double clock_secs(void)
{
	return (double)clock_ns() / 1e9;
}
