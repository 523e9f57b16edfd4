/* bmc/<host>.conf: parsing, formatting, and the checks on every field. */
#include "harness.h"
#include "bmc.h"
#include <stdlib.h>
#include <string.h>

TEST(bmc_conf_roundtrip)
{
	struct bmc_conf c = {.address = "10.1.0.5", .port = 6230, .user = "admin", .password = "p@ss=w0rd!", .cipher = 17}, d;
	char *text = NULL, err[256];
	CHECK_INT(bmc_conf_format(&c, "node1", &text), 0);
	CHECK_INT(bmc_conf_parse(text, &d, err, sizeof(err)), 0);
	CHECK_STR(d.address, "10.1.0.5");
	CHECK_INT(d.port, 6230);
	CHECK_STR(d.user, "admin");
	CHECK_STR(d.password, "p@ss=w0rd!");
	CHECK_INT(d.cipher, 17);
	free(text);
	CHECK_INT(bmc_conf_parse("address = bmc1.rack2\nuser = u\npassword = p\n", &d, err, sizeof(err)), 0);
	CHECK_INT(d.port, 623);
	CHECK_INT(d.cipher, 3);
}

TEST(bmc_conf_rejects)
{
	struct bmc_conf d;
	char err[256];
	static const char *const bad[] = {
		"address = 10.1.0.5\nuser = u\n",                                  /* no password */
		"address = 10.1.0.256\nuser = u\npassword = p\n",                  /* bad address */
		"address = 10.1.0.5:623\nuser = u\npassword = p\n",                /* port belongs in port */
		"address = 10.1.0.5\nport = 0\nuser = u\npassword = p\n",          /* port 0 */
		"address = 10.1.0.5\nuser = u v\npassword = p\n",                  /* space */
		"address = 10.1.0.5\nuser = u\npassword = 123456789012345678901\n", /* 21 characters */
		"address = 10.1.0.5\nuser = u\npassword = p\npassword = q\n",      /* twice */
		"address = 10.1.0.5\nuser = u\npassword = p\ncipher = 18\n",       /* no such suite */
		"address = 10.1.0.5\nuser = u\npassword = p\nshell = /bin/sh\n",   /* unknown key */
		"address = 10.1.0.5\nuser = u\npassword = p\x1b[2J\n",             /* control character */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(bmc_conf_parse(bad[i], &d, err, sizeof(err)), -22);
}

TEST(bmc_address_forms)
{
	struct bmc_conf c;
	const char *why = NULL;
	CHECK_INT(bmc_parse_address("10.1.0.5", &c, &why), 0);
	CHECK_INT(c.port, 623);
	CHECK_INT(bmc_parse_address("bmc-7.example:6230", &c, &why), 0);
	CHECK_STR(c.address, "bmc-7.example");
	CHECK_INT(c.port, 6230);
	CHECK_INT(bmc_parse_address("10.1.0.5:", &c, &why), -22);
	CHECK_INT(bmc_parse_address("10.1.0.5:65536", &c, &why), -22);
	CHECK_INT(bmc_parse_address("10.1.5", &c, &why), -22);
	CHECK_INT(bmc_parse_address("-h;x", &c, &why), -22);
	CHECK_INT(bmc_parse_address("", &c, &why), -22);
}
