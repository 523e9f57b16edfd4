/* Work done beside the init's main path, in a child process: the kernel
 * work behind a mount or a module load is mostly waiting (for the server,
 * for the ARP probe) or CPU the main path does not need yet, so two paths
 * finish sooner than one. The child shares the mount table (a mount it
 * makes is the init's), not the memory: it reports only its result. */
#ifndef HOPELESS_INIT_BACKGROUND_H
#define HOPELESS_INIT_BACKGROUND_H
#include <sys/types.h>

/* Runs fn(arg) in a child at the given nice level (0: as the init; 19:
 * only when the init waits). Returns the child's PID, or a negative errno
 * when it could not start (then fn did not run). */
pid_t background_start(int (*fn)(void *), void *arg, int nice);

/* Waits for the child; returns fn's result (0 or a negative errno), or
 * -ECHILD when the child died instead of returning. */
int background_wait(pid_t pid);
#endif
