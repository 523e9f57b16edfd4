/* ARP probe frames and conflict detection. */
#include "arp.h"
#include "harness.h"

static const uint8_t me[6] = {0x52, 0x54, 0, 0, 0, 1}, them[6] = {0x52, 0x54, 0, 0, 0, 2};
static const uint8_t ipb[4] = {10, 0, 0, 5}, otherb[4] = {10, 0, 0, 6};

static uint32_t ip4(const uint8_t b[4])
{
	uint32_t v;
	memcpy(&v, b, 4);
	return v;
}

/* A frame from them: op, sender IP, target IP. */
static void frame(uint8_t *f, int op, const uint8_t spa[4], const uint8_t tpa[4])
{
	arp_build_probe(f, ARP_FRAME_LEN, them, ip4(tpa));
	f[21] = (uint8_t)op;
	memcpy(f + 28, spa, 4);
}

TEST(arp_probe_layout)
{
	uint8_t f[64];
	CHECK_INT(arp_build_probe(f, sizeof(f), me, ip4(ipb)), ARP_FRAME_LEN);
	CHECK_INT(f[0], 0xff);
	CHECK(!memcmp(f + 6, me, 6));
	CHECK_INT(f[12], 0x08);
	CHECK_INT(f[13], 0x06);
	CHECK_INT(f[21], 1);
	CHECK(!memcmp(f + 22, me, 6));
	CHECK(f[28] == 0 && f[29] == 0 && f[30] == 0 && f[31] == 0); /* sender IP 0.0.0.0 */
	CHECK(!memcmp(f + 38, ipb, 4));
	CHECK(arp_build_probe(f, 10, me, ip4(ipb)) < 0);
}

/* A takeover's announcement: sender and target address both ip, our MAC,
 * broadcast; and a prober of ip sees it as the address in use. */
TEST(arp_announce_layout)
{
	uint8_t f[64], other[6] = {0};
	CHECK_INT(arp_build_announce(f, sizeof(f), them, ip4(ipb)), ARP_FRAME_LEN);
	CHECK_INT(f[0], 0xff);
	CHECK_INT(f[21], 1);
	CHECK(!memcmp(f + 22, them, 6));
	CHECK(!memcmp(f + 28, ipb, 4));
	CHECK(!memcmp(f + 38, ipb, 4));
	CHECK_INT(arp_frame_conflicts(f, ARP_FRAME_LEN, me, ip4(ipb), other), 1);
	CHECK(!memcmp(other, them, 6));
	CHECK(arp_build_announce(f, 10, me, ip4(ipb)) < 0);
}

TEST(arp_conflicts)
{
	uint8_t f[ARP_FRAME_LEN], other[6] = {0};
	static const uint8_t zero[4] = {0}, gw[4] = {10, 0, 0, 1};
	frame(f, 2, ipb, ipb); /* a reply: they hold our address */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 1);
	CHECK(!memcmp(other, them, 6));
	frame(f, 1, ipb, gw); /* they ask for the gateway from our address */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 1);
	frame(f, 1, zero, ipb); /* they probe our address at the same time */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 1);
	frame(f, 2, otherb, gw); /* traffic about another address */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 0);
	arp_build_probe(f, sizeof(f), me, ip4(ipb)); /* our own probe */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 0);
	frame(f, 2, ipb, ipb);
	CHECK_INT(arp_frame_conflicts(f, ARP_FRAME_LEN - 1, me, ip4(ipb), other), 0); /* truncated */
	f[13] = 0x00; /* not ARP */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 0);
	frame(f, 3, ipb, ipb); /* RARP opcode */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 0);
	frame(f, 2, ipb, ipb);
	f[18] = 8; /* wrong hardware length */
	CHECK_INT(arp_frame_conflicts(f, sizeof(f), me, ip4(ipb), other), 0);
}
