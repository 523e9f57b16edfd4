/* hopeless node set: change the root, overlay (either may be pinned to a
 * version: NAME@N), state, boot method, kernel arguments or servers of one
 * node or of a node set ("n[001-004]"). Every node is checked before any is
 * changed, and a failed set puts back what was there. */
#include "node.h"
#include "nodeset.h"
#include "heads.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void undo_image(struct tree *t, const struct tree_node *nd, int created)
{
	char p[PATH_MAX];
	tfs_fmt(p, sizeof(p), "state/%s/rw.img", nd->ip);
	if (created)
		tfs_unlink(t, p);
	tfs_fmt(p, sizeof(p), "state/%s", nd->ip);
	if (created == 2)
		tfs_rmdir(t, p);
}

static int pointers_differ(const struct tree_node *a, const struct tree_node *b)
{
	return strcmp(a->root, b->root) || a->root_pin != b->root_pin || strcmp(a->overlay, b->overlay) ||
	       a->overlay_pin != b->overlay_pin;
}

/* One node from old to nd; on failure it is as it was. rbd_again: --state
 * rbd given for a node that has it already: its clone, key and hopeless.rbd
 * are made again where missing (a repair). */
static int apply_one(struct tree *t, const struct tree_node *old, const struct tree_node *nd, int rbd_again)
{
	char client[PATH_MAX];
	int created = 0, rbd = 0, r = 0;
	tfs_fmt(client, sizeof(client), "clients/%s", nd->ip);
	if (!strcmp(nd->state, "image"))
		r = state_image_ensure(t, nd->ip, &created);
	if (!strcmp(nd->state, "rbd") && (strcmp(old->state, "rbd") || rbd_again))
		r = state_rbd_ensure(t, nd, client, &rbd);
	if (r == 0 && pointers_differ(old, nd))
		r = node_put_pointers(t, client, nd);
	if (r == 0)
		r = node_write_conf(t, nd, 0);
	if (r == 0)
		return 0;
	if (pointers_differ(old, nd))
		node_put_pointers(t, client, old);
	undo_image(t, nd, created);
	state_rbd_undo(t, nd, rbd);
	return r;
}

/* The node as it would be after the set (prints what is wrong). */
static int node_next(struct tree *t, const struct tree_node *old, const struct set_opts *o, struct tree_node *nd,
		     const char *w)
{
	*nd = *old;
	if ((o->root && node_layer_arg(nd->root, sizeof(nd->root), &nd->root_pin, o->root, w, "--root")) ||
	    (o->overlay && node_layer_arg(nd->overlay, sizeof(nd->overlay), &nd->overlay_pin, o->overlay, w, "--overlay")))
		return 1;
	const struct {
		const char *val, *opt;
		char *dst;
		size_t cap;
	} f[] = {{o->state, "--state", nd->state, sizeof(nd->state)},
		 {o->boot, "--boot", nd->boot, sizeof(nd->boot)},
		 {o->append, "--append", nd->append, sizeof(nd->append)},
		 {o->server, "--server", nd->server, sizeof(nd->server)}};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].val && node_copy_arg(f[i].dst, f[i].cap, f[i].val, w, f[i].opt))
			return 1;
	if (o->head)
		snprintf(nd->server, sizeof(nd->server), "%s", o->head);
	return node_check_settings(t, nd, w);
}

/* The host names spec stands for (one name, or a range). */
static int set_hosts(const char *spec, struct nodeset_entry **e, size_t *n, const char *w)
{
	char err[256];
	if (!nodeset_is_range(spec)) {
		*e = calloc(1, sizeof(**e));
		if (!*e)
			return cli_error(w, "out of memory");
		snprintf((*e)[0].hostname, sizeof((*e)[0].hostname), "%s", spec);
		*n = 1;
		return 0;
	}
	return nodeset_expand(spec, e, n, err, sizeof(err)) < 0 ? cli_error(w, "%s: %s", spec, err) : 0;
}

static void print_set(const struct tree *t, const struct tree_node *nd)
{
	char root[96], ovl[96];
	tree_layer_ref(root, sizeof(root), nd->root, nd->root_pin);
	tree_layer_ref(ovl, sizeof(ovl), nd->overlay, nd->overlay_pin);
	printf("hopeless: node %s updated (root %s, overlay %s, state %s, boot %s, server %s)\n", nd->hostname, root,
	       ovl, nd->state, nd->boot, nd->server[0] ? nd->server : t->conf.server);
}

/* Check every node, then change them; a failure puts the changed back. */
static int set_all(struct tree *t, struct nodeset_entry *e, size_t n, const struct set_opts *o,
		   struct tree_node *old, struct tree_node *nd, const char *w)
{
	char err[512];
	for (size_t i = 0; i < n; i++) {
		if (tree_node_load(t, e[i].hostname, &old[i], err, sizeof(err)) < 0)
			return cli_error(w, "%s", err);
		if (node_next(t, &old[i], o, &nd[i], w))
			return 1;
	}
	for (size_t i = 0; i < n; i++) {
		int r = apply_one(t, &old[i], &nd[i], o->state && !strcmp(o->state, "rbd"));
		if (r < 0) {
			/* the failed node's name, before i walks back over the changed ones */
			cli_error(w, "%s: %s; no node changed", nd[i].hostname, strerror(-r));
			while (i-- > 0)
				apply_one(t, &nd[i], &old[i], 0);
			return 1;
		}
	}
	int r = tfs_sync(t);
	return r < 0 ? cli_error(w, "sync: %s", strerror(-r)) : 0;
}

/* --head NAME[,NAME...] as the heads' addresses, "" for auto, into out. */
static int head_arg(struct tree *t, const char *val, char *out, size_t len, const char *w)
{
	struct head *heads;
	size_t nh;
	char err[512];
	if (!strcmp(val, "auto")) {
		out[0] = '\0';
		return 0;
	}
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	int r = heads_resolve(val, heads, nh, out, len, err, sizeof(err));
	free(heads);
	if (r < 0)
		return cli_error(w, "--head %s: %s%s", val, err,
				 nh ? "" : " (no heads declared: hopeless head add NAME --ip IP)");
	return 0;
}

int node_set(struct tree *t, const char *spec, const struct set_opts *o)
{
	const char *w = "node set";
	if (SET_OPTS_BMC(o)) {
		if (o->root || o->overlay || o->state || o->boot || o->append || o->server || o->head)
			return cli_error(w, "BMC options go in a node set of their own (see hopeless node set --help)");
		return node_bmc_set(t, spec, o);
	}
	if (!o->root && !o->overlay && !o->state && !o->boot && !o->append && !o->server && !o->head)
		return cli_error(w, "%s: nothing to change (see hopeless node set --help)", spec);
	if (o->head && o->server)
		return cli_error(w, "--head and --server both name the node's servers; give one of them");
	char head_ips[sizeof(((struct tree_node *)0)->server)];
	struct set_opts with_head;
	if (o->head) {
		if (head_arg(t, o->head, head_ips, sizeof(head_ips), w))
			return 1;
		with_head = *o;
		with_head.head = head_ips;
		o = &with_head;
	}
	struct nodeset_entry *e = NULL;
	size_t n = 0;
	if (set_hosts(spec, &e, &n, w))
		return 1;
	struct tree_node *old = calloc(n, sizeof(*old)), *nd = calloc(n, sizeof(*nd));
	int rc = old && nd ? set_all(t, e, n, o, old, nd, w) : cli_error(w, "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (n <= 16 || i == 0 || i == n - 1)
			print_set(t, &nd[i]);
	if (rc == 0 && n > 16)
		printf("hopeless: %zu nodes updated\n", n);
	if (rc == 0)
		fputs(CONFIG_HINT, stdout);
	free(old);
	free(nd);
	free(e);
	return rc;
}
