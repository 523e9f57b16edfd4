/* Network interface setup over rtnetlink (NETLINK_ROUTE), for hopeless-init
 * (list links, bring them up, wait for carrier, add IPv4 addresses and the
 * default route) and for `hopeless head takeover` (move a dead head's
 * address to this machine and back: add and delete an IPv4 address). No libnl, no shelling out to ip(8). Every function returns
 * a negative errno on failure and never exits. */
#ifndef HOPELESS_NETIF_H
#define HOPELESS_NETIF_H
#include <stddef.h>
#include <stdint.h>

struct netif {
	int ifindex;
	char name[16];
	uint8_t mac[6];
	unsigned flags;    /* IFF_* from the kernel */
	int carrier;       /* 1 if IFF_LOWER_UP/ carrier */
	int is_ether;      /* ARPHRD_ETHER and not loopback */
};

/* List links via RTM_GETLINK dump. Fills up to max entries, returns count or
 * negative errno. */
int netif_list(struct netif *out, int max);
/* Set IFF_UP on a link (RTM_NEWLINK with ifi_change). */
int netif_up(int ifindex);
/* Wait up to timeout_secs for carrier on a link that is up (polls
 * RTM_GETLINK every 100 ms); returns 1 when up, 0 on timeout, negative errno
 * on error (-ENODEV if the link vanished). */
int netif_wait_carrier(int ifindex, double timeout_secs);
/* Add an IPv4 address with prefix length (RTM_NEWADDR, with IFA_LOCAL,
 * IFA_ADDRESS and IFA_BROADCAST). Addresses in network byte order. EEXIST is
 * success. */
int netif_add_addr(int ifindex, uint32_t addr, int prefixlen);
/* Delete an IPv4 address (RTM_DELADDR). EADDRNOTAVAIL (not there) is
 * success. */
int netif_del_addr(int ifindex, uint32_t addr, int prefixlen);
/* Add a default route via gw (RTM_NEWROUTE, table main, proto boot); gw 0
 * means no route (return 0). EEXIST is success. */
int netif_add_default_route(int ifindex, uint32_t gw);
/* Bring up loopback with 127.0.0.1/8. */
int netif_setup_loopback(void);

/* Parse BOOTIF= as pxelinux (IPAPPEND 2) and iPXE pass it:
 * "01-aa-bb-cc-dd-ee-ff" (hardware type 01 prefix); also accepts it without
 * the 01- prefix and with ':' separators. Returns 0 and fills mac, -EINVAL
 * otherwise. */
int netif_parse_bootif(const char *s, uint8_t mac[6]);
/* Choose boot NIC candidates in order: if bootif_mac != NULL, only the
 * matching interface; else all ethernet interfaces (not lo) in ifindex
 * order. Returns count. Pure function over a list. */
int netif_candidates(const struct netif *all, int n, const uint8_t *bootif_mac,
		     struct netif *out, int max);
/* Netmask (network order) -> prefix length, -1 if not contiguous. */
int netif_mask_to_prefix(uint32_t netmask);

/* The kernel's ip= syntax (Documentation/admin-guide/nfs/nfsroot.rst):
 * ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>:<dns0-ip>:<dns1-ip>:<ntp0-ip>
 * and the short forms ip=dhcp / ip=on / ip=any / ip=off / ip=none. */
struct netif_ipconf {
	int mode;  /* NETIF_IP_DHCP, NETIF_IP_STATIC, NETIF_IP_OFF */
	uint32_t client, server, gateway, netmask; /* network order, 0 if empty */
	char hostname[64];
	char device[16];
};
enum { NETIF_IP_DHCP = 0, NETIF_IP_STATIC = 1, NETIF_IP_OFF = 2 };
/* 0 or -EINVAL. Rejects over-long fields and bad addresses. A client ip
 * makes it static; without one, autoconf "dhcp"/"on"/"any" (or empty)
 * means DHCP and "off"/"none" means no network. */
int netif_parse_ip(const char *s, struct netif_ipconf *out);

/* Internals, exposed for the unit tests. */
struct nlmsghdr;
/* Parse one RTM_NEWLINK message into *out: 0, or -EINVAL if it is not one
 * or is too short. Malformed attributes end the attribute walk. */
int netif_parse_link(const struct nlmsghdr *nh, struct netif *out);
/* Build the requests into buf (cap bytes, 4-byte aligned). Return the
 * message length, or 0 if the arguments are invalid or it does not fit.
 * nlmsg_seq is left 0 and NLM_F_ACK unset: the sender adds them. */
size_t netif_build_link_up(void *buf, size_t cap, int ifindex);
size_t netif_build_addr(void *buf, size_t cap, int ifindex, uint32_t addr,
			int prefixlen);
size_t netif_build_addr_del(void *buf, size_t cap, int ifindex, uint32_t addr,
			    int prefixlen);
size_t netif_build_route(void *buf, size_t cap, int ifindex, uint32_t gw);
/* Look for the ack (NLMSG_ERROR) of request seq in a received datagram:
 * 0 for success, the kernel's negative errno, -EBADMSG if the datagram is
 * malformed, 1 if it holds no ack for seq. */
int netif_ack_status(const void *buf, size_t len, uint32_t seq);
#endif
