/* Validation of names, addresses and paths. */
#include "harness.h"
#include "validate.h"
#include <errno.h>

TEST(validate_names)
{
	CHECK_INT(validate_name("bookworm", NULL), 0);
	CHECK_INT(validate_name("compute-2.gpu_a", NULL), 0);
	const char *bad[] = {"", ".", "..", "a/b", "a..b", "-x", ".hidden", "a b", "a\nb", "x;y",
			     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(validate_name(bad[i], NULL) < 0);
	const char *why = NULL;
	CHECK(validate_name("a/b", &why) < 0);
	CHECK_STR(why, "name contains '/'");
}

TEST(validate_hostnames)
{
	CHECK_INT(validate_hostname("node001", NULL), 0);
	CHECK_INT(validate_hostname("n1.cluster.lab", NULL), 0);
	const char *bad[] = {"", "-a", "a-", "a..b", ".a", "a.", "a_b", "a b", "../x", "a/b", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(validate_hostname(bad[i], NULL) < 0);
}

TEST(validate_ipv4s)
{
	uint32_t a;
	CHECK_INT(validate_ipv4("10.0.0.1", &a, NULL), 0);
	CHECK_INT(((uint8_t *)&a)[0], 10);
	CHECK_INT(((uint8_t *)&a)[3], 1);
	const char *bad[] = {"10.0.0.256", "10.0.0", "10.0.0.1.2", "010.0.0.1", "1.2.3.4 ", "a.b.c.d", "", "1..2.3",
			     NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(validate_ipv4(bad[i], NULL, NULL) < 0);
}

TEST(validate_macs)
{
	uint8_t m[6];
	CHECK_INT(validate_mac("52:54:00:AB:cd:01", m, NULL), 0);
	CHECK_INT(m[3], 0xab);
	CHECK_INT(validate_mac("52-54-00-ab-cd-01", m, NULL), 0);
	const char *bad[] = {"52:54:00:ab:cd", "52:54:00:ab:cd:0g", "52:54-00:ab:cd:01", "01:00:5e:00:00:01",
			     "5254.00ab.cd01", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(validate_mac(bad[i], NULL, NULL) < 0);
}

TEST(validate_export_paths)
{
	CHECK_INT(validate_export_path("/roots", NULL), 0);
	CHECK_INT(validate_export_path("/srv/hopeless/state", NULL), 0);
	const char *bad[] = {"roots", "/a/../b", "/a/..", "/a/./b", "/a//b", "/a,b", "/a b", "/a:b", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(validate_export_path(bad[i], NULL) < 0);
}

/* Every class validate_node_ip refuses, with the reason an administrator reads. */
TEST(validate_node_ips)
{
	const char *why = NULL;
	const char *S = "10.0.0.1", *M = "255.255.255.0";
	CHECK_INT(validate_node_ip("10.0.0.11", S, M, &why), 0);
	CHECK_INT(validate_node_ip("10.0.0.254", S, M, NULL), 0);
	CHECK_INT(validate_node_ip("10.0.0.2", S, M, NULL), 0);
	struct {
		const char *ip, *why;
	} bad[] = {
		{"0.0.0.0", "0.0.0.0 is in 0.0.0.0/8 (\"this network\"), which no host can have"},
		{"0.1.2.3", "0.1.2.3 is in 0.0.0.0/8 (\"this network\"), which no host can have"},
		{"127.0.0.1", "127.0.0.1 is a loopback address (127.0.0.0/8)"},
		{"127.255.0.9", "127.255.0.9 is a loopback address (127.0.0.0/8)"},
		{"169.254.1.1", "169.254.1.1 is a link-local address (169.254.0.0/16)"},
		{"224.0.0.1", "224.0.0.1 is a multicast address (224.0.0.0/4)"},
		{"239.255.255.250", "239.255.255.250 is a multicast address (224.0.0.0/4)"},
		{"240.0.0.1", "240.0.0.1 is a reserved address (240.0.0.0/4)"},
		{"255.255.255.254", "255.255.255.254 is a reserved address (240.0.0.0/4)"},
		{"255.255.255.255", "255.255.255.255 is the limited broadcast address"},
		{"10.0.1.5",
		 "10.0.1.5 is outside the cluster subnet 10.0.0.0/24 (server and netmask in hopeless.conf)"},
		{"192.168.0.5",
		 "192.168.0.5 is outside the cluster subnet 10.0.0.0/24 (server and netmask in hopeless.conf)"},
		{"10.0.0.0", "10.0.0.0 is the network address of 10.0.0.0/24"},
		{"10.0.0.255", "10.0.0.255 is the broadcast address of 10.0.0.0/24"},
		{"10.0.0.1", "10.0.0.1 is the head node's own address (server in hopeless.conf)"},
		{"10.0.0.011", "not an IPv4 address (leading zero)"},
		{"", "not an IPv4 address"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_INT(validate_node_ip(bad[i].ip, S, M, &why), -EINVAL);
		CHECK_STR(why, bad[i].why);
	}
	/* Other prefixes: /16 broadcast, /22 network, a /30 and a /31 */
	CHECK_INT(validate_node_ip("172.16.255.255", "172.16.0.1", "255.255.0.0", &why), -EINVAL);
	CHECK_STR(why, "172.16.255.255 is the broadcast address of 172.16.0.0/16");
	CHECK_INT(validate_node_ip("172.16.1.255", "172.16.0.1", "255.255.0.0", NULL), 0);
	CHECK_INT(validate_node_ip("10.8.4.0", "10.8.5.1", "255.255.252.0", &why), -EINVAL);
	CHECK_STR(why, "10.8.4.0 is the network address of 10.8.4.0/22");
	CHECK_INT(validate_node_ip("10.8.6.0", "10.8.5.1", "255.255.252.0", NULL), 0);
	CHECK_INT(validate_node_ip("10.1.1.2", "10.1.1.1", "255.255.255.252", NULL), 0);
	CHECK_INT(validate_node_ip("10.1.1.3", "10.1.1.1", "255.255.255.252", NULL), -EINVAL);
	CHECK_INT(validate_node_ip("10.1.1.1", "10.1.1.0", "255.255.255.254", NULL), 0);
	/* A broken hopeless.conf is said to be one. */
	CHECK_INT(validate_node_ip("10.0.0.5", "10.0.0.1", "255.0.255.0", &why), -EINVAL);
	CHECK_STR(why, "the cluster's netmask (hopeless.conf) is not contiguous");
	CHECK_INT(validate_node_ip("10.0.0.5", "x", M, &why), -EINVAL);
	CHECK_CONTAINS(why, "server address");
}

TEST(validate_node_macs)
{
	const char *why = NULL;
	CHECK_INT(validate_node_mac("52:54:00:12:34:56", &why), 0); /* qemu, locally administered */
	CHECK_INT(validate_node_mac("02:00:00:00:00:01", NULL), 0); /* locally administered */
	CHECK_INT(validate_node_mac("00:1b:21:0a:0b:0c", NULL), 0);
	CHECK_INT(validate_node_mac("FE-54-00-12-34-56", NULL), 0);
	struct {
		const char *mac, *why;
	} bad[] = {
		{"00:00:00:00:00:00", "00:00:00:00:00:00 is the all-zero MAC address, which no network card has"},
		{"ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff is the broadcast MAC address"},
		{"FF-FF-FF-FF-FF-FF", "FF-FF-FF-FF-FF-FF is the broadcast MAC address"},
		{"01:00:5e:00:00:fb", "01:00:5e:00:00:fb is a multicast MAC address (lowest bit of the first octet set)"},
		{"33:33:00:00:00:01", "33:33:00:00:00:01 is a multicast MAC address (lowest bit of the first octet set)"},
		{"53:54:00:12:34:56", "53:54:00:12:34:56 is a multicast MAC address (lowest bit of the first octet set)"},
		{"52:54:00:12:34", "not a MAC address (want aa:bb:cc:dd:ee:ff)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_INT(validate_node_mac(bad[i].mac, &why), -EINVAL);
		CHECK_STR(why, bad[i].why);
	}
}

TEST(validate_versions_and_refs)
{
	CHECK_INT(validate_version("1"), 1);
	CHECK_INT(validate_version("999999"), 999999);
	const char *bad[] = {"", "0", "07", "-1", "+1", "1000000", "1a", " 1", "1 ", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(validate_version(bad[i]) < 0);
	char name[64];
	int v = -1;
	CHECK_INT(validate_layer_ref("debian", name, sizeof(name), &v, NULL), 0);
	CHECK_STR(name, "debian");
	CHECK_INT(v, 0);
	CHECK_INT(validate_layer_ref("debian@12", name, sizeof(name), &v, NULL), 0);
	CHECK_STR(name, "debian");
	CHECK_INT(v, 12);
	const char *badref[] = {"debian@", "debian@0", "debian@x", "@3", "../x@1", "a/b@1", "debian@1@2", NULL};
	for (int i = 0; badref[i]; i++)
		CHECK(validate_layer_ref(badref[i], name, sizeof(name), &v, NULL) < 0);
}
