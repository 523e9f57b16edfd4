/* hopeless node: state images as copies of one pristine image. mkfs once
 * per (size, mmp) into .work/ (0700, never exported), its zero blocks
 * punched out; every node's image is then a reflink clone of it (FICLONE:
 * nothing allocated until the node writes) or, on a file system without
 * reflinks, a copy of its data ranges only, holes kept. Each copy gets its
 * own file-system UUID: the pristine image is made with metadata_csum_seed,
 * so a new UUID is a rewrite of the superblocks (lib/ext4sb.c), not of every
 * checksum.
 * One mkfs per node made `node add` of 10,000 nodes take minutes, and a
 * fully initialised 1 GiB image held 33 MiB of zeros. */
#include "node.h"
#include "ext4sb.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Zero blocks become holes: they read the same, cost nothing, and the
 * clones' data ranges are then only the file system's real metadata. Checked
 * per 4 KiB (the file system's block): per 64 KiB, the few metadata blocks
 * scattered through the inode tables kept 664 KiB of zeros per image. */
static int punch(int fd, off_t from, off_t to)
{
	if (to <= from || fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, from, to - from) == 0)
		return 0;
	return -errno;
}

/* Punches the zero blocks of [from, to), all data. */
static int punch_range(int fd, char *buf, off_t from, off_t to)
{
	enum { CHUNK = 1 << 20, BLOCK = 4096 };
	static const char zero[BLOCK];
	int r = 0;
	off_t run = from; /* start of the current run of zero blocks */
	off_t off = from;
	while (off < to && r == 0) {
		ssize_t n = pread(fd, buf, (size_t)(to - off < CHUNK ? to - off : CHUNK), off);
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		for (ssize_t b = 0; b < n && r == 0; b += BLOCK) {
			size_t len = (size_t)(n - b) < BLOCK ? (size_t)(n - b) : BLOCK;
			if (memcmp(buf + b, zero, len)) {
				r = punch(fd, run, off + b);
				run = off + b + (off_t)len;
			}
		}
		off += n;
	}
	return r == 0 ? punch(fd, run, off) : r;
}

/* Only the data ranges mkfs left are read: reading the holes of a 1 GiB
 * image cost a second. What SEEK_DATA calls holes is punched too: mkfs
 * fallocates the journal, and unwritten extents read as holes but hold
 * 32 MiB. */
static int punch_zeros(int fd, off_t size)
{
	char *buf = malloc(1 << 20);
	if (!buf)
		return -ENOMEM;
	int r = 0;
	for (off_t off = 0; off < size && r == 0;) {
		off_t data = lseek(fd, off, SEEK_DATA);
		if (data < 0) {
			r = errno == ENXIO ? punch(fd, off, size) : -errno;
			break;
		}
		off_t hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		r = punch(fd, off, data);
		if (r == 0)
			r = punch_range(fd, buf, data, hole);
		off = hole;
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

/* Its own UUID, so no two nodes' file systems look alike (blkid, the
 * kernel's ext4 error messages). In the primary superblock only: each
 * backup rewritten was one more copied block per image on XFS (a fifth of
 * what an image cost `node add`); see ext4sb.h for why that is safe. */
static int new_uuid(int fd)
{
	uint8_t uuid[16];
	int r = ext4sb_random_uuid(uuid);
	return r < 0 ? r : ext4sb_set_uuid(fd, uuid, 0);
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
	tfs_fmt(rel, sizeof(rel), ".work/pristine.%lld.%s.v2.img", (long long)size,
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

/* XFS copies a shared extent on write in chunks of its copy-on-write
 * extent size (32 blocks by default): rewriting the five superblocks of a
 * fresh clone then allocated 640 KiB. One block is what the UUID needs; a
 * node's later writes are not slowed by it (they go to new extents).
 * Best effort: other file systems refuse the hint. */
static void small_cow(int fd)
{
	struct fsxattr fx;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fx) != 0)
		return;
	fx.fsx_xflags |= FS_XFLAG_COWEXTSIZE;
	fx.fsx_cowextsize = 4096;
	ioctl(fd, FS_IOC_FSSETXATTR, &fx);
}

int state_pristine_open(struct tree *t, off_t size)
{
	return open_pristine(t, size);
}

int state_pristine_ready(struct tree *t, off_t size)
{
	int fd = open_pristine(t, size);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int state_image_clone(struct tree *t, int fd, off_t size)
{
	int src = open_pristine(t, size);
	if (src < 0)
		return src;
	int r;
	if (ioctl(fd, FICLONE, src) == 0) {
		small_cow(fd);
		r = 0;
	} else {
		r = copy_data_ranges(src, fd, size);
	}
	close(src);
	return r < 0 ? r : new_uuid(fd);
}
