/* DHCP client of hopeless-init: builds DISCOVER/REQUEST, parses replies
 * strictly, and runs the exchange on an AF_PACKET socket so it works before
 * the interface has an address.
 *
 * All addresses are in network byte order. The xid is a plain number; it is
 * sent big-endian and compared the same way. */
#ifndef HOPELESS_INIT_DHCP_H
#define HOPELESS_INIT_DHCP_H
#include <stdint.h>
#include <stddef.h>

#define DHCPDISCOVER 1
#define DHCPOFFER    2
#define DHCPREQUEST  3
#define DHCPDECLINE  4
#define DHCPACK      5
#define DHCPNAK      6

struct dhcp_lease {
	uint32_t yiaddr;       /* all addresses in network byte order */
	uint32_t netmask;      /* option 1; 0 if absent */
	uint32_t router;       /* option 3 first entry; 0 if absent */
	uint32_t server_id;    /* option 54 */
	uint32_t next_server;  /* siaddr field */
	uint32_t lease_secs;   /* option 51 */
	uint32_t dns[3]; int n_dns;
	uint8_t msg_type;      /* option 53 */
	char hostname[64];     /* option 12, validated with validate_hostname, else "" */
	char root_path[256];   /* option 17, kept only if printable, no spaces,
	                        * no commas, no "..", else "" */
	double rtt_secs;       /* dhcp_client_run: DISCOVER->OFFER plus
	                        * REQUEST->ACK of the exchange that won */
};

/* Build a BOOTP/DHCP message (the UDP payload) into buf; return its length,
 * -ENOSPC when cap is too small, -EINVAL for a hostname over 255 bytes.
 * Messages are padded to the 300-byte BOOTP minimum. */
int dhcp_build_discover(uint8_t *buf, size_t cap, uint32_t xid, const uint8_t mac[6],
			const char *hostname /* may be NULL */);
int dhcp_build_request(uint8_t *buf, size_t cap, uint32_t xid, const uint8_t mac[6],
		       uint32_t requested_ip, uint32_t server_id, const char *hostname);

/* Parse a DHCP message (UDP payload). Returns 0 with *out filled, -EBADMSG
 * for a malformed message, -ENOMSG for one not meant for us (op, htype/hlen,
 * xid or chaddr differ). *out is untouched on error. */
int dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
	       struct dhcp_lease *out);

/* Parse a whole Ethernet frame (Ethernet II, IPv4 without fragments, UDP to
 * port 68 with its checksum verified when non-zero), then dhcp_parse.
 * -ENOMSG for other traffic (not IPv4, not UDP, not port 68), -EBADMSG for
 * a broken frame (lengths, IHL, checksums, fragments). */
int dhcp_parse_frame(const uint8_t *frame, size_t len, uint32_t xid, const uint8_t mac[6],
		     struct dhcp_lease *out);

/* Build an Ethernet/IPv4/UDP broadcast frame, 0.0.0.0:68 ->
 * 255.255.255.255:67, dst MAC ff:ff:ff:ff:ff:ff, around payload. Returns the
 * frame length or -ENOSPC. */
int dhcp_build_frame(uint8_t *frame, size_t cap, const uint8_t mac[6],
		     const uint8_t *payload, size_t plen);

struct dhcp_client_opts {
	double timeout_secs;     /* give up after this long in total (e.g. 30) */
	double first_retry_secs; /* first retransmit delay, doubled each time
	                          * with +-10% jitter, capped at 8 s */
	const char *hostname;    /* sent in option 12 if not NULL */
};

/* Run DISCOVER/OFFER/REQUEST/ACK on interface ifindex (already up).
 * Returns 0 with *out filled from the ACK, -ETIMEDOUT after the timeout,
 * another negative errno on socket errors. */
int dhcp_client_run(int ifindex, const char *ifname, const uint8_t mac[6],
		    const struct dhcp_client_opts *opts, struct dhcp_lease *out);
#endif
