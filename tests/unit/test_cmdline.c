/* Kernel command line parsing of hopeless-init. */
#include "cmdline.h"
#include "harness.h"

static int parse(const char *s, struct boot_config *c)
{
	char err[160];
	cmdline_defaults(c);
	return cmdline_parse(s, c, err, sizeof(err));
}

TEST(cmdline_full)
{
	struct boot_config c;
	CHECK_INT(parse("BOOT_IMAGE=/vmlinuz console=ttyS0 hopeless.server=10.0.0.1 hopeless.roots=/roots "
			"hopeless.clients=/clients hopeless.statedir=/state hopeless.state=tmpfs "
			"hopeless.nfsvers=4.2 hopeless.hostname=node7 hopeless.onfail=halt hopeless.timeout=60 "
			"BOOTIF=01-52-54-00-12-34-56 quiet", &c), 0);
	CHECK_INT(c.n_servers, 1);
	CHECK_STR(c.servers[0], "10.0.0.1");
	CHECK_STR(c.roots, "/roots");
	CHECK_INT(c.state, STATE_TMPFS);
	CHECK_STR(c.nfsvers, "4.2");
	CHECK_STR(c.hostname, "node7");
	CHECK_INT(c.onfail, ONFAIL_HALT);
	CHECK_INT(c.timeout, 60);
	CHECK_STR(c.bootif, "01-52-54-00-12-34-56");
	CHECK(c.set_mask & CMDLINE_SET_SERVER);
	CHECK(c.set_mask & CMDLINE_SET_HOSTNAME);
}

TEST(cmdline_defaults_when_silent)
{
	struct boot_config c;
	CHECK_INT(parse("console=ttyS0 root=/dev/nfs", &c), 0);
	CHECK_INT(c.n_servers, 0);
	CHECK_STR(c.roots, "/roots");
	CHECK_STR(c.clients, "/clients");
	CHECK_STR(c.statedir, "/state");
	CHECK_INT(c.state, STATE_IMAGE);
	CHECK_INT(c.onfail, ONFAIL_REBOOT);
	CHECK_INT(c.timeout, 300);
	CHECK_STR(c.init, "/sbin/init");
	CHECK_INT(c.set_mask, 0);
}

TEST(cmdline_servers_primary_first)
{
	struct boot_config c;
	CHECK_INT(parse("hopeless.servers=10.0.0.2,10.0.0.3 hopeless.server=10.0.0.1", &c), 0);
	CHECK_INT(c.n_servers, 3);
	CHECK_STR(c.servers[0], "10.0.0.1");
	CHECK_STR(c.servers[1], "10.0.0.2");
	CHECK_STR(c.servers[2], "10.0.0.3");
	CHECK_INT(parse("hopeless.servers=10.0.0.2,10.0.0.2", &c), 0);
	CHECK_INT(c.n_servers, 1);
	CHECK(parse("hopeless.servers=1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", &c) < 0);
}

TEST(cmdline_arp)
{
	struct boot_config c;
	CHECK_INT(parse("hopeless.arp=off", &c), 0);
	CHECK_INT(c.arp_off, 1);
	CHECK_INT(parse("console=ttyS0", &c), 0);
	CHECK_INT(c.arp_off, 0);
	CHECK(parse("hopeless.arp=maybe", &c) < 0);
}

TEST(cmdline_quotes)
{
	struct boot_config c;
	CHECK_INT(parse("\"hopeless.hostname=n1\" foo=\"a b\" hopeless.server=10.1.1.1", &c), 0);
	CHECK_STR(c.hostname, "n1");
	CHECK_STR(c.servers[0], "10.1.1.1");
}

TEST(cmdline_rejects_hostile_values)
{
	struct boot_config c;
	static const char *const bad[] = {
		"hopeless.roots=/roots/../etc",
		"hopeless.roots=roots",
		"hopeless.roots=/roots,vers=3",
		"hopeless.clients=/a/./b",
		"hopeless.statedir=/state/..",
		"hopeless.hostname=../../etc",
		"hopeless.hostname=a/b",
		"hopeless.hostname=a;reboot",
		"hopeless.hostname=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"hopeless.server=10.0.0.256",
		"hopeless.server=server.example",
		"hopeless.state=disk",
		"hopeless.onfail=sleep1000",
		"hopeless.timeout=0",
		"hopeless.timeout=12x",
		"hopeless.nfsvers=5",
		"hopeless.init=init",
		"hopeless.sever=10.0.0.1",
		NULL};
	for (int i = 0; bad[i]; i++) {
		int r = parse(bad[i], &c);
		if (r == 0)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK(r < 0);
	}
}

TEST(cmdline_overlong_word)
{
	struct boot_config c;
	char buf[2048] = "hopeless.roots=/";
	for (int i = 16; i < 2000; i++)
		buf[i] = 'a';
	buf[2000] = '\0';
	CHECK(parse(buf, &c) < 0);
}
