/* An upper read from a plain directory (the unit tests build uppers this
 * way; a mounted upper could be read the same). Every entry is reached
 * beneath the directory, never through a symlink (treefs). */
#include "upperfs.h"
#include "treefs.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

struct dir_src {
	int fd;
};

static const char *rel_of(const char *path)
{
	return path[1] ? path + 1 : ".";
}

static void ent_from_stat(struct upper_ent *e, const char *name, const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->mode = st->st_mode;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->rdev = st->st_rdev;
	e->size = (uint64_t)st->st_size;
	e->atime = st->st_atim;
	e->mtime = st->st_mtim;
	e->ino = st->st_ino;
}

static int dir_list(struct upper_src *s, const char *path, const struct upper_ent *dir, struct upper_ent **out,
		    size_t *n)
{
	(void)dir;
	struct dir_src *d = s->priv;
	int fd = tfs_openat(d->fd, rel_of(path), O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	DIR *dh = fdopendir(fd);
	if (!dh)
		return close(fd), -errno;
	size_t cap = 0;
	struct upper_ent *v = NULL;
	struct dirent *de;
	int r = 0;
	*n = 0;
	while ((de = readdir(dh))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct upper_ent *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		ent_from_stat(&v[(*n)++], de->d_name, &st);
	}
	closedir(dh);
	if (r < 0)
		return free(v), *n = 0, r;
	*out = v;
	return 0;
}

static int dir_read(struct upper_src *s, const char *path, const struct upper_ent *e, upper_sink_fn sink, void *arg)
{
	(void)e;
	struct dir_src *d = s->priv;
	_cleanup_fd_ int fd = tfs_openat(d->fd, rel_of(path), O_RDONLY | O_NONBLOCK, 0);
	struct stat st;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int r = sink(arg, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

static int dir_readlink(struct upper_src *s, const char *path, const struct upper_ent *e, struct strbuf *t)
{
	(void)e;
	struct dir_src *d = s->priv;
	char buf[PATH_MAX];
	const char *slash = strrchr(path, '/');
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	_cleanup_fd_ int pfd = tfs_openat(d->fd, parent[0] ? parent + 1 : ".", O_RDONLY | O_DIRECTORY, 0);
	if (pfd < 0)
		return pfd;
	ssize_t n = readlinkat(pfd, slash + 1, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return sb_addn(t, buf, (size_t)n);
}

/* Through the parent directory's fd: the entry itself, never followed. */
static int dir_xattrs(struct upper_src *s, const char *path, const struct upper_ent *e, struct upper_xattrs *x)
{
	(void)e;
	struct dir_src *d = s->priv;
	const char *slash = strrchr(path, '/');
	char parent[PATH_MAX], p[PATH_MAX + 64];
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	_cleanup_fd_ int pfd = tfs_openat(d->fd, parent[0] ? parent + 1 : ".", O_RDONLY | O_DIRECTORY, 0);
	if (pfd < 0)
		return pfd;
	if (!path[1])
		return 0; /* the upper's root: its marks mean nothing */
	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", pfd, slash + 1);
	char names[65536];
	ssize_t len = llistxattr(p, names, sizeof(names));
	if (len < 0)
		return errno == ENOTSUP ? 0 : -errno;
	for (char *n = names; n < names + len; n += strlen(n) + 1) {
		char val[65536];
		ssize_t v = lgetxattr(p, n, val, sizeof(val));
		if (v < 0)
			return -errno;
		int r = upper_xattrs_add(x, n, val, (size_t)v);
		if (r < 0)
			return r;
	}
	return 0;
}

static void dir_close(struct upper_src *s)
{
	struct dir_src *d = s->priv;
	if (d)
		close(d->fd);
	free(d);
	s->priv = NULL;
}

static const struct upper_src_ops dir_ops = {dir_list, dir_read, dir_readlink, dir_xattrs, dir_close};

int upper_dir_open(int dirfd, struct upper_src *s)
{
	memset(s, 0, sizeof(*s));
	struct stat st;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	struct dir_src *d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (d->fd < 0)
		return free(d), -errno;
	s->ops = &dir_ops;
	s->priv = d;
	ent_from_stat(&s->root, "", &st);
	return 0;
}
