/* The boot profile: where the init's time went, as one console line and
 * one boot event ("profile") just before the root's init runs. Every step
 * timed with step_begin/step_end (log.h) is a term; what no step covers is
 * "other". The floor is what no init can avoid: the CPU time the kernel
 * spends loading the modules (both processes, see modload.h) and the DHCP
 * round trips (DISCOVER->OFFER, REQUEST->ACK). On one CPU the module loading
 * cannot overlap itself, so "above the floor" is what the init itself adds. */
#ifndef HOPELESS_INIT_PROFILE_H
#define HOPELESS_INIT_PROFILE_H

/* A step's duration; a step timed again (a retry) adds to its term. */
void profile_step(const char *name, double secs);
/* A part of the floor. */
void profile_floor(const char *name, double secs);
/* Formats "T s from /init to exec = step a + step b + ... + other c;
 * floor F s (part x, part y); above the floor A s" into buf. */
int profile_format(double total, char *buf, unsigned long cap);
/* Logs the line and emits it as the "profile" event; t_start is when /init
 * started (clock_secs()). */
void profile_report(double t_start);
#endif
