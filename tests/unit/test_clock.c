/* The init's one clock: non-zero, never going back, one clock behind both
 * readings. No durations are asserted. */
#include "clock.h"
#include "harness.h"

TEST(clock_monotonic_and_consistent)
{
	uint64_t first = clock_ns(), prev = first;
	CHECK(first > 0);
	int backwards = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t t = clock_ns();
		if (t < prev)
			backwards++;
		prev = t;
	}
	CHECK_INT(backwards, 0);
	double s = clock_secs();
	uint64_t after = clock_ns();
	CHECK(s * 1e9 >= (double)prev - 1e3 && s * 1e9 <= (double)after + 1e3);
}
