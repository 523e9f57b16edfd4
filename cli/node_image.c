/* hopeless node diff / capture: reading a node's writable layer offline.
 *
 * The image is the node's: hostile, and perhaps being written right now.
 * The head node's kernel never mounts it; e2fsck checks it and libext2fs
 * reads it in user space, both through /proc/self/fd/N of the file we
 * opened beneath the tree (the node cannot swap it). An image in use has a
 * journal to replay and blocks changing under us, so it is read from a
 * private copy in .work/ (0700, never exported): a reflink is one instant
 * of the image; a plain copy of an image being written is not, which diff
 * tolerates with a warning and capture refuses. An RBD image is exported
 * to .work/ with Ceph's rbd (no kernel mapping: the head node's kernel may
 * lack rbd, and mapping would put the node's file system in its hands). */
#include "node.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static void fs_name(int fd, char *out, size_t len)
{
	struct statfs sf;
	const char *n = "the tree's file system";
	if (fstatfs(fd, &sf) == 0) {
		switch ((unsigned long)sf.f_type) {
		case EXT4_SUPER_MAGIC: n = "ext4"; break;
		case XFS_SUPER_MAGIC: n = "xfs"; break;
		case BTRFS_SUPER_MAGIC: n = "btrfs"; break;
		case TMPFS_MAGIC: n = "tmpfs"; break;
		case NFS_SUPER_MAGIC: n = "nfs"; break;
		}
	}
	snprintf(out, len, "%s", n);
}

/* The data of from into to, holes kept (a 1G image holds a few MB). */
static int sparse_copy(int from, int to)
{
	struct stat st;
	if (fstat(from, &st) < 0)
		return -errno;
	char *buf = malloc(1 << 20);
	if (!buf)
		return -ENOMEM;
	int r = 0;
	off_t off = 0;
	while (r == 0 && off < st.st_size) {
		off_t data = lseek(from, off, SEEK_DATA);
		if (data < 0) {
			r = errno == ENXIO ? 0 : -errno;
			break;
		}
		off_t hole = lseek(from, data, SEEK_HOLE);
		if (hole < 0 || hole > st.st_size)
			hole = st.st_size;
		for (off = data; r == 0 && off < hole;) {
			size_t want = (size_t)(hole - off) < (1u << 20) ? (size_t)(hole - off) : (1u << 20);
			ssize_t n = pread(from, buf, want, off);
			if (n <= 0 || pwrite(to, buf, (size_t)n, off) != n)
				r = n == 0 ? 0 : -EIO;
			if (n <= 0)
				break;
			off += n;
		}
		off = hole;
	}
	free(buf);
	if (r == 0 && ftruncate(to, st.st_size) < 0)
		r = -errno;
	return r;
}

/* e2fsck on an image we opened: -n only checks (the node's own image),
 * -y repairs (our copy: replays its journal). 0: usable. */
static int fsck_image(int fd, int repair)
{
	char dev[32];
	tfs_fd_path(fd, dev);
	char *argv[] = {"e2fsck", "-f", repair ? "-y" : "-n", dev, NULL};
	struct run_opts o = {.quiet = 1, .no_stderr = 1, .keep_fds = &fd, .nkeep = 1};
	int rc = run_prog(argv, &o);
	/* 1: errors corrected; 2: corrected, reboot advised (a running system's
	 * root): both fine for a copy. 4 and above: errors left. */
	return rc == 0 || (repair && (rc == 1 || rc == 2)) ? 0 : -EUCLEAN;
}

static int take_copy(struct tree *t, const struct tree_node *d, int flags, struct node_image *ni, char *why,
		     size_t whylen)
{
	int r = tfs_mkdir_p(t, ".work", 0700);
	if (r == 0)
		r = tfs_chmod(t, ".work", 0700);
	if (r == 0)
		r = tfs_fmt(ni->copy, sizeof(ni->copy), ".work/snapshot.%s.%d", d->ip, (int)getpid());
	if (r < 0)
		return snprintf(why, whylen, "cannot make .work/: %s", strerror(-r)), r;
	tfs_unlink(t, ni->copy);
	ni->fd = tfs_open(t, ni->copy, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (ni->fd < 0) {
		r = ni->fd;
		ni->copy[0] = '\0';
		return snprintf(why, whylen, "cannot make a copy of its image in .work/: %s", strerror(-r)), r;
	}
	ni->taken = time(NULL);
	ni->reflink = ioctl(ni->fd, FICLONE, ni->node_fd) == 0;
	if (!ni->reflink && (flags & NODE_IMAGE_CONSISTENT)) {
		snprintf(why, whylen, "node %s is up and %s has no reflinks, so no consistent snapshot of its image "
			 "can be taken: shut the node down (or run capture after it stops), then retry (with --force "
			 "if its image keeps the in-use mark of a shutdown that could not unmount it)",
			 d->hostname, ni->fstype);
		return -EBUSY;
	}
	if (!ni->reflink && (r = sparse_copy(ni->node_fd, ni->fd)) < 0)
		return snprintf(why, whylen, "cannot copy its image to .work/: %s", strerror(-r)), r;
	if (fsck_image(ni->fd, 1) < 0)
		return snprintf(why, whylen, "the copy of %s still has errors after e2fsck -fy; not reading it",
				ni->rel), -EUCLEAN;
	return 0;
}

/* State rbd: the image exported into .work/ (state_rbd.c), then read as
 * a copy. node_fd is the copy too: it says there is an image. */
static int open_rbd(struct tree *t, const struct tree_node *d, int flags, struct node_image *ni, char *why,
		    size_t whylen)
{
	char name[96];
	ni->rbd = 1;
	snprintf(ni->rel, sizeof(ni->rel), "RBD %s/hopeless-state-%s", t->conf.ceph_rbd_pool, d->hostname);
	int r = tfs_mkdir_p(t, ".work", 0700);
	if (r == 0)
		r = tfs_chmod(t, ".work", 0700);
	if (r < 0)
		return snprintf(why, whylen, "cannot make .work/: %s", strerror(-r)), r;
	snprintf(name, sizeof(name), "rbd.%s.%d", d->hostname, (int)getpid());
	tfs_fmt(ni->copy, sizeof(ni->copy), ".work/%s", name);
	ni->taken = time(NULL);
	r = state_rbd_export(t, d, name, &ni->in_use);
	if (r < 0) {
		ni->copy[0] = '\0';
		return snprintf(why, whylen, "%s: %s", ni->rel,
				r == -ENOENT ? "no such image (hopeless node set HOST --state rbd makes it)"
					     : "rbd export failed (see rbd's message)"), r;
	}
	if (ni->in_use && (flags & NODE_IMAGE_CONSISTENT))
		return snprintf(why, whylen, "node %s is up (its RBD image is locked: rbd lock ls), and no snapshot "
				"can be taken while its kernel holds the lock: shut the node down, then retry (with "
				"--force if a dead node's lock is still there: read the image as it is)", d->hostname),
		       -EBUSY;
	ni->fd = tfs_open(t, ni->copy, O_RDWR, 0);
	if (ni->fd < 0)
		return snprintf(why, whylen, "%s: %s", ni->copy, strerror(-ni->fd)), ni->fd;
	ni->node_fd = fcntl(ni->fd, F_DUPFD_CLOEXEC, 0);
	if (fsck_image(ni->fd, 1) < 0)
		return snprintf(why, whylen, "the export of %s still has errors after e2fsck -fy; not reading it",
				ni->rel), -EUCLEAN;
	r = upper_ext2_open(ni->fd, &ni->src);
	if (r < 0)
		snprintf(why, whylen, "%s: %s", ni->rel, ni->src.why);
	return r;
}

int node_image_open(struct tree *t, const struct tree_node *d, int flags, struct node_image *ni, char *why,
		    size_t whylen)
{
	memset(ni, 0, sizeof(*ni));
	ni->fd = ni->node_fd = -1;
	if (!strcmp(d->state, "rbd"))
		return open_rbd(t, d, flags, ni, why, whylen);
	tfs_fmt(ni->rel, sizeof(ni->rel), "state/%s/rw.img", d->ip);
	fs_name(t->fd, ni->fstype, sizeof(ni->fstype));
	ni->node_fd = tfs_open(t, ni->rel, O_RDONLY | O_NONBLOCK, 0);
	struct stat st;
	if (ni->node_fd < 0) {
		int r = ni->node_fd;
		snprintf(why, whylen, "%s: %s", ni->rel,
			 r == -ENOENT ? "no state image" : r == -ELOOP ? "a symbolic link; not following it" : strerror(-r));
		return r;
	}
	if (fstat(ni->node_fd, &st) < 0 || !S_ISREG(st.st_mode))
		return snprintf(why, whylen, "%s: not a regular file; not reading it (hopeless check reports it)",
				ni->rel), -EINVAL;
	ni->mtime = st.st_mtim;
	const char *w;
	int r = state_image_fd_in_use(ni->node_fd, &w);
	if (r < 0)
		return snprintf(why, whylen, "%s: %s", ni->rel, w), -EUCLEAN;
	ni->in_use = r;
	if (ni->in_use) {
		if ((r = take_copy(t, d, flags, ni, why, whylen)) < 0)
			return r;
	} else {
		if (fsck_image(ni->node_fd, 0) < 0)
			return snprintf(why, whylen, "%s: e2fsck -fn finds errors in it; not reading it (repair it with "
					"e2fsck -f while the node is down, or hopeless node reset)", ni->rel), -EUCLEAN;
		ni->fd = fcntl(ni->node_fd, F_DUPFD_CLOEXEC, 0);
	}
	r = upper_ext2_open(ni->fd, &ni->src);
	if (r < 0)
		snprintf(why, whylen, "%s: %s", ni->rel, ni->src.why);
	return r;
}

int node_image_changed(const struct node_image *ni)
{
	struct stat st;
	const char *w;
	if (ni->copy[0])
		return 0;
	if (fstat(ni->node_fd, &st) < 0 || st.st_mtim.tv_sec != ni->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != ni->mtime.tv_nsec)
		return 1;
	return state_image_fd_in_use(ni->node_fd, &w) != 0;
}

void node_image_close(struct tree *t, struct node_image *ni)
{
	upper_close(&ni->src);
	if (ni->fd >= 0)
		close(ni->fd);
	if (ni->node_fd >= 0)
		close(ni->node_fd);
	ni->fd = ni->node_fd = -1;
	if (ni->copy[0])
		tfs_unlink(t, ni->copy);
	ni->copy[0] = '\0';
}
