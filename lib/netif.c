/* Network interface setup through rtnetlink, for hopeless-init and head
 * takeover (netif.h).
 *
 * Each operation opens its own NETLINK_ROUTE socket, sends one request and
 * closes the socket again: both configure a handful of addresses once, so
 * simplicity beats reuse. Only <linux/...> headers are used for netlink and
 * interface flags (never <net/if.h>, which clashes with <linux/if.h> and
 * differs between glibc and musl). */
#include "clock.h"
#include "netif.h"
#include "validate.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* The kernel builds dump datagrams of at most 32 KiB; twice that leaves room.
 * A datagram that still does not fit is reported (MSG_TRUNC), not cut. */
#define NL_RECV_BUF (64 * 1024)
/* Acks echo our (small) request plus extended-ack attributes. */
#define NL_ACK_BUF 8192
/* PID 1 must never block forever on a kernel that does not answer. */
#define NL_TIMEOUT_SECS 5
#define CARRIER_POLL_NS 100000000L

static uint32_t nl_seq;

/* ---- message building ------------------------------------------------ */

/* Start a request: netlink header plus a zeroed family header of hdrlen. */
static struct nlmsghdr *msg_start(void *buf, size_t cap, uint16_t type,
				  uint16_t flags, size_t hdrlen)
{
	if (!buf || cap < NLMSG_SPACE(hdrlen))
		return NULL;
	memset(buf, 0, NLMSG_SPACE(hdrlen));
	struct nlmsghdr *nh = buf;
	nh->nlmsg_len = NLMSG_LENGTH(hdrlen);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = flags;
	return nh;
}

/* Append one attribute; -1 if it does not fit in cap. */
static int msg_put(struct nlmsghdr *nh, size_t cap, uint16_t type,
		   const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(nh->nlmsg_len);
	size_t alen = RTA_LENGTH(len);
	if (off > cap || RTA_ALIGN(alen) > cap - off || alen > 0xffff)
		return -1;
	struct rtattr *rta = (struct rtattr *)((char *)nh + off);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)alen;
	memcpy(RTA_DATA(rta), data, len);
	memset((char *)rta + alen, 0, RTA_ALIGN(alen) - alen);
	nh->nlmsg_len = (uint32_t)(off + RTA_ALIGN(alen));
	return 0;
}

size_t netif_build_link_up(void *buf, size_t cap, int ifindex)
{
	if (ifindex <= 0)
		return 0;
	struct nlmsghdr *nh = msg_start(buf, cap, RTM_NEWLINK, NLM_F_REQUEST,
					sizeof(struct ifinfomsg));
	if (!nh)
		return 0;
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	/* ifi_change masks which flags the kernel should touch: only IFF_UP. */
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nh->nlmsg_len;
}

/* RTM_NEWADDR and RTM_DELADDR carry the same ifaddrmsg and attributes. */
static size_t build_addr(void *buf, size_t cap, uint16_t type, uint16_t flags,
			 int ifindex, uint32_t addr, int prefixlen)
{
	if (ifindex <= 0 || addr == 0 || prefixlen < 0 || prefixlen > 32)
		return 0;
	struct nlmsghdr *nh = msg_start(buf, cap, type, flags,
					sizeof(struct ifaddrmsg));
	if (!nh)
		return 0;
	uint32_t host = be32toh(addr);
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefixlen;
	ifa->ifa_flags = IFA_F_PERMANENT;
	/* 127/8 is host scope, as the kernel itself sets it up on lo. */
	ifa->ifa_scope = (host >> 24) == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	if (msg_put(nh, cap, IFA_LOCAL, &addr, 4) ||
	    msg_put(nh, cap, IFA_ADDRESS, &addr, 4))
		return 0;
	/* /31 and /32 have no broadcast address (RFC 3021). */
	if (prefixlen <= 30) {
		uint32_t mask = prefixlen ? 0xffffffffu << (32 - prefixlen) : 0;
		uint32_t brd = htobe32(host | ~mask);
		if (msg_put(nh, cap, IFA_BROADCAST, &brd, 4))
			return 0;
	}
	return nh->nlmsg_len;
}

size_t netif_build_addr(void *buf, size_t cap, int ifindex, uint32_t addr,
			int prefixlen)
{
	return build_addr(buf, cap, RTM_NEWADDR,
			  NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, ifindex,
			  addr, prefixlen);
}

size_t netif_build_addr_del(void *buf, size_t cap, int ifindex, uint32_t addr,
			    int prefixlen)
{
	return build_addr(buf, cap, RTM_DELADDR, NLM_F_REQUEST, ifindex, addr,
			  prefixlen);
}

size_t netif_build_route(void *buf, size_t cap, int ifindex, uint32_t gw)
{
	if (ifindex <= 0 || gw == 0)
		return 0;
	struct nlmsghdr *nh = msg_start(buf, cap, RTM_NEWROUTE,
					NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL,
					sizeof(struct rtmsg));
	if (!nh)
		return 0;
	struct rtmsg *rtm = NLMSG_DATA(nh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0; /* 0.0.0.0/0: the default route */
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	uint32_t oif = (uint32_t)ifindex;
	if (msg_put(nh, cap, RTA_GATEWAY, &gw, 4) ||
	    msg_put(nh, cap, RTA_OIF, &oif, 4))
		return 0;
	return nh->nlmsg_len;
}

/* ---- message parsing ------------------------------------------------- */

/* Next message of a datagram at *off, NULL at its end. A header that claims
 * more bytes than remain (or fewer than itself) sets *bad. */
static const struct nlmsghdr *nl_next(const void *buf, size_t len, size_t *off,
				      int *bad)
{
	if (*off >= len)
		return NULL;
	if (len - *off < sizeof(struct nlmsghdr)) {
		*bad = 1;
		return NULL;
	}
	const struct nlmsghdr *nh =
		(const struct nlmsghdr *)((const char *)buf + *off);
	if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - *off) {
		*bad = 1;
		return NULL;
	}
	*off += NLMSG_ALIGN(nh->nlmsg_len);
	return nh;
}

/* Error code carried by an NLMSG_ERROR message (0 = ack). */
static int nl_err_value(const struct nlmsghdr *nh)
{
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		return -EBADMSG;
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	if (e->error > 0 || e->error < -4095)
		return -EPROTO;
	return e->error;
}

int netif_ack_status(const void *buf, size_t len, uint32_t seq)
{
	size_t off = 0;
	int bad = 0;
	const struct nlmsghdr *nh;
	while ((nh = nl_next(buf, len, &off, &bad))) {
		if (nh->nlmsg_seq == seq && nh->nlmsg_type == NLMSG_ERROR)
			return nl_err_value(nh);
	}
	return bad ? -EBADMSG : 1;
}

int netif_parse_link(const struct nlmsghdr *nh, struct netif *out)
{
	if (!nh || !out || nh->nlmsg_type != RTM_NEWLINK ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -EINVAL;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	int carrier = -1, have_mac = 0;

	int attrlen = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	const struct rtattr *rta = (const struct rtattr *)
		((const char *)ifi + NLMSG_ALIGN(sizeof(*ifi)));
	for (; RTA_OK(rta, attrlen); rta = RTA_NEXT(rta, attrlen)) {
		size_t plen = RTA_PAYLOAD(rta);
		const char *data = RTA_DATA(rta);
		switch (rta->rta_type) {
		case IFLA_IFNAME: {
			/* NUL-terminated by the kernel, but never trust it. */
			size_t n = strnlen(data, plen);
			if (n >= sizeof(out->name))
				n = sizeof(out->name) - 1;
			memcpy(out->name, data, n);
			out->name[n] = '\0';
			break;
		}
		case IFLA_ADDRESS:
			/* Only a 6-byte hardware address is a MAC. */
			if (plen == sizeof(out->mac)) {
				memcpy(out->mac, data, sizeof(out->mac));
				have_mac = 1;
			}
			break;
		case IFLA_CARRIER:
			if (plen >= 1)
				carrier = *(const uint8_t *)data != 0;
			break;
		}
	}
	/* IFLA_CARRIER exists since Linux 3.x; older kernels only have the
	 * IFF_LOWER_UP flag. */
	out->carrier = carrier >= 0 ? carrier : !!(ifi->ifi_flags & IFF_LOWER_UP);
	out->is_ether = ifi->ifi_type == ARPHRD_ETHER && have_mac &&
			!(ifi->ifi_flags & IFF_LOOPBACK);
	return 0;
}

/* ---- socket plumbing ------------------------------------------------- */

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = NL_TIMEOUT_SECS};
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK}; /* kernel picks pid */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int nl_send(int fd, struct nlmsghdr *nh)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == nh->nlmsg_len ? 0 : -EIO;
}

/* Receive one datagram from the kernel: its length or negative errno. */
static ssize_t nl_recv(int fd, void *buf, size_t cap)
{
	for (;;) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		/* MSG_TRUNC makes recvfrom return the real size, so a cut
		 * datagram is detected instead of parsed half. */
		ssize_t n = recvfrom(fd, buf, cap, MSG_TRUNC,
				     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if ((size_t)n > cap)
			return -EMSGSIZE;
		/* Only the kernel (pid 0) may answer; ignore anything else. */
		if (flen >= sizeof(from) && from.nl_pid == 0)
			return n;
	}
}

/* Send req with NLM_F_ACK and wait for its ack: 0 or -errno. */
static int nl_request(struct nlmsghdr *req)
{
	int fd = nl_open();
	if (fd < 0)
		return fd;
	req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_seq = ++nl_seq;
	int rc = nl_send(fd, req);
	if (rc == 0) {
		union { struct nlmsghdr nh; char b[NL_ACK_BUF]; } buf;
		for (;;) {
			ssize_t n = nl_recv(fd, buf.b, sizeof(buf.b));
			if (n < 0) {
				rc = (int)n;
				break;
			}
			rc = netif_ack_status(buf.b, (size_t)n, req->nlmsg_seq);
			if (rc != 1)
				break;
		}
	}
	close(fd);
	return rc;
}

/* RTM_GETLINK for one link (ifindex > 0) or a dump of all (ifindex 0).
 * Returns the number of links stored in out[0..max), -EAGAIN if the dump
 * was interrupted by a concurrent change, or another -errno. */
static int link_query(int ifindex, struct netif *out, int max)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | (ifindex ? 0 : NLM_F_DUMP);
	req.nh.nlmsg_seq = ++nl_seq;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;

	int fd = nl_open();
	if (fd < 0)
		return fd;
	char *buf = malloc(NL_RECV_BUF);
	int rc = buf ? nl_send(fd, &req.nh) : -ENOMEM;
	int count = 0, done = 0, intr = 0;
	while (rc == 0 && !done) {
		ssize_t n = nl_recv(fd, buf, NL_RECV_BUF);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		size_t off = 0;
		int bad = 0;
		const struct nlmsghdr *nh;
		while (!done && (nh = nl_next(buf, (size_t)n, &off, &bad))) {
			if (nh->nlmsg_seq != req.nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (nh->nlmsg_type == NLMSG_DONE) {
				/* Since Linux 4.x DONE carries the dump's error. */
				int err = 0;
				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nh), sizeof(int));
				if (err < 0)
					rc = err;
				done = 1;
			} else if (nh->nlmsg_type == NLMSG_ERROR) {
				rc = nl_err_value(nh);
				done = 1;
			} else if (nh->nlmsg_type == RTM_NEWLINK) {
				if (count < max && netif_parse_link(nh, &out[count]) == 0)
					count++;
				if (ifindex) /* single GET: one answer, no DONE */
					done = 1;
			}
		}
		if (bad)
			rc = -EBADMSG;
	}
	free(buf);
	close(fd);
	if (rc < 0)
		return rc;
	return intr ? -EAGAIN : count;
}

/* ---- operations ------------------------------------------------------ */

int netif_list(struct netif *out, int max)
{
	if (!out || max < 0)
		return -EINVAL;
	int rc = -EAGAIN;
	/* A dump interrupted by a concurrent link change is inconsistent:
	 * redo it a few times. */
	for (int tries = 0; tries < 3 && rc == -EAGAIN; tries++)
		rc = link_query(0, out, max);
	return rc;
}

int netif_up(int ifindex)
{
	union { struct nlmsghdr nh; char b[256]; } req;
	if (!netif_build_link_up(req.b, sizeof(req.b), ifindex))
		return -EINVAL;
	return nl_request(&req.nh);
}

int netif_wait_carrier(int ifindex, double timeout_secs)
{
	if (ifindex <= 0)
		return -EINVAL;
	if (!(timeout_secs > 0)) /* also catches NaN */
		timeout_secs = 0;
	double deadline = clock_secs() + timeout_secs;
	for (;;) {
		struct netif l;
		int rc = link_query(ifindex, &l, 1);
		if (rc < 0)
			return rc == -EAGAIN ? -EIO : rc;
		if (rc == 0)
			return -ENODEV;
		/* Some drivers keep carrier set while the link is down; it
		 * carries no traffic until IFF_UP. */
		if (l.carrier && (l.flags & IFF_UP))
			return 1;
		double left = deadline - clock_secs();
		if (left <= 0)
			return 0;
		struct timespec ts = {0, CARRIER_POLL_NS};
		if (left < 0.1)
			ts.tv_nsec = (long)(left * 1e9);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

int netif_add_addr(int ifindex, uint32_t addr, int prefixlen)
{
	union { struct nlmsghdr nh; char b[256]; } req;
	if (!netif_build_addr(req.b, sizeof(req.b), ifindex, addr, prefixlen))
		return -EINVAL;
	int rc = nl_request(&req.nh);
	return rc == -EEXIST ? 0 : rc;
}

int netif_del_addr(int ifindex, uint32_t addr, int prefixlen)
{
	union { struct nlmsghdr nh; char b[256]; } req;
	if (!netif_build_addr_del(req.b, sizeof(req.b), ifindex, addr, prefixlen))
		return -EINVAL;
	int rc = nl_request(&req.nh);
	return rc == -EADDRNOTAVAIL ? 0 : rc;
}

int netif_add_default_route(int ifindex, uint32_t gw)
{
	if (gw == 0)
		return 0;
	union { struct nlmsghdr nh; char b[256]; } req;
	if (!netif_build_route(req.b, sizeof(req.b), ifindex, gw))
		return -EINVAL;
	int rc = nl_request(&req.nh);
	return rc == -EEXIST ? 0 : rc;
}

int netif_setup_loopback(void)
{
	struct netif links[64];
	int n = netif_list(links, 64);
	if (n < 0)
		return n;
	int lo = 0;
	for (int i = 0; i < n && !lo; i++)
		if (links[i].flags & IFF_LOOPBACK)
			lo = links[i].ifindex;
	if (!lo)
		return -ENODEV;
	int rc = netif_up(lo);
	/* The kernel usually adds 127.0.0.1/8 itself when lo comes up; then
	 * this is an EEXIST, which counts as success. */
	if (rc == 0)
		rc = netif_add_addr(lo, htobe32(0x7f000001u), 8);
	return rc;
}

/* ---- pure helpers ---------------------------------------------------- */

int netif_parse_bootif(const char *s, uint8_t mac[6])
{
	if (!s || !mac)
		return -EINVAL;
	/* "aa-bb-cc-dd-ee-ff", or with the "01-" ARP hardware type prefix
	 * (1: Ethernet) that pxelinux and our iPXE scripts put in front. */
	if (strlen(s) == 20) {
		if (s[0] != '0' || s[1] != '1' || (s[2] != '-' && s[2] != ':'))
			return -EINVAL;
		s += 3;
	}
	return validate_mac(s, mac, NULL) < 0 ? -EINVAL : 0;
}

static int is_candidate(const struct netif *l, const uint8_t *bootif_mac)
{
	if (!l->is_ether)
		return 0;
	return !bootif_mac || memcmp(l->mac, bootif_mac, 6) == 0;
}

int netif_candidates(const struct netif *all, int n, const uint8_t *bootif_mac,
		     struct netif *out, int max)
{
	if (!all || !out || n <= 0 || max <= 0)
		return 0;
	/* Selection by increasing ifindex: lists are tiny and the input order
	 * is whatever the kernel dumped. */
	int count = 0, last = 0;
	while (count < max) {
		const struct netif *best = NULL;
		for (int i = 0; i < n; i++)
			if (all[i].ifindex > last && is_candidate(&all[i], bootif_mac) &&
			    (!best || all[i].ifindex < best->ifindex))
				best = &all[i];
		if (!best)
			break;
		out[count++] = *best;
		last = best->ifindex;
	}
	return count;
}

int netif_mask_to_prefix(uint32_t netmask)
{
	uint32_t inv = ~be32toh(netmask);
	/* Contiguous masks invert to 2^k - 1. */
	if (inv & (inv + 1))
		return -1;
	return __builtin_popcount(~inv);
}

/* Strict dotted quad of decimal 0-255 parts, s[0..len) -> network order. */
static int parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	uint8_t b[4];
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= len || s[i] != '.')
				return -EINVAL;
			i++;
		}
		unsigned v = 0, digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (!digits || v > 255)
			return -EINVAL;
		b[part] = (uint8_t)v;
	}
	if (i != len)
		return -EINVAL;
	memcpy(out, b, 4);
	return 0;
}

static int field_is(const char *f, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(f, word, len) == 0;
}

/* Autoconf keyword -> mode; -1 if unknown. bootp/both are answered by a
 * DHCP server too; rarp is not supported. */
static int autoconf_mode(const char *f, size_t len)
{
	static const char *const dhcp[] = {"dhcp", "on", "any", "bootp", "both"};
	for (size_t i = 0; i < sizeof(dhcp) / sizeof(dhcp[0]); i++)
		if (field_is(f, len, dhcp[i]))
			return NETIF_IP_DHCP;
	if (field_is(f, len, "off") || field_is(f, len, "none"))
		return NETIF_IP_OFF;
	return -1;
}

static int copy_name(char *dst, size_t cap, const char *f, size_t len,
		     int hostname)
{
	if (len >= cap)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)f[i];
		int ok = hostname ? ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				     (c >= '0' && c <= '9') || c == '-' ||
				     c == '.' || c == '_')
				  : (c > ' ' && c < 0x7f && c != '/');
		if (!ok)
			return -EINVAL;
	}
	memcpy(dst, f, len);
	dst[len] = '\0';
	return 0;
}

int netif_parse_ip(const char *s, struct netif_ipconf *out)
{
	if (!s || !out || !*s)
		return -EINVAL;
	struct netif_ipconf c;
	memset(&c, 0, sizeof(c));

	/* Split into at most 10 ':'-separated fields. */
	const char *f[10];
	size_t flen[10];
	int nf = 0;
	for (const char *p = s;;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (nf == 10)
			return -EINVAL;
		f[nf] = p;
		flen[nf++] = len;
		if (!end)
			break;
		p = end + 1;
	}

	/* Short form: a single keyword (a lone address is a client ip). */
	if (nf == 1) {
		int m = autoconf_mode(f[0], flen[0]);
		if (m >= 0) {
			c.mode = m;
			*out = c;
			return 0;
		}
	}

	uint32_t *addrs[4] = {&c.client, &c.server, &c.gateway, &c.netmask};
	for (int i = 0; i < nf; i++) {
		if (flen[i] == 0)
			continue;
		uint32_t ignored;
		switch (i) {
		case 0: case 1: case 2: case 3:
			if (parse_ipv4(f[i], flen[i], addrs[i]))
				return -EINVAL;
			break;
		case 4:
			if (copy_name(c.hostname, sizeof(c.hostname), f[i], flen[i], 1))
				return -EINVAL;
			break;
		case 5:
			if (copy_name(c.device, sizeof(c.device), f[i], flen[i], 0))
				return -EINVAL;
			break;
		case 6:
			break; /* autoconf, below */
		default: /* dns0, dns1, ntp0: validated, not kept */
			if (parse_ipv4(f[i], flen[i], &ignored))
				return -EINVAL;
			break;
		}
	}
	if (c.netmask && netif_mask_to_prefix(c.netmask) < 0)
		return -EINVAL;

	/* Like the kernel: a client address means static configuration,
	 * whatever autoconf says; without one, autoconf decides (default
	 * "any"). */
	int autoconf = NETIF_IP_DHCP;
	if (nf > 6 && flen[6]) {
		autoconf = autoconf_mode(f[6], flen[6]);
		if (autoconf < 0)
			return -EINVAL;
	}
	c.mode = c.client ? NETIF_IP_STATIC : autoconf;
	*out = c;
	return 0;
}
