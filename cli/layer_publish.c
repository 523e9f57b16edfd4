/* Changing a layer is publishing a new version of it: files the head node
 * generates into an overlay (config's /etc/hosts, users sync's account
 * files) go into a draft cloned from the current version, and the draft is
 * published only when something differs. Published versions are never
 * written: tfs_write replaces a draft's hard link by a new file (rename), so
 * the inode the older versions share is untouched. */
#include "layer.h"
#include "version.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* 1 when rel holds exactly data with the mode and owner wanted. */
static int same_file(const struct tree *t, const char *rel, const struct layer_file *f)
{
	struct stat st;
	struct strbuf sb = STRBUF_INIT;
	int same = tfs_stat(t, rel, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == f->mode &&
		   st.st_uid == f->uid && st.st_gid == f->gid && tfs_read(t, rel, &sb) == 0 && sb.len == f->len &&
		   !memcmp(sb_str(&sb), f->data, f->len);
	sb_free(&sb);
	return same;
}

static int files_unchanged(const struct tree *t, const char *name, int cur, const struct layer_file *f, size_t n)
{
	char base[PATH_MAX], rel[PATH_MAX];
	if (version_rel(base, sizeof(base), name, cur) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (tfs_fmt(rel, sizeof(rel), "%s/%s", base, f[i].path) < 0 || !same_file(t, rel, &f[i]))
			return 0;
	return 1;
}

/* The files into the draft: parent directories made, each file new. */
static int draft_write(struct tree *t, const struct draft *d, const struct layer_file *f, size_t n)
{
	char rel[PATH_MAX];
	for (size_t i = 0; i < n; i++) {
		if (tfs_fmt(rel, sizeof(rel), "%s/%s", d->rel, f[i].path) < 0)
			return -ENAMETOOLONG;
		char *slash = strrchr(rel, '/');
		*slash = '\0';
		int r = tfs_mkdir_p(t, rel, 0755);
		*slash = '/';
		if (r == 0)
			r = tfs_write(t, rel, f[i].data, f[i].len, f[i].mode, f[i].uid, f[i].gid, WRITE_NO_SYNC);
		if (r < 0)
			return r;
	}
	return 0;
}

int layer_publish_files(struct tree *t, const char *name, const struct layer_file *f, size_t n, int *published)
{
	*published = 0;
	int cur = version_current(t, name);
	if (cur < 0)
		return cur;
	if (files_unchanged(t, name, cur, f, n))
		return 0;
	struct draft d;
	int r = draft_create(t, name, cur, &d);
	if (r == 0)
		r = draft_write(t, &d, f, n);
	if (r == 0)
		r = draft_publish(t, &d, published);
	draft_discard(t, &d);
	return r;
}
