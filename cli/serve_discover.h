/* hopeless serve: discovery of new nodes while a window is open (see
 * serve_discover.c and docs/nodes.md). */
#ifndef HOPELESS_SERVE_DISCOVER_H
#define HOPELESS_SERVE_DISCOVER_H
#include "cli.h"
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define SDISC_PENDING 64   /* unknown MACs waiting for their registration */
#define SDISC_BATCH 16     /* registered at most per round (one config run) */
#define SDISC_FRAMES_PER_SEC 200

struct discoverer {
	struct tree *t;
	int fd;                 /* AF_PACKET on the cluster interface while a window is open; else -1 */
	struct timespec win_mtime; /* of discover.conf when last read */
	ino_t win_ino;
	off_t win_size;
	int win_open;
	long long win_until;
	uint64_t *known;        /* the nodes' MACs, sorted */
	size_t nknown;
	struct timespec nodes_mtime;
	ino_t nodes_ino;
	uint64_t pending[SDISC_PENDING]; /* in the order first heard */
	size_t npending;
	long long retry_at;     /* no registration before (after a failure) */
	long long sec;          /* the second frames are counted in */
	unsigned frames_in_sec;
	long heard, malformed, limited, registered;
};

void sdisc_init(struct discoverer *d, struct tree *t);
/* The socket to poll, or -1 while no window is open. */
int sdisc_fd(const struct discoverer *d);
/* After every wake-up (serve polls at least once a second): follows the
 * window (opens or closes the socket) and registers what is pending. */
void sdisc_tick(struct discoverer *d);
/* The socket is readable: parse what came, queue unknown MACs. */
void sdisc_receive(struct discoverer *d);
void sdisc_stop(struct discoverer *d);
#endif
