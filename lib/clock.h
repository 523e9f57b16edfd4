/* One clock for hopeless-init and the CLI's deadlines: time since the
 * kernel booted, for deadlines, backoff, step durations, console
 * timestamps and the t= of boot events.
 * CLOCK_BOOTTIME: monotonic (never set back, unlike the wall clock a node
 * may not even have yet), and it starts at the kernel's boot, so console
 * lines and events read as one timeline. */
#ifndef HOPELESS_CLOCK_H
#define HOPELESS_CLOCK_H
#include <stdint.h>

/* Nanoseconds since boot. */
uint64_t clock_ns(void);
/* Seconds since boot. */
double clock_secs(void);
#endif
