/* Config generators: compared as buffers, no disk. */
#include "gen.h"
#include "harness.h"
#include <stdlib.h>
#include <time.h>

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
	CHECK_CONTAINS(s, "dhcp-boot=tag:pxelinux,tag:!efi64,pxelinux.0\n");
	CHECK_CONTAINS(s, "dhcp-boot=tag:!pxelinux,tag:ipxe,boot.ipxe\n");
	CHECK_CONTAINS(s, "dhcp-boot=tag:pxelinux,tag:efi64,tag:ipxe,boot.ipxe\n");
	CHECK_CONTAINS(s, "dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi\n");
	CHECK_CONTAINS(s, "dhcp-boot=tag:!pxelinux,tag:!ipxe,tag:!efi64,undionly.kpxe\n");
	CHECK(!strstr(s, "dhcp-range=10.5.0.10,10.5.0.200"));
	/* the nodes are in the hosts file, which SIGHUP rereads, not here */
	CHECK_CONTAINS(s, "dhcp-hostsfile=/srv/hopeless/etc/dnsmasq-hosts.conf\n");
	CHECK(!strstr(s, "dhcp-host="));
	CHECK(!strstr(s, "52:54:00:00:00:11"));
	sb_reset(&sb);
	CHECK_INT(gen_dnsmasq_hosts(&t, n, 2, &sb), 0);
	s = sb_str(&sb);
	CHECK_CONTAINS(s, "\n52:54:00:00:00:11,10.5.0.11,node1\n");
	CHECK_CONTAINS(s, "\n52:54:00:00:00:12,set:pxelinux,10.5.0.12,node2\n");
	CHECK(!strstr(s, "dhcp-host"));
	sb_free(&sb);
}

/* Every boot method and client type gets its file: exactly the tag sets of
 * the dnsmasq config are mutually exclusive and cover every client. */
TEST(gen_dnsmasq_boot_tags_exclusive)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_dnsmasq(&t, n, 2, &sb), 0);
	for (int c = 0; c < 8; c++) {
		int pxl = c & 1, efi = (c >> 1) & 1, ipxe = (c >> 2) & 1, matches = 0;
		const char *line = sb_str(&sb);
		while ((line = strstr(line, "dhcp-boot="))) {
			int ok = 1;
			const char *end = strchr(line, '\n');
			static const char *const tags[] = {"pxelinux", "efi64", "ipxe"};
			int have[3] = {pxl, efi, ipxe};
			for (int k = 0; k < 3; k++) {
				char pos[32], neg[32];
				snprintf(pos, sizeof(pos), "tag:%s,", tags[k]);
				snprintf(neg, sizeof(neg), "tag:!%s,", tags[k]);
				const char *a = strstr(line, pos), *b = strstr(line, neg);
				if ((a && a < end && !have[k]) || (b && b < end && have[k]))
					ok = 0;
			}
			matches += ok;
			line = end;
		}
		CHECK_INT(matches, 1);
	}
	sb_free(&sb);
}

TEST(gen_dhcpd_known_hosts_and_boot_files)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_dhcpd(&t, n, 2, &sb), 0);
	const char *s = sb_str(&sb);
	CHECK_CONTAINS(s, "subnet 10.5.0.0 netmask 255.255.255.0 {\n");
	CHECK_CONTAINS(s, "deny unknown-clients;");
	CHECK_CONTAINS(s, "next-server 10.5.0.1;");
	CHECK_CONTAINS(s, "option arch code 93 = unsigned integer 16;");
	CHECK(!strstr(s, "range "));
	CHECK_CONTAINS(s, "host node1 {\n\t\thardware ethernet 52:54:00:00:00:11;\n\t\tfixed-address 10.5.0.11;\n"
			  "\t\toption host-name \"node1\";");
	/* node1 (iPXE) is in the group that hands out undionly.kpxe, node2
	 * (pxelinux) in the one that hands out pxelinux.0 */
	const char *undi = strstr(s, "\"undionly.kpxe\""), *pxl = strstr(s, "\"pxelinux.0\"");
	const char *h1 = strstr(s, "host node1"), *h2 = strstr(s, "host node2");
	CHECK(undi && pxl && h1 && h2);
	CHECK(undi < h1 && h1 < pxl && pxl < h2);
	CHECK_CONTAINS(s, "option user-class = \"iPXE\" {\n\t\tfilename \"boot.ipxe\";");
	CHECK_CONTAINS(s, "option arch = 00:07 or option arch = 00:09");
	/* no pxelinux node: no pxelinux group */
	sb_reset(&sb);
	CHECK_INT(gen_dhcpd(&t, n, 1, &sb), 0);
	CHECK(!strstr(sb_str(&sb), "pxelinux.0"));
	sb_free(&sb);
}

TEST(gen_hosts_with_and_without_domain)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	t.conf.domain[0] = '\0';
	CHECK_INT(gen_hosts(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "\n10.5.0.11\tnode1\n10.5.0.12\tnode2\n");
	CHECK_CONTAINS(sb_str(&sb), "127.0.0.1\tlocalhost\n");
	sb_reset(&sb);
	snprintf(t.conf.domain, sizeof(t.conf.domain), "cluster.example");
	CHECK_INT(gen_hosts(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "\n10.5.0.11\tnode1.cluster.example node1\n");
	sb_free(&sb);
}

/* Export ids follow the node's address, so adding a node keeps every other
 * export's id (nfs-ganesha reloads on SIGHUP by id). */
TEST(gen_ganesha_stable_export_ids)
{
	struct tree t;
	struct tree_node n[3];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_ganesha(&t, &n[1], 1, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "Export_Id = 24;\n\tPath = \"/srv/hopeless/clients/10.5.0.12\"");
	CHECK_CONTAINS(sb_str(&sb), "Export_Id = 25;\n\tPath = \"/srv/hopeless/state/10.5.0.12\"");
	sb_reset(&sb);
	CHECK_INT(gen_ganesha(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "Export_Id = 22;\n\tPath = \"/srv/hopeless/clients/10.5.0.11\"");
	CHECK_CONTAINS(sb_str(&sb), "Export_Id = 24;\n\tPath = \"/srv/hopeless/clients/10.5.0.12\"");
	/* a /16 has too many hosts for two 16-bit ids each: ids by position */
	snprintf(t.conf.netmask, sizeof(t.conf.netmask), "255.255.0.0");
	sb_reset(&sb);
	CHECK_INT(gen_ganesha(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "Export_Id = 100;\n\tPath = \"/srv/hopeless/clients/10.5.0.11\"");
	sb_free(&sb);
}

/* Every generator is linear: 10,000 nodes take well under a second. */
TEST(gen_scales_to_ten_thousand_nodes)
{
	struct tree t;
	struct tree_node two[2];
	sample(&t, two);
	snprintf(t.conf.netmask, sizeof(t.conf.netmask), "255.255.192.0");
	size_t count = 10000;
	struct tree_node *v = calloc(count, sizeof(*v));
	CHECK(v != NULL);
	if (!v)
		return;
	for (size_t i = 0; i < count; i++) {
		v[i] = two[i & 1];
		snprintf(v[i].hostname, 64, "n%zu", i);
		snprintf(v[i].ip, 16, "10.5.%zu.%zu", (i + 20) / 250, (i + 20) % 250 + 1);
		snprintf(v[i].mac, 18, "52:54:00:00:%02zx:%02zx", i >> 8, i & 255);
	}
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_dnsmasq_hosts(&t, v, count, &sb), 0);
	CHECK_INT(gen_dhcpd(&t, v, count, &sb), 0);
	CHECK_INT(gen_ganesha(&t, v, count, &sb), 0);
	CHECK_INT(gen_exports(&t, v, count, &sb), 0);
	CHECK_INT(gen_hosts(&t, v, count, &sb), 0);
	/* Linear generators: the time is reported by bench/, never asserted. */
	CHECK_CONTAINS(sb_str(&sb), "host n9999 {");
	CHECK_CONTAINS(sb_str(&sb), "10.5.40.20\tn9999");
	sb_free(&sb);
	free(v);
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
	CHECK_CONTAINS(s, "\tOnly_Numeric_Owners = true;\n");
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
	CHECK(tree_conf_parse("image_mmp = maybe\n", &c, err, sizeof(err)) < 0);
	CHECK_INT(tree_conf_parse("image_mmp = yes\n", &c, err, sizeof(err)), 0);
	CHECK_STR(c.image_mmp, "yes");
	CHECK_INT(tree_conf_parse("", &c, err, sizeof(err)), 0);
	CHECK_STR(c.image_mmp, "no");
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

TEST(gen_kea_reservations)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_kea(&t, n, 2, &sb), 0);
	const char *s = sb_str(&sb);
	CHECK_CONTAINS(s, "\"subnet\": \"10.5.0.0/24\"");
	CHECK_CONTAINS(s, "\"next-server\": \"10.5.0.1\"");
	CHECK_CONTAINS(s, "\"pools\": [ ]");
	CHECK_CONTAINS(s, "{ \"hw-address\": \"52:54:00:00:00:11\", \"ip-address\": \"10.5.0.11\", \"hostname\": \"node1\" },");
	CHECK_CONTAINS(s, "\"hostname\": \"node2\", \"boot-file-name\": \"pxelinux.0\" }\n");
	CHECK_CONTAINS(s, "\"interfaces\": [ \"br0\" ]");
	sb_free(&sb);
}
