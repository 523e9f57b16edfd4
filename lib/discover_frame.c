/* Discovery of new nodes: the strict parser of the DHCPDISCOVER frames
 * hopeless serve hears while a window is open (see discover.h). A file of
 * its own, with no other dependency, so the fuzz target links it alone. */
#include "inetcsum.h"
#include "discover.h"
#include <errno.h>
#include <string.h>

#define ETH_HDR 14
#define IP_MIN 20
#define UDP_HDR 8
#define BOOTP_FIXED 236 /* op .. file */
#define DHCP_COOKIE 0x63825363u

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/* The options after the cookie: one running count of what is left. Only
 * the message type is wanted; it must appear exactly once, with length 1.
 * Option overload (52) is refused: a client's DISCOVER never needs it,
 * and options hidden in sname/file are where parsers go wrong. */
static int parse_options(const uint8_t *p, size_t left, int *type)
{
	*type = -1;
	while (left) {
		uint8_t code = *p++;
		left--;
		if (code == 0)
			continue;
		if (code == 255)
			return *type < 0 ? -EBADMSG : 0;
		if (!left)
			return -EBADMSG;
		size_t len = *p++;
		left--;
		if (len > left)
			return -EBADMSG;
		if (code == 52)
			return -EBADMSG;
		if (code == 53) {
			if (len != 1 || *type >= 0)
				return -EBADMSG;
			*type = p[0];
		}
		p += len;
		left -= len;
	}
	return -EBADMSG; /* no end option */
}

static int parse_bootp(const uint8_t *b, size_t len, const uint8_t src[6], struct discover_request *out)
{
	if (len < BOOTP_FIXED + 4)
		return -EBADMSG;
	/* op BOOTREQUEST, htype Ethernet, hlen 6 */
	if (b[0] != 1 || b[1] != 1 || b[2] != 6)
		return -EBADMSG;
	if (get32(b + BOOTP_FIXED) != DHCP_COOKIE)
		return -EBADMSG;
	int type;
	int r = parse_options(b + BOOTP_FIXED + 4, len - BOOTP_FIXED - 4, &type);
	if (r < 0)
		return r;
	if (type != 1) /* DHCPDISCOVER */
		return -ENOMSG;
	/* Straight from the client: not relayed (hops, giaddr), no address yet. */
	if (b[3] != 0 || get32(b + 12) != 0 || get32(b + 24) != 0)
		return -ENOMSG;
	/* chaddr is the frame's own source: a client cannot claim another MAC
	 * than the one it sends from (and a relay's frames are not its own). */
	if (memcmp(b + 28, src, 6))
		return -EBADMSG;
	static const uint8_t zero[6];
	if ((src[0] & 1) || !memcmp(src, zero, 6))
		return -EBADMSG;
	memcpy(out->mac, src, 6);
	out->xid = get32(b + 4);
	return 0;
}

int discover_parse_frame(const uint8_t *frame, size_t len, int check_udp_sum, struct discover_request *out)
{
	if (!frame || len < ETH_HDR + IP_MIN + UDP_HDR)
		return -EBADMSG;
	if (get16(frame + 12) != 0x0800)
		return -ENOMSG;
	const uint8_t *ip = frame + ETH_HDR;
	size_t avail = len - ETH_HDR;
	if (ip[0] >> 4 != 4)
		return -EBADMSG;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	size_t tot = get16(ip + 2);
	if (ihl < IP_MIN || ihl > avail || tot < ihl || tot > avail) /* Ethernet padding may follow */
		return -EBADMSG;
	if (inet_csum_fold(inet_csum_add(0, ip, ihl)) != 0xffff)
		return -EBADMSG;
	if (get16(ip + 6) & 0x3fff) /* a fragment */
		return -EBADMSG;
	if (ip[9] != 17)
		return -ENOMSG;
	const uint8_t *udp = ip + ihl;
	size_t ipdata = tot - ihl;
	if (ipdata < UDP_HDR)
		return -EBADMSG;
	if (get16(udp) != 68 || get16(udp + 2) != 67)
		return -ENOMSG;
	size_t ulen = get16(udp + 4);
	if (ulen < UDP_HDR || ulen > ipdata)
		return -EBADMSG;
	if (check_udp_sum && get16(udp + 6) != 0) {
		uint32_t sum = inet_csum_add(0, ip + 12, 8) + 17 + (uint32_t)ulen;
		if (inet_csum_fold(inet_csum_add(sum, udp, ulen)) != 0xffff)
			return -EBADMSG;
	}
	return parse_bootp(udp + UDP_HDR, ulen - UDP_HDR, frame + 6, out);
}
