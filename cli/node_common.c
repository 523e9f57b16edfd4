/* hopeless node: checks and small writes shared by the node subcommands. */
#include "node.h"
#include "heads.h"
#include "validate.h"
#include "version.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int node_copy_arg(char *dst, size_t cap, const char *val, const char *w, const char *opt)
{
	if (strlen(val) >= cap)
		return cli_error(w, "%s %.40s...: value too long", opt, val);
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

int node_layer_arg(char *name, size_t cap, int *pin, const char *val, const char *w, const char *opt)
{
	const char *why;
	if (validate_layer_ref(val, name, cap, pin, &why) < 0)
		return cli_error(w, "%s %.80s: %s (want NAME or NAME@VERSION)", opt, val, why);
	return 0;
}

static int check_layer(struct tree *t, const char *name, int pin, const char *kind, const char *w)
{
	const char *k = name[0] ? tree_layer_kind(t, name) : NULL;
	if (!k || strcmp(k, kind))
		return cli_error(w, "%s: no such %s (see: hopeless %s list)", name[0] ? name : "(none given)", kind,
				 kind);
	if (pin && !version_exists(t, name, pin))
		return cli_error(w, "%s@%d: %s %s has no version %d (see: hopeless %s show %s)", name, pin, kind, name,
				 pin, kind, name);
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

int node_check_settings(struct tree *t, const struct tree_node *nd, const char *w)
{
	if (check_layer(t, nd->root, nd->root_pin, "root", w) ||
	    check_layer(t, nd->overlay, nd->overlay_pin, "overlay", w))
		return 1;
	if (strcmp(nd->state, "image") && strcmp(nd->state, "tmpfs") && strcmp(nd->state, "rbd"))
		return cli_error(w, "--state %s: want image, tmpfs or rbd", nd->state);
	if (!strcmp(nd->state, "rbd") && !t->conf.ceph_mons[0])
		return cli_error(w, "--state rbd: hopeless.conf names no monitors; set ceph_mons = IP:PORT[,...] "
				 "(and ceph_conf, ceph_admin, ceph_rbd_pool: see hopeless.conf(5))");
	if (!tree_boot_method_ok(nd->boot))
		return cli_error(w, "--boot %s: want ipxe, pxelinux or grub", nd->boot);
	for (const char *p = nd->append; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return cli_error(w, "--append: control character in kernel arguments");
	return nd->server[0] ? check_server_list(nd->server, w) : 0;
}

int node_put_pointers(struct tree *t, const char *client_rel, const struct tree_node *nd)
{
	char ref[96];
	int r = tree_layer_ref(ref, sizeof(ref), nd->root, nd->root_pin);
	if (r == 0)
		r = node_put_line(t, client_rel, "hopeless.root", ref);
	if (r == 0 && (r = tree_layer_ref(ref, sizeof(ref), nd->overlay, nd->overlay_pin)) == 0)
		r = node_put_line(t, client_rel, "hopeless.overlay", ref);
	return r;
}

int node_check_addr(const struct tree *t, const char *ip, const char *mac, const char *w)
{
	const char *why;
	if (validate_node_ip(ip, t->conf.server, t->conf.netmask, &why) < 0)
		return cli_error(w, "%s: %s; a node needs an address of its own on the cluster network", ip, why);
	if (mac && validate_node_mac(mac, &why) < 0)
		return cli_error(w, "%s: %s; give the MAC of the node's boot NIC", mac, why);
	return node_check_not_head(t, ip, w);
}

/* A head's address (heads/) is no node's. */
int node_check_not_head(const struct tree *t, const char *ip, const char *w)
{
	if (!tfs_exists(t, "heads"))
		return 0;
	struct head *heads;
	size_t nh;
	char err[512];
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	int rc = 0;
	for (size_t i = 0; i < nh && !rc; i++)
		if (!strcmp(heads[i].ip, ip))
			rc = cli_error(w, "%s: the address of head %s; a node needs an address of its own", ip,
				       heads[i].name);
	free(heads);
	return rc;
}

int node_put_line(struct tree *t, const char *client_rel, const char *name, const char *value)
{
	char p[PATH_MAX], line[128];
	if (tfs_fmt(p, sizeof(p), "%s/%s", client_rel, name) < 0)
		return -ENAMETOOLONG;
	snprintf(line, sizeof(line), "%s\n", value);
	return tfs_write(t, p, line, strlen(line), 0644, (uid_t)-1, (gid_t)-1, WRITE_NO_SYNC);
}

int node_write_conf(struct tree *t, const struct tree_node *nd, int sync)
{
	char conf[PATH_MAX];
	struct strbuf sb = STRBUF_INIT;
	if (tfs_fmt(conf, sizeof(conf), "nodes/%s.conf", nd->hostname) < 0)
		return -ENAMETOOLONG;
	int r = tree_node_format(nd, &sb);
	if (r == 0)
		r = tfs_write(t, conf, sb.buf, sb.len, 0644, (uid_t)-1, (gid_t)-1, sync ? 0 : WRITE_NO_SYNC);
	sb_free(&sb);
	return r;
}

void node_server_of(const struct tree *t, const struct head *heads, size_t nh, const struct tree_node *d, char *out,
		    size_t len)
{
	if (d->server[0] || !nh || heads_server_list(d->hostname, heads, nh, out, len) < 0)
		snprintf(out, len, "%s", d->server[0] ? d->server : t->conf.server);
}
