/* Host ranges, address runs, MAC files and CSV node lists. */
#include "harness.h"
#include "nodeset.h"
#include <stdlib.h>

TEST(nodeset_range_keeps_padding)
{
	struct nodeset_entry *e;
	size_t n;
	char err[256];
	CHECK_INT(nodeset_expand("node[001-128]", &e, &n, err, sizeof(err)), 0);
	CHECK_INT(n, 128);
	CHECK_STR(e[0].hostname, "node001");
	CHECK_STR(e[9].hostname, "node010");
	CHECK_STR(e[127].hostname, "node128");
	free(e);
	CHECK_INT(nodeset_expand("n[8-11].rack2", &e, &n, err, sizeof(err)), 0);
	CHECK_INT(n, 4);
	CHECK_STR(e[0].hostname, "n8.rack2");
	CHECK_STR(e[3].hostname, "n11.rack2");
	free(e);
	CHECK_INT(nodeset_expand("n[98-100]", &e, &n, err, sizeof(err)), 0);
	CHECK_STR(e[2].hostname, "n100");
	free(e);
	CHECK_INT(nodeset_expand("single", &e, &n, err, sizeof(err)), 0);
	CHECK_INT(n, 1);
	CHECK_STR(e[0].hostname, "single");
	free(e);
}

TEST(nodeset_range_rejects)
{
	struct nodeset_entry *e;
	size_t n;
	char err[256];
	const char *bad[] = {"n[5-1]", "n[1-]", "n[-3]", "n[a-3]", "n[1-3", "n[1-3][1-2]", "n[1-2]x]",
			     "n[0-100000]", "n[1-1234567]", "n[1+3]", NULL};
	for (int i = 0; bad[i]; i++) {
		e = NULL;
		CHECK(nodeset_expand(bad[i], &e, &n, err, sizeof(err)) < 0);
		CHECK(e == NULL);
	}
	CHECK_INT(nodeset_expand("n[1-100000]", &e, &n, err, sizeof(err)), 0);
	CHECK_INT(n, 100000);
	CHECK_STR(e[99999].hostname, "n100000");
	free(e);
	char longp[80];
	memset(longp, 'a', 62);
	strcpy(longp + 62, "[1-10]");
	CHECK(nodeset_expand(longp, &e, &n, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "longer than 63");
}

TEST(nodeset_ip_runs)
{
	struct nodeset_entry e[300];
	char err[256];
	memset(e, 0, sizeof(e));
	CHECK_INT(nodeset_fill_ips("10.0.0.250+", e, 10, err, sizeof(err)), 0);
	CHECK_STR(e[0].ip, "10.0.0.250");
	CHECK_STR(e[5].ip, "10.0.0.255");
	CHECK_STR(e[6].ip, "10.0.1.0");
	CHECK_STR(e[9].ip, "10.0.1.3");
	CHECK_INT(nodeset_fill_ips("10.0.0.7", e, 1, err, sizeof(err)), 0);
	CHECK_STR(e[0].ip, "10.0.0.7");
	CHECK(nodeset_fill_ips("10.0.0.7", e, 2, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "A.B.C.D+");
	CHECK(nodeset_fill_ips("255.255.255.254+", e, 3, err, sizeof(err)) < 0);
	CHECK(nodeset_fill_ips("10.0.0.256+", e, 1, err, sizeof(err)) < 0);
	CHECK(nodeset_fill_ips("10.0.0.1++", e, 1, err, sizeof(err)) < 0);
	CHECK(nodeset_fill_ips("+", e, 1, err, sizeof(err)) < 0);
}

TEST(nodeset_mac_files)
{
	struct nodeset_entry e[3];
	char err[256];
	memset(e, 0, sizeof(e));
	CHECK_INT(nodeset_fill_macs("# rack 1\n52:54:00:00:00:01\n\n  52-54-00-00-00-0A  \r\n52:54:00:00:00:03 # spare\n",
				    e, 3, err, sizeof(err)), 0);
	CHECK_STR(e[1].mac, "52:54:00:00:00:0a");
	CHECK_STR(e[2].mac, "52:54:00:00:00:03");
	CHECK(nodeset_fill_macs("52:54:00:00:00:01\n52:54:00:00:00:02\n", e, 3, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "2 MAC address(es) for 3 node(s)");
	CHECK(nodeset_fill_macs("52:54:00:00:00:01\nzz\n52:54:00:00:00:03\n", e, 3, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "line 2");
	CHECK(nodeset_fill_macs("52:54:00:00:00:01\n52:54:00:00:00:02\n", e, 1, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "more MAC addresses than nodes");
}

TEST(nodeset_csv)
{
	struct nodeset_entry *e;
	size_t n;
	char err[256];
	CHECK_INT(nodeset_parse_csv("# host,mac,ip\na1,52:54:00:00:00:01,10.1.0.1\n a2 , 52:54:00:00:00:0B ,10.1.0.2\n",
				    &e, &n, err, sizeof(err)), 0);
	CHECK_INT(n, 2);
	CHECK_STR(e[1].hostname, "a2");
	CHECK_STR(e[1].mac, "52:54:00:00:00:0b");
	CHECK_STR(e[1].ip, "10.1.0.2");
	free(e);
	const char *bad[] = {"a1,52:54:00:00:00:01\n", "a1,52:54:00:00:00:01,10.1.0.1,x\n",
			     "a/b,52:54:00:00:00:01,10.1.0.1\n", "a1,52:54:00:00:00,10.1.0.1\n",
			     "a1,52:54:00:00:00:01,10.1.0.300\n", "", "# nothing\n", NULL};
	for (int i = 0; bad[i]; i++) {
		e = NULL;
		CHECK(nodeset_parse_csv(bad[i], &e, &n, err, sizeof(err)) < 0);
		CHECK(e == NULL);
	}
	CHECK(nodeset_parse_csv("a1,52:54:00:00:00:01,10.1.0.1\nbad line\n", &e, &n, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "line 2");
}
