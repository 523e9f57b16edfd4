/* A node's serial console through its BMC (serial over LAN), and the log
 * kept of it in log/console/<host>.log (one rotation: .log.1).
 *
 * One SOL session per BMC at a time. The recorder (console --record, run
 * by hopeless serve for every node with a BMC) holds a shared flock on
 * run/console/<host>.lock while it records; an interactive console takes
 * it exclusively: it signals the recorder (SIGUSR1, pid in
 * run/console/<host>.pid), which ends its session and waits for the lock,
 * and meanwhile the interactive console writes what it shows to the log. */
#ifndef HOPELESS_CONSOLE_H
#define HOPELESS_CONSOLE_H
#include "cli.h"

/* Past this a log moves to .log.1 (replacing it): at most twice this per node. */
#define CONSOLE_LOG_CAP (1L << 20)

/* Record host's console into its log until SIGTERM/SIGINT, reconnecting
 * whenever the session ends. Returns the exit status. */
int console_record(struct tree *t, const char *host);
#endif
