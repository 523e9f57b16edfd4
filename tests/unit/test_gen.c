/* Config generators: compared as buffers, no disk. */
#include "gen.h"
#include "harness.h"

static void sample(struct tree *t, struct tree_node n[2])
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/srv/hopeless");
	tree_conf_defaults(&t->conf);
	snprintf(t->conf.server, sizeof(t->conf.server), "10.5.0.1");
	snprintf(t->conf.interface, sizeof(t->conf.interface), "br0");
	snprintf(t->conf.append, sizeof(t->conf.append), "console=ttyS0");
	memset(n, 0, 2 * sizeof(*n));
	snprintf(n[0].hostname, 64, "node1");
	snprintf(n[0].ip, 16, "10.5.0.11");
	snprintf(n[0].mac, 18, "52:54:00:00:00:11");
	snprintf(n[0].state, 8, "image");
	snprintf(n[0].boot, 12, "ipxe");
	snprintf(n[0].root, 64, "bookworm");
	snprintf(n[0].overlay, 64, "compute");
	n[1] = n[0];
	snprintf(n[1].hostname, 64, "node2");
	snprintf(n[1].ip, 16, "10.5.0.12");
	snprintf(n[1].mac, 18, "52:54:00:00:00:12");
	snprintf(n[1].state, 8, "tmpfs");
	snprintf(n[1].boot, 12, "pxelinux");
}

TEST(gen_dnsmasq_known_hosts_only)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_dnsmasq(&t, n, 2, &sb), 0);
	const char *s = sb_str(&sb);
	CHECK_CONTAINS(s, "dhcp-range=10.5.0.0,static,255.255.255.0");
	CHECK_CONTAINS(s, "interface=br0\n");
	CHECK_CONTAINS(s, "tftp-root=/srv/hopeless/tftp\n");
	CHECK_CONTAINS(s, "dhcp-host=52:54:00:00:00:11,10.5.0.11,node1\n");
	CHECK_CONTAINS(s, "dhcp-host=52:54:00:00:00:12,set:pxelinux,10.5.0.12,node2\n");
	CHECK_CONTAINS(s, "dhcp-boot=tag:!pxelinux,tag:ipxe,boot.ipxe\n");
	CHECK_CONTAINS(s, "dhcp-boot=tag:!pxelinux,tag:!ipxe,tag:!efi64,undionly.kpxe\n");
	CHECK_CONTAINS(s, "tag:efi64,snponly.efi\n");
	CHECK(!strstr(s, "dhcp-range=10.5.0.10,10.5.0.200"));
	sb_free(&sb);
}

TEST(gen_cmdline_and_boot_files)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_cmdline(&t, &n[0], &sb), 0);
	CHECK_STR(sb_str(&sb), "console=ttyS0 hopeless.server=10.5.0.1 hopeless.roots=/roots hopeless.clients=/clients "
			       "hopeless.statedir=/state hopeless.state=image hopeless.nfsvers=4.1 hopeless.hostname=node1");
	sb_reset(&sb);
	CHECK_INT(gen_pxelinux_node(&t, &n[1], &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "KERNEL boot/bookworm/vmlinuz\n");
	CHECK_CONTAINS(sb_str(&sb), "INITRD boot/bookworm/initrd.img\n");
	CHECK_CONTAINS(sb_str(&sb), "hopeless.state=tmpfs");
	CHECK_CONTAINS(sb_str(&sb), "IPAPPEND 2\n");
	sb_reset(&sb);
	CHECK_INT(gen_ipxe_node(&t, &n[0], &sb), 0);
	CHECK(!strncmp(sb_str(&sb), "#!ipxe\n", 7));
	CHECK_CONTAINS(sb_str(&sb), "kernel /boot/bookworm/vmlinuz initrd=initrd.img console=ttyS0");
	CHECK_CONTAINS(sb_str(&sb), "BOOTIF=01-${netX/mac:hexhyp}\ninitrd /boot/bookworm/initrd.img\nboot\n");
	char mac[18];
	gen_mac_hyphen("52:54:00:AB:00:11", mac);
	CHECK_STR(mac, "52-54-00-ab-00-11");
	sb_free(&sb);
}

TEST(gen_exports_per_node_access)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_ganesha(&t, n, 2, &sb), 0);
	const char *s = sb_str(&sb);
	CHECK_CONTAINS(s, "Path = \"/srv/hopeless/roots\";\n\tPseudo = \"/roots\";\n\tAccess_Type = RO;");
	CHECK_CONTAINS(s, "Pseudo = \"/state/10.5.0.11\";\n\tAccess_Type = None;\n\tCLIENT {\n\t\tClients = 10.5.0.11;\n\t\tAccess_Type = RW;");
	CHECK_CONTAINS(s, "Pseudo = \"/clients/10.5.0.12\";\n\tAccess_Type = None;\n\tCLIENT {\n\t\tClients = 10.5.0.12;\n\t\tAccess_Type = RO;");
	CHECK_CONTAINS(s, "Bind_addr = 10.5.0.1;");
	sb_reset(&sb);
	CHECK_INT(gen_exports(&t, n, 2, &sb), 0);
	s = sb_str(&sb);
	CHECK_CONTAINS(s, "/srv/hopeless/roots 10.5.0.0/24(ro,");
	CHECK_CONTAINS(s, "/srv/hopeless/state/10.5.0.11 10.5.0.11(rw,");
	CHECK_CONTAINS(s, "/srv/hopeless/clients/10.5.0.12 10.5.0.12(ro,");
	CHECK(!strstr(s, "state/10.5.0.11 10.5.0.0"));
	sb_free(&sb);
}

TEST(gen_kernel_nfsd_paths)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	snprintf(t.conf.nfs_server, sizeof(t.conf.nfs_server), "kernel");
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_cmdline(&t, &n[0], &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "hopeless.roots=/srv/hopeless/roots hopeless.clients=/srv/hopeless/clients");
	sb_free(&sb);
}

TEST(tree_conf_roundtrip_and_errors)
{
	struct tree_conf c, d;
	char err[200];
	CHECK_INT(tree_conf_parse("# c\nserver = 10.1.2.3\n\nappend = console=ttyS0 quiet\n", &c, err, sizeof(err)), 0);
	CHECK_STR(c.server, "10.1.2.3");
	CHECK_STR(c.append, "console=ttyS0 quiet");
	CHECK_STR(c.nfs_version, "4.1");
	struct strbuf sb = STRBUF_INIT;
	tree_conf_format(&c, &sb);
	CHECK_INT(tree_conf_parse(sb_str(&sb), &d, err, sizeof(err)), 0);
	CHECK(!memcmp(&c, &d, sizeof(c)));
	sb_free(&sb);
	CHECK(tree_conf_parse("server = 10.1.2.300\n", &c, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "line 1: server");
	CHECK(tree_conf_parse("x\n", &c, err, sizeof(err)) < 0);
	CHECK(tree_conf_parse("bogus = 1\n", &c, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "unknown setting 'bogus'");
	CHECK(tree_conf_parse("nfs_server = knfsd\n", &c, err, sizeof(err)) < 0);
}

TEST(tree_node_roundtrip)
{
	struct tree_node n, m;
	char err[200];
	CHECK_INT(tree_node_parse("hostname = a1\nip = 10.0.0.5\nmac = 52:54:00:00:00:01\nstate = image\nboot = ipxe\nappend = \n",
				  &n, err, sizeof(err)), 0);
	struct strbuf sb = STRBUF_INIT;
	tree_node_format(&n, &sb);
	CHECK_INT(tree_node_parse(sb_str(&sb), &m, err, sizeof(err)), 0);
	CHECK(!memcmp(&n, &m, sizeof(n)));
	sb_free(&sb);
	CHECK(tree_node_parse("hostname = a1\nip = 10.0.0.5\nmac = zz\nstate = image\nboot = ipxe\n", &n, err, sizeof(err)) < 0);
	CHECK(tree_node_parse("hostname = a1\nip = 10.0.0.5\nmac = 52:54:00:00:00:01\nstate = disk\nboot = ipxe\n", &n, err, sizeof(err)) < 0);
}
