/* Console logging for hopeless-init. Every line starts with the time since
 * the kernel booted (clock.h), so a boot log reads as a timeline. */
#ifndef HOPELESS_INIT_LOG_H
#define HOPELESS_INIT_LOG_H
#include <stdarg.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Step timing: step_begin() remembers the start, step_end() logs
 * "<name>: <what> (<duration> s)". */
void step_begin(const char *name);
void step_end(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Optional remote sink for boot events (set once the network is up). */
void log_set_quiet(int quiet);
#endif
