/* hopeless node reset: a fresh state image. The new image is made in
 * .work/ where no node reaches it and renamed over rw.img in one step; the
 * old one moves to backups/<ip>/ unless --no-backup. An image in use is not
 * reset without --force. */
#include "node.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

int node_reset(struct tree *t, const char *host, int backup, int force)
{
	const char *w = "node reset";
	struct tree_node d;
	char err[512], img[PATH_MAX], work[64], wrel[PATH_MAX], bak[PATH_MAX] = "";
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (!strcmp(d.state, "rbd"))
		return cli_error(w, "%s: state rbd: resetting its RBD image %s/hopeless-state-%s is not built yet; "
				 "with the node off: rbd rm it, then hopeless node set %s --state rbd makes a fresh clone",
				 host, t->conf.ceph_rbd_pool, host, host);
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
