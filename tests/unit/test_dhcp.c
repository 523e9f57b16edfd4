/* Unit tests of the init's DHCP client: builders, the strict reply parser
 * and the Ethernet/IPv4/UDP frame checks. Every parse runs on a heap copy
 * of exactly the message length, so ASan reports any over-read. */
#include "harness.h"
#include "dhcp.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
#define XID 0x1234abcdu

/* ------------------------------------------------------------ helpers */

struct msg {
	uint8_t b[4096];
	size_t n;
};

static void m_header(struct msg *m, uint8_t op)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = op;
	m->b[1] = 1;
	m->b[2] = 6;
	m->b[4] = (uint8_t)(XID >> 24);
	m->b[5] = (uint8_t)(XID >> 16);
	m->b[6] = (uint8_t)(XID >> 8);
	m->b[7] = (uint8_t)XID;
	uint32_t a = inet_addr("10.0.0.5");
	memcpy(m->b + 16, &a, 4); /* yiaddr */
	a = inet_addr("10.0.0.1");
	memcpy(m->b + 20, &a, 4); /* siaddr */
	memcpy(m->b + 28, MAC, 6);
	memset(m->b + 34, 0xee, 10); /* rest of chaddr: must be ignored */
	m->b[236] = 99;
	m->b[237] = 130;
	m->b[238] = 83;
	m->b[239] = 99;
	m->n = 240;
}

static void m_byte(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void m_opt(struct msg *m, uint8_t code, const void *v, size_t len)
{
	m->b[m->n++] = code;
	m->b[m->n++] = (uint8_t)len;
	if (len)
		memcpy(m->b + m->n, v, len);
	m->n += len;
}

static void m_str(struct msg *m, uint8_t code, const char *s)
{
	m_opt(m, code, s, strlen(s));
}

static void m_ip(struct msg *m, uint8_t code, const char *ip)
{
	uint32_t a = inet_addr(ip);
	m_opt(m, code, &a, 4);
}

static void m_type(struct msg *m, uint8_t type)
{
	m_opt(m, 53, &type, 1);
}

/* A complete ACK with the options a boot server sends, END included. */
static void m_ack(struct msg *m)
{
	m_header(m, 2);
	m_type(m, 5);
	m_ip(m, 54, "10.0.0.1");
	uint8_t lease[4] = {0, 0, 0x0e, 0x10}; /* 3600 */
	m_opt(m, 51, lease, 4);
	m_ip(m, 1, "255.255.255.0");
	uint32_t r[2] = {inet_addr("10.0.0.254"), inet_addr("10.0.0.253")};
	m_opt(m, 3, r, 8);
	uint32_t d[2] = {inet_addr("10.0.0.2"), inet_addr("10.0.0.3")};
	m_opt(m, 6, d, 8);
	m_str(m, 12, "node07");
	m_str(m, 17, "10.0.0.1:/srv/hopeless/roots/base");
	m_byte(m, 255);
}

/* The ACK header plus message type only; callers append and end. */
static void m_min(struct msg *m)
{
	m_header(m, 2);
	m_type(m, 5);
}

static int parse_buf(const uint8_t *b, size_t n, uint32_t xid, const uint8_t *mac,
		     struct dhcp_lease *l)
{
	uint8_t *p = malloc(n ? n : 1);
	memcpy(p, b, n);
	int r = dhcp_parse(p, n, xid, mac, l);
	free(p);
	return r;
}

static int parse(const struct msg *m, struct dhcp_lease *l)
{
	return parse_buf(m->b, m->n, XID, MAC, l);
}

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

/* Finds an option in a message we built (test side, simple walker). */
static const uint8_t *find_opt(const uint8_t *b, size_t n, uint8_t code, size_t *len)
{
	size_t i = 240;
	while (i < n && b[i] != 255) {
		if (b[i] == 0) {
			i++;
			continue;
		}
		if (i + 1 >= n || i + 2 + b[i + 1] > n)
			return NULL;
		if (b[i] == code) {
			*len = b[i + 1];
			return b + i + 2;
		}
		i += 2 + b[i + 1];
	}
	return NULL;
}

/* Test-side Internet checksum, independent of the code under test. */
static uint16_t t_sum(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

struct fopt {
	int ihl;            /* 0 means 5 */
	uint16_t frag;      /* flags + fragment offset field */
	uint16_t dport;     /* 0 means 68 */
	int udp_len_extra;  /* added to the UDP length field */
	int bad_ip_sum;
	int udp_sum;        /* 0 computed, 1 zero (none), 2 wrong */
	size_t eth_pad;     /* trailing bytes after the IP packet */
	uint16_t ethertype; /* 0 means IPv4 */
	uint8_t proto;      /* 0 means UDP */
};

/* A server's reply frame 10.0.0.1:67 -> 255.255.255.255:68. */
static size_t make_frame(uint8_t *f, const uint8_t *pl, size_t plen, const struct fopt *o)
{
	int ihl = o->ihl ? o->ihl : 5;
	size_t hl = ihl >= 5 ? (size_t)ihl * 4 : 20;
	memset(f, 0xff, 6);
	static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 1};
	memcpy(f + 6, smac, 6);
	uint16_t et = o->ethertype ? o->ethertype : 0x0800;
	f[12] = (uint8_t)(et >> 8);
	f[13] = (uint8_t)et;
	uint8_t *iph = f + 14;
	memset(iph, 1, hl); /* NOP options beyond 20 bytes */
	iph[0] = (uint8_t)(0x40 | ihl);
	iph[1] = 0;
	size_t tot = hl + 8 + plen;
	iph[2] = (uint8_t)(tot >> 8);
	iph[3] = (uint8_t)tot;
	iph[4] = 0x12;
	iph[5] = 0x34;
	iph[6] = (uint8_t)(o->frag >> 8);
	iph[7] = (uint8_t)o->frag;
	iph[8] = 64;
	iph[9] = o->proto ? o->proto : 17;
	iph[10] = iph[11] = 0;
	uint32_t s = ip("10.0.0.1"), d = 0xffffffffu;
	memcpy(iph + 12, &s, 4);
	memcpy(iph + 16, &d, 4);
	uint16_t c = (uint16_t)~t_sum(0, iph, hl);
	if (o->bad_ip_sum)
		c ^= 0x0101;
	iph[10] = (uint8_t)(c >> 8);
	iph[11] = (uint8_t)c;

	uint8_t *u = iph + hl;
	uint16_t dport = o->dport ? o->dport : 68;
	u[0] = 0;
	u[1] = 67;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	size_t ulen = 8 + plen + (size_t)o->udp_len_extra;
	u[4] = (uint8_t)(ulen >> 8);
	u[5] = (uint8_t)ulen;
	u[6] = u[7] = 0;
	memcpy(u + 8, pl, plen);
	if (o->udp_sum != 1) {
		uint32_t acc = 17 + (uint32_t)(8 + plen);
		acc = t_sum(acc, iph + 12, 8);
		uint16_t us = (uint16_t)~t_sum(acc, u, 8 + plen);
		if (us == 0)
			us = 0xffff;
		if (o->udp_sum == 2)
			us ^= 0x0001;
		u[6] = (uint8_t)(us >> 8);
		u[7] = (uint8_t)us;
	}
	memset(u + 8 + plen, 0, o->eth_pad);
	return 14 + tot + o->eth_pad;
}

static int parse_frame_buf(const uint8_t *f, size_t n, struct dhcp_lease *l)
{
	uint8_t *p = malloc(n ? n : 1);
	memcpy(p, f, n);
	int r = dhcp_parse_frame(p, n, XID, MAC, l);
	free(p);
	return r;
}

static int frame_with(const struct fopt *o, struct dhcp_lease *l)
{
	struct msg m;
	m_ack(&m);
	static uint8_t f[8192];
	size_t n = make_frame(f, m.b, m.n, o);
	return parse_frame_buf(f, n, l);
}

/* ------------------------------------------------------------ builders */

TEST(dhcp_build_discover_fields)
{
	uint8_t b[600];
	int n = dhcp_build_discover(b, sizeof(b), XID, MAC, "node07");
	CHECK(n >= 300);
	if (n < 300)
		return;
	CHECK_INT(b[0], 1);
	CHECK_INT(b[1], 1);
	CHECK_INT(b[2], 6);
	CHECK_INT(b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], (int)XID);
	CHECK_INT(b[10], 0x80); /* broadcast flag */
	CHECK(memcmp(b + 28, MAC, 6) == 0);
	CHECK(b[236] == 99 && b[237] == 130 && b[238] == 83 && b[239] == 99);
	size_t l = 0;
	const uint8_t *o = find_opt(b, (size_t)n, 53, &l);
	CHECK(o && l == 1 && o[0] == 1);
	o = find_opt(b, (size_t)n, 55, &l);
	static const uint8_t want[] = {1, 3, 6, 12, 15, 17, 28, 51, 54};
	CHECK(o && l == sizeof(want) && memcmp(o, want, l) == 0);
	o = find_opt(b, (size_t)n, 12, &l);
	CHECK(o && l == 6 && memcmp(o, "node07", 6) == 0);
	CHECK(find_opt(b, (size_t)n, 50, &l) == NULL);
	CHECK(find_opt(b, (size_t)n, 54, &l) == NULL);

	n = dhcp_build_discover(b, sizeof(b), XID, MAC, NULL);
	CHECK(n >= 300);
	CHECK(find_opt(b, (size_t)n, 12, &l) == NULL);
	CHECK_INT(dhcp_build_discover(b, 100, XID, MAC, NULL), -ENOSPC);
	CHECK_INT(dhcp_build_discover(b, 299, XID, MAC, NULL), -ENOSPC);

	/* Our own request is not a reply. */
	struct dhcp_lease lease;
	CHECK_INT(parse_buf(b, (size_t)n, XID, MAC, &lease), -ENOMSG);
}

TEST(dhcp_build_request_fields)
{
	uint8_t b[600];
	int n = dhcp_build_request(b, sizeof(b), XID, MAC, ip("10.0.0.5"), ip("10.0.0.1"),
				   "node07");
	CHECK(n >= 300);
	if (n < 300)
		return;
	size_t l = 0;
	const uint8_t *o = find_opt(b, (size_t)n, 53, &l);
	CHECK(o && l == 1 && o[0] == 3);
	uint32_t v;
	o = find_opt(b, (size_t)n, 50, &l);
	CHECK(o && l == 4);
	if (o) {
		memcpy(&v, o, 4);
		CHECK(v == ip("10.0.0.5"));
	}
	o = find_opt(b, (size_t)n, 54, &l);
	CHECK(o && l == 4);
	if (o) {
		memcpy(&v, o, 4);
		CHECK(v == ip("10.0.0.1"));
	}
	CHECK(find_opt(b, (size_t)n, 55, &l) != NULL);
	CHECK_INT(dhcp_build_request(b, 200, XID, MAC, 1, 2, NULL), -ENOSPC);

	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_INT(dhcp_build_request(b, sizeof(b), XID, MAC, 1, 2, longname), -EINVAL);
}

TEST(dhcp_build_frame_checksums)
{
	uint8_t pl[600], f[1024];
	int n = dhcp_build_discover(pl, sizeof(pl), XID, MAC, "node07");
	CHECK(n > 0);
	if (n <= 0)
		return;
	int fl = dhcp_build_frame(f, sizeof(f), MAC, pl, (size_t)n);
	CHECK_INT(fl, 14 + 20 + 8 + n);
	if (fl <= 0)
		return;
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	CHECK(memcmp(f, bcast, 6) == 0);
	CHECK(memcmp(f + 6, MAC, 6) == 0);
	CHECK(f[12] == 0x08 && f[13] == 0x00);
	const uint8_t *iph = f + 14, *u = f + 34;
	CHECK_INT(iph[0], 0x45);
	CHECK_INT(iph[9], 17);
	CHECK_INT(t_sum(0, iph, 20), 0xffff);
	CHECK(iph[12] == 0 && iph[13] == 0 && iph[14] == 0 && iph[15] == 0);
	CHECK(iph[16] == 0xff && iph[17] == 0xff && iph[18] == 0xff && iph[19] == 0xff);
	CHECK_INT(u[0] << 8 | u[1], 68);
	CHECK_INT(u[2] << 8 | u[3], 67);
	CHECK_INT(u[4] << 8 | u[5], 8 + n);
	uint32_t acc = t_sum(17 + (uint32_t)(8 + n), iph + 12, 8);
	CHECK_INT(t_sum(acc, u, 8 + (size_t)n), 0xffff);
	CHECK(memcmp(u + 8, pl, (size_t)n) == 0);
	CHECK_INT(dhcp_build_frame(f, 50, MAC, pl, (size_t)n), -ENOSPC);
}

/* The frame builder's checksums are accepted by the frame parser: build a
 * frame around an ACK and swap the ports (the UDP sum is unchanged). */
TEST(dhcp_build_frame_parses_back)
{
	struct msg m;
	m_ack(&m);
	uint8_t f[1024];
	int fl = dhcp_build_frame(f, sizeof(f), MAC, m.b, m.n);
	CHECK(fl > 0);
	if (fl <= 0)
		return;
	uint8_t t0 = f[34], t1 = f[35];
	f[34] = f[36];
	f[35] = f[37];
	f[36] = t0;
	f[37] = t1;
	struct dhcp_lease l;
	CHECK_INT(parse_frame_buf(f, (size_t)fl, &l), 0);
	CHECK_INT(l.msg_type, 5);
	CHECK_STR(l.hostname, "node07");
}

/* ------------------------------------------------------------ parsing */

TEST(dhcp_parse_ack_roundtrip)
{
	struct msg m;
	m_ack(&m);
	struct dhcp_lease l;
	memset(&l, 0x5a, sizeof(l));
	CHECK_INT(parse(&m, &l), 0);
	CHECK_INT(l.msg_type, 5);
	CHECK(l.yiaddr == ip("10.0.0.5"));
	CHECK(l.next_server == ip("10.0.0.1"));
	CHECK(l.server_id == ip("10.0.0.1"));
	CHECK(l.netmask == ip("255.255.255.0"));
	CHECK(l.router == ip("10.0.0.254"));
	CHECK_INT(l.lease_secs, 3600);
	CHECK_INT(l.n_dns, 2);
	CHECK(l.dns[0] == ip("10.0.0.2"));
	CHECK(l.dns[1] == ip("10.0.0.3"));
	CHECK(l.dns[2] == 0);
	CHECK_STR(l.hostname, "node07");
	CHECK_STR(l.root_path, "10.0.0.1:/srv/hopeless/roots/base");
}

TEST(dhcp_parse_minimal_offer)
{
	struct msg m;
	m_header(&m, 2);
	m_type(&m, 2);
	m_byte(&m, 255);
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_INT(l.msg_type, 2);
	CHECK(l.netmask == 0 && l.router == 0 && l.server_id == 0 && l.lease_secs == 0);
	CHECK_INT(l.n_dns, 0);
	CHECK_STR(l.hostname, "");
	CHECK_STR(l.root_path, "");
}

TEST(dhcp_parse_truncated_header)
{
	struct msg m;
	m_ack(&m);
	struct dhcp_lease l;
	size_t cuts[] = {0, 1, 7, 44, 235, 236, 239};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		CHECK_INT(parse_buf(m.b, cuts[i], XID, MAC, &l), -EBADMSG);
	CHECK_INT(dhcp_parse(NULL, 0, XID, MAC, &l), -EBADMSG);
}

/* Every prefix of a good ACK is either rejected or parsed, never over-read. */
TEST(dhcp_parse_every_truncation)
{
	struct msg m;
	m_ack(&m);
	struct dhcp_lease l;
	for (size_t n = 0; n < m.n; n++) {
		int r = parse_buf(m.b, n, XID, MAC, &l);
		CHECK(r == 0 || r == -EBADMSG);
	}
	/* Cut right after an option (before END): end of data is tolerated. */
	CHECK_INT(parse_buf(m.b, m.n - 1, XID, MAC, &l), 0);
}

TEST(dhcp_parse_option_len_beyond_end)
{
	struct msg m;
	m_min(&m);
	m_byte(&m, 12);
	m_byte(&m, 40);
	m_str(&m, 0, ""); /* two more bytes only */
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), -EBADMSG);

	/* An option code as the very last byte, without its length. */
	m_min(&m);
	m_byte(&m, 12);
	CHECK_INT(parse(&m, &l), -EBADMSG);
}

TEST(dhcp_parse_fixed_option_lengths)
{
	struct msg m;
	struct dhcp_lease l;
	uint8_t z[8] = {5, 5, 0, 0, 0, 0, 0, 0};

	m_header(&m, 2);
	m_opt(&m, 53, z, 2); /* message type with length 2 */
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), -EBADMSG);

	m_header(&m, 2);
	m_opt(&m, 53, z, 0);
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), -EBADMSG);

	struct {
		uint8_t code, len;
	} bad[] = {{1, 3}, {1, 5}, {1, 0}, {3, 5}, {3, 0}, {3, 3}, {6, 7}, {6, 0},
		   {51, 2}, {51, 8}, {54, 0}, {54, 5}, {52, 2}, {52, 0}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m_min(&m);
		m_opt(&m, bad[i].code, z, bad[i].len);
		m_byte(&m, 255);
		int r = parse(&m, &l);
		if (r != -EBADMSG)
			fprintf(stderr, "  option %u length %u accepted\n", bad[i].code,
				bad[i].len);
		CHECK_INT(r, -EBADMSG);
	}

	/* Duplicate message type: concatenated, two bytes, rejected. */
	m_min(&m);
	m_type(&m, 5);
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), -EBADMSG);
}

TEST(dhcp_parse_missing_msg_type)
{
	struct msg m;
	m_header(&m, 2);
	m_ip(&m, 54, "10.0.0.1");
	m_byte(&m, 255);
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), -EBADMSG);

	/* A message type after END does not count. */
	m_header(&m, 2);
	m_byte(&m, 255);
	m_type(&m, 5);
	CHECK_INT(parse(&m, &l), -EBADMSG);
}

TEST(dhcp_parse_missing_cookie)
{
	struct msg m;
	m_ack(&m);
	m.b[236] = 0;
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), -EBADMSG);
	m_ack(&m);
	m.b[239] = 98;
	CHECK_INT(parse(&m, &l), -EBADMSG);
}

TEST(dhcp_parse_not_for_us)
{
	struct msg m;
	struct dhcp_lease l;
	memset(&l, 0x5a, sizeof(l));
	struct dhcp_lease before = l;

	m_ack(&m);
	CHECK_INT(parse_buf(m.b, m.n, XID + 1, MAC, &l), -ENOMSG);

	uint8_t other[6];
	memcpy(other, MAC, 6);
	other[5] ^= 1;
	CHECK_INT(parse_buf(m.b, m.n, XID, other, &l), -ENOMSG);
	other[5] ^= 1;
	other[0] ^= 0x80;
	CHECK_INT(parse_buf(m.b, m.n, XID, other, &l), -ENOMSG);

	m.b[0] = 1; /* BOOTREQUEST */
	CHECK_INT(parse(&m, &l), -ENOMSG);
	m_ack(&m);
	m.b[1] = 6; /* IEEE 802 htype */
	CHECK_INT(parse(&m, &l), -ENOMSG);
	m_ack(&m);
	m.b[2] = 16;
	CHECK_INT(parse(&m, &l), -ENOMSG);
	CHECK(memcmp(&l, &before, sizeof(l)) == 0); /* untouched on error */

	/* Bytes of chaddr past the six of the MAC are ignored. */
	m_ack(&m);
	memset(m.b + 34, 0x11, 10);
	CHECK_INT(parse(&m, &l), 0);
}

TEST(dhcp_parse_overload_file_and_sname)
{
	struct msg m;
	m_header(&m, 2);
	m_type(&m, 5);
	uint8_t ov = 3;
	m_opt(&m, 52, &ov, 1);
	size_t ovpos = m.n - 1; /* value byte of option 52 */
	m_ip(&m, 54, "10.0.0.1");
	m_byte(&m, 255);
	/* file field (offset 108, 128 bytes): host name and root path */
	uint8_t *f = m.b + 108;
	f[0] = 12;
	f[1] = 6;
	memcpy(f + 2, "node09", 6);
	f[8] = 17;
	f[9] = 12;
	memcpy(f + 10, "/srv/root/n9", 12);
	f[22] = 255;
	/* sname field (offset 44, 64 bytes): netmask and DNS, no END (tolerated) */
	uint8_t *s = m.b + 44;
	uint32_t a = ip("255.255.0.0");
	s[0] = 1;
	s[1] = 4;
	memcpy(s + 2, &a, 4);
	a = ip("10.0.0.9");
	s[6] = 6;
	s[7] = 4;
	memcpy(s + 8, &a, 4);
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "node09");
	CHECK_STR(l.root_path, "/srv/root/n9");
	CHECK(l.netmask == ip("255.255.0.0"));
	CHECK_INT(l.n_dns, 1);
	CHECK(l.dns[0] == ip("10.0.0.9"));
	CHECK(l.server_id == ip("10.0.0.1"));

	/* Overload 1 (file only): the sname options are not read. */
	m.b[ovpos] = 1;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "node09");
	CHECK(l.netmask == 0);
	CHECK_INT(l.n_dns, 0);

	/* Overload 2 (sname only). */
	m.b[ovpos] = 2;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "");
	CHECK(l.netmask == ip("255.255.0.0"));

	/* Invalid overload values. */
	m.b[ovpos] = 0;
	CHECK_INT(parse(&m, &l), -EBADMSG);
	m.b[ovpos] = 4;
	CHECK_INT(parse(&m, &l), -EBADMSG);

	/* A malformed option inside the overloaded file field. */
	m.b[ovpos] = 1;
	f[1] = 200;
	CHECK_INT(parse(&m, &l), -EBADMSG);
}

TEST(dhcp_parse_overload_no_recursion)
{
	struct msg m;
	m_header(&m, 2);
	m_type(&m, 5);
	uint8_t ov = 1;
	m_opt(&m, 52, &ov, 1);
	m_byte(&m, 255);
	/* file field says "overload both" again and holds a host name. */
	uint8_t *f = m.b + 108;
	f[0] = 52;
	f[1] = 1;
	f[2] = 3;
	f[3] = 12;
	f[4] = 4;
	memcpy(f + 5, "n123", 4);
	f[9] = 255;
	/* sname holds a message type; if it were read the type would be
	 * duplicated and the message rejected. */
	m.b[44] = 53;
	m.b[45] = 1;
	m.b[46] = 2;
	m.b[47] = 255;
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_INT(l.msg_type, 5);
	CHECK_STR(l.hostname, "n123");

	/* Two overload options in the options field: rejected. */
	m_header(&m, 2);
	m_type(&m, 5);
	m_opt(&m, 52, &ov, 1);
	m_opt(&m, 52, &ov, 1);
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), -EBADMSG);
}

TEST(dhcp_parse_split_options)
{
	struct msg m;
	m_min(&m);
	m_str(&m, 17, "10.0.0.1:/srv/");
	m_str(&m, 12, "node");
	m_ip(&m, 54, "10.0.0.1");
	m_str(&m, 17, "roots/");
	m_str(&m, 12, "-12.lab");
	m_str(&m, 17, "base");
	m_byte(&m, 255);
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.root_path, "10.0.0.1:/srv/roots/base");
	CHECK_STR(l.hostname, "node-12.lab");

	/* A long root path split in two options (RFC 3396), 255 characters. */
	char path[256];
	memset(path, 'a', 255);
	path[0] = '/';
	path[255] = '\0';
	m_min(&m);
	m_opt(&m, 17, path, 200);
	m_opt(&m, 17, path + 200, 55);
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.root_path, path);

	/* 256 characters do not fit: dropped. */
	m_min(&m);
	m_opt(&m, 17, path, 200);
	m_opt(&m, 17, path + 200, 55);
	m_str(&m, 17, "b");
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.root_path, "");

	/* Split across the options field and the overloaded file field. */
	m_min(&m);
	uint8_t ov = 1;
	m_opt(&m, 52, &ov, 1);
	m_str(&m, 17, "/srv/");
	m_byte(&m, 255);
	m.b[108] = 17;
	m.b[109] = 4;
	memcpy(m.b + 110, "node", 4);
	m.b[114] = 255;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.root_path, "/srv/node");
}

static void hostname_case(int *harness_failed, const char *name, const char *expect)
{
	struct msg m;
	m_min(&m);
	m_opt(&m, 12, name, strlen(name));
	m_byte(&m, 255);
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, expect);
}

TEST(dhcp_parse_hostname_checked)
{
	hostname_case(harness_failed, "node07", "node07");
	hostname_case(harness_failed, "node07.lab.example", "node07.lab.example");
	hostname_case(harness_failed, "../etc", "");
	hostname_case(harness_failed, "../../x", "");
	hostname_case(harness_failed, "a/b", "");
	hostname_case(harness_failed, "node;reboot", "");
	hostname_case(harness_failed, "$(reboot)", "");
	hostname_case(harness_failed, "node`id`", "");
	hostname_case(harness_failed, "a|b", "");
	hostname_case(harness_failed, "a b", "");
	hostname_case(harness_failed, "a\nb", "");
	hostname_case(harness_failed, "-node", "");
	hostname_case(harness_failed,
		      "a123456789012345678901234567890123456789012345678901234567890123", "");

	/* NUL inside: rejected; trailing NULs (some servers send them): dropped. */
	struct msg m;
	struct dhcp_lease l;
	m_min(&m);
	m_opt(&m, 12, "node\0x", 6);
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "");
	m_min(&m);
	m_opt(&m, 12, "node07\0\0", 8);
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "node07");
	m_min(&m);
	m_opt(&m, 12, "", 0);
	m_byte(&m, 255);
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "");
}

static void root_case(int *harness_failed, const char *path, const char *expect)
{
	struct msg m;
	m_min(&m);
	m_opt(&m, 17, path, strlen(path));
	m_byte(&m, 255);
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.root_path, expect);
}

TEST(dhcp_parse_root_path_checked)
{
	root_case(harness_failed, "/srv/roots/base", "/srv/roots/base");
	root_case(harness_failed, "10.0.0.1:/srv/roots/base", "10.0.0.1:/srv/roots/base");
	root_case(harness_failed, "10.0.0.1:/srv/../etc", "");
	root_case(harness_failed, "/srv/roots/..", "");
	root_case(harness_failed, "/srv/a,rw", "");
	root_case(harness_failed, "/srv/a,b", "");
	root_case(harness_failed, "/srv/a b", "");
	root_case(harness_failed, "/srv/a\tb", "");
	root_case(harness_failed, "/srv/\x01x", "");
	root_case(harness_failed, "/srv/\x7f", "");
	root_case(harness_failed, "/srv/\xc3\xa9", "");
}

TEST(dhcp_parse_no_end_option)
{
	struct msg m;
	m_min(&m);
	m_ip(&m, 54, "10.0.0.1");
	m_str(&m, 12, "node07");
	/* no END, zero padding to the end of the datagram */
	m.n += 60;
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "node07");
	CHECK(l.server_id == ip("10.0.0.1"));

	/* no END and no padding */
	m_min(&m);
	m_str(&m, 12, "node07");
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "node07");

	/* options after END are ignored, even malformed ones */
	m_min(&m);
	m_byte(&m, 255);
	m_byte(&m, 12);
	m_byte(&m, 250);
	CHECK_INT(parse(&m, &l), 0);
	CHECK_STR(l.hostname, "");
}

TEST(dhcp_parse_oversized_message)
{
	struct msg m;
	m_min(&m);
	uint8_t vend[250];
	memset(vend, 'v', sizeof(vend));
	for (int i = 0; i < 8; i++) /* 2016 bytes of vendor options */
		m_opt(&m, 43, vend, sizeof(vend));
	uint32_t dns[10];
	for (int i = 0; i < 10; i++)
		dns[i] = htonl(0x0a000100u + (uint32_t)i);
	m_opt(&m, 6, dns, sizeof(dns));
	m_str(&m, 12, "big");
	/* a root path split into pieces far longer than 255 characters */
	for (int i = 0; i < 6; i++)
		m_opt(&m, 17, vend, 200);
	m_byte(&m, 255);
	CHECK(m.n > 2000 + 240);
	struct dhcp_lease l;
	CHECK_INT(parse(&m, &l), 0);
	CHECK_INT(l.n_dns, 3);
	CHECK(l.dns[2] == htonl(0x0a000102u));
	CHECK_STR(l.hostname, "big");
	CHECK_STR(l.root_path, "");

	/* A whole 4 KiB of padding. */
	m_min(&m);
	m.n = sizeof(m.b);
	CHECK_INT(parse(&m, &l), 0);
}

/* ------------------------------------------------------------ frames */

TEST(dhcp_frame_valid)
{
	struct fopt o;
	struct dhcp_lease l;
	memset(&o, 0, sizeof(o));
	CHECK_INT(frame_with(&o, &l), 0);
	CHECK_STR(l.root_path, "10.0.0.1:/srv/hopeless/roots/base");
	o.ihl = 6; /* IP options */
	CHECK_INT(frame_with(&o, &l), 0);
	o.ihl = 15;
	CHECK_INT(frame_with(&o, &l), 0);
	memset(&o, 0, sizeof(o));
	o.udp_sum = 1; /* no UDP checksum */
	CHECK_INT(frame_with(&o, &l), 0);
	memset(&o, 0, sizeof(o));
	o.eth_pad = 30; /* bytes after the IP packet */
	CHECK_INT(frame_with(&o, &l), 0);
	memset(&o, 0, sizeof(o));
	o.frag = 0x4000; /* DF is fine */
	CHECK_INT(frame_with(&o, &l), 0);
}

TEST(dhcp_frame_bad_ip_checksum)
{
	struct fopt o;
	struct dhcp_lease l;
	memset(&o, 0, sizeof(o));
	o.bad_ip_sum = 1;
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
}

TEST(dhcp_frame_bad_udp_checksum)
{
	struct fopt o;
	struct dhcp_lease l;
	memset(&o, 0, sizeof(o));
	o.udp_sum = 2;
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
}

TEST(dhcp_frame_udp_length_beyond)
{
	struct fopt o;
	struct dhcp_lease l;
	memset(&o, 0, sizeof(o));
	o.udp_len_extra = 1;
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
	o.udp_len_extra = 3000;
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
	o.eth_pad = 40; /* even with bytes after the IP packet */
	o.udp_len_extra = 20;
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
}

TEST(dhcp_frame_udp_length_short)
{
	struct msg m;
	m_ack(&m);
	uint8_t f[2048];
	struct fopt o;
	memset(&o, 0, sizeof(o));
	size_t n = make_frame(f, m.b, m.n, &o);
	f[34 + 4] = 0;
	f[34 + 5] = 7; /* below the UDP header size */
	f[34 + 6] = f[34 + 7] = 0;
	struct dhcp_lease l;
	CHECK_INT(parse_frame_buf(f, n, &l), -EBADMSG);
}

TEST(dhcp_frame_ihl_too_small)
{
	struct fopt o;
	struct dhcp_lease l;
	for (int ihl = 1; ihl < 5; ihl++) {
		memset(&o, 0, sizeof(o));
		o.ihl = ihl;
		CHECK_INT(frame_with(&o, &l), -EBADMSG);
	}
	/* IHL 0 (make_frame treats 0 as 5, so patch the byte by hand). */
	struct msg m;
	m_ack(&m);
	uint8_t f[2048];
	memset(&o, 0, sizeof(o));
	size_t n = make_frame(f, m.b, m.n, &o);
	f[14] = 0x40;
	CHECK_INT(parse_frame_buf(f, n, &l), -EBADMSG);
	f[14] = 0x65; /* IPv6 version nibble */
	CHECK_INT(parse_frame_buf(f, n, &l), -EBADMSG);
}

TEST(dhcp_frame_fragment_rejected)
{
	struct fopt o;
	struct dhcp_lease l;
	memset(&o, 0, sizeof(o));
	o.frag = 0x2000; /* more fragments */
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
	o.frag = 0x0001; /* offset 8 */
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
	o.frag = 0x1fff;
	CHECK_INT(frame_with(&o, &l), -EBADMSG);
}

TEST(dhcp_frame_wrong_port_or_protocol)
{
	struct fopt o;
	struct dhcp_lease l;
	memset(&o, 0, sizeof(o));
	o.dport = 67;
	CHECK_INT(frame_with(&o, &l), -ENOMSG);
	o.dport = 0x4400; /* 68 in the wrong byte order */
	CHECK_INT(frame_with(&o, &l), -ENOMSG);
	memset(&o, 0, sizeof(o));
	o.proto = 6;
	CHECK_INT(frame_with(&o, &l), -ENOMSG);
	memset(&o, 0, sizeof(o));
	o.ethertype = 0x0806;
	CHECK_INT(frame_with(&o, &l), -ENOMSG);
	o.ethertype = 0x86dd;
	CHECK_INT(frame_with(&o, &l), -ENOMSG);
}

TEST(dhcp_frame_ip_total_length)
{
	struct msg m;
	m_ack(&m);
	uint8_t f[2048];
	struct fopt o;
	memset(&o, 0, sizeof(o));
	size_t n = make_frame(f, m.b, m.n, &o);
	struct dhcp_lease l;
	/* total length bigger than the frame: rejected (checksum redone) */
	size_t tot = n - 14 + 1;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[24] = f[25] = 0;
	uint16_t c = (uint16_t)~t_sum(0, f + 14, 20);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	CHECK_INT(parse_frame_buf(f, n, &l), -EBADMSG);
	/* total length below the header length */
	f[16] = 0;
	f[17] = 19;
	f[24] = f[25] = 0;
	c = (uint16_t)~t_sum(0, f + 14, 20);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	CHECK_INT(parse_frame_buf(f, n, &l), -EBADMSG);
}

TEST(dhcp_frame_every_truncation)
{
	struct msg m;
	m_ack(&m);
	uint8_t f[2048];
	struct fopt o;
	memset(&o, 0, sizeof(o));
	size_t n = make_frame(f, m.b, m.n, &o);
	struct dhcp_lease l;
	for (size_t k = 0; k < n; k++)
		CHECK_INT(parse_frame_buf(f, k, &l), -EBADMSG);
	CHECK_INT(parse_frame_buf(f, n, &l), 0);
	CHECK_INT(dhcp_parse_frame(NULL, 0, XID, MAC, &l), -EBADMSG);
}

/* ------------------------------------------------------------ client */

/* Without a usable interface the client fails at once with the socket's
 * error (EPERM unprivileged, ENODEV as root), never a timeout. */
TEST(dhcp_client_bad_interface)
{
	struct dhcp_client_opts o = {.timeout_secs = 3, .first_retry_secs = 1,
				     .hostname = NULL};
	struct dhcp_lease l;
	int r = dhcp_client_run(0x7ffffff0, "nonexist0", MAC, &o, &l);
	CHECK(r < 0);
	CHECK(r != -ETIMEDOUT);
}
