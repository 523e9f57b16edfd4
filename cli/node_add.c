/* hopeless node add: register nodes, one or a range, all or nothing. Every
 * node is checked (names, addresses, MACs, duplicates in the batch and in
 * the tree) before anything is written; then host overlays and state are
 * built, the file system synced, and the node entries written last. */
#include "node.h"
#include "nodeset.h"
#include "sshkey.h"
#include "template.h"
#include "validate.h"
#include "workers.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		r = node_copy_arg((*e)[0].mac, sizeof((*e)[0].mac), o->mac, w, "--mac");
	sb_free(&sb);
	if (r) {
		free(*e);
		*e = NULL;
	}
	return r;
}

static int validate_entry(struct nodeset_entry *e, int macs, const char *w)
{
	const char *why;
	uint8_t m[6];
	if (validate_hostname(e->hostname, &why) < 0)
		return cli_error(w, "%s: %s", e->hostname, why);
	if (validate_ipv4(e->ip, NULL, &why) < 0)
		return cli_error(w, "%s: %s (give --ip A.B.C.D)", e->ip, why);
	if (!macs)
		return 0;
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

int node_check_batch(struct tree *t, struct nodeset_entry *e, size_t n, int macs, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (validate_entry(&e[i], macs, w) || node_check_addr(t, e[i].ip, macs ? e[i].mac : NULL, w))
			return 1;
	struct tree_node *nodes;
	size_t m;
	char err[512];
	if (tree_nodes_load(t, &nodes, &m, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	struct dupkey *k = malloc((n + m) * sizeof(*k));
	int rc = k ? 0 : cli_error(w, "out of memory");
	for (int kind = 0; kind < (macs ? 3 : 2) && !rc; kind++)
		rc = find_dups(k, e, n, nodes, m, kind, w);
	free(k);
	free(nodes);
	for (size_t i = 0; i < n && !rc; i++) {
		char client[PATH_MAX], state[PATH_MAX];
		tfs_fmt(client, sizeof(client), "clients/%s", e[i].ip);
		tfs_fmt(state, sizeof(state), "state/%s", e[i].ip);
		if (tfs_exists(t, client))
			rc = cli_error(w, "%s/%s exists without a node entry; move it away first", t->dir, client);
		else if (tfs_exists(t, state))
			rc = cli_error(w, "%s/%s holds the state of an earlier node at %s; move it away or remove it first",
				       t->dir, state, e[i].ip);
	}
	return rc;
}

/* RSA (--ssh-rsa, rare) still comes from ssh-keygen, which writes into a directory we opened beneath the tree (no
 * symlink on the way), named to it as /proc/self/fd/N. */
static int ssh_keygen(int dfd, const char *type, const char *host)
{
	char key[96], name[48], pub[56], comment[80];
	snprintf(name, sizeof(name), "ssh_host_%s_key", type);
	snprintf(pub, sizeof(pub), "%s.pub", name);
	snprintf(key, sizeof(key), "/proc/self/fd/%d/%s", dfd, name);
	snprintf(comment, sizeof(comment), "root@%s", host);
	/* A template may carry keys; ssh-keygen would ask before overwriting. */
	unlinkat(dfd, name, 0);
	unlinkat(dfd, pub, 0);
	char *argv[] = {"ssh-keygen", "-q", "-N", "", "-t", (char *)type, "-C", comment, "-f", key, NULL};
	struct run_opts o = {.quiet = 1, .keep_fds = &dfd, .nkeep = 1};
	return run_prog(argv, &o) == 0 ? 0 : -EIO;
}

static int make_host_keys(struct tree *t, const char *dst, const char *host, int ssh_rsa)
{
	char ssh[PATH_MAX];
	tfs_fmt(ssh, sizeof(ssh), "%s/etc/ssh", dst);
	int r = tfs_mkdir_p(t, ssh, 0755);
	if (r < 0)
		return r;
	int dfd = tfs_open(t, ssh, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	char comment[80];
	snprintf(comment, sizeof(comment), "root@%s", host);
	/* In-process: one ssh-keygen per key made 10,000 nodes take minutes. */
	r = sshkey_write_host_key(dfd, "ed25519", comment);
	if (r == 0)
		r = sshkey_write_host_key(dfd, "ecdsa", comment);
	if (r == 0 && ssh_rsa)
		r = ssh_keygen(dfd, "rsa", host);
	close(dfd);
	return r;
}

/* The host overlay of one node, built under clients/.<ip>.tmp (dst). The
 * template is copied through directory fds of the tree (tmpl_fd: its
 * directory, or -1 for none). */
static int build_client(struct tree *t, const struct tree_node *nd, int tmpl_fd, int ssh_rsa, const char *dst)
{
	struct template_vars v = {nd->hostname, nd->ip, nd->mac, t->conf.domain};
	int r;
	if (tmpl_fd >= 0) {
		char src[40], to[PATH_MAX];
		/* "/." so template_copy's lstat sees the directory, not the link. */
		snprintf(src, sizeof(src), "/proc/self/fd/%d/.", tmpl_fd);
		int cfd = tfs_open(t, "clients", O_RDONLY | O_DIRECTORY, 0);
		if (cfd < 0)
			return cfd;
		snprintf(to, sizeof(to), "/proc/self/fd/%d/%s", cfd, strchr(dst, '/') + 1);
		r = template_copy(src, to, &v);
		close(cfd);
	} else {
		/* No templates/ in a tree made before templates existed. */
		char etc[PATH_MAX];
		tfs_fmt(etc, sizeof(etc), "%s/etc", dst);
		r = tfs_mkdir_p(t, etc, 0755);
		if (r == 0)
			r = tfs_chmod(t, dst, 0755);
		if (r == 0)
			r = node_put_line(t, dst, "etc/hostname", nd->hostname);
	}
	if (r == 0)
		r = node_put_pointers(t, dst, nd);
	if (r == 0)
		r = make_host_keys(t, dst, nd->hostname, ssh_rsa);
	return r;
}

static int build_node(struct tree *t, const struct tree_node *nd, int tmpl_fd, int ssh_rsa)
{
	char client[PATH_MAX], client_tmp[PATH_MAX], state[PATH_MAX];
	tfs_fmt(client, sizeof(client), "clients/%s", nd->ip);
	tfs_fmt(client_tmp, sizeof(client_tmp), "clients/.%s.tmp", nd->ip);
	tfs_fmt(state, sizeof(state), "state/%s", nd->ip);
	tfs_remove_tree(t, client_tmp);
	int r = build_client(t, nd, tmpl_fd, ssh_rsa, client_tmp);
	int created = 0, rbd = 0;
	if (r == 0 && !strcmp(nd->state, "rbd"))
		r = state_rbd_ensure(t, nd, client_tmp, &rbd);
	if (r == 0 && !strcmp(nd->state, "image"))
		r = state_image_ensure(t, nd->ip, &created);
	else if (r == 0 && (r = tfs_mkdir_p(t, state, 0755)) == 0)
		created = 2;
	if (r == 0 && (r = tfs_rename(t, client_tmp, client, RENAME_NOREPLACE)) < 0 && created)
		tfs_remove_tree(t, state);
	if (r < 0 && rbd)
		state_rbd_undo(t, nd, rbd);
	tfs_remove_tree(t, client_tmp);
	return r;
}

static void unbuild_node(struct tree *t, const char *ip)
{
	char p[PATH_MAX];
	tfs_fmt(p, sizeof(p), "clients/%s", ip);
	tfs_remove_tree(t, p);
	tfs_fmt(p, sizeof(p), "state/%s", ip);
	tfs_remove_tree(t, p);
}

struct batch {
	struct tree *t;
	const struct nodeset_entry *e;
	const struct tree_node *proto;
	int tmpl_fd, ssh_rsa;
	int (*one)(const struct batch *b, const struct tree_node *nd); /* what each_in_range does */
};

static void entry_node(const struct batch *b, size_t i, struct tree_node *nd)
{
	*nd = *b->proto;
	snprintf(nd->hostname, sizeof(nd->hostname), "%s", b->e[i].hostname);
	snprintf(nd->ip, sizeof(nd->ip), "%s", b->e[i].ip);
	snprintf(nd->mac, sizeof(nd->mac), "%s", b->e[i].mac);
}

static int build_one(const struct batch *b, const struct tree_node *nd)
{
	return build_node(b->t, nd, b->tmpl_fd, b->ssh_rsa);
}

static int conf_one(const struct batch *b, const struct tree_node *nd)
{
	return node_write_conf(b->t, nd, 0);
}

/* b->one for the nodes [lo, hi) (a worker's range, workers.h). */
static int each_in_range(size_t lo, size_t hi, size_t *failed, void *arg)
{
	const struct batch *b = arg;
	struct tree_node nd;
	for (size_t i = lo; i < hi; i++) {
		entry_node(b, i, &nd);
		int r = b->one(b, &nd);
		if (r < 0) {
			*failed = i;
			return r;
		}
	}
	return 0;
}

/* While the workers write: flush what they wrote so far (workers.h); the
 * final tfs_sync reports errors. */
static void flush_tree(void *t)
{
	tfs_sync(t);
}

/* Everything is checked before this runs (no client or state directory of
 * these addresses exists); on any failure it removes what it made, so the
 * tree is as it was. The node entries come last, once every node's
 * directories are on disk. Large batches run in worker processes. */
static int create_nodes(struct tree *t, const struct nodeset_entry *e, size_t n, const struct tree_node *proto,
			int tmpl_fd, int ssh_rsa, const char *w)
{
	struct batch b = {t, e, proto, tmpl_fd, ssh_rsa, build_one};
	int workers = workers_count(n, 256);
	size_t failed = 0;
	const char *what = NULL;
	int had_work = tfs_exists(t, ".work");
	int r = tfs_mkdir_p(t, "clients", 0755);
	if (r == 0 && !strcmp(proto->state, "image") && (r = state_image_prepare(t)) < 0)
		what = "state image";
	if (r == 0 && !strcmp(proto->state, "rbd") && (r = state_rbd_prepare(t)) < 0)
		what = "pristine RBD image";
	if (r == 0 && (r = workers_run_idle(n, workers, each_in_range, &b, &failed, flush_tree, t)) < 0)
		what = e[failed].hostname;
	if (r == 0 && (r = tfs_sync(t)) < 0)
		what = "sync";
	b.one = conf_one;
	if (r == 0 && (r = workers_run_idle(n, workers, each_in_range, &b, &failed, flush_tree, t)) < 0)
		what = e[failed].hostname;
	if (r == 0 && (r = tfs_sync(t)) < 0)
		what = "sync";
	if (r == 0)
		return 0;
	/* Whatever any worker made, in whatever order they stopped. */
	for (size_t i = 0; i < n; i++) {
		char conf[PATH_MAX];
		tfs_fmt(conf, sizeof(conf), "nodes/%s.conf", e[i].hostname);
		tfs_unlink(t, conf);
		unbuild_node(t, e[i].ip);
		/* Their keys go; clones made stay (a retry takes them up again). */
		if (!strcmp(proto->state, "rbd")) {
			struct tree_node nd;
			entry_node(&b, i, &nd);
			state_rbd_undo(t, &nd, 2);
		}
	}
	/* The pristine image made for this batch, unless .work/ was there. */
	if (!had_work)
		tfs_remove_tree(t, ".work");
	tfs_sync(t);
	return cli_error(w, "%s: %s (nothing was added)", what ? what : "node add", strerror(-r));
}

/* The template's directory fd, -1 for "default" when the tree has none
 * (-2 after printing an error). */
static int resolve_template(struct tree *t, const char *name, const char *w)
{
	const char *why;
	char rel[PATH_MAX];
	if (validate_name(name, &why) < 0)
		return cli_error(w, "--template %s: %s", name, why), -2;
	tfs_fmt(rel, sizeof(rel), "templates/%s", name);
	int fd = tfs_open(t, rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0)
		return fd;
	if (fd == -ENOENT && !strcmp(name, "default"))
		return -1;
	if (fd == -ENOENT)
		return cli_error(w, "--template %s: no such template (templates live in %s/templates/)", name, t->dir), -2;
	return cli_error(w, "--template %s: %s", name, strerror(-fd)), -2;
}

int node_add_entries(struct tree *t, struct nodeset_entry *e, size_t n, const char *tmpl_name, int ssh_rsa,
		     const struct tree_node *proto, const char *w)
{
	int tmpl = -1;
	int rc = node_check_batch(t, e, n, 1, w);
	if (!rc)
		rc = node_check_settings(t, proto, w);
	if (!rc && (tmpl = resolve_template(t, tmpl_name ? tmpl_name : "default", w)) == -2)
		rc = 1;
	if (!rc)
		rc = create_nodes(t, e, n, proto, tmpl, ssh_rsa, w);
	if (tmpl >= 0)
		close(tmpl);
	return rc;
}

int node_add(struct tree *t, const char *spec, const struct add_opts *o, const struct tree_node *proto)
{
	const char *w = "node add";
	struct nodeset_entry *e = NULL;
	size_t n = 0;
	if (load_entries(spec, o, &e, &n, w))
		return 1;
	int rc = node_add_entries(t, e, n, o->tmpl, o->ssh_rsa, proto, w);
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
