/* hopeless node: state images. The node may write state/<ip>/rw.img and
 * nothing else: the directory is root's (0755) and the image belongs to
 * state_uid, the id the node's root is squashed to on its export. New and
 * reset images are made in .work/ (0700, never exported, on the tree's file
 * system so a rename moves them), backups go to backups/<ip>/ (0700, never
 * exported). mkfs gets the image as /proc/self/fd/N of a file we created
 * with O_EXCL, so nothing a node plants is ever formatted. */
#include "node.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "1G", "16M", "512K", "1048576": bytes, binary suffixes as truncate(1). */
static int parse_size(const char *s, off_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	int shift = 0;
	switch (*end) {
	case 'T': shift += 10; /* fall through */
	case 'G': shift += 10; /* fall through */
	case 'M': shift += 10; /* fall through */
	case 'K': shift += 10; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (*end || v == 0 || v > (1ULL << (62 - shift)))
		return -EINVAL;
	*out = (off_t)(v << shift);
	return 0;
}

int state_image_size(const struct tree *t, off_t *size)
{
	return parse_size(t->conf.image_size, size);
}

static int work_dir(struct tree *t)
{
	int r = tfs_mkdir(t, ".work", 0700);
	if (r == 0 || r == -EEXIST)
		r = tfs_chmod(t, ".work", 0700);
	return r;
}

/* A sparse ext4 image, fully initialised now (lazy init would make the node
 * zero its inode tables over loop and NFS on first boot).
 * With image_mmp = yes, ext4 multi-mount protection as a second guard (the
 * init's ARP probe is the first) against two nodes with one address mounting
 * the same image. Off by default: after every unclean shutdown, and a
 * network root cannot unmount its upper cleanly, the next mount waits
 * 2 x the check interval + 1 s, at least 11 s.
 * metadata_csum_seed: the copies of this pristine image get a new UUID by
 * a superblock rewrite (cli/state_pristine.c). */
int state_image_format(struct tree *t, int fd)
{
	int mmp = !strcmp(t->conf.image_mmp, "yes");
	char dev[32];
	tfs_fd_path(fd, dev);
	char *mkfs[12] = {"mkfs.ext4", "-q", "-F", "-L", "hopeless-state", "-O"};
	int k = 6;
	/* No resize_inode: its 127 reserved GDT blocks were 508 KiB of every
	 * copy (resize2fs still grows the image; the kernel switches to meta_bg). */
	mkfs[k++] = mmp ? "metadata_csum_seed,^resize_inode,mmp" : "metadata_csum_seed,^resize_inode";
	mkfs[k++] = "-E";
	mkfs[k++] = mmp ? "mmp_update_interval=5,lazy_itable_init=0,lazy_journal_init=0"
			: "lazy_itable_init=0,lazy_journal_init=0";
	mkfs[k++] = dev;
	mkfs[k] = NULL;
	struct run_opts o = {.quiet = 1, .keep_fds = &fd, .nkeep = 1};
	return run_prog(mkfs, &o) == 0 ? 0 : -EIO;
}

int state_image_prepare(struct tree *t)
{
	off_t size;
	if (parse_size(t->conf.image_size, &size) < 0)
		return -EINVAL;
	int r = work_dir(t);
	return r < 0 ? r : state_pristine_ready(t, size);
}

int state_image_make(struct tree *t, const char *work_name)
{
	off_t size;
	char rel[PATH_MAX];
	if (parse_size(t->conf.image_size, &size) < 0)
		return -EINVAL;
	int r = work_dir(t);
	if (r < 0)
		return r;
	if (tfs_fmt(rel, sizeof(rel), ".work/%s", work_name) < 0)
		return -ENAMETOOLONG;
	tfs_unlink(t, rel);
	int fd = tfs_open(t, rel, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fd;
	r = state_image_clone(t, fd, size);
	uid_t id = (uid_t)t->conf.state_uid;
	if (r == 0 && fchown(fd, id, (gid_t)id) != 0)
		r = -errno;
	if (r == 0 && fchmod(fd, 0600) != 0)
		r = -errno;
	close(fd);
	if (r < 0)
		tfs_unlink(t, rel);
	return r;
}

static int state_dir(struct tree *t, const char *ip, int *made)
{
	char rel[PATH_MAX];
	tfs_fmt(rel, sizeof(rel), "state/%s", ip);
	*made = 0;
	int r = tfs_mkdir_p(t, "state", 0755);
	if (r == 0 && (r = tfs_mkdir(t, rel, 0755)) == 0)
		*made = 1;
	if (r == -EEXIST)
		r = tfs_is_dir(t, rel) ? 0 : -ENOTDIR;
	/* Root's and not writable by the node: it can create nothing here. */
	if (r == 0)
		r = tfs_chown(t, rel, 0, 0);
	if (r == 0)
		r = tfs_chmod(t, rel, 0755);
	return r;
}

int state_image_ensure(struct tree *t, const char *ip, int *created)
{
	char img[PATH_MAX], work[64], dir[PATH_MAX];
	*created = 0;
	tfs_fmt(img, sizeof(img), "state/%s/rw.img", ip);
	tfs_fmt(dir, sizeof(dir), "state/%s", ip);
	if (tfs_exists(t, img))
		return 0;
	int made = 0, r = state_dir(t, ip, &made);
	if (r < 0)
		return r;
	snprintf(work, sizeof(work), "%s.rw.img", ip);
	char wrel[PATH_MAX];
	tfs_fmt(wrel, sizeof(wrel), ".work/%s", work);
	r = state_image_make(t, work);
	/* NOREPLACE: an image that appeared meanwhile is kept. */
	if (r == 0 && (r = tfs_rename(t, wrel, img, RENAME_NOREPLACE)) < 0)
		tfs_unlink(t, wrel);
	if (r < 0) {
		if (made)
			tfs_rmdir(t, dir);
		return r;
	}
	*created = made ? 2 : 1;
	return 0;
}

int state_image_backup(struct tree *t, const char *ip, char *bak, size_t baklen, int link)
{
	char img[PATH_MAX], bdir[PATH_MAX], stamp[32];
	struct stat st;
	tfs_fmt(img, sizeof(img), "state/%s/rw.img", ip);
	int r = tfs_stat(t, img, &st);
	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* nothing worth keeping; never follow it */
	tfs_fmt(bdir, sizeof(bdir), "backups/%s", ip);
	r = tfs_mkdir_p(t, bdir, 0700);
	if (r == 0)
		r = tfs_chmod(t, "backups", 0700);
	if (r < 0)
		return r;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			tfs_fmt(bak, baklen, "%s/rw.img.%s", bdir, stamp);
		else
			tfs_fmt(bak, baklen, "%s/rw.img.%s.%d", bdir, stamp, i);
		r = link ? tfs_link(t, img, bak) : tfs_rename(t, img, bak, RENAME_NOREPLACE);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

/* ext4 superblock at 1024: s_magic at 0x38, s_feature_incompat at 0x60;
 * INCOMPAT_RECOVER (0x4) is set while the journal is in use. */
int state_image_fd_in_use(int fd, const char **why)
{
	unsigned char sb[1024];
	struct stat st;
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = pread(fd, sb, sizeof(sb), 1024);
	if (n != (ssize_t)sizeof(sb)) {
		*why = "not an ext4 image";
		return -EINVAL;
	}
	if (sb[0x38] != 0x53 || sb[0x39] != 0xEF) {
		*why = "not an ext4 image";
		return -EINVAL;
	}
	if (sb[0x60] & 0x4) {
		*why = "its ext4 journal is in use: the node is up (or went down without unmounting it)";
		return 1;
	}
	*why = "clean";
	return 0;
}

int state_image_in_use(struct tree *t, const char *ip, const char **why)
{
	char img[PATH_MAX];
	tfs_fmt(img, sizeof(img), "state/%s/rw.img", ip);
	int fd = tfs_open(t, img, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	int r = state_image_fd_in_use(fd, why);
	close(fd);
	return r;
}

int state_refuse_running(struct tree *t, const struct tree_node *d, int force, const char *w)
{
	const char *why = "";
	/* Not there, not readable or not ext4: nothing a node has mounted. */
	if (state_image_in_use(t, d->ip, &why) != 1)
		return 0;
	if (force) {
		fprintf(stderr, "hopeless: %s: %s: %s; going on (--force)\n", w, d->hostname, why);
		return 0;
	}
	return cli_error(w, "%s: %s; stop the node first, or pass --force", d->hostname, why);
}
