/* The boot profile (see profile.h). Fixed tables: the init has a handful of
 * steps and floor parts, and a profile must never fail the boot. */
#include "profile.h"
#include "clock.h"
#include "event.h"
#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PROFILE_TERMS 12

struct term {
	char name[16];
	double secs;
};

static struct term steps[PROFILE_TERMS], floors[PROFILE_TERMS];
static int nsteps, nfloors;

static void add(struct term *t, int *n, const char *name, double secs)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(t[i].name, name)) {
			t[i].secs += secs;
			return;
		}
	if (*n == PROFILE_TERMS)
		return;
	snprintf(t[*n].name, sizeof(t[*n].name), "%s", name);
	t[*n].secs = secs;
	(*n)++;
}

void profile_step(const char *name, double secs)
{
	add(steps, &nsteps, name, secs);
}

void profile_floor(const char *name, double secs)
{
	add(floors, &nfloors, name, secs);
}

/* Appends to buf at *off; past cap the line is cut, never overrun. */
static void put(char *buf, unsigned long cap, unsigned long *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, unsigned long cap, unsigned long *off, const char *fmt, ...)
{
	if (*off + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (unsigned long)n < cap ? *off + (unsigned long)n : cap - 1;
}

int profile_format(double total, char *buf, unsigned long cap)
{
	unsigned long off = 0;
	double sum = 0, floor = 0;
	if (!cap)
		return -1;
	buf[0] = '\0';
	put(buf, cap, &off, "%.3f s from /init to exec =", total);
	for (int i = 0; i < nsteps; i++) {
		put(buf, cap, &off, "%s %s %.3f", i ? " +" : "", steps[i].name, steps[i].secs);
		sum += steps[i].secs;
	}
	put(buf, cap, &off, "%s other %.3f; floor", nsteps ? " +" : "", total - sum > 0 ? total - sum : 0);
	for (int i = 0; i < nfloors; i++)
		floor += floors[i].secs;
	put(buf, cap, &off, " %.3f s (", floor);
	for (int i = 0; i < nfloors; i++)
		put(buf, cap, &off, "%s%s %.3f", i ? ", " : "", floors[i].name, floors[i].secs);
	put(buf, cap, &off, "); above the floor %.3f s", total - floor);
	return (int)off;
}

void profile_report(double t_start)
{
	char line[EVENT_MSG_MAX + 1];
	profile_format(clock_secs() - t_start, line, sizeof(line));
	log_info("profile: %s", line);
	event_emit("profile", "%s", line);
}
