/* hopeless node: register and administer nodes. A node is three plain things
 * in the tree: clients/<ip>/ (its host overlay: pointer files, the files of
 * its host template, its ssh host keys), state/<ip>/ (its writable layer)
 * and nodes/<hostname>.conf (its registration, written last: it is what
 * makes the node exist).
 *
 * Commands that change what the services must know (add, set, rm) do not
 * regenerate the service configs themselves; they end with one line asking
 * for `hopeless config`, so a batch of changes costs one regeneration. */
#include "cli.h"
#include "gen.h"
#include "nodeset.h"
#include "template.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONFIG_HINT "hopeless: run 'hopeless config' to update DHCP, NFS exports and boot files\n"

/* ---- small helpers ---- */

static int copy_arg(char *dst, size_t cap, const char *val, const char *w, const char *opt)
{
	if (strlen(val) >= cap)
		return cli_error(w, "%s %.40s...: value too long", opt, val);
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

/* Without fsync: callers of a batch sync the whole file system once. */
static int put_file(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_file_atomic_as(path, data, len, mode, (gid_t)-1, WRITE_NO_SYNC);
}

static int put_line(const char *dir, const char *name, const char *value)
{
	char p[PATH_MAX], line[128];
	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	snprintf(line, sizeof(line), "%s\n", value);
	return put_file(p, line, strlen(line), 0644);
}

static int sync_tree(const struct tree *t)
{
	int fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = syncfs(fd) == 0 ? 0 : -errno;
	close(fd);
	return r;
}

/* A sparse ext4 image, fully initialised now (lazy init would make the node
 * zero its inode tables over loop and NFS on first boot).
 * With image_mmp = yes, ext4 multi-mount protection as a second guard (the
 * init's ARP probe is the first) against two nodes with one address mounting
 * the same image. Off by default: after every unclean shutdown, and a
 * network root cannot unmount its upper cleanly, the next mount waits
 * 2 x the check interval + 1 s, at least 11 s. */
static int make_state_image(const struct tree *t, const char *img)
{
	int mmp = !strcmp(t->conf.image_mmp, "yes");
	char *trunc[] = {"truncate", "-s", (char *)t->conf.image_size, (char *)img, NULL};
	char *mkfs[12] = {"mkfs.ext4", "-q", "-F", "-L", "hopeless-state"};
	int k = 5;
	if (mmp) {
		mkfs[k++] = "-O";
		mkfs[k++] = "mmp";
	}
	mkfs[k++] = "-E";
	mkfs[k++] = mmp ? "mmp_update_interval=5,lazy_itable_init=0,lazy_journal_init=0"
			: "lazy_itable_init=0,lazy_journal_init=0";
	mkfs[k++] = (char *)img;
	mkfs[k] = NULL;
	if (run_cmd(trunc, 0) != 0)
		return -EIO;
	if (run_cmd(mkfs, 1) != 0) {
		unlink(img);
		return -EIO;
	}
	return chmod(img, 0600) == 0 ? 0 : -errno;
}

static int check_layer(struct tree *t, const char *name, const char *kind, const char *w)
{
	const char *k = name[0] ? tree_layer_kind(t, name) : NULL;
	if (!k || strcmp(k, kind))
		return cli_error(w, "%s: no such %s (see: hopeless %s list)", name[0] ? name : "(none given)", kind,
				 kind);
	return 0;
}

static int check_server_list(const char *s, const char *w)
{
	char copy[64], *save = NULL;
	const char *why;
	snprintf(copy, sizeof(copy), "%s", s);
	if (s[0] == ',' || (s[0] && s[strlen(s) - 1] == ','))
		return cli_error(w, "--server %s: want IP or IP,IP", s);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (validate_ipv4(p, NULL, &why) < 0)
			return cli_error(w, "--server %s: %s", p, why);
	return 0;
}

/* Settings shared by add and set, checked the same way by both. */
static int check_settings(struct tree *t, const struct tree_node *nd, const char *w)
{
	if (check_layer(t, nd->root, "root", w) || check_layer(t, nd->overlay, "overlay", w))
		return 1;
	if (strcmp(nd->state, "image") && strcmp(nd->state, "tmpfs"))
		return cli_error(w, "--state %s: want image or tmpfs", nd->state);
	if (strcmp(nd->boot, "ipxe") && strcmp(nd->boot, "pxelinux"))
		return cli_error(w, "--boot %s: want ipxe or pxelinux", nd->boot);
	for (const char *p = nd->append; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return cli_error(w, "--append: control character in kernel arguments");
	return nd->server[0] ? check_server_list(nd->server, w) : 0;
}

/* ---- node add ---- */

struct add_opts {
	const char *ip, *mac, *mac_file, *csv, *tmpl;
	int ssh_rsa;
};

static int load_entries(const char *spec, const struct add_opts *o, struct nodeset_entry **e, size_t *n,
			const char *w)
{
	char err[256];
	struct strbuf sb = STRBUF_INIT;
	int r;
	if (o->csv) {
		if (spec || o->ip || o->mac || o->mac_file)
			return cli_error(w, "--macs FILE gives host names, MACs and addresses: no HOST, --ip, --mac or --mac-file with it");
		if ((r = read_file(o->csv, &sb)) < 0)
			return cli_error(w, "%s: %s", o->csv, strerror(-r));
		r = nodeset_parse_csv(sb_str(&sb), e, n, err, sizeof(err));
		sb_free(&sb);
		return r < 0 ? cli_error(w, "%s: %s", o->csv, err) : 0;
	}
	if (!spec)
		return cli_error(w, "no host name given (see hopeless node add --help)");
	if (nodeset_expand(spec, e, n, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (!o->ip)
		r = cli_error(w, "(no --ip): missing address (give --ip A.B.C.D, or A.B.C.D+ for a range)");
	else if (nodeset_fill_ips(o->ip, *e, *n, err, sizeof(err)) < 0)
		r = cli_error(w, "%s", err);
	else if (o->mac_file && o->mac)
		r = cli_error(w, "--mac and --mac-file: give one of them");
	else if (o->mac_file && (r = read_file(o->mac_file, &sb)) < 0)
		r = cli_error(w, "%s: %s", o->mac_file, strerror(-r));
	else if (o->mac_file)
		r = nodeset_fill_macs(sb_str(&sb), *e, *n, err, sizeof(err)) < 0 ? cli_error(w, "%s: %s", o->mac_file, err) : 0;
	else if (!o->mac)
		r = cli_error(w, "(no --mac): missing MAC address (give --mac aa:bb:cc:dd:ee:ff, or --mac-file FILE)");
	else if (*n > 1)
		r = cli_error(w, "%s: one MAC for %zu nodes (give --mac-file FILE, one MAC per line)", o->mac, *n);
	else
		r = copy_arg((*e)[0].mac, sizeof((*e)[0].mac), o->mac, w, "--mac");
	sb_free(&sb);
	if (r) {
		free(*e);
		*e = NULL;
	}
	return r;
}

static int validate_entry(struct nodeset_entry *e, const char *w)
{
	const char *why;
	uint8_t m[6];
	if (validate_hostname(e->hostname, &why) < 0)
		return cli_error(w, "%s: %s", e->hostname, why);
	if (validate_ipv4(e->ip, NULL, &why) < 0)
		return cli_error(w, "%s: %s (give --ip A.B.C.D)", e->ip, why);
	if (validate_mac(e->mac, m, &why) < 0)
		return cli_error(w, "%s: %s", e->mac, why);
	/* One spelling everywhere: lower case, colons. */
	snprintf(e->mac, sizeof(e->mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

/* Duplicate detection by sorting: a batch of 10,000 against a tree of
 * 10,000 would be 10^8 comparisons pairwise. */
struct dupkey {
	uint64_t num;      /* address or MAC as a number; unused for names */
	const char *name;  /* host name, or NULL */
	const char *owner; /* host name of the entry */
	int in_batch;
};

static int cmp_num(const void *a, const void *b)
{
	const struct dupkey *x = a, *y = b;
	return x->num < y->num ? -1 : x->num > y->num;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct dupkey *)a)->name, ((const struct dupkey *)b)->name);
}

static uint64_t ip_num(const char *ip)
{
	uint32_t a = 0;
	validate_ipv4(ip, &a, NULL);
	return ntohl(a);
}

static uint64_t mac_num(const char *mac)
{
	uint8_t m[6] = {0};
	validate_mac(mac, m, NULL);
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | m[i];
	return v;
}

/* kind: 0 host name, 1 address, 2 MAC. Returns the exit status. */
static int find_dups(struct dupkey *k, const struct nodeset_entry *e, size_t n, const struct tree_node *nodes,
		     size_t m, int kind, const char *w)
{
	for (size_t i = 0; i < n + m; i++) {
		int b = i < n;
		const char *host = b ? e[i].hostname : nodes[i - n].hostname;
		const char *ip = b ? e[i].ip : nodes[i - n].ip;
		const char *mac = b ? e[i].mac : nodes[i - n].mac;
		k[i] = (struct dupkey){kind == 1 ? ip_num(ip) : kind == 2 ? mac_num(mac) : 0, host, host, b};
	}
	qsort(k, n + m, sizeof(*k), kind ? cmp_num : cmp_name);
	static const char *const what[] = {"host name", "address", "MAC"};
	for (size_t i = 1; i < n + m; i++) {
		int same = kind ? k[i].num == k[i - 1].num : !strcmp(k[i].name, k[i - 1].name);
		if (!same || (!k[i].in_batch && !k[i - 1].in_batch))
			continue;
		const struct dupkey *a = k[i - 1].in_batch ? &k[i - 1] : &k[i], *o = a == &k[i] ? &k[i - 1] : &k[i];
		char val[20];
		if (kind == 1) {
			struct in_addr in = {htonl((uint32_t)a->num)};
			inet_ntop(AF_INET, &in, val, sizeof(val));
		} else if (kind == 2) {
			snprintf(val, sizeof(val), "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(a->num >> 40) & 255,
				 (unsigned)(a->num >> 32) & 255, (unsigned)(a->num >> 24) & 255,
				 (unsigned)(a->num >> 16) & 255, (unsigned)(a->num >> 8) & 255, (unsigned)a->num & 255);
		}
		if (!kind && !o->in_batch)
			return cli_error(w, "%s: a node of that name exists", a->name);
		if (!kind)
			return cli_error(w, "%s: host name given twice in the batch", a->name);
		if (!o->in_batch)
			return cli_error(w, "%s: %s already used by %s", val, what[kind], o->owner);
		return cli_error(w, "%s: %s given twice in the batch (%s and %s)", val, what[kind], o->owner, a->owner);
	}
	return 0;
}

static int check_batch(struct tree *t, struct nodeset_entry *e, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (validate_entry(&e[i], w))
			return 1;
	struct tree_node *nodes;
	size_t m;
	char err[512];
	if (tree_nodes_load(t, &nodes, &m, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	struct dupkey *k = malloc((n + m) * sizeof(*k));
	int rc = k ? 0 : cli_error(w, "out of memory");
	for (int kind = 0; kind < 3 && !rc; kind++)
		rc = find_dups(k, e, n, nodes, m, kind, w);
	free(k);
	free(nodes);
	for (size_t i = 0; i < n && !rc; i++) {
		char client[PATH_MAX], state[PATH_MAX];
		tree_path(t, client, sizeof(client), "clients/%s", e[i].ip);
		tree_path(t, state, sizeof(state), "state/%s", e[i].ip);
		if (path_exists(client))
			rc = cli_error(w, "%s exists without a node entry; move it away first", client);
		else if (path_exists(state))
			rc = cli_error(w, "%s holds the state of an earlier node at %s; move it away or remove it first",
				       state, e[i].ip);
	}
	return rc;
}

static int ssh_keygen(const char *dir, const char *type, const char *host)
{
	char key[PATH_MAX], pub[PATH_MAX + 4], comment[80];
	snprintf(key, sizeof(key), "%s/ssh_host_%s_key", dir, type);
	snprintf(pub, sizeof(pub), "%s.pub", key);
	snprintf(comment, sizeof(comment), "root@%s", host);
	/* A template may carry keys; ssh-keygen would ask before overwriting. */
	unlink(key);
	unlink(pub);
	char *argv[] = {"ssh-keygen", "-q", "-N", "", "-t", (char *)type, "-C", comment, "-f", key, NULL};
	int r = run_cmd(argv, 1);
	return r == 0 ? 0 : -EIO;
}

/* The host overlay of one node, built under clients/.<ip>.tmp. */
static int build_client(struct tree *t, const struct tree_node *nd, const char *tmpl_dir, int ssh_rsa,
			const char *dst)
{
	struct template_vars v = {nd->hostname, nd->ip, nd->mac, t->conf.domain};
	int r;
	if (tmpl_dir) {
		r = template_copy(tmpl_dir, dst, &v);
	} else {
		/* No templates/ in a tree made before templates existed. */
		char etc[PATH_MAX];
		snprintf(etc, sizeof(etc), "%s/etc", dst);
		r = mkdir_p(etc, 0755);
		if (r == 0)
			r = chmod(dst, 0755) == 0 ? 0 : -errno;
		if (r == 0)
			r = put_line(dst, "etc/hostname", nd->hostname);
	}
	if (r == 0)
		r = put_line(dst, "hopeless.root", nd->root);
	if (r == 0)
		r = put_line(dst, "hopeless.overlay", nd->overlay);
	char ssh[PATH_MAX];
	snprintf(ssh, sizeof(ssh), "%s/etc/ssh", dst);
	if (r == 0)
		r = mkdir_p(ssh, 0755);
	if (r == 0)
		r = ssh_keygen(ssh, "ed25519", nd->hostname);
	if (r == 0)
		r = ssh_keygen(ssh, "ecdsa", nd->hostname);
	if (r == 0 && ssh_rsa)
		r = ssh_keygen(ssh, "rsa", nd->hostname);
	return r;
}

static int build_node(struct tree *t, const struct tree_node *nd, const char *tmpl_dir, int ssh_rsa)
{
	char client[PATH_MAX], client_tmp[PATH_MAX], state[PATH_MAX], state_tmp[PATH_MAX];
	tree_path(t, client, sizeof(client), "clients/%s", nd->ip);
	tree_path(t, client_tmp, sizeof(client_tmp), "clients/.%s.tmp", nd->ip);
	tree_path(t, state, sizeof(state), "state/%s", nd->ip);
	tree_path(t, state_tmp, sizeof(state_tmp), "state/.%s.tmp", nd->ip);
	remove_tree(client_tmp);
	remove_tree(state_tmp);
	int r = build_client(t, nd, tmpl_dir, ssh_rsa, client_tmp);
	if (r == 0)
		r = mkdir(state_tmp, 0700) == 0 ? 0 : -errno;
	if (r == 0 && !strcmp(nd->state, "image")) {
		char img[PATH_MAX];
		snprintf(img, sizeof(img), "%s/rw.img", state_tmp);
		r = make_state_image(t, img);
	}
	if (r == 0 && rename(state_tmp, state) != 0)
		r = -errno;
	if (r == 0 && rename(client_tmp, client) != 0) {
		r = -errno;
		remove_tree(state);
	}
	remove_tree(client_tmp);
	remove_tree(state_tmp);
	return r;
}

static void unbuild_node(struct tree *t, const char *ip)
{
	char p[PATH_MAX];
	if (tree_path(t, p, sizeof(p), "clients/%s", ip) == 0)
		remove_tree(p);
	if (tree_path(t, p, sizeof(p), "state/%s", ip) == 0)
		remove_tree(p);
}

static int write_conf(struct tree *t, const struct tree_node *nd, int sync)
{
	char conf[PATH_MAX];
	struct strbuf sb = STRBUF_INIT;
	if (tree_path(t, conf, sizeof(conf), "nodes/%s.conf", nd->hostname) < 0)
		return -ENAMETOOLONG;
	int r = tree_node_format(nd, &sb);
	if (r == 0)
		r = sync ? write_file_atomic(conf, sb.buf, sb.len, 0644) : put_file(conf, sb.buf, sb.len, 0644);
	sb_free(&sb);
	return r;
}

/* Everything is checked before this runs; on any failure it removes what it
 * made, so the tree is as it was. The node entries come last. */
static int create_nodes(struct tree *t, const struct nodeset_entry *e, size_t n, const struct tree_node *proto,
			const char *tmpl_dir, int ssh_rsa, const char *w)
{
	struct tree_node nd = *proto;
	size_t built = 0, confs = 0;
	int r = 0;
	const char *failed = NULL;
	for (; built < n && r == 0; built++) {
		snprintf(nd.hostname, sizeof(nd.hostname), "%s", e[built].hostname);
		snprintf(nd.ip, sizeof(nd.ip), "%s", e[built].ip);
		snprintf(nd.mac, sizeof(nd.mac), "%s", e[built].mac);
		r = build_node(t, &nd, tmpl_dir, ssh_rsa);
		if (r < 0)
			failed = e[built].hostname;
	}
	if (r == 0 && (r = sync_tree(t)) < 0)
		failed = "sync";
	for (; confs < n && r == 0; confs++) {
		snprintf(nd.hostname, sizeof(nd.hostname), "%s", e[confs].hostname);
		snprintf(nd.ip, sizeof(nd.ip), "%s", e[confs].ip);
		snprintf(nd.mac, sizeof(nd.mac), "%s", e[confs].mac);
		r = write_conf(t, &nd, 0);
		if (r < 0)
			failed = e[confs].hostname;
	}
	if (r == 0 && (r = sync_tree(t)) < 0)
		failed = "sync";
	if (r == 0)
		return 0;
	for (size_t i = 0; i < confs; i++) {
		char conf[PATH_MAX];
		tree_path(t, conf, sizeof(conf), "nodes/%s.conf", e[i].hostname);
		unlink(conf);
	}
	for (size_t i = 0; i < built; i++)
		unbuild_node(t, e[i].ip);
	sync_tree(t);
	return cli_error(w, "%s: %s (nothing was added)", failed, strerror(-r));
}

static int resolve_template(struct tree *t, const char *name, char *out, size_t outlen, const char *w)
{
	const char *why;
	if (validate_name(name, &why) < 0)
		return cli_error(w, "--template %s: %s", name, why);
	if (tree_path(t, out, outlen, "templates/%s", name) < 0)
		return cli_error(w, "--template %s: path too long", name);
	if (is_dir(out))
		return 0;
	if (!strcmp(name, "default")) {
		out[0] = '\0';
		return 0;
	}
	return cli_error(w, "--template %s: no such template (templates live in %s/templates/)", name, t->dir);
}

static int node_add(struct tree *t, const char *spec, const struct add_opts *o, const struct tree_node *proto)
{
	const char *w = "node add";
	struct nodeset_entry *e = NULL;
	size_t n = 0;
	char tmpl[PATH_MAX];
	if (load_entries(spec, o, &e, &n, w))
		return 1;
	int rc = check_batch(t, e, n, w);
	if (!rc)
		rc = check_settings(t, proto, w);
	if (!rc)
		rc = resolve_template(t, o->tmpl ? o->tmpl : "default", tmpl, sizeof(tmpl), w);
	if (!rc)
		rc = create_nodes(t, e, n, proto, tmpl[0] ? tmpl : NULL, o->ssh_rsa, w);
	if (!rc && n == 1)
		printf("hopeless: node %s added (%s, %s, root %s, overlay %s, state %s)\n", e[0].hostname, e[0].ip,
		       e[0].mac, proto->root, proto->overlay, proto->state);
	else if (!rc)
		printf("hopeless: %zu nodes added (%s .. %s, %s .. %s, root %s, overlay %s, state %s)\n", n,
		       e[0].hostname, e[n - 1].hostname, e[0].ip, e[n - 1].ip, proto->root, proto->overlay,
		       proto->state);
	if (!rc)
		fputs(CONFIG_HINT, stdout);
	free(e);
	return rc;
}

/* ---- node list / show ---- */

static void json_str(const char *key, const char *s, int last)
{
	printf("\"%s\": ", key);
	json_print_str(stdout, s);
	if (!last)
		fputs(", ", stdout);
}

static int node_list(struct tree *t, int json)
{
	struct tree_node *nodes;
	size_t n;
	char err[512];
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return cli_error("node list", "%s", err);
	if (json)
		printf("[");
	else
		printf("%-20s %-15s %-17s %-12s %-12s %-6s %-8s %s\n", "HOSTNAME", "IP", "MAC", "ROOT", "OVERLAY",
		       "STATE", "BOOT", "SERVER");
	for (size_t i = 0; i < n; i++) {
		const struct tree_node *d = &nodes[i];
		const char *server = d->server[0] ? d->server : t->conf.server;
		if (!json) {
			printf("%-20s %-15s %-17s %-12s %-12s %-6s %-8s %s\n", d->hostname, d->ip, d->mac, d->root,
			       d->overlay, d->state, d->boot, server);
			continue;
		}
		printf("%s\n  {", i ? "," : "");
		json_str("hostname", d->hostname, 0);
		json_str("ip", d->ip, 0);
		json_str("mac", d->mac, 0);
		json_str("root", d->root, 0);
		json_str("overlay", d->overlay, 0);
		json_str("state", d->state, 0);
		json_str("boot", d->boot, 0);
		json_str("server", server, 0);
		json_str("append", d->append, 1);
		printf("}");
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	free(nodes);
	return 0;
}

static void human(uint64_t bytes, char *out, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static int node_show(struct tree *t, const char *host)
{
	struct tree_node d;
	char err[512], p[PATH_MAX];
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error("node show", "%s", err);
	printf("hostname: %s\nip: %s\nmac: %s\nroot: %s\noverlay: %s\nstate: %s\nboot: %s\n", d.hostname, d.ip,
	       d.mac, d.root, d.overlay, d.state, d.boot);
	printf("server: %s%s\nappend: %s\n", d.server[0] ? d.server : t->conf.server,
	       d.server[0] ? "" : " (the cluster's)", d.append);
	struct strbuf sb = STRBUF_INIT;
	if (gen_cmdline(t, &d, &sb) == 0)
		printf("cmdline: %s\n", sb_str(&sb));
	sb_free(&sb);
	tree_path(t, p, sizeof(p), "nodes/%s.conf", d.hostname);
	printf("conf: %s\n", p);
	tree_path(t, p, sizeof(p), "clients/%s", d.ip);
	printf("host overlay: %s\n", p);
	static const char *const keys[] = {"ed25519", "ecdsa", "rsa"};
	printf("ssh host keys:");
	for (size_t i = 0; i < 3; i++) {
		tree_path(t, p, sizeof(p), "clients/%s/etc/ssh/ssh_host_%s_key", d.ip, keys[i]);
		if (path_exists(p))
			printf(" %s", keys[i]);
	}
	printf("\n");
	tree_path(t, p, sizeof(p), "state/%s", d.ip);
	printf("state dir: %s%s\n", p, path_exists(p) ? "" : " (missing)");
	tree_path(t, p, sizeof(p), "state/%s/rw.img", d.ip);
	struct stat st;
	if (stat(p, &st) == 0) {
		char size[32], used[32];
		human((uint64_t)st.st_size, size, sizeof(size));
		human((uint64_t)st.st_blocks * 512, used, sizeof(used));
		printf("image: %s\nimage size: %s\nimage usage: %s (allocated on the head node)\n", p, size, used);
	} else {
		printf("image: none%s\n", strcmp(d.state, "image") ? " (state tmpfs)" : " (missing: hopeless node reset creates it)");
	}
	return 0;
}

/* ---- node set ---- */

struct set_opts {
	const char *root, *overlay, *state, *boot, *append, *server;
};

static int ensure_image(struct tree *t, const struct tree_node *nd, int *created)
{
	char dir[PATH_MAX], img[PATH_MAX], tmp[PATH_MAX];
	*created = 0;
	tree_path(t, dir, sizeof(dir), "state/%s", nd->ip);
	tree_path(t, img, sizeof(img), "state/%s/rw.img", nd->ip);
	tree_path(t, tmp, sizeof(tmp), "state/%s/.rw.img.tmp", nd->ip);
	if (path_exists(img))
		return 0;
	int made_dir = !path_exists(dir);
	if (made_dir && mkdir(dir, 0700) != 0)
		return -errno;
	int r = make_state_image(t, tmp);
	if (r == 0 && rename(tmp, img) != 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		if (made_dir)
			rmdir(dir);
		return r;
	}
	*created = made_dir ? 2 : 1;
	return 0;
}

static void undo_image(struct tree *t, const struct tree_node *nd, int created)
{
	char p[PATH_MAX];
	tree_path(t, p, sizeof(p), "state/%s/rw.img", nd->ip);
	if (created)
		unlink(p);
	tree_path(t, p, sizeof(p), "state/%s", nd->ip);
	if (created == 2)
		rmdir(p);
}

static int apply_set(struct tree *t, const struct tree_node *old, const struct tree_node *nd, const char *w)
{
	char client[PATH_MAX];
	int created = 0, r = 0;
	tree_path(t, client, sizeof(client), "clients/%s", nd->ip);
	if (!strcmp(nd->state, "image"))
		r = ensure_image(t, nd, &created);
	if (r == 0 && strcmp(old->root, nd->root))
		r = put_line(client, "hopeless.root", nd->root);
	if (r == 0 && strcmp(old->overlay, nd->overlay))
		r = put_line(client, "hopeless.overlay", nd->overlay);
	if (r == 0)
		r = write_conf(t, nd, 1);
	if (r == 0)
		return sync_tree(t) < 0 ? cli_error(w, "sync: %s", strerror(errno)) : 0;
	/* Put back what was there, so a failed set changes nothing. */
	if (strcmp(old->root, nd->root))
		put_line(client, "hopeless.root", old->root);
	if (strcmp(old->overlay, nd->overlay))
		put_line(client, "hopeless.overlay", old->overlay);
	undo_image(t, nd, created);
	return cli_error(w, "%s: %s", nd->hostname, strerror(-r));
}

static int node_set(struct tree *t, const char *host, const struct set_opts *o)
{
	const char *w = "node set";
	struct tree_node old, nd;
	char err[512];
	if (tree_node_load(t, host, &old, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	nd = old;
	const struct {
		const char *val, *opt;
		char *dst;
		size_t cap;
	} f[] = {{o->root, "--root", nd.root, sizeof(nd.root)},
		 {o->overlay, "--overlay", nd.overlay, sizeof(nd.overlay)},
		 {o->state, "--state", nd.state, sizeof(nd.state)},
		 {o->boot, "--boot", nd.boot, sizeof(nd.boot)},
		 {o->append, "--append", nd.append, sizeof(nd.append)},
		 {o->server, "--server", nd.server, sizeof(nd.server)}};
	int any = 0;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].val)
			continue;
		any = 1;
		if (copy_arg(f[i].dst, f[i].cap, f[i].val, w, f[i].opt))
			return 1;
	}
	if (!any)
		return cli_error(w, "%s: nothing to change (see hopeless node set --help)", host);
	if (check_settings(t, &nd, w) || apply_set(t, &old, &nd, w))
		return 1;
	printf("hopeless: node %s updated (root %s, overlay %s, state %s, boot %s, server %s)\n", nd.hostname,
	       nd.root, nd.overlay, nd.state, nd.boot, nd.server[0] ? nd.server : t->conf.server);
	fputs(CONFIG_HINT, stdout);
	return 0;
}

/* ---- node rm ---- */

static int node_rm(struct tree *t, const char *host, int purge)
{
	const char *w = "node rm";
	struct tree_node d;
	char err[512], conf[PATH_MAX], client[PATH_MAX], state[PATH_MAX], gone_c[PATH_MAX], gone_s[PATH_MAX];
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	tree_path(t, conf, sizeof(conf), "nodes/%s.conf", d.hostname);
	tree_path(t, client, sizeof(client), "clients/%s", d.ip);
	tree_path(t, state, sizeof(state), "state/%s", d.ip);
	tree_path(t, gone_c, sizeof(gone_c), "clients/.%s.rm", d.ip);
	tree_path(t, gone_s, sizeof(gone_s), "state/.%s.rm", d.ip);
	remove_tree(gone_c);
	remove_tree(gone_s);
	/* Move aside first, drop the entry, then delete: a failure before the
	 * entry is gone puts everything back. */
	int moved_c = path_exists(client) && rename(client, gone_c) == 0;
	int moved_s = purge && path_exists(state) && rename(state, gone_s) == 0;
	int r = 0;
	if ((path_exists(client) && !moved_c) || (purge && path_exists(state) && !moved_s))
		r = -EBUSY;
	if (r == 0 && unlink(conf) != 0)
		r = -errno;
	if (r < 0) {
		if (moved_c)
			rename(gone_c, client);
		if (moved_s)
			rename(gone_s, state);
		return cli_error(w, "%s: %s", host, strerror(-r));
	}
	remove_tree(gone_c);
	remove_tree(gone_s);
	sync_tree(t);
	printf("hopeless: node %s removed\n", d.hostname);
	if (!purge && path_exists(state))
		printf("hopeless: its state is kept in %s (remove it, or use node rm --purge next time)\n", state);
	fputs(CONFIG_HINT, stdout);
	return 0;
}

/* ---- node reset ---- */

/* Claim rw.img.<stamp> (or .<stamp>.N if taken) as a hard link, so rw.img
 * itself never goes missing. */
static int link_backup(const char *img, char *out, size_t outlen)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(out, outlen, "%s.%s", img, stamp);
		else
			snprintf(out, outlen, "%s.%s.%d", img, stamp, i);
		if (link(img, out) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static int node_reset(struct tree *t, const char *host, int backup)
{
	const char *w = "node reset";
	struct tree_node d;
	char err[512], dir[PATH_MAX], img[PATH_MAX], fresh[PATH_MAX], bak[PATH_MAX + 40] = "";
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (strcmp(d.state, "image"))
		return cli_error(w, "%s: state is %s, which every boot starts afresh; nothing to reset", host, d.state);
	tree_path(t, dir, sizeof(dir), "state/%s", d.ip);
	tree_path(t, img, sizeof(img), "state/%s/rw.img", d.ip);
	tree_path(t, fresh, sizeof(fresh), "state/%s/.rw.img.new", d.ip);
	int made_dir = !path_exists(dir);
	if (made_dir && mkdir(dir, 0700) != 0)
		return cli_error(w, "%s: %s", dir, strerror(errno));
	int r = make_state_image(t, fresh);
	int had = path_exists(img);
	if (r == 0 && had && backup)
		r = link_backup(img, bak, sizeof(bak));
	if (r == 0 && rename(fresh, img) != 0)
		r = -errno;
	if (r < 0) {
		unlink(fresh);
		if (bak[0])
			unlink(bak);
		if (made_dir)
			rmdir(dir);
		return cli_error(w, "%s: cannot make a fresh image: %s", host, strerror(-r));
	}
	sync_tree(t);
	printf("hopeless: node %s reset: fresh %s\n", d.hostname, img);
	if (bak[0])
		printf("hopeless: the old image is kept as %s\n", bak);
	printf("hopeless: reboot %s now: a running node still writes to the old image\n", d.hostname);
	return 0;
}

/* ---- node inspect ---- */

static int check_inspect_path(const char *p, const char **why)
{
	if (p[0] != '/')
		return *why = "want an absolute path", -EINVAL;
	if (strlen(p) > 1024)
		return *why = "path too long", -EINVAL;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\')
			return *why = "control character, '\"' or '\\' in the path", -EINVAL;
	for (const char *c = p; (c = strstr(c, "..")); c += 2)
		if ((c == p || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
			return *why = "path contains '..'", -EINVAL;
	return 0;
}

/* Run argv, collect its stdout into sb; stderr is dropped. */
static int run_capture(char *const argv[], struct strbuf *sb)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return close(fds[0]), close(fds[1]), -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	char buf[4096];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sb_addn(sb, buf, (size_t)n);
	}
	close(fds[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -EIO;
}

/* What debugfs says of /upper/PATH: 'r' regular, 'w' whiteout, 'd', 'l',
 * 'o' other, 0 not there. */
static int upper_type(const char *img, const char *path)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "stat \"/upper%s\"", path);
	char *argv[] = {"debugfs", "-c", "-R", cmd, (char *)img, NULL};
	struct strbuf sb = STRBUF_INIT;
	int r = run_capture(argv, &sb);
	const char *type = strstr(sb_str(&sb), "Type: ");
	int kind = 0;
	if (r == 0 && type) {
		type += 6;
		kind = !strncmp(type, "regular", 7)   ? 'r'
		       : !strncmp(type, "directory", 9) ? 'd'
		       : !strncmp(type, "symlink", 7)   ? 'l'
		       : !strncmp(type, "character", 9) ? 'w'
							: 'o';
	}
	sb_free(&sb);
	return kind;
}

static int cat_upper(const char *img, const char *path)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "cat \"/upper%s\"", path);
	char *argv[] = {"debugfs", "-c", "-R", cmd, (char *)img, NULL};
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* Open PATH inside layer dir as if dir were '/': symbolic links in a root
 * must not lead to the head node's own files. */
static int open_in_layer(const char *dir, const char *path, struct stat *st)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, dfd, path + 1, &how, sizeof(how));
	int e = errno;
	close(dfd);
	if (fd < 0)
		return -e;
	if (fstat(fd, st) != 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int cat_fd_path(int pfd)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fflush(stdout);
	char buf[65536];
	ssize_t n;
	int r = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			r = -EIO;
			break;
		}
	}
	close(fd);
	fflush(stdout);
	return r;
}

static int inspect_lower(struct tree *t, const struct tree_node *d, const char *path, const char *w)
{
	char dirs[3][PATH_MAX];
	const char *names[3] = {"host overlay", "cluster overlay", "root"};
	tree_path(t, dirs[0], sizeof(dirs[0]), "clients/%s", d->ip);
	tree_path(t, dirs[1], sizeof(dirs[1]), "roots/%s", d->overlay);
	tree_path(t, dirs[2], sizeof(dirs[2]), "roots/%s", d->root);
	for (int i = 0; i < 3; i++) {
		struct stat st;
		int fd = open_in_layer(dirs[i], path, &st);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return cli_error(w, "%s: %s in %s", path, strerror(-fd), dirs[i]);
		int r;
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
			r = cli_error(w, "%s: deleted in the %s (%s)", path, names[i], dirs[i]);
		else if (!S_ISREG(st.st_mode))
			r = cli_error(w, "%s: not a regular file in the %s (%s)", path, names[i], dirs[i]);
		else {
			fprintf(stderr, "hopeless: node inspect: %s: from the %s (%s)\n", path, names[i], dirs[i]);
			r = cat_fd_path(fd) < 0 ? cli_error(w, "%s: read error", path) : 0;
		}
		close(fd);
		return r;
	}
	return cli_error(w, "%s: in no layer of %s", path, d->hostname);
}

static int node_inspect(struct tree *t, const char *host, const char *path)
{
	const char *w = "node inspect", *why;
	struct tree_node d;
	char err[512], img[PATH_MAX];
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (check_inspect_path(path, &why) < 0)
		return cli_error(w, "%.80s: %s", path, why);
	tree_path(t, img, sizeof(img), "state/%s/rw.img", d.ip);
	int kind = !strcmp(d.state, "image") && path_exists(img) ? upper_type(img, path) : 0;
	switch (kind) {
	case 'r':
		fprintf(stderr, "hopeless: node inspect: %s: from the node's writable layer (%s)\n", path, img);
		return cat_upper(img, path) < 0 ? cli_error(w, "%s: debugfs could not read it from %s", path, img) : 0;
	case 'w':
		return cli_error(w, "%s: deleted by the node (a whiteout in %s)", path, img);
	case 'd':
	case 'l':
	case 'o':
		return cli_error(w, "%s: not a regular file in the node's writable layer (%s)", path, img);
	}
	return inspect_lower(t, &d, path, w);
}

/* ---- the command ---- */

static const char usage_add[] =
	"usage: hopeless node add HOST --ip IP --mac MAC --root ROOT --overlay OVERLAY [OPTIONS]\n"
	"       hopeless node add PREFIX[NNN-MMM]SUFFIX --ip IP+ --mac-file FILE --root ROOT --overlay OVERLAY [OPTIONS]\n"
	"       hopeless node add --macs CSV --root ROOT --overlay OVERLAY [OPTIONS]\n"
	"  --ip IP+          consecutive addresses from IP, one per node of a range\n"
	"  --mac-file FILE   one MAC per line, in the order of the range\n"
	"  --macs CSV        lines 'hostname,mac,ip'\n"
	"  --state image|tmpfs   writable layer (default image)\n"
	"  --boot ipxe|pxelinux  (default ipxe)\n"
	"  --append ARGS     extra kernel arguments\n"
	"  --server IP[,IP]  NFS server(s) of the node (default: the cluster's)\n"
	"  --template NAME   host template from <tree>/templates/NAME (default 'default')\n"
	"  --ssh-rsa         also make an RSA host key (slow)\n"
	"All nodes are checked first; any failure adds none.\n";
static const char usage_list[] = "usage: hopeless node list [--json]\n";
static const char usage_show[] = "usage: hopeless node show HOST\n";
static const char usage_set[] =
	"usage: hopeless node set HOST [--root R] [--overlay O] [--state image|tmpfs] [--append ARGS]\n"
	"                              [--server IP[,IP]] [--boot ipxe|pxelinux]\n"
	"Switching to image creates the image if missing; switching to tmpfs keeps it.\n";
static const char usage_rm[] = "usage: hopeless node rm HOST [--purge]\n"
			       "Keeps state/<ip> unless --purge.\n";
static const char usage_reset[] = "usage: hopeless node reset HOST [--no-backup]\n"
				  "A fresh rw.img; the old one is kept as rw.img.<YYYYmmddTHHMMSS> unless --no-backup.\n";
static const char usage_inspect[] =
	"usage: hopeless node inspect HOST PATH\n"
	"Prints PATH as the node last wrote it (from its state image, without mounting it),\n"
	"else from its host overlay, cluster overlay or root; the layer is named on stderr.\n";

static void node_usage(FILE *f)
{
	fprintf(f, "%s%s%s%s%s%s%s", usage_add, usage_list, usage_show, usage_set, usage_rm, usage_reset,
		usage_inspect);
}

enum { OPT_IP = 1, OPT_MAC, OPT_MACFILE, OPT_MACS, OPT_ROOT, OPT_OVERLAY, OPT_STATE, OPT_BOOT, OPT_APPEND, OPT_SERVER,
       OPT_TEMPLATE, OPT_RSA, OPT_JSON, OPT_PURGE, OPT_NOBACKUP };

struct parsed {
	struct add_opts add;
	struct set_opts set;
	int json, purge, no_backup;
	const char *pos[3];
	int npos;
};

static int parse_sub(int argc, char **argv, const char *w, struct parsed *p)
{
	static const struct option opts[] = {
		{"ip", required_argument, NULL, OPT_IP},          {"mac", required_argument, NULL, OPT_MAC},
		{"mac-file", required_argument, NULL, OPT_MACFILE}, {"macs", required_argument, NULL, OPT_MACS},
		{"root", required_argument, NULL, OPT_ROOT},      {"overlay", required_argument, NULL, OPT_OVERLAY},
		{"state", required_argument, NULL, OPT_STATE},    {"boot", required_argument, NULL, OPT_BOOT},
		{"append", required_argument, NULL, OPT_APPEND},  {"server", required_argument, NULL, OPT_SERVER},
		{"template", required_argument, NULL, OPT_TEMPLATE}, {"ssh-rsa", no_argument, NULL, OPT_RSA},
		{"json", no_argument, NULL, OPT_JSON},            {"purge", no_argument, NULL, OPT_PURGE},
		{"no-backup", no_argument, NULL, OPT_NOBACKUP},   {0}};
	memset(p, 0, sizeof(*p));
	opterr = 0;
	optind = 0;
	int o;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case OPT_IP: p->add.ip = optarg; break;
		case OPT_MAC: p->add.mac = optarg; break;
		case OPT_MACFILE: p->add.mac_file = optarg; break;
		case OPT_MACS: p->add.csv = optarg; break;
		case OPT_TEMPLATE: p->add.tmpl = optarg; break;
		case OPT_RSA: p->add.ssh_rsa = 1; break;
		case OPT_ROOT: p->set.root = optarg; break;
		case OPT_OVERLAY: p->set.overlay = optarg; break;
		case OPT_STATE: p->set.state = optarg; break;
		case OPT_BOOT: p->set.boot = optarg; break;
		case OPT_APPEND: p->set.append = optarg; break;
		case OPT_SERVER: p->set.server = optarg; break;
		case OPT_JSON: p->json = 1; break;
		case OPT_PURGE: p->purge = 1; break;
		case OPT_NOBACKUP: p->no_backup = 1; break;
		case ':': return cli_error(w, "%s: needs a value", argv[optind - 1]);
		default: return cli_error(w, "%s: unknown option (see hopeless %s --help)", argv[optind - 1], w);
		}
	}
	for (; optind < argc; optind++) {
		if (p->npos == 3)
			return cli_error(w, "%s: unexpected argument", argv[optind]);
		p->pos[p->npos++] = argv[optind];
	}
	return 0;
}

/* Which options each subcommand accepts, so a stray one is an error, not
 * silently ignored. */
static int only(const struct parsed *p, const char *w, int add, int set, int json, int purge, int nobackup)
{
	const struct add_opts *a = &p->add;
	const struct set_opts *s = &p->set;
	if (!add && (a->ip || a->mac || a->mac_file || a->csv || a->tmpl || a->ssh_rsa))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if (!set && (s->root || s->overlay || s->state || s->boot || s->append || s->server))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if ((!json && p->json) || (!purge && p->purge) || (!nobackup && p->no_backup))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	return 0;
}

static int want_args(const struct parsed *p, const char *w, int lo, int hi)
{
	if (p->npos < lo)
		return cli_error(w, "missing argument (see hopeless %s --help)", w);
	if (p->npos > hi)
		return cli_error(w, "%s: unexpected argument (see hopeless %s --help)", p->pos[hi], w);
	return 0;
}

static int dispatch(struct tree *t, const char *sub, struct parsed *p)
{
	char w[32];
	snprintf(w, sizeof(w), "node %s", sub);
	if (!strcmp(sub, "add")) {
		if (only(p, w, 1, 1, 0, 0, 0) || want_args(p, w, 0, 1))
			return 1;
		struct tree_node proto;
		memset(&proto, 0, sizeof(proto));
		const struct set_opts *s = &p->set;
		snprintf(proto.state, sizeof(proto.state), "image");
		snprintf(proto.boot, sizeof(proto.boot), "ipxe");
		if ((s->root && copy_arg(proto.root, sizeof(proto.root), s->root, w, "--root")) ||
		    (s->overlay && copy_arg(proto.overlay, sizeof(proto.overlay), s->overlay, w, "--overlay")) ||
		    (s->state && copy_arg(proto.state, sizeof(proto.state), s->state, w, "--state")) ||
		    (s->boot && copy_arg(proto.boot, sizeof(proto.boot), s->boot, w, "--boot")) ||
		    (s->append && copy_arg(proto.append, sizeof(proto.append), s->append, w, "--append")) ||
		    (s->server && copy_arg(proto.server, sizeof(proto.server), s->server, w, "--server")))
			return 1;
		return node_add(t, p->npos ? p->pos[0] : NULL, &p->add, &proto);
	}
	if (!strcmp(sub, "list"))
		return only(p, w, 0, 0, 1, 0, 0) || want_args(p, w, 0, 0) ? 1 : node_list(t, p->json);
	if (!strcmp(sub, "show"))
		return only(p, w, 0, 0, 0, 0, 0) || want_args(p, w, 1, 1) ? 1 : node_show(t, p->pos[0]);
	if (!strcmp(sub, "set"))
		return only(p, w, 0, 1, 0, 0, 0) || want_args(p, w, 1, 1) ? 1 : node_set(t, p->pos[0], &p->set);
	if (!strcmp(sub, "rm"))
		return only(p, w, 0, 0, 0, 1, 0) || want_args(p, w, 1, 1) ? 1 : node_rm(t, p->pos[0], p->purge);
	if (!strcmp(sub, "reset"))
		return only(p, w, 0, 0, 0, 0, 1) || want_args(p, w, 1, 1)
			       ? 1
			       : node_reset(t, p->pos[0], !p->no_backup);
	if (!strcmp(sub, "inspect"))
		return only(p, w, 0, 0, 0, 0, 0) || want_args(p, w, 2, 2)
			       ? 1
			       : node_inspect(t, p->pos[0], p->pos[1]);
	return cli_error("node", "%s: unknown subcommand (see hopeless node --help)", sub);
}

static const char *sub_usage(const char *sub)
{
	static const struct {
		const char *name, *usage;
	} u[] = {{"add", usage_add},     {"list", usage_list},   {"show", usage_show},      {"set", usage_set},
		 {"rm", usage_rm},       {"reset", usage_reset}, {"inspect", usage_inspect}};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (!strcmp(sub, u[i].name))
			return u[i].usage;
	return NULL;
}

int cmd_node(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		node_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (cli_wants_help(argc - 1, argv + 1)) {
		const char *u = sub_usage(sub);
		if (!u)
			return cli_error("node", "%s: unknown subcommand (see hopeless node --help)", sub);
		fputs(u, stdout);
		return 0;
	}
	char w[32];
	snprintf(w, sizeof(w), "node %s", sub);
	struct parsed p;
	if (parse_sub(argc - 1, argv + 1, w, &p))
		return 1;
	struct tree t;
	/* list, show and inspect only read; the rest change the tree. */
	int writes = strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "inspect");
	if (cli_open_tree(&t, ctx, "node", writes) < 0)
		return 1;
	int rc = dispatch(&t, sub, &p);
	tree_close(&t);
	return rc;
}
