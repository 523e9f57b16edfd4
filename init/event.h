/* Boot events: a short RFC 5424 syslog message over UDP to the head node for
 * each boot phase (modules, dhcp, mounted, union, switchroot, retry,
 * failure), so `hopeless status` can tell where every node is. Best effort:
 * a non-blocking socket, no retries, nothing ever waits for it. Events from
 * before the network is up wait in a small fixed queue. */
#ifndef HOPELESS_INIT_EVENT_H
#define HOPELESS_INIT_EVENT_H
#include "cmdline.h"
#include <netinet/in.h>

#define EVENT_QUEUE_MAX 16
#define EVENT_PHASE_MAX 15
#define EVENT_MSG_MAX 300
#define EVENT_APP_NAME "hopeless-init"
/* Times before this (2020-01-01) mean the node's clock was never set. */
#define EVENT_SANE_EPOCH 1577836800.0

struct event_item {
	char phase[EVENT_PHASE_MAX + 1];
	char msg[EVENT_MSG_MAX + 1];
	double uptime; /* seconds since the kernel booted */
	double wall;   /* seconds since the epoch, 0 when the clock is unset */
};

struct event_sink {
	int fd;  /* -1 until event_sink_connect */
	int off; /* hopeless.events=off */
	struct sockaddr_in dst;
	char hostname[64], ip[16], mac[18];
	struct event_item queue[EVENT_QUEUE_MAX];
	int nq;
	int dropped; /* queued events lost to a full queue (oldest go first) */
	int sent, failed;
};

void event_sink_init(struct event_sink *s);
/* Send the event now when connected, else queue it. */
void event_sink_add(struct event_sink *s, const char *phase, const char *msg, double uptime, double wall);
/* Open the socket towards dst_ip:port, remember who we are (hostname may be
 * "", ip and mac may be NULL) and flush the queue. 0 or negative errno. */
int event_sink_connect(struct event_sink *s, const char *dst_ip, int port, const char *hostname,
		       const char *ip, const char *mac);
void event_sink_close(struct event_sink *s);
/* The datagram for e as the sink would send it: length or negative errno. */
int event_format(const struct event_sink *s, const struct event_item *e, char *buf, size_t cap);

/* The init's own sink. */
void event_setup(const struct boot_config *c);
void event_emit(const char *phase, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Once the node has an address: the destination is hopeless.events= or the
 * first NFS server, port 514. */
void event_network_up(const struct boot_config *c, const char *ip, const char *mac);
#endif
