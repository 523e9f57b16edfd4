/* Console logging with boot-relative timestamps. The init writes to its
 * stdout, which the kernel connected to /dev/console. */
#include "clock.h"
#include "log.h"
#include "profile.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static double step_start;
static char step_name[32];
static int log_quiet;

void log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("[%8.3f] hopeless-init: %s%s\n", clock_secs(), level, msg);
	fflush(stdout);
}

void log_info(const char *fmt, ...)
{
	if (log_quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_line("", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("ERROR: ", fmt, ap);
	va_end(ap);
}

void step_begin(const char *name)
{
	snprintf(step_name, sizeof(step_name), "%s", name);
	step_start = clock_secs();
}

void step_end(const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	double secs = clock_secs() - step_start;
	log_info("%s: %s (%.3f s)", step_name, msg, secs);
	profile_step(step_name, secs);
}
