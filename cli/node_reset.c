/* hopeless node reset: a fresh state image. The new image is made in
 * .work/ where no node reaches it and renamed over rw.img in one step; the
 * old one moves to backups/<ip>/ unless --no-backup. An image in use is not
 * reset without --force. State rbd: a rollback to a snapshot (reset_rbd). */
#include "node.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* State rbd: the image rolled back to its "pristine" snapshot, or to the
 * backup snapshot from; its content first kept as a backup snapshot unless
 * !backup. A client holding the image's lock is a running node: refused,
 * --force or not (a rollback needs the lock, which the node's kernel keeps). */
static int reset_rbd(struct tree *t, const struct tree_node *d, int backup, const char *from)
{
	const char *w = "node reset";
	char bak[240];
	if (from && !state_rbd_backup_name_ok(from))
		return cli_error(w, "--from %.80s: not a backup's name (backup-YYYYmmddTHHMMSS; hopeless node show %s "
				 "lists them)", from, d->hostname);
	int u = state_rbd_in_use(t, d);
	if (u == 1)
		return cli_error(w, "%s: its RBD image %s/hopeless-state-%s is locked (rbd lock ls): stop the node first; "
				 "a dead node's lock goes once its watch expires (30 s), or with rbd lock rm",
				 d->hostname, t->conf.ceph_rbd_pool, d->hostname);
	if (u == -ENOENT && from)
		return cli_error(w, "%s: no RBD image %s/hopeless-state-%s, so no backup %s to restore", d->hostname,
				 t->conf.ceph_rbd_pool, d->hostname, from);
	int r = u == -ENOENT ? 0 : u;
	bak[0] = '\0';
	if (r == 0 && u == -ENOENT) {
		/* No image: making one is the reset. */
		int created = 0;
		char client[PATH_MAX];
		tfs_fmt(client, sizeof(client), "clients/%s", d->ip);
		r = state_rbd_ensure(t, d, client, &created);
	} else if (r == 0) {
		r = state_rbd_reset(t, d, backup, from, bak, sizeof(bak));
	}
	if (r == -ESRCH)
		return cli_error(w, "%s: no backup %s (hopeless node show %s lists them)", d->hostname, from, d->hostname);
	if (r < 0 && bak[0])
		return cli_error(w, "%s: the rollback failed (see rbd's message); what the image held is kept as %s "
				 "(restore it with hopeless node reset %s --from %s)", d->hostname, bak, d->hostname,
				 strchr(bak, '@') + 1);
	if (r < 0)
		return cli_error(w, "%s: cannot reset its RBD image: %s (see rbd's message)", d->hostname, strerror(-r));
	tfs_sync(t);
	if (from)
		printf("hopeless: node %s reset: RBD image %s/hopeless-state-%s rolled back to its backup %s\n",
		       d->hostname, t->conf.ceph_rbd_pool, d->hostname, from);
	else
		printf("hopeless: node %s reset: RBD image %s/hopeless-state-%s back to its pristine content\n",
		       d->hostname, t->conf.ceph_rbd_pool, d->hostname);
	if (bak[0])
		printf("hopeless: the old content is kept as %s\n", bak);
	printf("hopeless: reboot %s now: a running node still writes to the old image\n", d->hostname);
	return 0;
}

int node_reset(struct tree *t, const char *host, int backup, const char *from, int force)
{
	const char *w = "node reset";
	struct tree_node d;
	char err[512], img[PATH_MAX], work[64], wrel[PATH_MAX], bak[PATH_MAX] = "";
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (!strcmp(d.state, "rbd"))
		return reset_rbd(t, &d, backup, from);
	if (from)
		return cli_error(w, "%s: --from restores an RBD backup snapshot (state rbd); an image node's backup is "
				 "a file: copy %s/backups/%s/rw.img.STAMP over its rw.img while it is down", host, t->dir,
				 d.ip);
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
