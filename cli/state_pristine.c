/* hopeless node: state images as copies of one pristine image. mkfs once
 * per (size, mmp) into .work/ (0700, never exported), its zero blocks
 * punched out; every node's image is then a reflink clone of it (FICLONE:
 * nothing allocated until the node writes) or, on a file system without
 * reflinks, a copy of its data ranges only, holes kept. Each copy gets its
 * own file-system UUID: the pristine image is made with metadata_csum_seed,
 * so a new UUID is one superblock rewrite (libext2fs), not every checksum.
 * One mkfs per node made `node add` of 10,000 nodes take minutes, and a
 * fully initialised 1 GiB image held 33 MiB of zeros. */
#include "node.h"
#include <errno.h>
#include <et/com_err.h>
#include <ext2fs/ext2fs.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Zero blocks become holes: they read the same, cost nothing, and the
 * clones' data ranges are then only the file system's real metadata. */
static int punch_zeros(int fd, off_t size)
{
	static const char zero[65536];
	char *buf = malloc(sizeof(zero));
	if (!buf)
		return -ENOMEM;
	int r = 0;
	for (off_t off = 0; off < size && r == 0; off += (off_t)sizeof(zero)) {
		ssize_t n = pread(fd, buf, sizeof(zero), off);
		if (n < 0)
			r = -errno;
		else if (n > 0 && !memcmp(buf, zero, (size_t)n) &&
			 fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, n) != 0)
			r = -errno;
		if (n == 0)
			break;
	}
	free(buf);
	return r;
}

/* from's data ranges into to (same size), holes kept. */
static int copy_data_ranges(int from, int to, off_t size)
{
	if (ftruncate(to, size) != 0)
		return -errno;
	for (off_t off = 0; off < size;) {
		off_t data = lseek(from, off, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		off_t hole = lseek(from, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		for (loff_t in = data, out = data; in < hole;) {
			ssize_t n = copy_file_range(from, &in, to, &out, (size_t)(hole - in), 0);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
		}
		off = hole;
	}
	return 0;
}

/* A random (version 4) UUID into the image's superblock. */
static int new_uuid(int fd)
{
	char dev[32];
	ext2_filsys fs = NULL;
	tfs_fd_path(fd, dev);
	if (ext2fs_open2(dev, NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS | EXT2_FLAG_SUPER_ONLY, 0, 0, unix_io_manager,
			 &fs))
		return -EIO;
	int r = 0;
	/* Without the seed every checksum derives from the UUID. */
	if (ext2fs_has_feature_metadata_csum(fs->super) && !ext2fs_has_feature_csum_seed(fs->super))
		r = -EINVAL;
	else if (getrandom(fs->super->s_uuid, 16, 0) != 16)
		r = -EIO;
	fs->super->s_uuid[6] = (fs->super->s_uuid[6] & 0x0f) | 0x40;
	fs->super->s_uuid[8] = (fs->super->s_uuid[8] & 0x3f) | 0x80;
	if (r == 0)
		ext2fs_mark_super_dirty(fs);
	else
		fs->flags &= ~EXT2_FLAG_DIRTY;
	/* No fsync per image: the batch syncs the file system once. */
	if (ext2fs_close2(fs, EXT2_FLAG_FLUSH_NO_SYNC) && r == 0)
		r = -EIO;
	ext2fs_free(fs);
	return r;
}

/* Made with mkfs (format: state_image_format), then its zeros punched,
 * synced, and renamed to its name in one step. */
static int make_pristine(struct tree *t, const char *rel, off_t size)
{
	char tmp[PATH_MAX];
	tfs_fmt(tmp, sizeof(tmp), ".work/pristine.tmp.%d", (int)getpid());
	tfs_unlink(t, tmp);
	int fd = tfs_open(t, tmp, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fd;
	int r = ftruncate(fd, size) == 0 ? 0 : -errno;
	if (r == 0)
		r = state_image_format(t, fd);
	if (r == 0)
		r = punch_zeros(fd, size);
	if (r == 0 && fsync(fd) != 0)
		r = -errno;
	close(fd);
	if (r == 0)
		r = tfs_rename(t, tmp, rel, 0);
	if (r < 0)
		tfs_unlink(t, tmp);
	return r;
}

/* The pristine image for this tree's settings, opened read-only; made
 * when missing (or not what it should be). */
static int open_pristine(struct tree *t, off_t size)
{
	char rel[PATH_MAX];
	tfs_fmt(rel, sizeof(rel), ".work/pristine.%lld.%s.v1.img", (long long)size,
		!strcmp(t->conf.image_mmp, "yes") ? "mmp" : "plain");
	for (int tries = 0; tries < 2; tries++) {
		int fd = tfs_open(t, rel, O_RDONLY | O_NONBLOCK, 0);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size && st.st_uid == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		if (tries)
			return fd < 0 ? fd : -EINVAL;
		tfs_unlink(t, rel);
		int r = make_pristine(t, rel, size);
		if (r < 0)
			return r;
	}
	return -EINVAL;
}

int state_image_clone(struct tree *t, int fd, off_t size)
{
	int src = open_pristine(t, size);
	if (src < 0)
		return src;
	int r = ioctl(fd, FICLONE, src) == 0 ? 0 : copy_data_ranges(src, fd, size);
	close(src);
	return r < 0 ? r : new_uuid(fd);
}
