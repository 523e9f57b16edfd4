/* hopeless node set: change a node's root, overlay, state, boot method,
 * kernel arguments or servers; a failed set puts back what was there. */
#include "node.h"
#include <errno.h>
#include <stdio.h>
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

static int apply_set(struct tree *t, const struct tree_node *old, const struct tree_node *nd, const char *w)
{
	char client[PATH_MAX];
	int created = 0, r = 0;
	tfs_fmt(client, sizeof(client), "clients/%s", nd->ip);
	if (!strcmp(nd->state, "image"))
		r = state_image_ensure(t, nd->ip, &created);
	if (r == 0 && strcmp(old->root, nd->root))
		r = node_put_line(t, client, "hopeless.root", nd->root);
	if (r == 0 && strcmp(old->overlay, nd->overlay))
		r = node_put_line(t, client, "hopeless.overlay", nd->overlay);
	if (r == 0)
		r = node_write_conf(t, nd, 1);
	if (r == 0)
		return (r = tfs_sync(t)) < 0 ? cli_error(w, "sync: %s", strerror(-r)) : 0;
	/* Put back what was there, so a failed set changes nothing. */
	if (strcmp(old->root, nd->root))
		node_put_line(t, client, "hopeless.root", old->root);
	if (strcmp(old->overlay, nd->overlay))
		node_put_line(t, client, "hopeless.overlay", old->overlay);
	undo_image(t, nd, created);
	return cli_error(w, "%s: %s", nd->hostname, strerror(-r));
}

int node_set(struct tree *t, const char *host, const struct set_opts *o)
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
		if (node_copy_arg(f[i].dst, f[i].cap, f[i].val, w, f[i].opt))
			return 1;
	}
	if (!any)
		return cli_error(w, "%s: nothing to change (see hopeless node set --help)", host);
	if (node_check_settings(t, &nd, w) || apply_set(t, &old, &nd, w))
		return 1;
	printf("hopeless: node %s updated (root %s, overlay %s, state %s, boot %s, server %s)\n", nd.hostname,
	       nd.root, nd.overlay, nd.state, nd.boot, nd.server[0] ? nd.server : t->conf.server);
	fputs(CONFIG_HINT, stdout);
	return 0;
}

