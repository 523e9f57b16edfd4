/* Versions of roots and overlays: see version.h for the layout. */
#include "version.h"
#include "treefs.h"
#include "util.h"
#include "validate.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIGRATE_DIR ".hopeless-migrate"

int version_rel(char *out, size_t outlen, const char *name, int v)
{
	return tfs_fmt(out, outlen, "roots/%s/%d", name, v);
}


static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int version_list(const struct tree *t, const char *name, int **out)
{
	char rel[PATH_MAX];
	*out = NULL;
	if (tfs_fmt(rel, sizeof(rel), "roots/%s", name) < 0)
		return -ENAMETOOLONG;
	int fd = tfs_open(t, rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d)
		return close(fd), -ENOMEM;
	int n = 0, cap = 0, *v = NULL, r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		int x = validate_version(de->d_name);
		struct stat st;
		if (x <= 0 || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			int *nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n++] = x;
	}
	closedir(d);
	if (r < 0)
		return free(v), r;
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_int);
	*out = v;
	return n;
}

int version_exists(const struct tree *t, const char *name, int v)
{
	char rel[PATH_MAX];
	return v > 0 && version_rel(rel, sizeof(rel), name, v) == 0 && tfs_is_dir(t, rel);
}

int version_current(const struct tree *t, const char *name)
{
	char rel[PATH_MAX], line[32];
	if (tfs_fmt(rel, sizeof(rel), "roots/%s/current", name) < 0)
		return -ENAMETOOLONG;
	int r = tfs_read_line(t, rel, line, sizeof(line));
	if (r < 0)
		return r;
	int v = validate_version(line);
	return v > 0 ? v : -EINVAL;
}

int version_current_memo(struct version_memo *m, const struct tree *t, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].name, name))
			return m->e[i].v;
	int v = version_current(t, name);
	if (m->n < VERSION_MEMO_MAX && strlen(name) < sizeof(m->e[0].name)) {
		snprintf(m->e[m->n].name, sizeof(m->e[0].name), "%s", name);
		m->e[m->n++].v = v;
	}
	return v;
}

int version_set_current(const struct tree *t, const char *name, int v)
{
	char rel[PATH_MAX], line[32];
	if (!version_exists(t, name, v))
		return -ENOENT;
	if (tfs_fmt(rel, sizeof(rel), "roots/%s/current", name) < 0)
		return -ENAMETOOLONG;
	int n = snprintf(line, sizeof(line), "%d\n", v);
	return tfs_write_file(t, rel, line, (size_t)n, 0644);
}

int version_layer_dir(const struct tree *t, const char *name, int pin, char *rel, size_t len)
{
	if (validate_name(name, NULL) < 0)
		return -EINVAL;
	int v = pin;
	if (v == 0) {
		v = version_current(t, name);
		if (v == -ENOENT) /* not converted to versions yet: the layer itself */
			return tfs_fmt(rel, len, "roots/%s", name);
		if (v < 0)
			return v;
	}
	return version_rel(rel, len, name, v);
}

int version_init_layer(const struct tree *t, const char *tmp_rel, char *v1_rel, size_t len)
{
	char cur[PATH_MAX];
	if (tfs_fmt(v1_rel, len, "%s/1", tmp_rel) < 0 || tfs_fmt(cur, sizeof(cur), "%s/current", tmp_rel) < 0)
		return -ENAMETOOLONG;
	int r = tfs_mkdir(t, v1_rel, 0755);
	return r < 0 ? r : tfs_write_file(t, cur, "1\n", 2, 0644);
}

/* One "roots/REF" field of a union event into out (validated). */
static int union_field(const char *f, size_t n, char *out, size_t len)
{
	char buf[96];
	if (n <= 6 || n >= sizeof(buf) || strncmp(f, "roots/", 6))
		return -EINVAL;
	memcpy(buf, f + 6, n - 6);
	buf[n - 6] = '\0';
	const char *why;
	if (validate_layer_ref(buf, NULL, 0, NULL, &why) < 0 || strlen(buf) >= len)
		return -EINVAL;
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

int version_parse_union_event(const char *msg, char *root, size_t rlen, char *overlay, size_t olen)
{
	const char *a = strstr(msg, " : ");
	const char *b = a ? strstr(a + 3, " : ") : NULL;
	if (!a || !b || strncmp(msg, "clients/", 8))
		return -EINVAL;
	if (union_field(a + 3, (size_t)(b - a - 3), overlay, olen) < 0)
		return -EINVAL;
	return union_field(b + 3, strlen(b + 3), root, rlen);
}

/* Move every entry of the flat layer roots/<name> except MIGRATE_DIR into
 * roots/<name>/MIGRATE_DIR. */
static int migrate_entries(int layer, int into)
{
	DIR *d = fdopendir(dup(layer));
	if (!d)
		return -errno;
	rewinddir(d);
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, MIGRATE_DIR))
			continue;
		if (renameat(layer, de->d_name, into, de->d_name) < 0) {
			r = -errno;
			break;
		}
	}
	closedir(d);
	return r;
}

/* Entries of the layer directory besides "1" (for resuming after the last
 * rename). */
static int only_version_one(int layer)
{
	DIR *d = fdopendir(dup(layer));
	if (!d)
		return 0;
	int only = 1, seen = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strcmp(de->d_name, "1"))
			seen = 1;
		else
			only = 0;
	}
	closedir(d);
	return only && seen;
}

int version_migrate(const struct tree *t, const char *name)
{
	char rel[PATH_MAX], cur[PATH_MAX];
	if (tfs_fmt(rel, sizeof(rel), "roots/%s", name) < 0 || tfs_fmt(cur, sizeof(cur), "%s/current", rel) < 0)
		return -ENAMETOOLONG;
	if (tfs_exists(t, cur))
		return 0;
	_cleanup_fd_ int layer = tfs_open(t, rel, O_RDONLY | O_DIRECTORY, 0);
	if (layer < 0)
		return layer == -ENOENT ? 0 : layer;
	if (!only_version_one(layer)) {
		struct stat st;
		if (fstat(layer, &st) < 0)
			return -errno;
		/* The new version directory takes the layer's own "/" mode and owner. */
		if (mkdirat(layer, MIGRATE_DIR, 0700) < 0 && errno != EEXIST)
			return -errno;
		_cleanup_fd_ int into = tfs_openat(layer, MIGRATE_DIR, O_RDONLY | O_DIRECTORY, 0);
		if (into < 0)
			return into;
		int r = migrate_entries(layer, into);
		if (r < 0)
			return r;
		if (fchown(into, st.st_uid, st.st_gid) < 0 || fchmod(into, st.st_mode & 07777) < 0 ||
		    fsync(into) < 0)
			return -errno;
		if (renameat2(layer, MIGRATE_DIR, layer, "1", RENAME_NOREPLACE) < 0)
			return -errno;
		/* The export's own directory stays as it was: world-readable. */
		if (fchmod(layer, 0755) < 0)
			return -errno;
	}
	int r = version_set_current(t, name, 1);
	return r < 0 ? r : 1;
}

void version_migrate_all(const struct tree *t)
{
	char **names;
	size_t n;
	if (tree_list_names(t, "meta", &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!tree_layer_kind(t, names[i]))
			continue;
		int r = version_migrate(t, names[i]);
		if (r == 1)
			printf("hopeless: roots/%s: converted to versions; its content is now version 1 "
			       "(nodes running from it must reboot)\n", names[i]);
		else if (r < 0)
			fprintf(stderr, "hopeless: roots/%s: cannot convert to versions: %s\n", names[i], strerror(-r));
	}
	tree_names_free(names, n);
}

static int draft_clone(const struct tree *t, const char *name, int base, int dst)
{
	char rel[PATH_MAX];
	if (version_rel(rel, sizeof(rel), name, base) < 0)
		return -ENAMETOOLONG;
	_cleanup_fd_ int src = tfs_open(t, rel, O_RDONLY | O_DIRECTORY, 0);
	if (src < 0)
		return src;
	char from[48], to[48];
	snprintf(from, sizeof(from), "/proc/self/fd/%d/.", src);
	snprintf(to, sizeof(to), "/proc/self/fd/%d/.", dst);
	/* -a: owners, modes, times, xattrs (overlay whiteouts and opaque marks
	 * included); --link: every non-directory is a hard link, so the draft
	 * costs its directories only. Helpers get fds, never tree paths. */
	char *argv[] = {"cp", "-a", "--link", "--no-target-directory", from, to, NULL};
	int keep[2] = {src, dst};
	struct run_opts o = {.keep_fds = keep, .nkeep = 2};
	return run_prog(argv, &o) == 0 ? 0 : -EIO;
}

int draft_create(const struct tree *t, const char *name, int base, struct draft *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->base = base;
	if (tfs_fmt(d->rel, sizeof(d->rel), ".work/drafts/%s.%d", name, (int)getpid()) < 0)
		return -ENAMETOOLONG;
	int r = tfs_mkdir_p(t, ".work/drafts", 0700);
	if (r < 0)
		return r;
	tfs_remove_tree(t, d->rel);
	if ((r = tfs_mkdir(t, d->rel, 0755)) < 0)
		return r;
	d->fd = tfs_open(t, d->rel, O_RDONLY | O_DIRECTORY, 0);
	if (d->fd < 0)
		return r = d->fd, draft_discard(t, d), r;
	if (base > 0 && (r = draft_clone(t, name, base, d->fd)) < 0)
		return draft_discard(t, d), r;
	return 0;
}

int draft_publish(const struct tree *t, struct draft *d, int *number)
{
	int *v, n = version_list(t, d->name, &v);
	if (n < 0)
		return n;
	int next = n ? v[n - 1] + 1 : 1;
	free(v);
	if (next > VERSION_MAX)
		return -EOVERFLOW;
	char rel[PATH_MAX];
	if (version_rel(rel, sizeof(rel), d->name, next) < 0)
		return -ENAMETOOLONG;
	/* The content reaches the disk before its name does. */
	if (syncfs(d->fd) < 0)
		return -errno;
	int r = tfs_rename(t, d->rel, rel, RENAME_NOREPLACE);
	if (r < 0)
		return r;
	close(d->fd);
	d->fd = -1;
	d->rel[0] = '\0';
	if ((r = version_set_current(t, d->name, next)) < 0)
		return r;
	*number = next;
	return 0;
}

void draft_discard(const struct tree *t, struct draft *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->rel[0])
		tfs_remove_tree(t, d->rel);
	d->rel[0] = '\0';
}

void draft_sweep(const struct tree *t)
{
	int fd = tfs_open(t, ".work/drafts", O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	char rel[PATH_MAX];
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] == '.' || !dot)
			continue;
		long pid = strtol(dot + 1, NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if (tfs_fmt(rel, sizeof(rel), ".work/drafts/%s", de->d_name) == 0)
			tfs_remove_tree(t, rel);
	}
	closedir(d);
}
