/* hopeless node rm: unregister a node. Its host overlay goes; its state
 * stays unless --purge, and a purge keeps the image in backups/<ip>/ unless
 * --no-backup. A node whose image is in use is not purged without --force. */
#include "bmc.h"
#include "node.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Move what goes aside first, drop the entry, then delete: a failure before
 * the entry is gone puts everything back. */
static int rm_entries(struct tree *t, const struct tree_node *d, int purge)
{
	char conf[PATH_MAX], client[PATH_MAX], state[PATH_MAX], gone_c[PATH_MAX], gone_s[PATH_MAX];
	tfs_fmt(conf, sizeof(conf), "nodes/%s.conf", d->hostname);
	tfs_fmt(client, sizeof(client), "clients/%s", d->ip);
	tfs_fmt(state, sizeof(state), "state/%s", d->ip);
	tfs_fmt(gone_c, sizeof(gone_c), "clients/.%s.rm", d->ip);
	tfs_fmt(gone_s, sizeof(gone_s), "state/.%s.rm", d->ip);
	tfs_remove_tree(t, gone_c);
	tfs_remove_tree(t, gone_s);
	int moved_c = tfs_exists(t, client) && tfs_rename(t, client, gone_c, 0) == 0;
	int moved_s = purge && tfs_exists(t, state) && tfs_rename(t, state, gone_s, 0) == 0;
	int r = 0;
	if ((tfs_exists(t, client) && !moved_c) || (purge && tfs_exists(t, state) && !moved_s))
		r = -EBUSY;
	if (r == 0)
		r = tfs_unlink(t, conf);
	if (r < 0) {
		if (moved_c)
			tfs_rename(t, gone_c, client, 0);
		if (moved_s)
			tfs_rename(t, gone_s, state, 0);
		return r;
	}
	/* Its BMC credentials go with it: a later node of that name gets its own. */
	int r0 = bmc_remove(t, d->hostname);
	if (r0 < 0)
		fprintf(stderr, "hopeless: node rm: %s: could not delete %s/bmc/%s.conf: %s\n", d->hostname, t->dir,
			d->hostname, strerror(-r0));
	int r1 = tfs_remove_tree(t, gone_c), r2 = tfs_remove_tree(t, gone_s);
	if (r1 < 0 || r2 < 0)
		fprintf(stderr, "hopeless: node rm: %s: could not delete %s/%s: %s\n", d->hostname, t->dir,
			r1 < 0 ? gone_c : gone_s, strerror(r1 < 0 ? -r1 : -r2));
	tfs_sync(t);
	return 0;
}

/* state rbd: the node's key goes; its RBD image stays unless purge (then
 * renamed aside unless !backup). Reported, never undone: the node is gone. */
static void rm_rbd(struct tree *t, const struct tree_node *d, int purge, int backup)
{
	char bak[200], state[PATH_MAX];
	/* state/<ip> of an rbd node is an empty directory (its export stays
	 * planned like every node's): gone with the node, or a re-add of the
	 * node, which takes its image up again, would be refused. */
	tfs_fmt(state, sizeof(state), "state/%s", d->ip);
	if (!purge)
		tfs_rmdir(t, state);
	int r = state_rbd_remove(t, d, purge, backup, bak, sizeof(bak));
	if (r < 0)
		fprintf(stderr, "hopeless: node rm: %s: could not %s its RBD image %s/hopeless-state-%s (see rbd's message)\n",
			d->hostname, backup ? "rename" : "delete", t->conf.ceph_rbd_pool, d->hostname);
	else if (!purge)
		printf("hopeless: its RBD image %s/hopeless-state-%s is kept (its key client.hopeless-node-%s is deleted; "
		       "node rm --purge deletes the image)\n",
		       t->conf.ceph_rbd_pool, d->hostname, d->hostname);
	else if (bak[0])
		printf("hopeless: its RBD image is kept as %s\n", bak);
}

int node_rm(struct tree *t, const char *host, int purge, int backup, int force)
{
	const char *w = "node rm";
	struct tree_node d;
	char err[512], bak[PATH_MAX] = "";
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (purge && state_refuse_running(t, &d, force, w))
		return 1;
	if (purge && !strcmp(d.state, "rbd") && state_rbd_in_use(t, &d) == 1)
		return cli_error(w, "%s: its RBD image %s/hopeless-state-%s is locked (rbd lock ls): stop the node first; "
				 "a dead node's lock goes once its watch expires (30 s), or with rbd lock rm",
				 host, t->conf.ceph_rbd_pool, host);
	if (purge && backup) {
		int r = state_image_backup(t, d.ip, bak, sizeof(bak), 0);
		if (r < 0 && r != -ENOENT && r != -EINVAL)
			return cli_error(w, "%s: cannot keep a backup of its image: %s (nothing was removed)", host,
					 strerror(-r));
		if (r < 0)
			bak[0] = '\0';
	}
	int r = rm_entries(t, &d, purge);
	if (r < 0) {
		if (bak[0]) {
			char img[PATH_MAX];
			tfs_fmt(img, sizeof(img), "state/%s/rw.img", d.ip);
			tfs_rename(t, bak, img, RENAME_NOREPLACE);
		}
		return cli_error(w, "%s: %s (nothing was removed)", host, strerror(-r));
	}
	printf("hopeless: node %s removed\n", d.hostname);
	if (bak[0])
		printf("hopeless: its image is kept as %s/%s\n", t->dir, bak);
	if (!strcmp(d.state, "rbd"))
		rm_rbd(t, &d, purge, backup);
	/* a later node of that name gets a key of its own */
	char state[PATH_MAX];
	tfs_fmt(state, sizeof(state), "state/%s", d.ip);
	if (!purge && tfs_exists(t, state))
		printf("hopeless: its state is kept in %s/%s (remove it, or use node rm --purge next time)\n", t->dir,
		       state);
	fputs(CONFIG_HINT, stdout);
	return 0;
}
