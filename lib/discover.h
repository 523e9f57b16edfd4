/* Discovery of new nodes: the window the administrator opens
 * (<tree>/discover.conf, written by `hopeless node discover`, read by
 * `hopeless serve`) and the strict parser of the DHCPDISCOVER frames that
 * `hopeless serve` hears on the cluster interface while a window is open.
 *
 * A frame comes from anyone on the segment: it is hostile. The parser keeps
 * one running count of the bytes left from the Ethernet header down through
 * every option, checks the IP and UDP checksums, and yields only what
 * discovery uses (the client's MAC, which must be the frame's own source,
 * and the transaction id); nothing the client claims about itself (host
 * name, vendor class) is read at all. Functions return 0 or a negative
 * errno and print nothing. */
#ifndef HOPELESS_DISCOVER_H
#define HOPELESS_DISCOVER_H
#include "util.h"
#include <stddef.h>
#include <stdint.h>

#define DISCOVER_FILE "discover.conf"
/* Windows end by themselves: the default and the longest. */
#define DISCOVER_DEFAULT_SECS 3600
#define DISCOVER_MAX_SECS (7 * 86400)

struct discover_window {
	char nodes[128];   /* the node set as given: n[101-164] */
	char ip[16];       /* the first address; node i gets ip + i */
	char root[96];     /* NAME or NAME@N, as node add takes it */
	char overlay[96];
	char state[8];     /* image | tmpfs */
	char boot[12];     /* ipxe | pxelinux */
	long long opened;  /* epoch seconds */
	long long until;   /* the window ends by itself then */
	long long closed;  /* 0: not closed; else when (by hand, or full) */
	char closed_by[8]; /* "hand" | "full" when closed */
};

/* The window's text (key = value lines) into w; err says what is wrong. */
int discover_window_parse(const char *text, struct discover_window *w, char *err, size_t errlen);
int discover_window_format(const struct discover_window *w, struct strbuf *sb);
/* "open", "closed" (by hand), "full" or "expired" at time now. */
const char *discover_window_state(const struct discover_window *w, long long now);

/* "90", "90s", "30m", "2h", "1d": seconds, 1 .. DISCOVER_MAX_SECS. */
int discover_parse_duration(const char *s, long long *secs);
/* epoch seconds as 2026-12-02T14:30:05Z (21 bytes with the NUL). */
void discover_time_fmt(long long epoch, char out[32]);
/* The reverse, exactly that format; -EINVAL otherwise. */
int discover_time_parse(const char *s, long long *epoch);

/* A node's registration as nodes/<host>.conf keeps it ("registered" key):
 * "discovered 2026-12-02T14:30:05Z". 0 when s is exactly that form. */
int discover_registered_ok(const char *s);

/* What discovery takes from a DHCPDISCOVER. */
struct discover_request {
	uint8_t mac[6]; /* chaddr, equal to the Ethernet source */
	uint32_t xid;
};

/* One Ethernet frame (header included) as read from an AF_PACKET socket.
 * 0 and *out for a well-formed DHCPDISCOVER sent straight from a client on
 * this segment (not relayed: giaddr 0, hops 0) whose chaddr is the frame's
 * source MAC and a MAC a node can have (not multicast, not zero);
 * -ENOMSG for a well-formed frame that is something else (another port,
 * another message type); -EBADMSG for a malformed one. check_udp_sum 0
 * skips the UDP checksum (the kernel says it was left for the NIC). */
int discover_parse_frame(const uint8_t *frame, size_t len, int check_udp_sum, struct discover_request *out);
#endif
