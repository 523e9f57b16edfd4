/* Config generators: compared as buffers, no disk. */
#include "gen.h"
#include "harness.h"
#include <errno.h>
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
	CHECK_CONTAINS(s, "dhcp-boot=tag:!grub,tag:!ipxe,tag:efi64,snponly.efi\n");
	CHECK_CONTAINS(s, "dhcp-boot=tag:grub,tag:!ipxe,tag:efi64,shimx64.efi\n");
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
	snprintf(n[1].boot, 12, "grub");
	sb_reset(&sb);
	CHECK_INT(gen_dnsmasq_hosts(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "\n52:54:00:00:00:12,set:grub,10.5.0.12,node2\n");
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
	for (int c = 0; c < 16; c++) {
		int pxl = c & 1, efi = (c >> 1) & 1, ipxe = (c >> 2) & 1, grub = (c >> 3) & 1, matches = 0;
		if (pxl && grub)
			continue; /* one boot method per node */
		const char *line = sb_str(&sb);
		while ((line = strstr(line, "dhcp-boot="))) {
			int ok = 1;
			const char *end = strchr(line, '\n');
			static const char *const tags[] = {"pxelinux", "efi64", "ipxe", "grub"};
			int have[4] = {pxl, efi, ipxe, grub};
			for (int k = 0; k < 4; k++) {
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
	CHECK(!strstr(sb_str(&sb), "shimx64.efi"));
	/* a grub node: its group gives UEFI firmware shim, BIOS undionly.kpxe */
	snprintf(n[1].boot, 12, "grub");
	sb_reset(&sb);
	CHECK_INT(gen_dhcpd(&t, n, 2, &sb), 0);
	s = sb_str(&sb);
	const char *shim = strstr(s, "filename \"shimx64.efi\";");
	h2 = strstr(s, "host node2");
	CHECK(shim && h2 && shim < h2);
	CHECK(shim && strstr(shim, "filename \"undionly.kpxe\";") && strstr(shim, "filename \"undionly.kpxe\";") < h2);
	CHECK(!strstr(s, "pxelinux.0"));
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

TEST(gen_nginx_conf)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_nginx(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "listen 10.5.0.1:80;\n");
	CHECK_CONTAINS(sb_str(&sb), "root /srv/hopeless/tftp;\n");
	/* a link planted in tftp/ must not serve a file outside it */
	CHECK_CONTAINS(sb_str(&sb), "disable_symlinks on;\n");
	CHECK_CONTAINS(sb_str(&sb), "limit_except GET { deny all; }");
	CHECK_CONTAINS(sb_str(&sb), "autoindex off;\n");
	CHECK_CONTAINS(sb_str(&sb), "user nobody nogroup;\n");
	t.conf.http_port = 0;
	sb_reset(&sb);
	CHECK_INT(gen_nginx(&t, n, 2, &sb), 0);
	CHECK(strstr(sb_str(&sb), "server {") == NULL);
	/* a tree path nginx would read as two tokens is refused */
	t.conf.http_port = 80;
	snprintf(t.dir, sizeof(t.dir), "/srv/my tree");
	sb_reset(&sb);
	CHECK_INT(gen_nginx(&t, n, 2, &sb), -EINVAL);
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
	/* HTTP by default (http_port 80): the server's address, no port. */
	CHECK_CONTAINS(sb_str(&sb), "kernel http://10.5.0.1/boot/bookworm/vmlinuz initrd=initrd.img console=ttyS0");
	CHECK_CONTAINS(sb_str(&sb),
		       "BOOTIF=01-${netX/mac:hexhyp}\ninitrd http://10.5.0.1/boot/bookworm/initrd.img\nboot\n");
	sb_reset(&sb);
	CHECK_INT(gen_ipxe_boot(&t, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "chain http://10.5.0.1/ipxe/${netX/mac:hexhyp}.ipxe || goto unknown\n");
	/* Another port is written out; port 0 means TFTP, plain paths. */
	t.conf.http_port = 8080;
	sb_reset(&sb);
	CHECK_INT(gen_ipxe_node(&t, &n[0], &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "kernel http://10.5.0.1:8080/boot/bookworm/vmlinuz initrd=initrd.img");
	t.conf.http_port = 0;
	sb_reset(&sb);
	CHECK_INT(gen_ipxe_node(&t, &n[0], &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "kernel /boot/bookworm/vmlinuz initrd=initrd.img console=ttyS0");
	CHECK_CONTAINS(sb_str(&sb), "BOOTIF=01-${netX/mac:hexhyp}\ninitrd /boot/bookworm/initrd.img\nboot\n");
	sb_reset(&sb);
	CHECK_INT(gen_ipxe_boot(&t, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "chain /ipxe/${netX/mac:hexhyp}.ipxe || goto unknown\n");
	char mac[18];
	gen_mac_hyphen("52:54:00:AB:00:11", mac);
	CHECK_STR(mac, "52-54-00-ab-00-11");
	sb_free(&sb);
}

/* Five nodes, two roots, three overlays: node3 uses "bullseye" as its root
 * and as its overlay. */
static void classes(struct tree *t, struct tree_node n[5])
{
	struct tree_node two[2];
	sample(t, two);
	static const char *const root[] = {"bookworm", "bookworm", "bullseye", "bookworm", "bookworm"};
	static const char *const ovl[] = {"compute", "compute", "bullseye", "storage", "compute"};
	for (int i = 0; i < 5; i++) {
		n[i] = two[i & 1];
		snprintf(n[i].hostname, 64, "node%d", i + 1);
		snprintf(n[i].ip, 16, "10.5.0.%d", 11 + i);
		snprintf(n[i].mac, 18, "52:54:00:00:00:%02d", 11 + i);
		snprintf(n[i].root, 64, "%s", root[i]);
		snprintf(n[i].overlay, 64, "%s", ovl[i]);
	}
}

/* The text of one EXPORT block of ganesha.conf by pseudo path ("" if none). */
static void ganesha_block(const char *conf, const char *pseudo, char *out, size_t len)
{
	char key[128];
	snprintf(key, sizeof(key), "Pseudo = \"%s\";", pseudo);
	const char *p = strstr(conf, key);
	out[0] = '\0';
	if (!p)
		return;
	const char *start = p, *end = strstr(p, "\n}\n");
	while (start > conf && strncmp(start, "EXPORT {", 8))
		start--;
	snprintf(out, len, "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
}

TEST(gen_exports_per_node_access)
{
	struct tree t;
	struct tree_node n[5];
	classes(&t, n);
	struct strbuf sb = STRBUF_INIT;
	char blk[2048];
	CHECK_INT(gen_ganesha(&t, n, 5, &sb), 0);
	const char *s = sb_str(&sb);
	CHECK_CONTAINS(s, "EXPORT_DEFAULTS {\n\tAccess_Type = None;");
	CHECK(!strstr(s, "Pseudo = \"/roots\";"));
	ganesha_block(s, "/roots/compute", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Path = \"/srv/hopeless/roots/compute\";");
	CHECK_CONTAINS(blk, "\tAccess_Type = None;\n");
	CHECK_CONTAINS(blk, "Clients = 10.5.0.11, 10.5.0.12, 10.5.0.15;\n\t\tAccess_Type = RO;\n\t\tSquash = No_Root_Squash;");
	ganesha_block(s, "/roots/storage", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Clients = 10.5.0.14;\n\t\tAccess_Type = RO;");
	ganesha_block(s, "/roots/bullseye", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Clients = 10.5.0.13;\n");
	ganesha_block(s, "/roots/bookworm", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Clients = 10.5.0.11, 10.5.0.12, 10.5.0.14, 10.5.0.15;");
	ganesha_block(s, "/state/10.5.0.11", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Clients = 10.5.0.11;\n\t\tAccess_Type = RW;\n\t\tSquash = Root_Squash;\n"
			    "\t\tAnonymous_Uid = 64055;\n\t\tAnonymous_Gid = 64055;");
	ganesha_block(s, "/clients/10.5.0.12", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Clients = 10.5.0.12;\n\t\tAccess_Type = RO;\n\t\tSquash = No_Root_Squash;");
	CHECK_CONTAINS(s, "Bind_addr = 10.5.0.1;");
	CHECK_CONTAINS(s, "\tOnly_Numeric_Owners = true;\n");
	/* a layer nobody uses is not exported */
	n[3].overlay[0] = '\0';
	snprintf(n[3].overlay, 64, "compute");
	sb_reset(&sb);
	CHECK_INT(gen_ganesha(&t, n, 5, &sb), 0);
	CHECK(!strstr(sb_str(&sb), "/roots/storage"));
	sb_reset(&sb);
	snprintf(n[3].overlay, 64, "storage");
	t.conf.state_uid = 4321;
	CHECK_INT(gen_exports(&t, n, 5, &sb), 0);
	s = sb_str(&sb);
	CHECK_CONTAINS(s, "\n/srv/hopeless/roots/storage 10.5.0.14(ro,no_root_squash,no_subtree_check)\n");
	CHECK_CONTAINS(s, "\n/srv/hopeless/state/10.5.0.11 10.5.0.11(rw,sync,root_squash,anonuid=4321,anongid=4321,");
	CHECK_CONTAINS(s, "\n/srv/hopeless/clients/10.5.0.12 10.5.0.12(ro,no_root_squash,");
	CHECK(!strstr(s, "/srv/hopeless/roots "));
	CHECK(!strstr(s, "10.5.0.0/24"));
	sb_free(&sb);
}

/* (path, client, access, squash, anonuid) of every export, one string each. */
struct rules {
	char (*v)[160];
	size_t n, cap;
};

static void rule_add(struct rules *r, const char *path, const char *client, const char *access, const char *squash,
		     const char *anon)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
	}
	snprintf(r->v[r->n++], 160, "%s %s %s %s %s", path, client, access, squash, anon);
}

static int cmp_rule(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The value after "key = " up to ';' within [p, end), or "-". */
static void field(const char *p, const char *end, const char *key, char *out, size_t len)
{
	const char *k = strstr(p, key);
	snprintf(out, len, "-");
	if (k && k < end) {
		k += strlen(key);
		snprintf(out, len, "%.*s", (int)strcspn(k, ";"), k);
	}
}

static void parse_ganesha(const char *s, struct rules *r)
{
	const char *p = s;
	while ((p = strstr(p, "\nEXPORT {"))) {
		const char *end = strstr(p, "\n}\n"), *cl = strstr(p, "CLIENT {");
		char path[PATH_MAX], clients[65536], acc[16], sq[32], anon[16];
		field(p, end, "Path = \"", path, sizeof(path));
		path[strcspn(path, "\"")] = '\0';
		field(cl, end, "Clients = ", clients, sizeof(clients));
		field(cl, end, "Access_Type = ", acc, sizeof(acc));
		field(cl, end, "Squash = ", sq, sizeof(sq));
		field(cl, end, "Anonymous_Uid = ", anon, sizeof(anon));
		for (char *c = strtok(clients, ", \n\t"); c; c = strtok(NULL, ", \n\t"))
			rule_add(r, path, c, !strcmp(acc, "RW") ? "rw" : !strcmp(acc, "RO") ? "ro" : acc,
				 !strcmp(sq, "Root_Squash") ? "root_squash" : !strcmp(sq, "No_Root_Squash") ? "no_root_squash" : sq,
				 anon);
		p = end;
	}
}

static void parse_exports(const char *s, struct rules *r)
{
	char *text = strdup(s);
	/* join continuation lines */
	for (char *c; (c = strstr(text, "\\\n"));)
		memmove(c, c + 2, strlen(c + 2) + 1);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char *save2 = NULL, *path = strtok_r(line, " \t", &save2);
		for (char *tok = strtok_r(NULL, " \t", &save2); tok; tok = strtok_r(NULL, " \t", &save2)) {
			char client[64], opts[128], anon[16] = "-";
			if (sscanf(tok, "%63[^(](%127[^)])", client, opts) != 2)
				continue;
			char o[130];
			snprintf(o, sizeof(o), ",%s,", opts);
			const char *a = strstr(o, ",anonuid=");
			if (a)
				snprintf(anon, sizeof(anon), "%.*s", (int)strcspn(a + 9, ","), a + 9);
			rule_add(r, path, client, strstr(o, ",rw,") ? "rw" : "ro",
				 strstr(o, ",no_root_squash,") ? "no_root_squash" : "root_squash", anon);
		}
	}
	free(text);
}

static void exports_agree(int *harness_failed, const struct tree *t, const struct tree_node *n, size_t count,
			  size_t min_rules)
{
	struct strbuf g = STRBUF_INIT, k = STRBUF_INIT;
	struct rules rg = {0}, rk = {0};
	CHECK_INT(gen_ganesha(t, n, count, &g), 0);
	CHECK_INT(gen_exports(t, n, count, &k), 0);
	parse_ganesha(sb_str(&g), &rg);
	parse_exports(sb_str(&k), &rk);
	CHECK(rg.n >= min_rules);
	CHECK_INT(rg.n, rk.n);
	if (rg.n == rk.n && rg.n) {
		qsort(rg.v, rg.n, sizeof(*rg.v), cmp_rule);
		qsort(rk.v, rk.n, sizeof(*rk.v), cmp_rule);
		for (size_t i = 0; i < rg.n; i++)
			CHECK_STR(rg.v[i], rk.v[i]);
	}
	free(rg.v);
	free(rk.v);
	sb_free(&g);
	sb_free(&k);
}

/* nfs-ganesha and the kernel nfsd get the same rules: both outputs parsed
 * into (path, client, access, squash, anonuid) and compared. */
TEST(gen_exports_ganesha_and_kernel_agree)
{
	struct tree t;
	struct tree_node n[5];
	classes(&t, n);
	/* 4 bookworm + 3 compute + 1 storage + 1 bullseye + 5 clients + 5 state */
	exports_agree(harness_failed, &t, n, 5, 19);
	struct strbuf g = STRBUF_INIT;
	struct rules rg = {0};
	CHECK_INT(gen_ganesha(&t, n, 5, &g), 0);
	parse_ganesha(sb_str(&g), &rg);
	int found = 0;
	for (size_t i = 0; i < rg.n; i++)
		found += !strcmp(rg.v[i], "/srv/hopeless/state/10.5.0.13 10.5.0.13 rw root_squash 64055");
	CHECK_INT(found, 1);
	free(rg.v);
	sb_free(&g);
	/* past the client limit: the subnet, and a node outside it by address */
	size_t count = GEN_EXPORT_CLIENTS_MAX * 5 / 4 + 10; /* bookworm: 4 of 5 */
	struct tree_node *v = calloc(count, sizeof(*v));
	snprintf(t.conf.netmask, sizeof(t.conf.netmask), "255.255.248.0");
	for (size_t i = 0; i < count; i++) {
		v[i] = n[i % 5];
		snprintf(v[i].hostname, 64, "n%zu", i);
		snprintf(v[i].ip, 16, "10.5.%zu.%zu", i / 200, i % 200 + 2);
		snprintf(v[i].mac, 18, "52:54:00:00:%02zx:%02zx", i >> 8, i & 255);
	}
	snprintf(v[count - 1].ip, 16, "10.9.0.1");
	snprintf(v[count - 1].overlay, 64, "compute");
	exports_agree(harness_failed, &t, v, count, 2 * count);
	CHECK_INT(gen_ganesha(&t, v, count, &g), 0);
	char blk[4096];
	ganesha_block(sb_str(&g), "/roots/bookworm", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Clients = 10.5.0.0/21, 10.9.0.1;\n");
	ganesha_block(sb_str(&g), "/roots/bullseye", blk, sizeof(blk));
	CHECK_CONTAINS(blk, "Clients = 10.5.0.4, 10.5.0.9, ");
	free(v);
	sb_free(&g);
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
	CHECK(!strstr(s, "grub-efi"));
	/* grub nodes: their UEFI firmware, by MAC, gets shim; efi64 and bios exclude them */
	snprintf(n[0].boot, 12, "grub");
	sb_reset(&sb);
	CHECK_INT(gen_kea(&t, n, 2, &sb), 0);
	s = sb_str(&sb);
	CHECK_CONTAINS(s, "{ \"name\": \"grub-efi\", \"test\": \"not member('ipxe') and (option[client-system].hex == "
			  "0x0007 or option[client-system].hex == 0x0009) and (pkt4.mac == 0x525400000011)\", "
			  "\"boot-file-name\": \"shimx64.efi\" },\n");
	CHECK_CONTAINS(s, "\"name\": \"efi64\", \"test\": \"not member('ipxe') and not member('grub-efi') and ");
	CHECK_CONTAINS(s, "not member('efi64') and not member('grub-efi')\"");
	CHECK_CONTAINS(s, "\"hostname\": \"node1\" },");
	snprintf(n[1].boot, 12, "grub");
	sb_reset(&sb);
	CHECK_INT(gen_kea(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "(pkt4.mac == 0x525400000011 or pkt4.mac == 0x525400000012)");
	sb_free(&sb);
}

/* GRUB: the default file finds the node's file by the booting NIC's MAC;
 * the node's file boots its root's kernel from (tftp,SERVER) with the
 * iPXE script's command line, words GRUB would read otherwise quoted. */
TEST(gen_grub_default_and_node)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	snprintf(n[0].boot, 12, "grub");
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_grub_default(&sb), 0);
	const char *s = sb_str(&sb);
	CHECK_CONTAINS(s, "'^(..):(..):(..):(..):(..):(..)$' \"$net_default_mac\"\n");
	CHECK_CONTAINS(s, "source \"$prefix/grub.cfg-01-$hl_a-$hl_b-$hl_c-$hl_d-$hl_e-$hl_f\"\n");
	CHECK_CONTAINS(s, "hopeless: no GRUB configuration for $net_default_mac");
	CHECK_CONTAINS(s, "\nreboot\n");
	char from[32];
	gen_grub_files_from(&t, from, sizeof(from));
	CHECK_STR(from, "(tftp,10.5.0.1)");
	sb_reset(&sb);
	CHECK_INT(gen_grub_node(&t, &n[0], &sb), 0);
	s = sb_str(&sb);
	CHECK(!strncmp(s, "# grub.cfg-01-52-54-00-00-00-11: ", 33));
	CHECK_CONTAINS(s, "\nlinux (tftp,10.5.0.1)/boot/bookworm/vmlinuz console=ttyS0 hopeless.server=10.5.0.1 "
			  "hopeless.roots=/roots hopeless.clients=/clients hopeless.statedir=/state hopeless.state=image "
			  "hopeless.nfsvers=4.1 hopeless.hostname=node1 BOOTIF=01-52-54-00-00-00-11\n"
			  "initrd (tftp,10.5.0.1)/boot/bookworm/initrd.img\nboot\n");
	/* the same command line as the iPXE script */
	struct strbuf ipxe = STRBUF_INIT, cmd = STRBUF_INIT;
	CHECK_INT(gen_cmdline(&t, &n[0], &cmd), 0);
	CHECK_INT(gen_ipxe_node(&t, &n[0], &ipxe), 0);
	CHECK_CONTAINS(sb_str(&ipxe), sb_str(&cmd));
	CHECK_CONTAINS(s, sb_str(&cmd));
	sb_free(&ipxe);
	sb_free(&cmd);
	/* ';' '#' '(' ')' '<' '>' '*' '?' '[' are GRUB syntax: such words are quoted */
	snprintf(n[0].append, sizeof(n[0].append), "a.b/c=d#e;f  x=(1) y=<2> z=*?[ plain=1,2:3");
	sb_reset(&sb);
	CHECK_INT(gen_grub_node(&t, &n[0], &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), " console=ttyS0 'a.b/c=d#e;f' 'x=(1)' 'y=<2>' 'z=*?[' plain=1,2:3 hopeless.server=");
	/* hostile values are refused like in every other generator */
	snprintf(n[0].append, sizeof(n[0].append), "x\nreboot");
	sb_reset(&sb);
	CHECK_INT(gen_grub_node(&t, &n[0], &sb), -EINVAL);
	sb_free(&sb);
}

typedef int (*gen_fn)(const struct tree *, const struct tree_node *, size_t, struct strbuf *);

static int gen_pxelinux_all(const struct tree *t, const struct tree_node *n, size_t c, struct strbuf *sb)
{
	return c ? gen_pxelinux_node(t, n, sb) : 0;
}

static int gen_ipxe_all(const struct tree *t, const struct tree_node *n, size_t c, struct strbuf *sb)
{
	return c ? gen_ipxe_node(t, n, sb) : 0;
}

static int gen_grub_all(const struct tree *t, const struct tree_node *n, size_t c, struct strbuf *sb)
{
	return c ? gen_grub_node(t, n, sb) : 0;
}

static int gen_cmdline_all(const struct tree *t, const struct tree_node *n, size_t c, struct strbuf *sb)
{
	return c ? gen_cmdline(t, n, sb) : 0;
}

static const gen_fn every_gen[] = {gen_dnsmasq, gen_dnsmasq_hosts, gen_dhcpd,	     gen_kea,	   gen_ganesha,
				   gen_exports, gen_hosts,	   gen_pxelinux_all, gen_ipxe_all, gen_cmdline_all,
				   gen_grub_all};
#define N_GENS (sizeof(every_gen) / sizeof(every_gen[0]))

/* A value that could end a line, a string or a block, or expand, in any of
 * the formats: every generator refuses it, names it, and writes nothing
 * with it. */
TEST(gen_refuses_hostile_values)
{
	static const struct {
		const char *field, *value;
	} bad[] = {
		{"append", "quiet\nhopeless.server=6.6.6.6"},
		{"append", "quiet\rx"},
		{"append", "a ${net0/ip}"},
		{"append", "a\" b"},
		{"append", "a' b"},
		{"append", "x || shell"},
		{"append", "x && shell"},
		{"append", "a\\b"},
		{"append", "a}b"},
		{"node-append", "x\nkernel http://evil/vmlinuz"},
		{"node-append", "${root-path}"},
		{"hostname", "node1\ndhcp-range=1.2.3.4"},
		{"hostname", "node1;evil"},
		{"hostname", "node1\"x"},
		{"hostname", "node{1}"},
		{"hostname", "node 1"},
		{"domain", "cluster\nevil"},
		{"domain", "a\"b"},
		{"interface", "br0\nport=53"},
		{"interface", "br0\""},
		{"dir", "/srv/hope less"},
		{"dir", "/srv/a\nb"},
		{"dir", "/srv/a\"b"},
		{"dir", "/srv/a;b"},
		{"dir", "/srv/a{b}"},
		{"dir", "/srv/a(b)"},
		{"dir", "/srv/a,b"},
		{"dir", "relative/tree"},
		{"server", "10.5.0.1\nx"},
		{"node-server", "10.5.0.2,10.5.0.3 evil"},
		{"ip", "10.5.0.11\n"},
		{"mac", "52:54:00:00:00:1;"},
		{"root", "../etc"},
		{"overlay", "a b"},
		{"state", "image\n"},
		{"boot", "ipxe;"},
	};
	for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		struct tree t;
		struct tree_node n[2];
		sample(&t, n);
		const char *f = bad[b].field, *v = bad[b].value;
		if (!strcmp(f, "append"))
			snprintf(t.conf.append, sizeof(t.conf.append), "%s", v);
		else if (!strcmp(f, "node-append"))
			snprintf(n[0].append, sizeof(n[0].append), "%s", v);
		else if (!strcmp(f, "hostname"))
			snprintf(n[0].hostname, sizeof(n[0].hostname), "%s", v);
		else if (!strcmp(f, "domain"))
			snprintf(t.conf.domain, sizeof(t.conf.domain), "%s", v);
		else if (!strcmp(f, "interface"))
			snprintf(t.conf.interface, sizeof(t.conf.interface), "%s", v);
		else if (!strcmp(f, "dir"))
			snprintf(t.dir, sizeof(t.dir), "%s", v);
		else if (!strcmp(f, "server"))
			snprintf(t.conf.server, sizeof(t.conf.server), "%s", v);
		else if (!strcmp(f, "node-server"))
			snprintf(n[0].server, sizeof(n[0].server), "%s", v);
		else if (!strcmp(f, "ip"))
			snprintf(n[0].ip, sizeof(n[0].ip), "%s", v);
		else if (!strcmp(f, "mac"))
			snprintf(n[0].mac, sizeof(n[0].mac), "%s", v);
		else if (!strcmp(f, "root"))
			snprintf(n[0].root, sizeof(n[0].root), "%s", v);
		else if (!strcmp(f, "overlay"))
			snprintf(n[0].overlay, sizeof(n[0].overlay), "%s", v);
		else if (!strcmp(f, "state"))
			snprintf(n[0].state, sizeof(n[0].state), "%s", v);
		else if (!strcmp(f, "boot"))
			snprintf(n[0].boot, sizeof(n[0].boot), "%s", v);
		/* gen_hosts writes only names, addresses and the domain */
		int hosts_only = !strcmp(f, "hostname") || !strcmp(f, "domain") || !strcmp(f, "ip");
		for (size_t g = 0; g < N_GENS; g++) {
			struct strbuf sb = STRBUF_INIT;
			int r = every_gen[g](&t, n, 2, &sb);
			if (every_gen[g] == gen_hosts && !hosts_only && strcmp(f, "dir") && strcmp(f, "server") &&
			    strcmp(f, "interface") && strcmp(f, "append"))
				r = -EINVAL; /* a node field gen_hosts does not write */
			if (r != -EINVAL)
				fprintf(stderr, "  generator %zu accepted %s = '%s'\n", g, f, v);
			CHECK_INT(r, -EINVAL);
			CHECK(gen_error()[0] != '\0');
			/* the reason shows the value without its control characters */
			if (strchr(gen_error(), '\n'))
				fprintf(stderr, "  reason with a newline: %s\n", gen_error());
			CHECK(!strchr(gen_error(), '\n'));
			sb_free(&sb);
		}
	}
	struct strbuf sb = STRBUF_INIT;
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	snprintf(t.conf.append, sizeof(t.conf.append), "a\nb");
	CHECK_INT(gen_ganesha(&t, n, 2, &sb), -EINVAL);
	CHECK_CONTAINS(gen_error(), "append 'a?b': ");
	sb_free(&sb);
}

/* Ordinary values pass: kernel arguments with '=', ',', ':', '.', '/', '#'
 * and ';', a tree path with '+', '.', '_' and '-'. */
TEST(gen_accepts_ordinary_values)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	snprintf(t.conf.append, sizeof(t.conf.append), "console=ttyS0,115200n8 ip=:::::eth0:dhcp a.b/c=d#e;f quiet");
	snprintf(n[0].append, sizeof(n[0].append), "systemd.unit=rescue.target");
	snprintf(t.dir, sizeof(t.dir), "/srv/hope_less+1.d-x");
	snprintf(n[0].server, sizeof(n[0].server), "10.5.0.2,10.5.0.3");
	for (size_t g = 0; g < N_GENS; g++) {
		struct strbuf sb = STRBUF_INIT;
		CHECK_INT(every_gen[g](&t, n, 2, &sb), 0);
		sb_free(&sb);
	}
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_ipxe_node(&t, &n[0], &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "console=ttyS0,115200n8 ip=:::::eth0:dhcp a.b/c=d#e;f quiet systemd.unit=rescue.target ");
	sb_free(&sb);
}

/* Kea's JSON: the host name is escaped even if a later check lets more in. */
TEST(gen_kea_is_json)
{
	struct tree t;
	struct tree_node n[2];
	sample(&t, n);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(gen_kea(&t, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "\"hostname\": \"node1\" }");
	sb_free(&sb);
}
