/* DHCP client of hopeless-init (RFC 2131/2132, overload and RFC 3396 long
 * options on input). The parser treats every reply as hostile: each length
 * is checked against the bytes that remain, fixed-size options must have
 * their exact size, and the strings that later become a host name or a
 * mount source are kept only when they pass strict checks. */
#include "inetcsum.h"
#include "clock.h"
#include "dhcp.h"
#include "log.h"
#include "validate.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

/* BOOTP fixed header offsets (RFC 951 / RFC 2131 figure 1). */
#define OFF_OP      0
#define OFF_HTYPE   1
#define OFF_HLEN    2
#define OFF_XID     4
#define OFF_SECS    8
#define OFF_FLAGS   10
#define OFF_YIADDR  16
#define OFF_SIADDR  20
#define OFF_CHADDR  28
#define OFF_SNAME   44
#define OFF_FILE    108
#define OFF_COOKIE  236
#define OFF_OPTIONS 240
#define SNAME_LEN   64
#define FILE_LEN    128
#define BOOTP_MIN   300

#define BOOTREQUEST 1
#define BOOTREPLY   2

#define OPT_PAD        0
#define OPT_NETMASK    1
#define OPT_ROUTER     3
#define OPT_DNS        6
#define OPT_HOSTNAME   12
#define OPT_ROOTPATH   17
#define OPT_REQ_IP     50
#define OPT_LEASE      51
#define OPT_OVERLOAD   52
#define OPT_MSGTYPE    53
#define OPT_SERVER_ID  54
#define OPT_PARAMS     55
#define OPT_MAXSIZE    57
#define OPT_CLIENT_ID  61
#define OPT_END        255

#define ETH_HDR  14
#define IP_MIN   20
#define UDP_HDR  8
#define PORT_SERVER 67
#define PORT_CLIENT 68

static const uint8_t magic_cookie[4] = {99, 130, 83, 99};
static const uint8_t param_list[] = {1, 3, 6, 12, 15, 17, 28, 51, 54};

/* ---------------------------------------------------------------- build */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t put_opt(uint8_t *p, uint8_t code, const void *val, size_t len)
{
	p[0] = code;
	p[1] = (uint8_t)len;
	memcpy(p + 2, val, len);
	return 2 + len;
}

static int build_msg(uint8_t *buf, size_t cap, uint32_t xid, const uint8_t mac[6],
		     uint8_t type, uint32_t req_ip, uint32_t server_id,
		     const char *hostname)
{
	size_t hlen = hostname ? strlen(hostname) : 0;
	if (hlen > 255)
		return -EINVAL;

	size_t need = OFF_OPTIONS + 3 /* 53 */ + 9 /* 61 */ + 4 /* 57 */ +
		      2 + sizeof(param_list) + 1 /* end */;
	if (hlen)
		need += 2 + hlen;
	if (req_ip)
		need += 6;
	if (server_id)
		need += 6;
	size_t total = need < BOOTP_MIN ? BOOTP_MIN : need;
	if (!buf || cap < total)
		return -ENOSPC;

	memset(buf, 0, total);
	buf[OFF_OP] = BOOTREQUEST;
	buf[OFF_HTYPE] = 1;
	buf[OFF_HLEN] = 6;
	put32(buf + OFF_XID, xid);
	put16(buf + OFF_FLAGS, 0x8000); /* broadcast: we have no address yet */
	memcpy(buf + OFF_CHADDR, mac, 6);
	memcpy(buf + OFF_COOKIE, magic_cookie, 4);

	uint8_t *p = buf + OFF_OPTIONS;
	p += put_opt(p, OPT_MSGTYPE, &type, 1);
	uint8_t cid[7] = {1};
	memcpy(cid + 1, mac, 6);
	p += put_opt(p, OPT_CLIENT_ID, cid, sizeof(cid));
	uint8_t maxsize[2];
	put16(maxsize, 1500);
	p += put_opt(p, OPT_MAXSIZE, maxsize, 2);
	if (req_ip)
		p += put_opt(p, OPT_REQ_IP, &req_ip, 4);
	if (server_id)
		p += put_opt(p, OPT_SERVER_ID, &server_id, 4);
	if (hlen)
		p += put_opt(p, OPT_HOSTNAME, hostname, hlen);
	p += put_opt(p, OPT_PARAMS, param_list, sizeof(param_list));
	*p = OPT_END;
	return (int)total;
}

int dhcp_build_discover(uint8_t *buf, size_t cap, uint32_t xid, const uint8_t mac[6],
			const char *hostname)
{
	return build_msg(buf, cap, xid, mac, DHCPDISCOVER, 0, 0, hostname);
}

int dhcp_build_request(uint8_t *buf, size_t cap, uint32_t xid, const uint8_t mac[6],
		       uint32_t requested_ip, uint32_t server_id, const char *hostname)
{
	return build_msg(buf, cap, xid, mac, DHCPREQUEST, requested_ip, server_id,
			 hostname);
}

/* ---------------------------------------------------------------- parse */

/* Options we use, accumulated across repeated instances (RFC 3396): total
 * counts every byte seen, buf keeps the first ACC_CAP of them. */
#define ACC_CAP 256
enum { S_NETMASK, S_ROUTER, S_DNS, S_HOSTNAME, S_ROOTPATH, S_LEASE, S_OVERLOAD,
       S_MSGTYPE, S_SERVER_ID, S_COUNT };

struct acc {
	int seen;
	size_t total;
	uint8_t buf[ACC_CAP];
};

static int slot_of(uint8_t code)
{
	switch (code) {
	case OPT_NETMASK: return S_NETMASK;
	case OPT_ROUTER: return S_ROUTER;
	case OPT_DNS: return S_DNS;
	case OPT_HOSTNAME: return S_HOSTNAME;
	case OPT_ROOTPATH: return S_ROOTPATH;
	case OPT_LEASE: return S_LEASE;
	case OPT_OVERLOAD: return S_OVERLOAD;
	case OPT_MSGTYPE: return S_MSGTYPE;
	case OPT_SERVER_ID: return S_SERVER_ID;
	default: return -1;
	}
}

/* Walk one option area. Stops at END or at the end of the area (tolerated).
 * The overload option counts only in the options field itself, so an
 * overload found inside file/sname is ignored and never recursed into. */
static int walk_options(const uint8_t *p, size_t n, struct acc *acc, int main_area)
{
	size_t i = 0;
	while (i < n) {
		uint8_t code = p[i++];
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return 0;
		if (i >= n)
			return -EBADMSG; /* code without its length byte */
		size_t len = p[i++];
		if (len > n - i)
			return -EBADMSG;
		int s = slot_of(code);
		if (s >= 0 && !(s == S_OVERLOAD && !main_area)) {
			struct acc *a = &acc[s];
			a->seen = 1;
			if (a->total < ACC_CAP) {
				size_t room = ACC_CAP - a->total;
				memcpy(a->buf + a->total, p + i, len < room ? len : room);
			}
			a->total += len;
		}
		i += len;
	}
	return 0;
}

/* A fixed-size address-like option: exact length, or absent. */
static int opt_exact(const struct acc *a, size_t len)
{
	return !a->seen || a->total == len;
}

/* A list of addresses: at least one, a multiple of 4. */
static int opt_list4(const struct acc *a)
{
	return !a->seen || (a->total >= 4 && a->total % 4 == 0);
}

/* Copy a string option into out[size]; trailing NULs (sent by some servers)
 * are dropped, any other NUL makes the value unusable. Returns 0 when out
 * holds a candidate string. */
static int opt_string(const struct acc *a, char *out, size_t size)
{
	out[0] = '\0';
	if (!a->seen || a->total > ACC_CAP)
		return -1;
	size_t n = a->total;
	while (n > 0 && a->buf[n - 1] == '\0')
		n--;
	if (n == 0 || n >= size || memchr(a->buf, '\0', n))
		return -1;
	memcpy(out, a->buf, n);
	out[n] = '\0';
	return 0;
}

static int root_path_ok(const char *s)
{
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == ',')
			return 0;
	return strstr(s, "..") == NULL;
}

int dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
	       struct dhcp_lease *out)
{
	if (!msg || len < OFF_OPTIONS)
		return -EBADMSG;
	if (msg[OFF_OP] != BOOTREPLY || msg[OFF_HTYPE] != 1 || msg[OFF_HLEN] != 6)
		return -ENOMSG;
	if (get32(msg + OFF_XID) != xid || memcmp(msg + OFF_CHADDR, mac, 6) != 0)
		return -ENOMSG;
	if (memcmp(msg + OFF_COOKIE, magic_cookie, 4) != 0)
		return -EBADMSG;

	/* About 2.4 KiB: fine on the stack of the init, which is not threaded. */
	struct acc acc[S_COUNT];
	memset(acc, 0, sizeof(acc));
	int r = walk_options(msg + OFF_OPTIONS, len - OFF_OPTIONS, acc, 1);
	if (r < 0)
		return r;
	if (acc[S_OVERLOAD].seen) {
		if (acc[S_OVERLOAD].total != 1)
			return -EBADMSG;
		uint8_t ov = acc[S_OVERLOAD].buf[0];
		if (ov < 1 || ov > 3)
			return -EBADMSG;
		/* RFC 3396 order: options, then file, then sname. */
		if (ov & 1) {
			r = walk_options(msg + OFF_FILE, FILE_LEN, acc, 0);
			if (r < 0)
				return r;
		}
		if (ov & 2) {
			r = walk_options(msg + OFF_SNAME, SNAME_LEN, acc, 0);
			if (r < 0)
				return r;
		}
	}

	if (!acc[S_MSGTYPE].seen || acc[S_MSGTYPE].total != 1)
		return -EBADMSG;
	if (!opt_exact(&acc[S_NETMASK], 4) || !opt_exact(&acc[S_LEASE], 4) ||
	    !opt_exact(&acc[S_SERVER_ID], 4) || !opt_list4(&acc[S_ROUTER]) ||
	    !opt_list4(&acc[S_DNS]))
		return -EBADMSG;

	struct dhcp_lease l;
	memset(&l, 0, sizeof(l));
	memcpy(&l.yiaddr, msg + OFF_YIADDR, 4);
	memcpy(&l.next_server, msg + OFF_SIADDR, 4);
	l.msg_type = acc[S_MSGTYPE].buf[0];
	if (acc[S_NETMASK].seen)
		memcpy(&l.netmask, acc[S_NETMASK].buf, 4);
	if (acc[S_ROUTER].seen)
		memcpy(&l.router, acc[S_ROUTER].buf, 4);
	if (acc[S_SERVER_ID].seen)
		memcpy(&l.server_id, acc[S_SERVER_ID].buf, 4);
	if (acc[S_LEASE].seen)
		l.lease_secs = get32(acc[S_LEASE].buf);
	if (acc[S_DNS].seen) {
		size_t n = acc[S_DNS].total / 4;
		if (n > 3)
			n = 3;
		for (size_t i = 0; i < n; i++)
			memcpy(&l.dns[i], acc[S_DNS].buf + 4 * i, 4);
		l.n_dns = (int)n;
	}
	if (opt_string(&acc[S_HOSTNAME], l.hostname, sizeof(l.hostname)) == 0 &&
	    validate_hostname(l.hostname, NULL) != 0)
		l.hostname[0] = '\0';
	if (opt_string(&acc[S_ROOTPATH], l.root_path, sizeof(l.root_path)) == 0 &&
	    !root_path_ok(l.root_path))
		l.root_path[0] = '\0';
	*out = l;
	return 0;
}

/* ------------------------------------------------------------ IP / UDP */

/* Sum of the UDP pseudo-header, header and data (checksum field included). */
static uint16_t udp_sum(const uint8_t *ip, const uint8_t *udp, size_t ulen)
{
	uint32_t sum = inet_csum_add(0, ip + 12, 8); /* src + dst */
	sum += 17;
	sum += (uint32_t)ulen;
	sum = inet_csum_add(sum, udp, ulen);
	return inet_csum_fold(sum);
}

static int parse_frame(const uint8_t *frame, size_t len, uint32_t xid, const uint8_t mac[6],
		       struct dhcp_lease *out, int check_udp_sum)
{
	if (!frame || len < ETH_HDR + IP_MIN)
		return -EBADMSG;
	if (get16(frame + 12) != ETH_P_IP)
		return -ENOMSG;
	const uint8_t *ip = frame + ETH_HDR;
	size_t avail = len - ETH_HDR;
	if (ip[0] >> 4 != 4)
		return -EBADMSG;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < IP_MIN || ihl > avail)
		return -EBADMSG;
	size_t tot = get16(ip + 2);
	if (tot < ihl || tot > avail) /* trailing Ethernet padding is fine */
		return -EBADMSG;
	if (inet_csum_fold(inet_csum_add(0, ip, ihl)) != 0xffff)
		return -EBADMSG;
	if (get16(ip + 6) & 0x3fff) /* MF flag or fragment offset */
		return -EBADMSG;
	if (ip[9] != 17)
		return -ENOMSG;

	const uint8_t *udp = ip + ihl;
	size_t ipdata = tot - ihl;
	if (ipdata < UDP_HDR)
		return -EBADMSG;
	if (get16(udp + 2) != PORT_CLIENT)
		return -ENOMSG;
	size_t ulen = get16(udp + 4);
	if (ulen < UDP_HDR || ulen > ipdata)
		return -EBADMSG;
	if (check_udp_sum && get16(udp + 6) != 0 && udp_sum(ip, udp, ulen) != 0xffff)
		return -EBADMSG;
	return dhcp_parse(udp + UDP_HDR, ulen - UDP_HDR, xid, mac, out);
}

int dhcp_parse_frame(const uint8_t *frame, size_t len, uint32_t xid, const uint8_t mac[6],
		     struct dhcp_lease *out)
{
	return parse_frame(frame, len, xid, mac, out, 1);
}

int dhcp_build_frame(uint8_t *frame, size_t cap, const uint8_t mac[6],
		     const uint8_t *payload, size_t plen)
{
	size_t hdrs = ETH_HDR + IP_MIN + UDP_HDR;
	if (plen > 0xffff - IP_MIN - UDP_HDR)
		return -EMSGSIZE;
	if (!frame || cap < hdrs + plen)
		return -ENOSPC;
	memset(frame, 0xff, 6);
	memcpy(frame + 6, mac, 6);
	put16(frame + 12, ETH_P_IP);

	uint8_t *ip = frame + ETH_HDR;
	memset(ip, 0, IP_MIN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_MIN + UDP_HDR + plen));
	ip[8] = 64;  /* TTL */
	ip[9] = 17;  /* UDP */
	memset(ip + 16, 0xff, 4); /* 255.255.255.255; source stays 0.0.0.0 */
	put16(ip + 10, (uint16_t)~inet_csum_fold(inet_csum_add(0, ip, IP_MIN)));

	uint8_t *udp = ip + IP_MIN;
	put16(udp, PORT_CLIENT);
	put16(udp + 2, PORT_SERVER);
	put16(udp + 4, (uint16_t)(UDP_HDR + plen));
	put16(udp + 6, 0);
	if (plen)
		memmove(udp + UDP_HDR, payload, plen);
	uint16_t sum = (uint16_t)~udp_sum(ip, udp, UDP_HDR + plen);
	put16(udp + 6, sum ? sum : 0xffff);
	return (int)(hdrs + plen);
}

/* --------------------------------------------------------------- client */

static void fmt_ip(char out[16], uint32_t nbo)
{
	const uint8_t *b = (const uint8_t *)&nbo;
	snprintf(out, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

static uint32_t new_xid(const uint8_t mac[6])
{
	uint32_t x;
	/* Early in boot the pool may not be ready: never block PID 1 on it. */
	if (getrandom(&x, sizeof(x), GRND_NONBLOCK) == (ssize_t)sizeof(x))
		return x;
#ifdef GRND_INSECURE
	if (getrandom(&x, sizeof(x), GRND_INSECURE) == (ssize_t)sizeof(x))
		return x;
#endif
	uint64_t ns = clock_ns();
	x = (uint32_t)(ns % 1000000000u) ^ (uint32_t)(ns / 1000000000u) << 20;
	for (int i = 0; i < 6; i++)
		x = x * 31 + mac[i];
	return x;
}

/* xorshift32: jitter needs no quality, only spread between nodes. */
static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* Accept only IPv4/UDP to port 68, not fragmented, in the kernel, so the
 * init is not woken by every packet on a busy segment. */
static void attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                 /* 0 ethertype */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 7),    /* 1 -> 9 */
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, ETH_HDR + 9),        /* 2 protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 5),          /* 3 -> 9 */
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, ETH_HDR + 6),        /* 4 frag */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 3, 0),     /* 5 -> 9 */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, ETH_HDR),           /* 6 X = IHL*4 */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, ETH_HDR + 2),        /* 7 dst port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PORT_CLIENT, 1, 0), /* 8 -> 10 */
		BPF_STMT(BPF_RET | BPF_K, 0),                           /* 9 drop */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),                 /* 10 keep */
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	/* Without the filter everything still works, only with more wake-ups. */
	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_socket(int ifindex)
{
	/* Protocol 0: nothing is queued before the filter is in place. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	attach_filter(fd);
	/* Tells us when a checksum was left for hardware to fill (virtio
	 * frames from the host carry a partial UDP checksum). */
	int one = 1;
	(void)setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int send_msg(int fd, int ifindex, const uint8_t mac[6], const uint8_t *msg,
		    size_t mlen)
{
	uint8_t frame[1024];
	int flen = dhcp_build_frame(frame, sizeof(frame), mac, msg, mlen);
	if (flen < 0)
		return flen;
	struct sockaddr_ll to;
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_IP);
	to.sll_ifindex = ifindex;
	to.sll_halen = 6;
	memset(to.sll_addr, 0xff, 6);
	if (sendto(fd, frame, (size_t)flen, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		/* A full queue is a lost packet: the retransmit covers it. */
		if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
	return 0;
}

/* Receive one frame. Returns its length, 0 when nothing is left to read or
 * the frame is to be skipped, negative errno on error. */
static ssize_t recv_frame(int fd, uint8_t *buf, size_t cap, int *csum_ready)
{
	struct sockaddr_ll from;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &cbuf;
	mh.msg_controllen = sizeof(cbuf);
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -EAGAIN;
		return -errno;
	}
	if ((mh.msg_flags & MSG_TRUNC) || from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	*csum_ready = 1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
			struct tpacket_auxdata aux;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				*csum_ready = 0;
		}
	}
	return n;
}

enum { ST_SELECTING, ST_REQUESTING };
#define MAX_REQUESTS 4
#define RETRY_CAP 8.0
#define NAK_HOLDOFF 1.0

int dhcp_client_run(int ifindex, const char *ifname, const uint8_t mac[6],
		    const struct dhcp_client_opts *opts, struct dhcp_lease *out)
{
	double timeout = opts && opts->timeout_secs > 0 ? opts->timeout_secs : 30.0;
	double first = opts && opts->first_retry_secs > 0 ? opts->first_retry_secs : 2.0;
	const char *hostname = opts ? opts->hostname : NULL;
	if (!ifname)
		ifname = "?";

	int fd = open_socket(ifindex);
	if (fd < 0) {
		log_error("dhcp: cannot open packet socket on %s: %s", ifname, strerror(-fd));
		return fd;
	}

	double start = clock_secs(), deadline = start + timeout;
	uint32_t xid = new_xid(mac);
	uint32_t rnd = xid ^ 0x5bd1e995u;
	int state = ST_SELECTING, attempt = 0, warned = 0, rc;
	double delay = first, next_send = start, sent_at = start, offer_rtt = 0;
	uint32_t offered = 0, server = 0;
	char a[16], b[16];

	for (;;) {
		double t = clock_secs();
		if (t >= deadline) {
			log_error("dhcp: no lease on %s after %.1f s", ifname, t - start);
			rc = -ETIMEDOUT;
			break;
		}
		if (t >= next_send) {
			if (state == ST_REQUESTING && attempt >= MAX_REQUESTS) {
				log_info("dhcp: no ACK on %s, back to DISCOVER", ifname);
				state = ST_SELECTING;
				xid = new_xid(mac);
				attempt = 0;
				delay = first;
			}
			uint8_t msg[576];
			int mlen = state == ST_SELECTING
				? dhcp_build_discover(msg, sizeof(msg), xid, mac, hostname)
				: dhcp_build_request(msg, sizeof(msg), xid, mac, offered, server, hostname);
			if (mlen < 0) {
				rc = mlen;
				break;
			}
			double el = t - start;
			put16(msg + OFF_SECS, (uint16_t)(el > 65535 ? 65535 : el));
			rc = send_msg(fd, ifindex, mac, msg, (size_t)mlen);
			if (rc < 0) {
				log_error("dhcp: send on %s: %s", ifname, strerror(-rc));
				break;
			}
			sent_at = t;
			double cur = delay > RETRY_CAP ? RETRY_CAP : delay;
			double jit = 0.9 + 0.2 * (double)(next_rand(&rnd) % 10001) / 10000.0;
			double wait = cur * jit;
			if (wait > RETRY_CAP)
				wait = RETRY_CAP;
			attempt++;
			if (attempt > 1)
				log_info("dhcp: no answer on %s, retry %d, waiting %.1f s",
					 ifname, attempt, wait);
			next_send = t + wait;
			delay *= 2;
		}

		double until = next_send < deadline ? next_send : deadline;
		double left = until - clock_secs();
		int ms = left <= 0 ? 0 : left > 60.0 ? 60000 : (int)(left * 1000.0) + 1;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (pr == 0)
			continue;
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			int err = 0;
			socklen_t el = sizeof(err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
				err = errno;
			if (err) {
				log_error("dhcp: socket error on %s: %s", ifname, strerror(err));
				rc = -err;
				break;
			}
		}
		if (!(pfd.revents & POLLIN))
			continue;

		rc = 1; /* 1: keep going */
		for (int budget = 64; budget > 0; budget--) { /* bounded under a flood */
			uint8_t frame[2048];
			int csum_ready = 1;
			ssize_t n = recv_frame(fd, frame, sizeof(frame), &csum_ready);
			if (n == -EAGAIN)
				break;
			if (n < 0) {
				log_error("dhcp: receive on %s: %s", ifname, strerror((int)-n));
				rc = (int)n;
				break;
			}
			if (n == 0)
				continue;
			struct dhcp_lease l;
			int r = parse_frame(frame, (size_t)n, xid, mac, &l, csum_ready);
			if (r == -EBADMSG && !warned) {
				log_info("dhcp: ignoring malformed reply on %s", ifname);
				warned = 1;
			}
			if (r < 0)
				continue;
			if (state == ST_SELECTING) {
				if (l.msg_type != DHCPOFFER || !l.yiaddr || !l.server_id)
					continue;
				offered = l.yiaddr;
				server = l.server_id;
				offer_rtt = clock_secs() - sent_at;
				fmt_ip(a, offered);
				fmt_ip(b, server);
				log_info("dhcp: offer %s from %s on %s", a, b, ifname);
				state = ST_REQUESTING;
				attempt = 0;
				delay = first;
				next_send = clock_secs(); /* send the REQUEST right away */
				continue;
			}
			if (l.server_id && l.server_id != server)
				continue;
			if (l.msg_type == DHCPACK && l.yiaddr) {
				*out = l;
				out->rtt_secs = offer_rtt + (clock_secs() - sent_at);
				rc = 0;
				break;
			}
			if (l.msg_type == DHCPNAK) {
				fmt_ip(b, server);
				log_info("dhcp: NAK from %s on %s, restarting", b, ifname);
				state = ST_SELECTING;
				xid = new_xid(mac);
				attempt = 0;
				delay = first;
				next_send = clock_secs() + NAK_HOLDOFF;
			}
		}
		if (rc <= 0)
			break;
	}
	close(fd);
	return rc;
}
