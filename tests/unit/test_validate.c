/* Validation of names, addresses and paths. */
#include "harness.h"
#include "validate.h"

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
