/* hopeless node reset: a fresh state image. The new image is made in
 * .work/ where no node reaches it and renamed over rw.img in one step; the
 * old one moves to backups/<ip>/ unless --no-backup. An image in use is not
 * reset without --force. */
#include "node.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* State rbd: a fresh clone of the pristine snapshot. A client holding the
 * image's lock is a running node: refused, --force or not (Ceph refuses to
 * rename or delete a locked image anyway). */
static int reset_rbd(struct tree *t, const struct tree_node *d, int backup)
{
	const char *w = "node reset";
	char bak[200];
	int u = state_rbd_in_use(t, d);
	if (u == 1)
		return cli_error(w, "%s: its RBD image %s/hopeless-state-%s is locked (rbd lock ls): stop the node first; "
				 "a dead node's lock goes once its watch expires (30 s), or with rbd lock rm",
				 d->hostname, t->conf.ceph_rbd_pool, d->hostname);
	int r = u == -ENOENT ? 0 : u < 0 ? u : 0;
	if (r == 0 && u == -ENOENT) {
		/* No image: making one is the reset. */
		int created = 0;
		char client[PATH_MAX];
		tfs_fmt(client, sizeof(client), "clients/%s", d->ip);
		r = state_rbd_ensure(t, d, client, &created);
		bak[0] = '\0';
	} else if (r == 0) {
		r = state_rbd_reset(t, d, backup, bak, sizeof(bak));
	}
	if (r < 0)
		return cli_error(w, "%s: cannot make a fresh RBD image: %s (see rbd's message)",
				 d->hostname, strerror(-r));
	tfs_sync(t);
	printf("hopeless: node %s reset: fresh RBD image %s/hopeless-state-%s\n", d->hostname, t->conf.ceph_rbd_pool,
	       d->hostname);
	if (bak[0])
		printf("hopeless: the old image is kept as %s\n", bak);
	printf("hopeless: reboot %s now: a running node still writes to the old image\n", d->hostname);
	return 0;
}

int node_reset(struct tree *t, const char *host, int backup, int force)
{
	const char *w = "node reset";
	struct tree_node d;
	char err[512], img[PATH_MAX], work[64], wrel[PATH_MAX], bak[PATH_MAX] = "";
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (!strcmp(d.state, "rbd"))
		return reset_rbd(t, &d, backup);
	if (strcmp(d.state, "image"))
		return cli_error(w, "%s: state is %s, which every boot starts afresh; nothing to reset", host, d.state);
	if (state_refuse_running(t, &d, force, w))
		return 1;
	tfs_fmt(img, sizeof(img), "state/%s/rw.img", d.ip);
	snprintf(work, sizeof(work), "%s.rw.img.new", d.ip);
	tfs_fmt(wrel, sizeof(wrel), ".work/%s", work);
	int made = 0;
	int r = state_image_ensure(t, d.ip, &made);
	if (r == 0 && made) {
		/* There was none: the one just made is the fresh image. */
		tfs_sync(t);
		printf("hopeless: node %s reset: fresh %s/%s\n", d.hostname, t->dir, img);
		return 0;
	}
	if (r == 0)
		r = state_image_make(t, work);
	if (r == 0 && backup) {
		r = state_image_backup(t, d.ip, bak, sizeof(bak), 1);
		if (r == -EINVAL) { /* not a regular file: nothing to keep, replace it */
			fprintf(stderr, "hopeless: %s: %s/%s is not a regular file; replacing it, no backup\n", w,
				t->dir, img);
			r = 0;
		}
	}
	if (r == 0)
		r = tfs_rename(t, wrel, img, 0);
	if (r < 0) {
		tfs_unlink(t, wrel);
		if (bak[0])
			tfs_unlink(t, bak);
		return cli_error(w, "%s: cannot make a fresh image: %s (nothing changed)", host, strerror(-r));
	}
	tfs_sync(t);
	printf("hopeless: node %s reset: fresh %s/%s\n", d.hostname, t->dir, img);
	if (bak[0])
		printf("hopeless: the old image is kept as %s/%s\n", t->dir, bak);
	printf("hopeless: reboot %s now: a running node still writes to the old image\n", d.hostname);
	return 0;
}
