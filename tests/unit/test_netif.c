/* Unit tests for init/netif.c: the pure parts (BOOTIF, ip=, candidate
 * choice, netmasks) and netlink messages built and parsed in memory. */
#include "harness.h"
#include "netif.h"

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define IP4(a, b, c, d) htobe32((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* An aligned scratch buffer for hand-built messages. */
union msgbuf {
	struct nlmsghdr nh;
	char b[1024];
};

static void put_attr(struct nlmsghdr *nh, unsigned short type, const void *data,
		     size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static struct ifinfomsg *link_msg(union msgbuf *m, int index, unsigned type,
				  unsigned flags)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	m->nh.nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg *ifi = NLMSG_DATA(&m->nh);
	ifi->ifi_index = index;
	ifi->ifi_type = (unsigned short)type;
	ifi->ifi_flags = flags;
	return ifi;
}

/* Find attribute type in a built message after a family header of hdrlen. */
static const struct rtattr *find_attr(const struct nlmsghdr *nh, size_t hdrlen,
				      unsigned short type)
{
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(hdrlen));
	const struct rtattr *rta =
		(const struct rtattr *)((const char *)NLMSG_DATA(nh) + NLMSG_ALIGN(hdrlen));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == type)
			return rta;
	return NULL;
}

static uint32_t attr_u32(const struct rtattr *rta)
{
	uint32_t v;
	memcpy(&v, RTA_DATA(rta), 4);
	return v;
}

/* ---- BOOTIF ---------------------------------------------------------- */

TEST(netif_bootif_pxelinux_form)
{
	uint8_t mac[6] = {0};
	const uint8_t want[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	CHECK_INT(netif_parse_bootif("01-52-54-00-ab-cd-ef", mac), 0);
	CHECK(memcmp(mac, want, 6) == 0);
	memset(mac, 0, 6);
	CHECK_INT(netif_parse_bootif("01-52-54-00-AB-CD-EF", mac), 0);
	CHECK(memcmp(mac, want, 6) == 0);
}

TEST(netif_bootif_without_prefix_and_colons)
{
	uint8_t mac[6] = {0};
	const uint8_t want[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	CHECK_INT(netif_parse_bootif("52:54:00:ab:cd:ef", mac), 0);
	CHECK(memcmp(mac, want, 6) == 0);
	memset(mac, 0, 6);
	CHECK_INT(netif_parse_bootif("52-54-00-ab-cd-ef", mac), 0);
	CHECK(memcmp(mac, want, 6) == 0);
	memset(mac, 0, 6);
	CHECK_INT(netif_parse_bootif("01:52:54:00:ab:cd:ef", mac), 0);
	CHECK(memcmp(mac, want, 6) == 0);
}

TEST(netif_bootif_rejects)
{
	uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
	const uint8_t orig[6] = {1, 2, 3, 4, 5, 6};
	const char *bad[] = {
		"", "01-52-54-00-ab-c", "06-52-54-00-ab-cd-ef", /* token ring */
		"52-54:00-ab-cd-ef", "52-54-00-ab-cd-eg", "52-54-00-ab-cd-ef-",
		"52.54.00.ab.cd.ef", "5-254-00-ab-cd-eff", "01-52-54-00-ab-cd-ef-00",
		" 52-54-00-ab-cd-e", "01-52-54-00-ab-cd-e\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(netif_parse_bootif(bad[i], mac), -EINVAL);
	CHECK_INT(netif_parse_bootif(NULL, mac), -EINVAL);
	CHECK(memcmp(mac, orig, 6) == 0);
}

/* ---- netmask --------------------------------------------------------- */

TEST(netif_mask_to_prefix_values)
{
	CHECK_INT(netif_mask_to_prefix(IP4(255, 255, 255, 0)), 24);
	CHECK_INT(netif_mask_to_prefix(IP4(255, 255, 255, 255)), 32);
	CHECK_INT(netif_mask_to_prefix(IP4(255, 255, 255, 254)), 31);
	CHECK_INT(netif_mask_to_prefix(IP4(255, 255, 240, 0)), 20);
	CHECK_INT(netif_mask_to_prefix(IP4(128, 0, 0, 0)), 1);
	CHECK_INT(netif_mask_to_prefix(0), 0);
	CHECK_INT(netif_mask_to_prefix(IP4(255, 0, 255, 0)), -1);
	CHECK_INT(netif_mask_to_prefix(IP4(0, 255, 255, 255)), -1);
	CHECK_INT(netif_mask_to_prefix(IP4(255, 255, 255, 1)), -1);
}

/* ---- ip= ------------------------------------------------------------- */

TEST(netif_ip_short_forms)
{
	struct netif_ipconf c;
	const char *dhcp[] = {"dhcp", "on", "any", "bootp", "both"};
	for (size_t i = 0; i < sizeof(dhcp) / sizeof(dhcp[0]); i++) {
		c.mode = -1;
		CHECK_INT(netif_parse_ip(dhcp[i], &c), 0);
		CHECK_INT(c.mode, NETIF_IP_DHCP);
		CHECK_INT(c.client, 0);
		CHECK_STR(c.device, "");
	}
	CHECK_INT(netif_parse_ip("off", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_OFF);
	CHECK_INT(netif_parse_ip("none", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_OFF);
}

TEST(netif_ip_static_full)
{
	struct netif_ipconf c;
	CHECK_INT(netif_parse_ip("10.0.0.5:10.0.0.1:10.0.0.254:255.255.255.0:"
				 "node05:eth0:off:10.0.0.2:10.0.0.3:10.0.0.4", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_STATIC);
	CHECK(c.client == IP4(10, 0, 0, 5));
	CHECK(c.server == IP4(10, 0, 0, 1));
	CHECK(c.gateway == IP4(10, 0, 0, 254));
	CHECK(c.netmask == IP4(255, 255, 255, 0));
	CHECK_STR(c.hostname, "node05");
	CHECK_STR(c.device, "eth0");
}

TEST(netif_ip_static_partial)
{
	struct netif_ipconf c;
	CHECK_INT(netif_parse_ip("192.168.7.20::192.168.7.1:255.255.0.0", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_STATIC);
	CHECK(c.client == IP4(192, 168, 7, 20));
	CHECK_INT(c.server, 0);
	CHECK(c.gateway == IP4(192, 168, 7, 1));
	CHECK(c.netmask == IP4(255, 255, 0, 0));
	CHECK_STR(c.hostname, "");
	/* A lone address is the client ip. */
	CHECK_INT(netif_parse_ip("172.16.0.9", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_STATIC);
	CHECK(c.client == IP4(172, 16, 0, 9));
	CHECK_INT(c.netmask, 0);
	/* The client address wins over an autoconf keyword, as in the kernel. */
	CHECK_INT(netif_parse_ip("10.1.2.3::::::dhcp", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_STATIC);
}

TEST(netif_ip_autoconf_field)
{
	struct netif_ipconf c;
	CHECK_INT(netif_parse_ip(":::::eth1:dhcp", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_DHCP);
	CHECK_STR(c.device, "eth1");
	CHECK_INT(netif_parse_ip("::::n1:enp3s0f1:any", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_DHCP);
	CHECK_STR(c.hostname, "n1");
	CHECK_STR(c.device, "enp3s0f1");
	/* Empty autoconf defaults to "any". */
	CHECK_INT(netif_parse_ip(":::::eth0:", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_DHCP);
	CHECK_INT(netif_parse_ip(":::::eth0", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_DHCP);
	CHECK_INT(netif_parse_ip(":::::eth0:off", &c), 0);
	CHECK_INT(c.mode, NETIF_IP_OFF);
}

TEST(netif_ip_rejects)
{
	struct netif_ipconf c;
	char host64[80], dev16[40];
	memset(host64, 'h', 64);
	host64[64] = '\0';
	snprintf(dev16, sizeof(dev16), ":::::%s", "abcdefghijklmnop"); /* 16 */
	char longhost[160];
	snprintf(longhost, sizeof(longhost), "10.0.0.1::::%s", host64);
	const char *bad[] = {
		"", "dhcpx", "rarp", "10.0.0", "10.0.0.256", "10.0.0.1.2", "1234.0.0.1",
		"10.0.0.-1", "10.0.0.1 ", "10.0.0.1::::::bogus",
		"10.0.0.1:::255.0.255.0", "10.0.0.1:x", ":::::eth0:dhcp:8.8.8",
		"1.1.1.1:2.2.2.2:3.3.3.3:255.0.0.0:h:eth0:off:4.4.4.4:5.5.5.5:6.6.6.6:",
		"::::bad/host", "::::bad host", ":::::et/h0", longhost, dev16,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = netif_parse_ip(bad[i], &c);
		if (rc != -EINVAL)
			fprintf(stderr, "  accepted ip=%s\n", bad[i]);
		CHECK_INT(rc, -EINVAL);
	}
	CHECK_INT(netif_parse_ip(NULL, &c), -EINVAL);
	/* Exactly at the limits is fine. */
	host64[63] = '\0';
	snprintf(longhost, sizeof(longhost), "10.0.0.1::::%s:abcdefghijklmno", host64);
	CHECK_INT(netif_parse_ip(longhost, &c), 0);
	CHECK_INT(strlen(c.hostname), 63);
	CHECK_STR(c.device, "abcdefghijklmno");
}

/* ---- candidates ------------------------------------------------------ */

static struct netif mk(int idx, const char *name, uint8_t last, int ether)
{
	struct netif l;
	memset(&l, 0, sizeof(l));
	l.ifindex = idx;
	snprintf(l.name, sizeof(l.name), "%s", name);
	const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, last};
	memcpy(l.mac, mac, 6);
	l.is_ether = ether;
	return l;
}

TEST(netif_candidates_order_and_bootif)
{
	struct netif all[5] = {
		mk(4, "eth1", 4, 1), mk(1, "lo", 0, 0), mk(2, "eth0", 2, 1),
		mk(3, "ib0", 3, 0), mk(7, "eth2", 7, 1),
	};
	struct netif out[5];
	CHECK_INT(netif_candidates(all, 5, NULL, out, 5), 3);
	CHECK_STR(out[0].name, "eth0");
	CHECK_STR(out[1].name, "eth1");
	CHECK_STR(out[2].name, "eth2");
	/* max keeps the lowest ifindexes */
	CHECK_INT(netif_candidates(all, 5, NULL, out, 2), 2);
	CHECK_STR(out[1].name, "eth1");

	const uint8_t want[6] = {0x52, 0x54, 0, 0, 0, 4};
	CHECK_INT(netif_candidates(all, 5, want, out, 5), 1);
	CHECK_STR(out[0].name, "eth1");
	const uint8_t ib[6] = {0x52, 0x54, 0, 0, 0, 3}; /* not ethernet */
	CHECK_INT(netif_candidates(all, 5, ib, out, 5), 0);
	const uint8_t none[6] = {0xde, 0xad, 0, 0, 0, 1};
	CHECK_INT(netif_candidates(all, 5, none, out, 5), 0);
	CHECK_INT(netif_candidates(all, 0, NULL, out, 5), 0);
	CHECK_INT(netif_candidates(all, 5, NULL, out, 0), 0);
}

/* ---- link messages --------------------------------------------------- */

TEST(netif_parse_link_ether)
{
	union msgbuf m;
	link_msg(&m, 3, ARPHRD_ETHER, IFF_UP | IFF_BROADCAST);
	const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	uint8_t carrier = 1;
	put_attr(&m.nh, IFLA_IFNAME, "eth0", 5);
	put_attr(&m.nh, IFLA_MTU, "\xdc\x05\0\0", 4);
	put_attr(&m.nh, IFLA_ADDRESS, mac, 6);
	put_attr(&m.nh, IFLA_CARRIER, &carrier, 1);
	struct netif l;
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_INT(l.ifindex, 3);
	CHECK_STR(l.name, "eth0");
	CHECK(memcmp(l.mac, mac, 6) == 0);
	CHECK_INT(l.flags, IFF_UP | IFF_BROADCAST);
	CHECK_INT(l.carrier, 1); /* IFLA_CARRIER beats the missing LOWER_UP */
	CHECK_INT(l.is_ether, 1);

	/* IFLA_CARRIER 0 beats IFF_LOWER_UP. */
	link_msg(&m, 3, ARPHRD_ETHER, IFF_UP | IFF_LOWER_UP);
	carrier = 0;
	put_attr(&m.nh, IFLA_ADDRESS, mac, 6);
	put_attr(&m.nh, IFLA_CARRIER, &carrier, 1);
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_INT(l.carrier, 0);
}

TEST(netif_parse_link_fallbacks)
{
	union msgbuf m;
	struct netif l;
	/* No IFLA_CARRIER: IFF_LOWER_UP decides. */
	link_msg(&m, 2, ARPHRD_ETHER, IFF_UP | IFF_LOWER_UP);
	put_attr(&m.nh, IFLA_ADDRESS, "\x52\x54\0\0\0\1", 6);
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_INT(l.carrier, 1);
	link_msg(&m, 2, ARPHRD_ETHER, IFF_UP);
	put_attr(&m.nh, IFLA_ADDRESS, "\x52\x54\0\0\0\1", 6);
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_INT(l.carrier, 0);

	/* Loopback is not ethernet even with a 6-byte address. */
	link_msg(&m, 1, ARPHRD_LOOPBACK, IFF_UP | IFF_LOOPBACK);
	put_attr(&m.nh, IFLA_IFNAME, "lo", 3);
	put_attr(&m.nh, IFLA_ADDRESS, "\0\0\0\0\0\0", 6);
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_INT(l.is_ether, 0);
	CHECK(l.flags & IFF_LOOPBACK);

	/* An address that is not 6 bytes is no MAC. */
	link_msg(&m, 5, ARPHRD_ETHER, 0);
	put_attr(&m.nh, IFLA_ADDRESS, "\1\2\3\4", 4);
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_INT(l.is_ether, 0);
	CHECK(memcmp(l.mac, "\0\0\0\0\0\0", 6) == 0);

	/* A name without NUL is cut to 15 characters. */
	link_msg(&m, 6, ARPHRD_ETHER, 0);
	put_attr(&m.nh, IFLA_IFNAME, "abcdefghijklmnopqrst", 20);
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_STR(l.name, "abcdefghijklmno");
}

TEST(netif_parse_link_malformed)
{
	union msgbuf m;
	struct netif l;
	link_msg(&m, 2, ARPHRD_ETHER, 0);
	m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)) - 1;
	CHECK_INT(netif_parse_link(&m.nh, &l), -EINVAL);
	link_msg(&m, 2, ARPHRD_ETHER, 0);
	m.nh.nlmsg_type = RTM_NEWADDR;
	CHECK_INT(netif_parse_link(&m.nh, &l), -EINVAL);
	CHECK_INT(netif_parse_link(NULL, &l), -EINVAL);

	/* An attribute claiming more than the message holds ends the walk:
	 * the name before it is kept, the MAC inside it is not read. */
	link_msg(&m, 2, ARPHRD_ETHER, 0);
	put_attr(&m.nh, IFLA_IFNAME, "eth9", 5);
	put_attr(&m.nh, IFLA_ADDRESS, "\x52\x54\0\0\0\1", 6);
	struct rtattr *last = (struct rtattr *)((char *)&m.nh + m.nh.nlmsg_len - RTA_SPACE(6));
	last->rta_len = 200;
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
	CHECK_STR(l.name, "eth9");
	CHECK_INT(l.is_ether, 0);
	/* A zero-length attribute header must not loop forever. */
	last->rta_len = 0;
	CHECK_INT(netif_parse_link(&m.nh, &l), 0);
}

/* ---- request building ------------------------------------------------ */

TEST(netif_build_link_up_msg)
{
	union msgbuf m;
	size_t len = netif_build_link_up(m.b, sizeof(m.b), 4);
	CHECK_INT(len, NLMSG_LENGTH(sizeof(struct ifinfomsg)));
	CHECK_INT(m.nh.nlmsg_len, len);
	CHECK_INT(m.nh.nlmsg_type, RTM_NEWLINK);
	CHECK(m.nh.nlmsg_flags & NLM_F_REQUEST);
	struct ifinfomsg *ifi = NLMSG_DATA(&m.nh);
	CHECK_INT(ifi->ifi_index, 4);
	CHECK_INT(ifi->ifi_flags, IFF_UP);
	CHECK_INT(ifi->ifi_change, IFF_UP);
	CHECK_INT(netif_build_link_up(m.b, sizeof(m.b), 0), 0);
	CHECK_INT(netif_build_link_up(m.b, 16, 4), 0);
}

TEST(netif_build_addr_msg)
{
	union msgbuf m;
	size_t len = netif_build_addr(m.b, sizeof(m.b), 2, IP4(10, 123, 0, 2), 24);
	CHECK(len > 0);
	CHECK_INT(m.nh.nlmsg_len, len);
	CHECK_INT(m.nh.nlmsg_type, RTM_NEWADDR);
	CHECK_INT(m.nh.nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = NLMSG_DATA(&m.nh);
	CHECK_INT(ifa->ifa_family, AF_INET);
	CHECK_INT(ifa->ifa_prefixlen, 24);
	CHECK_INT(ifa->ifa_index, 2);
	CHECK_INT(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	const struct rtattr *a;
	CHECK((a = find_attr(&m.nh, sizeof(*ifa), IFA_LOCAL)) && attr_u32(a) == IP4(10, 123, 0, 2));
	CHECK((a = find_attr(&m.nh, sizeof(*ifa), IFA_ADDRESS)) && attr_u32(a) == IP4(10, 123, 0, 2));
	CHECK((a = find_attr(&m.nh, sizeof(*ifa), IFA_BROADCAST)) &&
	      attr_u32(a) == IP4(10, 123, 0, 255));

	/* /32: no broadcast; 127/8 gets host scope. */
	CHECK(netif_build_addr(m.b, sizeof(m.b), 2, IP4(10, 1, 1, 1), 32) > 0);
	CHECK(find_attr(&m.nh, sizeof(*ifa), IFA_BROADCAST) == NULL);
	CHECK(netif_build_addr(m.b, sizeof(m.b), 1, IP4(127, 0, 0, 1), 8) > 0);
	CHECK_INT(ifa->ifa_scope, RT_SCOPE_HOST);
	CHECK((a = find_attr(&m.nh, sizeof(*ifa), IFA_BROADCAST)) &&
	      attr_u32(a) == IP4(127, 255, 255, 255));

	CHECK_INT(netif_build_addr(m.b, sizeof(m.b), 2, IP4(10, 0, 0, 1), 33), 0);
	CHECK_INT(netif_build_addr(m.b, sizeof(m.b), 2, IP4(10, 0, 0, 1), -1), 0);
	CHECK_INT(netif_build_addr(m.b, sizeof(m.b), 2, 0, 24), 0);
	CHECK_INT(netif_build_addr(m.b, sizeof(m.b), -1, IP4(10, 0, 0, 1), 24), 0);
	/* Room for the headers but not all attributes. */
	CHECK_INT(netif_build_addr(m.b, NLMSG_SPACE(sizeof(*ifa)) + 10, 2, IP4(10, 0, 0, 1), 24), 0);
}

/* A takeover's release: the same address, RTM_DELADDR, no create flags. */
TEST(netif_build_addr_del_msg)
{
	union msgbuf m;
	size_t len = netif_build_addr_del(m.b, sizeof(m.b), 3, IP4(10, 123, 0, 2), 24);
	CHECK(len > 0);
	CHECK_INT(m.nh.nlmsg_type, RTM_DELADDR);
	CHECK_INT(m.nh.nlmsg_flags, NLM_F_REQUEST);
	struct ifaddrmsg *ifa = NLMSG_DATA(&m.nh);
	CHECK_INT(ifa->ifa_prefixlen, 24);
	CHECK_INT(ifa->ifa_index, 3);
	const struct rtattr *a;
	CHECK((a = find_attr(&m.nh, sizeof(*ifa), IFA_LOCAL)) && attr_u32(a) == IP4(10, 123, 0, 2));
	CHECK_INT(netif_build_addr_del(m.b, sizeof(m.b), 0, IP4(10, 0, 0, 1), 24), 0);
	CHECK_INT(netif_build_addr_del(m.b, sizeof(m.b), 2, 0, 24), 0);
}

TEST(netif_build_route_msg)
{
	union msgbuf m;
	size_t len = netif_build_route(m.b, sizeof(m.b), 3, IP4(10, 123, 0, 1));
	CHECK(len > 0);
	CHECK_INT(m.nh.nlmsg_type, RTM_NEWROUTE);
	CHECK(m.nh.nlmsg_flags & NLM_F_CREATE);
	struct rtmsg *r = NLMSG_DATA(&m.nh);
	CHECK_INT(r->rtm_family, AF_INET);
	CHECK_INT(r->rtm_dst_len, 0);
	CHECK_INT(r->rtm_table, RT_TABLE_MAIN);
	CHECK_INT(r->rtm_protocol, RTPROT_BOOT);
	CHECK_INT(r->rtm_type, RTN_UNICAST);
	const struct rtattr *a;
	CHECK((a = find_attr(&m.nh, sizeof(*r), RTA_GATEWAY)) && attr_u32(a) == IP4(10, 123, 0, 1));
	CHECK((a = find_attr(&m.nh, sizeof(*r), RTA_OIF)) && attr_u32(a) == 3);
	CHECK_INT(netif_build_route(m.b, sizeof(m.b), 3, 0), 0);
	/* No route wanted: success without touching the kernel. */
	CHECK_INT(netif_add_default_route(3, 0), 0);
}

TEST(netif_bad_args_fail_early)
{
	CHECK_INT(netif_up(0), -EINVAL);
	CHECK_INT(netif_add_addr(0, IP4(10, 0, 0, 1), 24), -EINVAL);
	CHECK_INT(netif_add_addr(2, IP4(10, 0, 0, 1), 40), -EINVAL);
	CHECK_INT(netif_add_default_route(-3, IP4(10, 0, 0, 1)), -EINVAL);
	CHECK_INT(netif_wait_carrier(0, 1.0), -EINVAL);
	CHECK_INT(netif_list(NULL, 4), -EINVAL);
}

/* ---- acks ------------------------------------------------------------ */

static size_t put_err(char *at, uint32_t seq, int error, uint32_t len)
{
	struct nlmsghdr nh = {.nlmsg_len = len, .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = seq};
	struct nlmsgerr e;
	memset(&e, 0, sizeof(e));
	e.error = error;
	memcpy(at, &nh, sizeof(nh));
	memcpy(at + NLMSG_HDRLEN, &e, sizeof(e));
	return NLMSG_ALIGN(len);
}

TEST(netif_ack_status_parsing)
{
	union msgbuf m;
	memset(&m, 0, sizeof(m));
	const uint32_t full = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	size_t n = put_err(m.b, 7, 0, full);
	CHECK_INT(netif_ack_status(m.b, n, 7), 0);
	CHECK_INT(netif_ack_status(m.b, n, 8), 1);
	put_err(m.b, 7, -EEXIST, full);
	CHECK_INT(netif_ack_status(m.b, n, 7), -EEXIST);
	put_err(m.b, 7, 5, full); /* errors are never positive */
	CHECK_INT(netif_ack_status(m.b, n, 7), -EPROTO);

	/* Ack second in the datagram, after a message for another request. */
	size_t off = put_err(m.b, 3, -ENODEV, full);
	off += put_err(m.b + off, 9, -ENETUNREACH, full);
	CHECK_INT(netif_ack_status(m.b, off, 9), -ENETUNREACH);
	CHECK_INT(netif_ack_status(m.b, off, 3), -ENODEV);

	/* Malformed: too short for nlmsgerr, longer than the datagram,
	 * shorter than a header, trailing bytes. */
	n = put_err(m.b, 7, 0, NLMSG_LENGTH(sizeof(int)));
	CHECK_INT(netif_ack_status(m.b, n, 7), -EBADMSG);
	put_err(m.b, 7, 0, full + 64);
	CHECK_INT(netif_ack_status(m.b, full, 7), -EBADMSG);
	put_err(m.b, 7, 0, 8);
	CHECK_INT(netif_ack_status(m.b, full, 7), -EBADMSG);
	n = put_err(m.b, 1, 0, full);
	CHECK_INT(netif_ack_status(m.b, n + 6, 7), -EBADMSG);
	CHECK_INT(netif_ack_status(m.b, 0, 7), 1);
}
