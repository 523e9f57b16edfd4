/* Service configuration generators. */
#include "gen.h"
#include "heads.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- What may be written into a config at all ----
 * Every value a generator writes is checked here first and refused (-EINVAL,
 * reason in gen_error()) when it could end a line, a quoted string, a block
 * or a token of any target format: dnsmasq, dhcpd, Kea, pxelinux, iPXE,
 * ganesha, exports, hosts, the kernel command line. Refusing is simpler and
 * safer than quoting seven formats, each with its own rules, and every value
 * that passes is one a valid tree can hold anyway. */
static char gen_err[256];

const char *gen_error(void)
{
	return gen_err;
}

/* value as printable text for a one-line message: '?' for anything else. */
static void shown(const char *value, char out[72])
{
	size_t k = 0;
	for (const char *p = value; *p && k + 4 < 72; p++)
		out[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	snprintf(out + k, 72 - k, "%s", value[k] ? "..." : "");
}

static int refuse(const char *what, const char *value, const char *why)
{
	char v[72];
	shown(value, v);
	snprintf(gen_err, sizeof(gen_err), "%s '%s': %s", what, v, why);
	return -EINVAL;
}

static int in_set(char c, const char *set)
{
	return c && strchr(set, c) != NULL;
}

static int is_alnum_c(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The tree directory: absolute, [A-Za-z0-9._/+-] only (no space, quote,
 * comma, '#', parenthesis: each ends or splits a token somewhere). */
int gen_check_tree_dir(const char *dir)
{
	if (dir[0] != '/')
		return refuse("tree directory", dir, "not an absolute path");
	for (const char *p = dir; *p; p++)
		if (!is_alnum_c(*p) && !in_set(*p, "._/+-"))
			return refuse("tree directory", dir,
				      "only letters, digits and '._/+-' can be written into service configs");
	return 0;
}

/* Kernel arguments (append): one line of printable text that neither iPXE
 * (settings "${...}", "||" "&&", quoting) nor pxelinux (end of line) nor the
 * kernel (quotes) reads as anything but words. */
int gen_check_append(const char *what, const char *s)
{
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return refuse(what, s, "control or non-ASCII character (a newline would start a new setting)");
		if (in_set(*p, "$\"'\\|&{}`"))
			return refuse(what, s, "characters $ \" ' \\ | & { } ` are not allowed in kernel arguments");
	}
	return 0;
}

static int check_ip(const char *what, const char *s)
{
	const char *why = NULL;
	return validate_ipv4(s, NULL, &why) < 0 ? refuse(what, s, why) : 0;
}

/* server = "A" or "A,B,...": addresses only. */
static int check_server_list(const char *s)
{
	char copy[sizeof(((struct tree_node *)0)->server)];
	snprintf(copy, sizeof(copy), "%s", s);
	char *save = NULL;
	for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save))
		if (check_ip("server", a) < 0)
			return refuse("server", s, "want IPv4 addresses separated by ','");
	return 0;
}

int gen_check_conf(const struct tree *t)
{
	const struct tree_conf *c = &t->conf;
	const char *why = NULL;
	int r = gen_check_tree_dir(t->dir);
	if (r == 0)
		r = check_ip("server", c->server);
	if (r == 0)
		r = check_ip("netmask", c->netmask);
	for (const char *p = c->interface; r == 0 && *p; p++)
		if (!is_alnum_c(*p) && !in_set(*p, "._-"))
			r = refuse("interface", c->interface, "only letters, digits and '._-'");
	if (r == 0 && !c->interface[0])
		r = refuse("interface", c->interface, "empty");
	if (r == 0 && c->domain[0] && validate_hostname(c->domain, &why) < 0)
		r = refuse("domain", c->domain, why);
	if (r == 0 && strcmp(c->nfs_version, "3") && strcmp(c->nfs_version, "4") && strcmp(c->nfs_version, "4.1") &&
	    strcmp(c->nfs_version, "4.2"))
		r = refuse("nfs_version", c->nfs_version, "want 3, 4, 4.1 or 4.2");
	if (r == 0)
		r = gen_check_append("append", c->append);
	return r;
}

static int check_node(const struct tree_node *n)
{
	const char *why = NULL;
	if (validate_hostname(n->hostname, &why) < 0)
		return refuse("host name", n->hostname, why);
	if (check_ip("node address", n->ip) < 0)
		return -EINVAL;
	if (validate_mac(n->mac, NULL, &why) < 0)
		return refuse("MAC", n->mac, why);
	if (strcmp(n->state, "image") && strcmp(n->state, "tmpfs") && strcmp(n->state, "rbd"))
		return refuse("state", n->state, "want image, tmpfs or rbd");
	if (!tree_boot_method_ok(n->boot))
		return refuse("boot", n->boot, "want ipxe, pxelinux or grub");
	if (n->root[0] && validate_name(n->root, &why) < 0)
		return refuse("root", n->root, why);
	if (n->overlay[0] && validate_name(n->overlay, &why) < 0)
		return refuse("overlay", n->overlay, why);
	if (n->server[0] && check_server_list(n->server) < 0)
		return -EINVAL;
	return gen_check_append("node append", n->append);
}

static int check_all(const struct tree *t, const struct tree_node *nodes, size_t n)
{
	int r = gen_check_conf(t);
	for (size_t i = 0; i < n && r == 0; i++)
		if ((r = check_node(&nodes[i])) < 0) {
			char msg[sizeof(gen_err)], v[72];
			shown(nodes[i].hostname, v);
			snprintf(msg, sizeof(msg), "node %s: %s", v, gen_err);
			snprintf(gen_err, sizeof(gen_err), "%s", msg);
		}
	return r;
}

void gen_mac_hyphen(const char *mac, char out[18])
{
	snprintf(out, 18, "%s", mac);
	for (char *p = out; *p; p++) {
		if (*p == ':')
			*p = '-';
		else if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	}
}

static int is_kernel_nfsd(const struct tree *t)
{
	return !strcmp(t->conf.nfs_server, "kernel");
}

/* With nfs-ganesha the layers are exported under short pseudo paths; with the
 * kernel's nfsd the node mounts the tree's own paths. */
static void export_prefix(const struct tree *t, const char *what, char *out, size_t len)
{
	if (is_kernel_nfsd(t))
		snprintf(out, len, "%s/%s", t->dir, what);
	else
		snprintf(out, len, "/%s", what);
}

int gen_cmdline(const struct tree *t, const struct tree_node *n, struct strbuf *sb)
{
	char roots[PATH_MAX], clients[PATH_MAX], state[PATH_MAX];
	export_prefix(t, "roots", roots, sizeof(roots));
	export_prefix(t, "clients", clients, sizeof(clients));
	export_prefix(t, "state", state, sizeof(state));
	int r = gen_check_conf(t);
	if (r == 0)
		r = check_all(t, n, 1);
	if (r < 0)
		return r;
	if (t->conf.append[0])
		r |= sb_printf(sb, "%s ", t->conf.append);
	if (n->append[0])
		r |= sb_printf(sb, "%s ", n->append);
	/* A node-specific server list puts its first entry first and the
	 * rest as fallbacks. */
	const char *server = n->server[0] ? n->server : t->conf.server;
	const char *comma = strchr(server, ',');
	if (comma)
		r |= sb_printf(sb, "hopeless.servers=%s ", comma + 1);
	r |= sb_printf(sb,
		       "hopeless.server=%.*s hopeless.roots=%s hopeless.clients=%s "
		       "hopeless.statedir=%s hopeless.state=%s hopeless.nfsvers=%s hopeless.hostname=%s",
		       comma ? (int)(comma - server) : (int)strlen(server), server, roots, clients, state, n->state,
		       t->conf.nfs_version, n->hostname);
	return r;
}

/* Network address of server/netmask as a dotted quad. */
static void network_of(const struct tree *t, char out[16])
{
	uint32_t a = 0, m = 0;
	validate_ipv4(t->conf.server, &a, NULL);
	validate_ipv4(t->conf.netmask, &m, NULL);
	struct in_addr in = {.s_addr = a & m};
	inet_ntop(AF_INET, &in, out, 16);
}

static int mask_prefix(const char *mask)
{
	uint32_t m = 0;
	validate_ipv4(mask, &m, NULL);
	return __builtin_popcount(m);
}

/* The boot file a client gets depends on what asks (RFC 4578 architecture,
 * iPXE's user class) and on the node's boot method. pxelinux.0 is BIOS-only,
 * so a UEFI machine of a pxelinux node goes through snponly.efi and iPXE to
 * the node's own iPXE script, which boots the same kernel and command line.
 * A grub node's UEFI firmware gets shimx64.efi (signed by Microsoft), which
 * loads grubx64.efi from the same TFTP directory (docs/boot.md, Secure
 * Boot); its BIOS firmware goes the iPXE way, like an iPXE node's. */
/* dnsmasq.conf around its listening lines (the single head's interface, or
 * a head's address). */
static int dnsmasq_conf(const struct tree *t, const struct tree_node *nodes, size_t n, const char *listen,
			struct strbuf *sb)
{
	int r = check_all(t, nodes, n);
	if (r < 0)
		return r;
	char net[16];
	network_of(t, net);
	return sb_printf(sb,
			 "# dnsmasq.conf: %s\n"
			 "# DHCP for registered nodes only (a static range answers no unknown MAC),\n"
			 "# TFTP for the boot files, no DNS.\n"
			 "port=0\n"
			 "%s"
			 "bind-interfaces\n"
			 "dhcp-range=%s,static,%s,12h\n"
			 "dhcp-authoritative\n"
			 "enable-tftp\n"
			 "tftp-root=%s/tftp\n"
			 "# iPXE identifies itself by user class or option 175.\n"
			 "dhcp-userclass=set:ipxe,iPXE\n"
			 "dhcp-match=set:ipxe,175\n"
			 "# x86-64 UEFI clients (RFC 4578 architecture 7 and 9).\n"
			 "dhcp-match=set:efi64,option:client-arch,7\n"
			 "dhcp-match=set:efi64,option:client-arch,9\n"
			 "dhcp-boot=tag:pxelinux,tag:!efi64,pxelinux.0\n"
			 "dhcp-boot=tag:!pxelinux,tag:ipxe,boot.ipxe\n"
			 "dhcp-boot=tag:pxelinux,tag:efi64,tag:ipxe,boot.ipxe\n"
			 "dhcp-boot=tag:!grub,tag:!ipxe,tag:efi64,snponly.efi\n"
			 "dhcp-boot=tag:grub,tag:!ipxe,tag:efi64,shimx64.efi\n"
			 "dhcp-boot=tag:!pxelinux,tag:!ipxe,tag:!efi64,undionly.kpxe\n"
			 "# The nodes live in their own file: dnsmasq rereads it on SIGHUP\n"
			 "# (hopeless config sends one), but never rereads this file.\n"
			 "dhcp-hostsfile=%s/etc/dnsmasq-hosts.conf\n",
			 GENERATED, listen, net, t->conf.netmask, t->dir, t->dir);
}

int gen_dnsmasq(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	char listen[64];
	snprintf(listen, sizeof(listen), "interface=%s\n", t->conf.interface);
	return dnsmasq_conf(t, nodes, n, listen, sb);
}

/* A head's: the same hosts, answering on the head's address (whatever its
 * interface is called on that machine); its own address is the DHCP
 * answer's next-server, which the boot files' URLs name. */
int gen_dnsmasq_head(const struct tree *t, const struct head *h, const struct tree_node *nodes, size_t n,
		     struct strbuf *sb)
{
	char listen[PATH_MAX + 160];
	/* Its pid file in the tree: head watch on that head finds it there to
	 * send the SIGHUP that rereads the hosts (cli/head_watch.c). */
	snprintf(listen, sizeof(listen), "# head %s\nlisten-address=%s\npid-file=%s/run/dnsmasq-%s.pid\n", h->name,
		 h->ip, t->dir, h->name);
	return dnsmasq_conf(t, nodes, n, listen, sb);
}

int gen_dnsmasq_hosts(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	int r = check_all(t, nodes, n);
	if (r < 0)
		return r;
	/* dhcp-hostsfile lines are --dhcp-host values without the option name. */
	r = sb_printf(sb, "# dnsmasq-hosts.conf: %s\n# MAC,[set:pxelinux,|set:grub,]address,host name\n",
		      GENERATED);
	for (size_t i = 0; i < n; i++) {
		const struct tree_node *x = &nodes[i];
		const char *tag = !strcmp(x->boot, "pxelinux") ? "set:pxelinux," : !strcmp(x->boot, "grub") ? "set:grub," : "";
		r |= sb_printf(sb, "%s,%s%s,%s\n", x->mac, tag, x->ip, x->hostname);
	}
	return r;
}

/* ISC dhcpd: one group per boot method, so the boot-file choice is written
 * once per method instead of once per host. */
static int dhcpd_group(struct strbuf *sb, const struct tree_node *nodes, size_t n, const char *method)
{
	size_t members = 0;
	for (size_t i = 0; i < n; i++)
		members += !strcmp(nodes[i].boot, method);
	if (members == 0)
		return 0;
	int r;
	if (!strcmp(method, "grub"))
		r = sb_add(sb, "# grub nodes: UEFI firmware gets shimx64.efi (Secure Boot: shim loads\n"
			       "# grubx64.efi beside it); BIOS firmware chains undionly.kpxe into iPXE.\n"
			       "group {\n"
			       "\tif exists user-class and option user-class = \"iPXE\" {\n"
			       "\t\tfilename \"boot.ipxe\";\n"
			       "\t} elsif option arch = 00:07 or option arch = 00:09 {\n"
			       "\t\tfilename \"shimx64.efi\";\n"
			       "\t} else {\n\t\tfilename \"undionly.kpxe\";\n\t}\n");
	else if (!strcmp(method, "pxelinux"))
		r = sb_add(sb, "# pxelinux nodes: BIOS gets pxelinux.0; UEFI (no pxelinux.0 there)\n"
			       "# chains snponly.efi into iPXE and the node's iPXE script.\n"
			       "group {\n"
			       "\tif option arch = 00:07 or option arch = 00:09 {\n"
			       "\t\tif exists user-class and option user-class = \"iPXE\" {\n"
			       "\t\t\tfilename \"boot.ipxe\";\n"
			       "\t\t} else {\n\t\t\tfilename \"snponly.efi\";\n\t\t}\n"
			       "\t} else {\n\t\tfilename \"pxelinux.0\";\n\t}\n");
	else
		r = sb_add(sb, "# iPXE nodes: iPXE gets the boot script; UEFI firmware snponly.efi,\n"
			       "# BIOS firmware undionly.kpxe (both chain into iPXE).\n"
			       "group {\n"
			       "\tif exists user-class and option user-class = \"iPXE\" {\n"
			       "\t\tfilename \"boot.ipxe\";\n"
			       "\t} elsif option arch = 00:07 or option arch = 00:09 {\n"
			       "\t\tfilename \"snponly.efi\";\n"
			       "\t} else {\n\t\tfilename \"undionly.kpxe\";\n\t}\n");
	for (size_t i = 0; i < n; i++) {
		const struct tree_node *x = &nodes[i];
		if (strcmp(x->boot, method))
			continue;
		r |= sb_printf(sb,
			       "\thost %s {\n\t\thardware ethernet %s;\n\t\tfixed-address %s;\n"
			       "\t\toption host-name \"%s\";\n\t}\n",
			       x->hostname, x->mac, x->ip, x->hostname);
	}
	return r | sb_add(sb, "}\n");
}

int gen_dhcpd(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	int r = check_all(t, nodes, n);
	if (r < 0)
		return r;
	char net[16];
	network_of(t, net);
	r = sb_printf(sb,
			  "# dhcpd.conf for ISC dhcpd: %s\n"
			  "# Registered nodes only: no dynamic range, unknown clients denied.\n"
			  "authoritative;\n"
			  "ddns-update-style none;\n"
			  "default-lease-time 43200;\n"
			  "max-lease-time 86400;\n"
			  "# RFC 4578 client system architecture (7 and 9: x86-64 UEFI).\n"
			  "option arch code 93 = unsigned integer 16;\n"
			  "next-server %s;\n"
			  "subnet %s netmask %s {\n"
			  "\toption subnet-mask %s;\n"
			  "\tdeny unknown-clients;\n"
			  "}\n",
			  GENERATED, t->conf.server, net, t->conf.netmask, t->conf.netmask);
	r |= dhcpd_group(sb, nodes, n, "ipxe");
	r |= dhcpd_group(sb, nodes, n, "pxelinux");
	r |= dhcpd_group(sb, nodes, n, "grub");
	return r;
}

/* A JSON string, quoted and escaped (the values reaching it are already
 * checked; this keeps the JSON well-formed whatever a later check allows). */
static int sb_json_str(struct strbuf *sb, const char *s)
{
	int r = sb_add(sb, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			r |= sb_printf(sb, "\\%c", *p);
		else if (*p < 0x20)
			r |= sb_printf(sb, "\\u%04x", *p);
		else
			r |= sb_addn(sb, (const char *)p, 1);
	}
	return r | sb_add(sb, "\"");
}

/* Kea's class of the grub nodes' UEFI firmware (shimx64.efi): their MACs in
 * the class test, since a reservation's boot-file-name would also go to
 * their BIOS firmware and iPXE, and classes are chosen before reservations
 * are looked up. Nothing without grub nodes; *any set when written. */
static int kea_grub_class(struct strbuf *sb, const struct tree_node *nodes, size_t n, int *any)
{
	int r = 0;
	*any = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(nodes[i].boot, "grub"))
			continue;
		uint8_t m[6];
		validate_mac(nodes[i].mac, m, NULL);
		if (!*any)
			r |= sb_add(sb, "    { \"name\": \"grub-efi\", \"test\": \"not member('ipxe') and "
					"(option[client-system].hex == 0x0007 or option[client-system].hex == 0x0009) "
					"and (");
		r |= sb_printf(sb, "%spkt4.mac == 0x%02x%02x%02x%02x%02x%02x", *any ? " or " : "", m[0], m[1], m[2],
			       m[3], m[4], m[5]);
		*any = 1;
	}
	if (*any)
		r |= sb_add(sb, ")\", \"boot-file-name\": \"shimx64.efi\" },\n");
	return r;
}

/* Kea DHCPv4 (the ISC's successor to dhcpd): registered nodes only, as
 * reservations in a subnet without pools. Boot files by client class like the
 * dnsmasq and dhcpd configs; a pxelinux node's reservation names pxelinux.0
 * (a reservation's boot-file-name wins over the classes). */
int gen_kea(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	int r = check_all(t, nodes, n);
	if (r < 0)
		return r;
	char net[16];
	network_of(t, net);
	int grub = 0;
	r = sb_printf(sb,
			  "// kea-dhcp4.conf: %s\n"
			  "{\n\"Dhcp4\": {\n"
			  "  \"interfaces-config\": { \"interfaces\": [ \"%s\" ] },\n"
			  "  \"valid-lifetime\": 43200,\n"
			  "  \"authoritative\": true,\n"
			  "  \"client-classes\": [\n"
			  "    { \"name\": \"ipxe\", \"test\": \"option[user-class].exists and "
			  "substring(option[user-class].hex,0,4) == 'iPXE'\", \"boot-file-name\": \"boot.ipxe\" },\n",
			  GENERATED, t->conf.interface);
	r |= kea_grub_class(sb, nodes, n, &grub);
	r |= sb_printf(sb,
			  "    { \"name\": \"efi64\", \"test\": \"not member('ipxe') and %s"
			  "(option[client-system].hex == 0x0007 or option[client-system].hex == 0x0009)\", "
			  "\"boot-file-name\": \"snponly.efi\" },\n"
			  "    { \"name\": \"bios\", \"test\": \"not member('ipxe') and not member('efi64')%s\", "
			  "\"boot-file-name\": \"undionly.kpxe\" }\n"
			  "  ],\n"
			  "  \"subnet4\": [ {\n"
			  "    \"id\": 1,\n"
			  "    \"subnet\": \"%s/%d\",\n"
			  "    \"next-server\": \"%s\",\n"
			  "    \"pools\": [ ],\n"
			  "    \"reservations\": [",
			  grub ? "not member('grub-efi') and " : "", grub ? " and not member('grub-efi')" : "", net,
			  mask_prefix(t->conf.netmask), t->conf.server);
	for (size_t i = 0; i < n; i++) {
		const struct tree_node *x = &nodes[i];
		r |= sb_printf(sb, "%s\n      { \"hw-address\": \"%s\", \"ip-address\": \"%s\", \"hostname\": ",
			       i ? "," : "", x->mac, x->ip);
		r |= sb_json_str(sb, x->hostname);
		r |= sb_printf(sb, "%s }", strcmp(x->boot, "pxelinux") ? "" : ", \"boot-file-name\": \"pxelinux.0\"");
	}
	r |= sb_add(sb, "\n    ]\n  } ]\n}\n}\n");
	return r;
}

int gen_pxelinux_default(struct strbuf *sb)
{
	return sb_printf(sb,
			 "# %s\n"
			 "# Only registered MACs get a DHCP answer, so a machine that reads this\n"
			 "# file has no pxelinux.cfg/01-<mac> of its own: boot its local disk.\n"
			 "DEFAULT local\nPROMPT 0\nTIMEOUT 0\n"
			 "SAY hopeless: this machine has no node entry (hopeless node add ...); booting locally\n"
			 "LABEL local\n  LOCALBOOT 0\n",
			 GENERATED);
}

int gen_pxelinux_node(const struct tree *t, const struct tree_node *n, struct strbuf *sb)
{
	int r = check_all(t, n, 1);
	if (r < 0)
		return r;
	r = sb_printf(sb,
			  "# %s\n# node %s (%s)\nDEFAULT hopeless\nPROMPT 0\nTIMEOUT 0\n"
			  "LABEL hopeless\n  KERNEL boot/%s/vmlinuz\n  INITRD boot/%s/initrd.img\n  APPEND ",
			  GENERATED, n->hostname, n->ip, n->root, n->root);
	if (gen_cmdline(t, n, sb) < 0)
		return -EINVAL;
	/* IPAPPEND 2 adds BOOTIF=01-<mac>: the init then uses the NIC that PXE-booted. */
	r |= sb_add(sb, "\n  IPAPPEND 2\n");
	return r;
}

/* The one script every iPXE gets by DHCP (over TFTP, the firmware's only
 * way); from there on iPXE fetches over HTTP when the tree serves it. */
int gen_ipxe_boot(const struct tree *t, struct strbuf *sb)
{
	int r = gen_check_conf(t);
	if (r < 0)
		return r;
	r = sb_printf(sb,
		      "#!ipxe\n"
		      "# %s\n"
		      "# Every registered node has /ipxe/<mac>.ipxe.\n"
		      "chain ",
		      GENERATED);
	r |= gen_boot_url(t, "/ipxe/${netX/mac:hexhyp}.ipxe", sb);
	r |= sb_add(sb, " || goto unknown\n"
			":unknown\n"
			"echo hopeless: no boot script for ${netX/mac} (register it: hopeless node add)\n"
			"sleep 30\n"
			"reboot\n");
	return r;
}

int gen_ipxe_node(const struct tree *t, const struct tree_node *n, struct strbuf *sb)
{
	int r = check_all(t, n, 1);
	if (r < 0)
		return r;
	char kernel[96], initrd[96];
	snprintf(kernel, sizeof(kernel), "/boot/%s/vmlinuz", n->root);
	snprintf(initrd, sizeof(initrd), "/boot/%s/initrd.img", n->root);
	r = sb_printf(sb, "#!ipxe\n# %s\n# node %s (%s)\nkernel ", GENERATED, n->hostname, n->ip);
	r |= gen_boot_url(t, kernel, sb);
	r |= sb_add(sb, " initrd=initrd.img ");
	if (gen_cmdline(t, n, sb) < 0)
		return -EINVAL;
	r |= sb_add(sb, " BOOTIF=01-${netX/mac:hexhyp}\ninitrd ");
	r |= gen_boot_url(t, initrd, sb);
	r |= sb_add(sb, "\nboot\n");
	return r;
}

/* ---- Exports: one plan, two renderings ----
 * The exports are planned once (path, pseudo path, clients, access, squash)
 * and written both as nfs-ganesha EXPORT blocks and as kernel nfsd
 * /etc/exports lines, so the two cannot express different rules.
 *   roots/<name>     each root and cluster overlay a node uses, read-only to
 *                    the nodes that use it (the cluster subnet past
 *                    GEN_EXPORT_CLIENTS_MAX of them); layers no node uses
 *                    are not exported
 *   clients/<ip>     read-only to that node
 *   state/<ip>       read-write to that node, root squashed to state_uid
 * Roots, overlays and host layers keep root unsquashed: the node must read
 * root-only files from them (shadow, gshadow, private ssh host keys). */
struct gen_export {
	int id;
	/* Path "<base>/<what>/<name>", pseudo path "/<what>/<name>": rendered
	 * when written (a buffer of PATH_MAX per export made a plan of 10,000
	 * nodes 130 MB of zeroed memory, twice per config run). */
	const char *base, *what, *name;
	const char **clients; /* addresses, or a CIDR subnet first */
	size_t nclients;
	int rw, squash;
};

struct export_plan {
	struct gen_export *v;
	size_t n;
	const char **pool; /* the client pointers of every export */
	char subnet[20];   /* "a.b.c.d/p", the fallback client */
};

static void plan_free(struct export_plan *p)
{
	free(p->v);
	free(p->pool);
	memset(p, 0, sizeof(*p));
}

/* Export ids stay the same when nodes come and go (nfs-ganesha reloads
 * exports on SIGHUP, and an id that changed its path would be refused): on a
 * /18 or smaller network a node's two ids derive from the host part of its
 * address (2h and 2h+1, below 32768) and a layer's from its name (32768 and
 * up); otherwise ids follow the node order (100 + 2i) and the layers come
 * after the nodes. */
static int export_ids_stable(const struct tree *t, const struct tree_node *nodes, size_t n)
{
	uint32_t srv = 0, mask = 0;
	if (validate_ipv4(t->conf.server, &srv, NULL) < 0 || validate_ipv4(t->conf.netmask, &mask, NULL) < 0 ||
	    mask_prefix(t->conf.netmask) < 18)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t a = 0;
		if (validate_ipv4(nodes[i].ip, &a, NULL) < 0 || (a & mask) != (srv & mask) || (a & ~mask) == 0)
			return 0;
	}
	return 1;
}

static int export_id_base(const struct tree *t, const struct tree_node *x, size_t index, int stable)
{
	if (!stable)
		return (int)(100 + 2 * index);
	uint32_t a = 0, mask = 0;
	validate_ipv4(x->ip, &a, NULL);
	validate_ipv4(t->conf.netmask, &mask, NULL);
	return (int)(2 * ntohl(a & ~mask));
}

/* A layer's stable id: FNV-1a of its name into 32768..65535, the next free
 * one on a collision (layers are placed in name order). */
static int layer_id(const char *name, unsigned char used[4096])
{
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	unsigned k = h % 32768;
	while (used[k / 8] & (1u << (k % 8)))
		k = (k + 1) % 32768;
	used[k / 8] |= (unsigned char)(1u << (k % 8));
	return (int)(32768 + k);
}

struct layer_ref {
	const char *name;
	size_t node;
};

static int cmp_layer_ref(const void *a, const void *b)
{
	const struct layer_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->node > y->node) - (x->node < y->node);
}

/* Every (layer, node using it) pair, sorted by layer name then node. */
static struct layer_ref *layer_refs(const struct tree_node *nodes, size_t n, size_t *count)
{
	struct layer_ref *v = calloc(2 * n + 1, sizeof(*v));
	size_t k = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (nodes[i].root[0])
			v[k++] = (struct layer_ref){nodes[i].root, i};
		if (nodes[i].overlay[0] && strcmp(nodes[i].overlay, nodes[i].root))
			v[k++] = (struct layer_ref){nodes[i].overlay, i};
	}
	qsort(v, k, sizeof(*v), cmp_layer_ref);
	*count = k;
	return v;
}

/* The clients of one layer: its nodes, or past the limit the cluster subnet
 * plus any node outside it. Appends to pool; returns the count. */
static size_t layer_clients(const struct tree *t, const struct tree_node *nodes, const struct layer_ref *refs,
			    size_t nrefs, struct export_plan *p, size_t *used)
{
	const char **out = p->pool + *used;
	size_t k = 0;
	uint32_t srv = 0, mask = 0;
	validate_ipv4(t->conf.server, &srv, NULL);
	validate_ipv4(t->conf.netmask, &mask, NULL);
	int wide = nrefs > GEN_EXPORT_CLIENTS_MAX;
	if (wide)
		out[k++] = p->subnet;
	for (size_t i = 0; i < nrefs; i++) {
		uint32_t a = 0;
		validate_ipv4(nodes[refs[i].node].ip, &a, NULL);
		if (!wide || (a & mask) != (srv & mask))
			out[k++] = nodes[refs[i].node].ip;
	}
	*used += k;
	return k;
}

static void plan_layers(const struct tree *t, const char *base, const struct tree_node *nodes,
			const struct layer_ref *refs, size_t nrefs, int first_id, struct export_plan *p, size_t *used)
{
	unsigned char ids[4096];
	memset(ids, 0, sizeof(ids));
	for (size_t i = 0, j; i < nrefs; i = j) {
		for (j = i + 1; j < nrefs && !strcmp(refs[j].name, refs[i].name); j++)
			;
		struct gen_export *e = &p->v[p->n];
		*e = (struct gen_export){.base = base, .what = "roots", .name = refs[i].name};
		e->id = first_id ? first_id + (int)p->n : layer_id(refs[i].name, ids);
		e->clients = p->pool + *used;
		e->nclients = layer_clients(t, nodes, refs + i, j - i, p, used);
		p->n++;
	}
}

/* base: where the tree is as the NFS server sees it (its directory, or
 * its path inside CephFS for the heads; "" for the file system's root). */
static int plan_build(const struct tree *t, const char *base, const struct tree_node *nodes, size_t n,
		      struct export_plan *p)
{
	memset(p, 0, sizeof(*p));
	char net[16];
	network_of(t, net);
	snprintf(p->subnet, sizeof(p->subnet), "%s/%d", net, mask_prefix(t->conf.netmask));
	size_t nrefs = 0, used = 0;
	struct layer_ref *refs = layer_refs(nodes, n, &nrefs);
	p->v = calloc(nrefs + 2 * n + 1, sizeof(*p->v));
	p->pool = calloc(2 * nrefs + 2 * n + 1, sizeof(*p->pool));
	if (!refs || !p->v || !p->pool) {
		free(refs);
		plan_free(p);
		return -ENOMEM;
	}
	int stable = export_ids_stable(t, nodes, n);
	plan_layers(t, base, nodes, refs, nrefs, stable ? 0 : (int)(100 + 2 * n), p, &used);
	free(refs);
	for (size_t i = 0; i < n; i++) {
		int id = export_id_base(t, &nodes[i], i, stable);
		for (int k = 0; k < 2; k++) {
			struct gen_export *e = &p->v[p->n++];
			const char *what = k ? "state" : "clients";
			*e = (struct gen_export){.id = id + k, .base = base, .what = what, .name = nodes[i].ip};
			e->clients = p->pool + used;
			p->pool[used++] = nodes[i].ip;
			e->nclients = 1;
			e->rw = e->squash = k;
		}
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].id > 65535) {
			snprintf(gen_err, sizeof(gen_err), "%zu exports do not fit nfs-ganesha's 16-bit export ids",
				 p->n);
			plan_free(p);
			return -ERANGE;
		}
	return 0;
}

/* Both renderings wrap long client lists, 8 addresses a line. fsal: the
 * inside of the export's FSAL block. */
static int ganesha_export(struct strbuf *sb, const struct gen_export *e, unsigned anon, const char *fsal)
{
	int r = sb_printf(sb,
			  "EXPORT {\n\tExport_Id = %d;\n\tPath = \"%s/%s/%s\";\n\tPseudo = \"/%s/%s\";\n"
			  "\tAccess_Type = None;\n\tSquash = Root_Squash;\n\tSecType = sys;\n\tCLIENT {\n\t\tClients = ",
			  e->id, e->base, e->what, e->name, e->what, e->name);
	for (size_t i = 0; i < e->nclients; i++)
		r |= sb_printf(sb, "%s%s", i == 0 ? "" : i % 8 ? ", " : ",\n\t\t\t", e->clients[i]);
	r |= sb_printf(sb, ";\n\t\tAccess_Type = %s;\n", e->rw ? "RW" : "RO");
	if (e->squash)
		r |= sb_printf(sb, "\t\tSquash = Root_Squash;\n\t\tAnonymous_Uid = %u;\n\t\tAnonymous_Gid = %u;\n",
			       anon, anon);
	else
		r |= sb_add(sb, "\t\tSquash = No_Root_Squash;\n");
	return r | sb_printf(sb, "\t}\n\tFSAL {\n%s\t}\n}\n", fsal);
}

/* The export plan of a tree whose values all passed check_all: what both
 * NFS servers' configs are written from. */
static int plan_checked(const struct tree *t, const struct tree_node *nodes, size_t n, struct export_plan *p)
{
	int r = check_all(t, nodes, n);
	return r < 0 ? r : plan_build(t, t->dir, nodes, n, p);
}

int gen_ganesha(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	struct export_plan p;
	int r = plan_checked(t, nodes, n, &p);
	if (r < 0)
		return r;
	int v3 = !strcmp(t->conf.nfs_version, "3");
	unsigned anon = t->conf.state_uid;
	r = sb_printf(sb,
		      "# ganesha.conf: %s\n"
		      "# Each root and overlay read-only to the nodes that use it, each host layer\n"
		      "# to its node, each state export read-write to its node with root squashed.\n"
		      "NFS_CORE_PARAM {\n\tProtocols = %s;\n\tNFS_Port = 2049;\n%s\tBind_addr = %s;\n"
		      "\tEnable_NLM = false;\n\tEnable_RQUOTA = false;\n}\n"
		      "NFSV4 {\n\tGraceless = true;\n"
		      "\t# Owners as numbers: a node has no idmapd, and names\n"
		      "\t# (root@domain) it cannot map make every file uid 4294967294.\n"
		      "\tOnly_Numeric_Owners = true;\n}\n"
		      "# A host no CLIENT block names gets nothing.\n"
		      "EXPORT_DEFAULTS {\n\tAccess_Type = None;\n\tSquash = Root_Squash;\n"
		      "\tAnonymous_Uid = %u;\n\tAnonymous_Gid = %u;\n}\n",
		      GENERATED, v3 ? "3, 4" : "4", v3 ? "\tMNT_Port = 20048;\n\tmount_path_pseudo = true;\n" : "",
		      t->conf.server, anon, anon);
	for (size_t i = 0; i < p.n; i++)
		r |= ganesha_export(sb, &p.v[i], anon, "\t\tName = VFS;\n");
	plan_free(&p);
	return r;
}

/* The Ceph settings a head's ganesha.conf carries, each checked again here
 * (hopeless.conf's parser checks them too; a generator trusts nothing). */
static int check_ceph_conf(const struct tree *t, const struct head *h)
{
	const struct tree_conf *c = &t->conf;
	const char *why = NULL;
	const char *names[][2] = {{"ceph_user", c->ceph_user}, {"ceph_fs", c->ceph_fs},
				  {"ceph_grace_pool", c->ceph_grace_pool},
				  {"ceph_grace_namespace", c->ceph_grace_namespace}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (validate_name(names[i][1], &why) < 0)
			return refuse(names[i][0], names[i][1], why);
	int r = gen_check_tree_dir(c->ceph_conf);
	if (r == 0)
		r = gen_check_tree_dir(c->ceph_path);
	if (r < 0 || strstr(c->ceph_path, "..") || strstr(c->ceph_conf, ".."))
		return refuse("ceph_conf/ceph_path", strstr(c->ceph_path, "..") ? c->ceph_path : c->ceph_conf,
			      "want an absolute path of letters, digits and '._/+-' without '..'");
	if (head_name_ok(h->name, &why) < 0)
		return refuse("head name", h->name, why);
	return check_ip("head address", h->ip);
}

/* The tree's directory inside CephFS without a trailing '/' ("" for the
 * root of the file system): what export paths start with. */
static void ceph_base(const struct tree *t, char *out, size_t len)
{
	snprintf(out, len, "%s", t->conf.ceph_path);
	size_t k = strlen(out);
	while (k > 0 && out[k - 1] == '/')
		out[--k] = '\0';
}

static int ganesha_head_header(const struct tree *t, const struct head *h, struct strbuf *sb)
{
	const struct tree_conf *c = &t->conf;
	int v3 = !strcmp(c->nfs_version, "3");
	return sb_printf(sb,
			 "# ganesha.conf of head %s: %s\n"
			 "# The tree on CephFS (FSAL_CEPH); every head exports the same paths with\n"
			 "# the same rules: each root and overlay read-only to the nodes that use it,\n"
			 "# each host layer to its node, each state export read-write to its node\n"
			 "# with root squashed. NFSv4 client state is recovered through the grace\n"
			 "# database all heads share (rados_cluster), where this head is node id %s.\n"
			 "NFS_CORE_PARAM {\n\tProtocols = %s;\n\tNFS_Port = 2049;\n%s\tBind_addr = %s;\n"
			 "\tEnable_NLM = false;\n\tEnable_RQUOTA = false;\n}\n"
			 "NFSV4 {\n\tRecoveryBackend = rados_cluster;\n"
			 "\t# Short leases: a node whose head died reclaims its state on the\n"
			 "\t# survivor within a grace period of this length.\n"
			 "\tLease_Lifetime = 20;\n\tGrace_Period = 30;\n"
			 "\tOnly_Numeric_Owners = true;\n}\n"
			 "RADOS_KV {\n\tCeph_Conf = \"%s\";\n\tUserId = \"%s\";\n\tPool = \"%s\";\n"
			 "\tNamespace = \"%s\";\n\tNodeId = \"%s\";\n}\n"
			 "CEPH {\n\tCeph_Conf = \"%s\";\n}\n"
			 "# A host no CLIENT block names gets nothing.\n"
			 "EXPORT_DEFAULTS {\n\tAccess_Type = None;\n\tSquash = Root_Squash;\n"
			 "\tAnonymous_Uid = %u;\n\tAnonymous_Gid = %u;\n}\n",
			 h->name, GENERATED, h->name, v3 ? "3, 4" : "4",
			 v3 ? "\tMNT_Port = 20048;\n\tmount_path_pseudo = true;\n" : "", h->ip, c->ceph_conf, c->ceph_user,
			 c->ceph_grace_pool, c->ceph_grace_namespace, h->name, c->ceph_conf, c->state_uid, c->state_uid);
}

int gen_ganesha_head(const struct tree *t, const struct head *h, const struct tree_node *nodes, size_t n,
		     struct strbuf *sb)
{
	struct export_plan p;
	char base[sizeof(t->conf.ceph_path)], fsal[256];
	int r = check_all(t, nodes, n);
	if (r == 0)
		r = check_ceph_conf(t, h);
	if (r < 0)
		return r;
	ceph_base(t, base, sizeof(base));
	if ((r = plan_build(t, base, nodes, n, &p)) < 0)
		return r;
	snprintf(fsal, sizeof(fsal), "\t\tName = CEPH;\n\t\tUser_Id = \"%s\";\n\t\tFilesystem = \"%s\";\n",
		 t->conf.ceph_user, t->conf.ceph_fs);
	r = ganesha_head_header(t, h, sb);
	for (size_t i = 0; i < p.n; i++)
		r |= ganesha_export(sb, &p.v[i], t->conf.state_uid, fsal);
	plan_free(&p);
	return r;
}

int gen_exports(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	struct export_plan p;
	int r = plan_checked(t, nodes, n, &p);
	if (r < 0)
		return r;
	char opts[96];
	r = sb_printf(sb, "# /etc/exports for the kernel nfsd: %s\n", GENERATED);
	for (size_t i = 0; i < p.n; i++) {
		const struct gen_export *e = &p.v[i];
		if (e->squash)
			snprintf(opts, sizeof(opts), "rw,sync,root_squash,anonuid=%u,anongid=%u,no_subtree_check",
				 t->conf.state_uid, t->conf.state_uid);
		else
			snprintf(opts, sizeof(opts), "%s,no_root_squash,no_subtree_check", e->rw ? "rw,sync" : "ro");
		r |= sb_printf(sb, "%s/%s/%s", e->base, e->what, e->name);
		for (size_t k = 0; k < e->nclients; k++)
			r |= sb_printf(sb, "%s%s(%s)", k && k % 8 == 0 ? " \\\n\t" : " ", e->clients[k], opts);
		r |= sb_add(sb, "\n");
	}
	plan_free(&p);
	return r;
}

int gen_hosts_domain(const struct tree_node *nodes, size_t n, const char *domain, struct strbuf *sb)
{
	const char *why = NULL;
	if (domain && *domain && validate_hostname(domain, &why) < 0)
		return refuse("domain", domain, why);
	for (size_t i = 0; i < n; i++)
		if (validate_hostname(nodes[i].hostname, &why) < 0 || validate_ipv4(nodes[i].ip, NULL, &why) < 0)
			return refuse("node", nodes[i].hostname, why);
	int r = sb_printf(sb, "# %s\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
			  GENERATED);
	for (size_t i = 0; i < n; i++) {
		if (domain && *domain)
			r |= sb_printf(sb, "%s\t%s.%s %s\n", nodes[i].ip, nodes[i].hostname, domain,
				       nodes[i].hostname);
		else
			r |= sb_printf(sb, "%s\t%s\n", nodes[i].ip, nodes[i].hostname);
	}
	return r;
}

int gen_hosts(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	int r = check_all(t, nodes, n);
	if (r < 0)
		return r;
	return gen_hosts_domain(nodes, n, t->conf.domain, sb);
}
