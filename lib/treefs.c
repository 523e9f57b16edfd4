/* Safe file access inside the cluster tree: every path resolved by the
 * kernel beneath the tree's directory fd (see treefs.h for the rules). */
#include "treefs.h"
#include "tree.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STRICT (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

static int openat2_raw(int dirfd, const char *rel, int flags, mode_t mode, unsigned long long resolve)
{
	struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
			       .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
			       .resolve = resolve};
	for (;;) {
		int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		/* EAGAIN: a rename raced the lookup; the kernel asks to retry. */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

int tfs_openat(int dirfd, const char *rel, int flags, mode_t mode)
{
	if (!rel || !*rel)
		return -EINVAL;
	return openat2_raw(dirfd, rel, flags | O_NOFOLLOW, mode, STRICT);
}

int tfs_open(const struct tree *t, const char *rel, int flags, mode_t mode)
{
	return tfs_openat(t->fd, rel, flags, mode);
}

ssize_t tfs_split(const char *rel, const char **base)
{
	size_t n = strlen(rel);
	if (n == 0 || rel[n - 1] == '/' || rel[0] == '/')
		return -EINVAL;
	const char *slash = strrchr(rel, '/');
	const char *b = slash ? slash + 1 : rel;
	if (!strcmp(b, ".") || !strcmp(b, ".."))
		return -EINVAL;
	*base = b;
	return slash ? slash - rel : 0;
}

int tfs_parent(const struct tree *t, const char *rel, const char **base)
{
	ssize_t sl = tfs_split(rel, base);
	if (sl < 0)
		return (int)sl;
	if (sl == 0)
		return openat2_raw(t->fd, ".", O_RDONLY | O_DIRECTORY, 0, STRICT);
	char dir[PATH_MAX];
	size_t dl = (size_t)sl;
	if (dl >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, rel, dl);
	dir[dl] = '\0';
	return tfs_openat(t->fd, dir, O_RDONLY | O_DIRECTORY, 0);
}

int tfs_open_in_root(int rootfd, const char *path, int flags)
{
	while (*path == '/')
		path++;
	return openat2_raw(rootfd, *path ? path : ".", flags, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int tfs_layer_open(const struct tree *t, const char *layer_rel, const char *path, int flags)
{
	int lfd = tfs_open(t, layer_rel, O_PATH | O_DIRECTORY, 0);
	if (lfd < 0)
		return lfd;
	int fd = tfs_open_in_root(lfd, path, flags);
	close(lfd);
	return fd;
}

int tfs_stat(const struct tree *t, const char *rel, struct stat *st)
{
	const char *base;
	int dfd = tfs_parent(t, rel, &base);
	if (dfd < 0)
		return dfd;
	int r = fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
	close(dfd);
	return r;
}

int tfs_exists(const struct tree *t, const char *rel)
{
	struct stat st;
	return tfs_stat(t, rel, &st) == 0;
}

int tfs_is_dir(const struct tree *t, const char *rel)
{
	struct stat st;
	return tfs_stat(t, rel, &st) == 0 && S_ISDIR(st.st_mode);
}

int tfs_read(const struct tree *t, const char *rel, struct strbuf *sb)
{
	/* O_NOATIME: reading a file written since its last read (every node's
	 * files after node add) would otherwise update its atime, a file-system
	 * transaction per file: half of a cold hopeless config over 10,000
	 * nodes. Only the file's owner (or root) may ask for it. */
	int fd = tfs_open(t, rel, O_RDONLY | O_NONBLOCK | O_NOATIME, 0);
	if (fd == -EPERM)
		fd = tfs_open(t, rel, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	/* A FIFO or device planted by a node must not hang or feed us. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return read_fd(fd, sb);
}

int tfs_read_line(const struct tree *t, const char *rel, char *out, size_t outlen)
{
	struct strbuf sb = STRBUF_INIT;
	int r = tfs_read(t, rel, &sb);
	if (r == 0) {
		size_t n = strcspn(sb_str(&sb), "\r\n");
		if (n >= outlen)
			r = -ENAMETOOLONG;
		else {
			memcpy(out, sb_str(&sb), n);
			out[n] = '\0';
		}
	}
	sb_free(&sb);
	return r;
}

int tfs_write(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode, uid_t uid,
	      gid_t gid, int flags)
{
	const char *base;
	int dfd = tfs_parent(t, rel, &base);
	if (dfd < 0)
		return dfd;
	int r = write_atomic_at(dfd, base, data, len, mode, uid, gid, flags, NULL);
	close(dfd);
	return r;
}

int tfs_write_file(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode)
{
	return tfs_write(t, rel, data, len, mode, (uid_t)-1, (gid_t)-1, 0);
}

int tfs_update(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode, int *changed)
{
	const char *base;
	int dfd = tfs_parent(t, rel, &base);
	if (dfd < 0)
		return dfd;
	int r = write_atomic_at(dfd, base, data, len, mode, (uid_t)-1, (gid_t)-1, WRITE_IF_CHANGED, changed);
	close(dfd);
	return r;
}

int tfs_mkdir(const struct tree *t, const char *rel, mode_t mode)
{
	const char *base;
	int dfd = tfs_parent(t, rel, &base);
	if (dfd < 0)
		return dfd;
	int r = mkdirat(dfd, base, mode) == 0 ? 0 : -errno;
	close(dfd);
	return r;
}

int tfs_mkdir_p(const struct tree *t, const char *rel, mode_t mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	size_t n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	if (n == 0)
		return -EINVAL;
	for (char *p = buf;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		int r = tfs_mkdir(t, buf, mode);
		if (r == -EEXIST && !tfs_is_dir(t, buf))
			return -ENOTDIR;
		if (r < 0 && r != -EEXIST)
			return r;
		if (c == '\0')
			return 0;
		*p = '/';
	}
}

int tfs_unlink(const struct tree *t, const char *rel)
{
	const char *base;
	int dfd = tfs_parent(t, rel, &base);
	if (dfd < 0)
		return dfd;
	int r = unlinkat(dfd, base, 0) == 0 ? 0 : -errno;
	close(dfd);
	return r;
}

int tfs_rmdir(const struct tree *t, const char *rel)
{
	const char *base;
	int dfd = tfs_parent(t, rel, &base);
	if (dfd < 0)
		return dfd;
	int r = unlinkat(dfd, base, AT_REMOVEDIR) == 0 ? 0 : -errno;
	close(dfd);
	return r;
}

/* The parent directories of from and to (both closed by the caller on 0). */
static int two_parents(const struct tree *t, const char *from, const char *to, int fds[2], const char **fb,
		       const char **tb)
{
	fds[0] = tfs_parent(t, from, fb);
	if (fds[0] < 0)
		return fds[0];
	fds[1] = tfs_parent(t, to, tb);
	if (fds[1] < 0) {
		close(fds[0]);
		return fds[1];
	}
	return 0;
}

/* File systems (by device) seen to refuse RENAME_NOREPLACE with EINVAL:
 * ceph-fuse does (its rename handler takes no flags). Remembered for the
 * process so the flag is not tried again on every rename of that tree. */
static dev_t noreplace_refused[8];
static unsigned noreplace_refused_n;

static int noreplace_is_refused(dev_t dev)
{
	for (unsigned i = 0; i < noreplace_refused_n; i++)
		if (noreplace_refused[i] == dev)
			return 1;
	return 0;
}

static void noreplace_remember(dev_t dev)
{
	if (!noreplace_is_refused(dev) && noreplace_refused_n < sizeof(noreplace_refused) / sizeof(noreplace_refused[0]))
		noreplace_refused[noreplace_refused_n++] = dev;
}

/* RENAME_NOREPLACE without the flag. Anything but a directory: link(2)
 * refuses with EEXIST when the target exists, atomically, on every file
 * system, then the old name goes (both names exist for a moment; a reader
 * sees the same inode under either). A directory cannot be linked: under
 * the tree lock, the target is checked absent, then renamed plainly. That
 * is as safe as the flag because every writer of the tree's own
 * directories (roots/, meta/, clients/, nodes/, state/<ip>/ itself ...)
 * holds the tree lock, on every head (flock on CephFS is cluster-wide, see
 * docs/scale-out.md), and a node cannot write them (its exports are
 * read-only, or its own state/<ip>/rw.img only). Without the lock the
 * fallback is refused with the file system's EINVAL. */
static int rename_noreplace_fallback(const struct tree *t, int from_dfd, const char *fb, int to_dfd, const char *tb)
{
	struct stat st;
	if (fstatat(from_dfd, fb, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		if (linkat(from_dfd, fb, to_dfd, tb, 0) != 0)
			return -errno;
		if (unlinkat(from_dfd, fb, 0) != 0) {
			int e = -errno;
			unlinkat(to_dfd, tb, 0);
			return e;
		}
		return 0;
	}
	if (t->lock_fd < 0)
		return -EINVAL;
	if (fstatat(to_dfd, tb, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	return renameat(from_dfd, fb, to_dfd, tb) == 0 ? 0 : -errno;
}

int tfs_rename(const struct tree *t, const char *from, const char *to, unsigned flags)
{
	const char *fb, *tb;
	int fds[2], r = two_parents(t, from, to, fds, &fb, &tb);
	if (r < 0)
		return r;
	struct stat dst;
	int noreplace = flags == RENAME_NOREPLACE;
	if (noreplace && fstat(fds[1], &dst) != 0)
		r = -errno;
	else if (noreplace && noreplace_is_refused(dst.st_dev))
		r = rename_noreplace_fallback(t, fds[0], fb, fds[1], tb);
	else {
		r = renameat2(fds[0], fb, fds[1], tb, flags) == 0 ? 0 : -errno;
		if (r == -EINVAL && noreplace) {
			noreplace_remember(dst.st_dev);
			r = rename_noreplace_fallback(t, fds[0], fb, fds[1], tb);
		}
	}
	close(fds[0]);
	close(fds[1]);
	return r;
}

int tfs_link(const struct tree *t, const char *from, const char *to)
{
	const char *fb, *tb;
	int fds[2], r = two_parents(t, from, to, fds, &fb, &tb);
	if (r < 0)
		return r;
	/* No AT_SYMLINK_FOLLOW: a symlink would be linked as itself. */
	r = linkat(fds[0], fb, fds[1], tb, 0) == 0 ? 0 : -errno;
	close(fds[0]);
	close(fds[1]);
	return r;
}

int tfs_chmod(const struct tree *t, const char *rel, mode_t mode)
{
	int fd = tfs_open(t, rel, O_PATH, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = fstat(fd, &st) == 0 ? 0 : -errno;
	if (r == 0 && S_ISLNK(st.st_mode))
		r = -ELOOP;
	/* fchmodat on /proc/self/fd/N of an O_PATH fd changes that inode. */
	char p[32];
	tfs_fd_path(fd, p);
	if (r == 0 && chmod(p, mode) != 0)
		r = -errno;
	close(fd);
	return r;
}

int tfs_chown(const struct tree *t, const char *rel, uid_t uid, gid_t gid)
{
	int fd = tfs_open(t, rel, O_PATH, 0);
	if (fd < 0)
		return fd;
	int r = fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == 0 ? 0 : -errno;
	close(fd);
	return r;
}

static int remove_dir_contents(int dfd, dev_t dev, int depth)
{
	if (depth > 256)
		return -ELOOP;
	int dup_fd = dup(dfd);
	if (dup_fd < 0)
		return -errno;
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			r = errno == ENOENT ? 0 : -errno;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = unlinkat(dfd, de->d_name, 0) == 0 || errno == ENOENT ? 0 : -errno;
			continue;
		}
		if (st.st_dev != dev) {
			r = -EBUSY; /* a mount: never delete what is below it */
			continue;
		}
		int sub = tfs_openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY, 0);
		if (sub < 0) {
			r = sub;
			continue;
		}
		r = remove_dir_contents(sub, dev, depth + 1);
		close(sub);
		if (r == 0 && unlinkat(dfd, de->d_name, AT_REMOVEDIR) != 0)
			r = -errno;
	}
	closedir(d);
	return r;
}

int tfs_remove_at(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) == 0 ? 0 : -errno;
	int sub = tfs_openat(dirfd, name, O_RDONLY | O_DIRECTORY, 0);
	if (sub < 0)
		return sub;
	int r = remove_dir_contents(sub, st.st_dev, 0);
	close(sub);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
		r = -errno;
	return r;
}

int tfs_remove_tree(const struct tree *t, const char *rel)
{
	const char *base;
	int dfd = tfs_parent(t, rel, &base);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	int r = tfs_remove_at(dfd, base);
	close(dfd);
	return r;
}

int tfs_sync(const struct tree *t)
{
	return syncfs(t->fd) == 0 ? 0 : -errno;
}

void tfs_fd_path(int fd, char out[32])
{
	snprintf(out, 32, "/proc/self/fd/%d", fd);
}

int tfs_fmt(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}
