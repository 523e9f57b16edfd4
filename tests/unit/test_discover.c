/* Discovery: the DHCPDISCOVER parser (a frame from anyone on the segment)
 * and the window file (lib/discover.c). */
#include "harness.h"
#include "discover.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static const uint8_t SRC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned sum16(const uint8_t *p, size_t n, unsigned s)
{
	for (; n > 1; p += 2, n -= 2)
		s += (unsigned)p[0] << 8 | p[1];
	if (n)
		s += (unsigned)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* A DISCOVER as a PXE ROM sends it, with opts (NULL: type DISCOVER, end).
 * Returns the frame length; checksums right. */
static size_t frame(uint8_t *f, const uint8_t *opts, size_t olen)
{
	static const uint8_t dflt[] = {53, 1, 1, 93, 2, 0, 0, 255};
	if (!opts)
		opts = dflt, olen = sizeof(dflt);
	memset(f, 0, 600);
	memset(f, 0xff, 6);
	memcpy(f + 6, SRC, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *udp = ip + 20, *b = udp + 8;
	size_t blen = 240 + olen, ulen = 8 + blen, tot = 20 + ulen;
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)tot);
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xff, 4);
	put16(ip + 10, ~sum16(ip, 20, 0) & 0xffff);
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (unsigned)ulen);
	b[0] = 1, b[1] = 1, b[2] = 6;
	b[4] = 0xde, b[5] = 0xad, b[6] = 0xbe, b[7] = 0xef;
	memcpy(b + 28, SRC, 6);
	b[236] = 0x63, b[237] = 0x82, b[238] = 0x53, b[239] = 0x63;
	memcpy(b + 240, opts, olen);
	unsigned s = sum16(ip + 12, 8, 17 + (unsigned)ulen);
	s = sum16(udp, ulen, s);
	put16(udp + 6, (~s & 0xffff) ? (~s & 0xffff) : 0xffff);
	return 14 + tot;
}

/* Recompute the UDP checksum after a change to the payload. */
static void resum(uint8_t *f)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	size_t ulen = (size_t)udp[4] << 8 | udp[5];
	put16(udp + 6, 0);
	unsigned s = sum16(udp, ulen, sum16(ip + 12, 8, 17 + (unsigned)ulen));
	put16(udp + 6, (~s & 0xffff) ? (~s & 0xffff) : 0xffff);
}

static int parse(const uint8_t *f, size_t n)
{
	struct discover_request r;
	return discover_parse_frame(f, n, 1, &r);
}

TEST(discover_parse_good)
{
	uint8_t f[600];
	size_t n = frame(f, NULL, 0);
	struct discover_request r;
	CHECK_INT(discover_parse_frame(f, n, 1, &r), 0);
	CHECK(!memcmp(r.mac, SRC, 6));
	CHECK_INT(r.xid, 0xdeadbeef);
	/* Ethernet padding after the IP datagram is fine. */
	CHECK_INT(parse(f, n + 20), 0);
	/* Pad options before the type. */
	static const uint8_t pads[] = {0, 0, 53, 1, 1, 255};
	n = frame(f, pads, sizeof(pads));
	CHECK_INT(parse(f, n), 0);
}

TEST(discover_parse_every_truncation)
{
	uint8_t f[600];
	size_t n = frame(f, NULL, 0);
	for (size_t k = 0; k < n; k++) {
		/* A copy of exactly k bytes: ASan sees any read past it. */
		uint8_t *c = malloc(k ? k : 1);
		memcpy(c, f, k);
		CHECK(parse(c, k) < 0);
		free(c);
	}
	CHECK(discover_parse_frame(NULL, 0, 1, NULL) < 0);
}

TEST(discover_parse_options)
{
	uint8_t f[600];
	static const uint8_t no_end[] = {53, 1, 1};
	static const uint8_t past[] = {53, 1, 1, 60, 40, 'x', 255};
	static const uint8_t twice[] = {53, 1, 1, 53, 1, 1, 255};
	static const uint8_t len2[] = {53, 2, 1, 1, 255};
	static const uint8_t over[] = {52, 1, 3, 53, 1, 1, 255};
	static const uint8_t none[] = {60, 3, 'P', 'X', 'E', 255};
	static const uint8_t request[] = {53, 1, 3, 255};
	static const uint8_t dangling[] = {53, 1, 1, 60};
	CHECK_INT(parse(f, frame(f, no_end, sizeof(no_end))), -EBADMSG);
	CHECK_INT(parse(f, frame(f, past, sizeof(past))), -EBADMSG);
	CHECK_INT(parse(f, frame(f, twice, sizeof(twice))), -EBADMSG);
	CHECK_INT(parse(f, frame(f, len2, sizeof(len2))), -EBADMSG);
	CHECK_INT(parse(f, frame(f, over, sizeof(over))), -EBADMSG);
	CHECK_INT(parse(f, frame(f, none, sizeof(none))), -EBADMSG);
	CHECK_INT(parse(f, frame(f, request, sizeof(request))), -ENOMSG);
	CHECK_INT(parse(f, frame(f, dangling, sizeof(dangling))), -EBADMSG);
}

TEST(discover_parse_headers)
{
	uint8_t f[600];
	size_t n = frame(f, NULL, 0);
	uint8_t *ip = f + 14, *udp = ip + 20, *b = udp + 8;
	f[12] = 0x86, f[13] = 0xdd; /* IPv6 */
	CHECK_INT(parse(f, n), -ENOMSG);
	n = frame(f, NULL, 0);
	ip[10] ^= 1; /* IP checksum */
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	udp[7] ^= 1; /* UDP checksum: refused, unless the NIC was to fill it */
	CHECK_INT(parse(f, n), -EBADMSG);
	struct discover_request r;
	CHECK_INT(discover_parse_frame(f, n, 0, &r), 0);
	n = frame(f, NULL, 0);
	put16(udp + 6, 0); /* no UDP checksum at all is allowed in IPv4 */
	CHECK_INT(parse(f, n), 0);
	n = frame(f, NULL, 0);
	ip[0] = 0x44; /* IHL 4 */
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	put16(ip + 2, 2000); /* total length past the frame */
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	put16(udp + 4, 2000); /* UDP length past the datagram (checked before the sum) */
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	put16(udp + 2, 68); /* to the client port: not ours */
	resum(f);
	CHECK_INT(parse(f, n), -ENOMSG);
	n = frame(f, NULL, 0);
	b[0] = 2; /* a BOOTREPLY */
	resum(f);
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	b[236] = 0; /* no magic cookie */
	resum(f);
	CHECK_INT(parse(f, n), -EBADMSG);
	(void)b;
}

TEST(discover_parse_identity)
{
	uint8_t f[600];
	size_t n = frame(f, NULL, 0);
	uint8_t *b = f + 14 + 28;
	b[28 + 5] ^= 1; /* chaddr is not the frame's source */
	resum(f);
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	b[24] = 10; /* giaddr: relayed */
	resum(f);
	CHECK_INT(parse(f, n), -ENOMSG);
	n = frame(f, NULL, 0);
	b[3] = 1; /* hops */
	resum(f);
	CHECK_INT(parse(f, n), -ENOMSG);
	n = frame(f, NULL, 0);
	f[6] |= 1, b[28] |= 1; /* a multicast source, chaddr alike */
	resum(f);
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	memset(f + 6, 0, 6), memset(b + 28, 0, 6); /* all zero */
	resum(f);
	CHECK_INT(parse(f, n), -EBADMSG);
	n = frame(f, NULL, 0);
	f[14 + 6] = 0x20; /* more fragments */
	uint8_t *ip = f + 14;
	put16(ip + 10, 0);
	put16(ip + 10, ~sum16(ip, 20, 0) & 0xffff);
	CHECK_INT(parse(f, n), -EBADMSG);
}

TEST(discover_durations_and_times)
{
	long long s = 0;
	CHECK_INT(discover_parse_duration("90", &s), 0);
	CHECK_INT(s, 90);
	CHECK_INT(discover_parse_duration("90s", &s), 0);
	CHECK_INT(discover_parse_duration("30m", &s), 0);
	CHECK_INT(s, 1800);
	CHECK_INT(discover_parse_duration("2h", &s), 0);
	CHECK_INT(s, 7200);
	CHECK_INT(discover_parse_duration("7d", &s), 0);
	CHECK_INT(discover_parse_duration("8d", &s), -EINVAL);
	CHECK_INT(discover_parse_duration("0", &s), -EINVAL);
	CHECK_INT(discover_parse_duration("-5m", &s), -EINVAL);
	CHECK_INT(discover_parse_duration("5mm", &s), -EINVAL);
	CHECK_INT(discover_parse_duration("", &s), -EINVAL);
	CHECK_INT(discover_parse_duration("99999999999999999999", &s), -EINVAL);
	long long e = 0;
	CHECK_INT(discover_time_parse("2026-12-02T14:30:05Z", &e), 0);
	char out[32];
	discover_time_fmt(e, out);
	CHECK_STR(out, "2026-12-02T14:30:05Z");
	CHECK_INT(discover_time_parse("2026-02-30T00:00:00Z", &e), -EINVAL);
	CHECK_INT(discover_time_parse("2026-12-02T14:30:05", &e), -EINVAL);
	CHECK_INT(discover_time_parse("2026-12-02 14:30:05Z", &e), -EINVAL);
	CHECK_INT(discover_registered_ok("discovered 2026-12-02T14:30:05Z"), 0);
	CHECK_INT(discover_registered_ok("discovered"), -EINVAL);
	CHECK_INT(discover_registered_ok("manual"), -EINVAL);
}

TEST(discover_window_roundtrip)
{
	struct discover_window w, v;
	memset(&w, 0, sizeof(w));
	snprintf(w.nodes, sizeof(w.nodes), "n[101-164]");
	snprintf(w.ip, sizeof(w.ip), "10.0.0.101");
	snprintf(w.root, sizeof(w.root), "debian@3");
	snprintf(w.overlay, sizeof(w.overlay), "compute");
	snprintf(w.state, sizeof(w.state), "image");
	snprintf(w.boot, sizeof(w.boot), "ipxe");
	w.opened = 1800000000;
	w.until = w.opened + 3600;
	struct strbuf sb = STRBUF_INIT;
	char err[200];
	CHECK_INT(discover_window_format(&w, &sb), 0);
	CHECK_INT(discover_window_parse(sb_str(&sb), &v, err, sizeof(err)), 0);
	CHECK_STR(v.nodes, "n[101-164]");
	CHECK_STR(v.root, "debian@3");
	CHECK_INT(v.until, w.until);
	CHECK_INT(v.closed, 0);
	CHECK_STR(discover_window_state(&v, w.opened + 10), "open");
	CHECK_STR(discover_window_state(&v, w.until), "expired");
	w.closed = w.opened + 5;
	snprintf(w.closed_by, sizeof(w.closed_by), "full");
	sb_reset(&sb);
	CHECK_INT(discover_window_format(&w, &sb), 0);
	CHECK_INT(discover_window_parse(sb_str(&sb), &v, err, sizeof(err)), 0);
	CHECK_STR(discover_window_state(&v, w.opened + 10), "full");
	sb_free(&sb);
	CHECK(discover_window_parse("nodes = n[1-2]\nip = 10.0.0.1\n", &v, err, sizeof(err)) < 0);
	CHECK(discover_window_parse("bogus = 1\n", &v, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "unknown key");
	CHECK(discover_window_parse("nodes = n[2-1]\nip = 10.0.0.1\nroot = r\noverlay = o\nstate = image\n"
				    "boot = ipxe\nopened = 2026-12-02T14:30:05Z\nuntil = 2026-12-02T15:30:05Z\n",
				    &v, err, sizeof(err)) < 0);
	CHECK_INT(discover_window_parse("nodes = n[1-2]\nip = 10.0.0.1\nroot = r\noverlay = o\nstate = image\n"
					"boot = ipxe\nopened = 2026-12-02T14:30:05Z\nuntil = 2026-12-02T15:30:05Z\n",
					&v, err, sizeof(err)), 0);
	CHECK(discover_window_parse("nodes = n[1-2]\nip = 10.0.0.1\nroot = ../r\noverlay = o\nstate = image\n"
				    "boot = ipxe\nopened = 2026-12-02T14:30:05Z\nuntil = 2026-12-02T15:30:05Z\n",
				    &v, err, sizeof(err)) < 0);
}
