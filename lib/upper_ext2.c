/* An upper read from a node's ext4 image in user space (libext2fs): the
 * image is written by the node, so the head node's kernel never mounts it.
 * Read-only: the image is opened without EXT2_FLAG_RW and nothing is
 * written. Callers check the image with e2fsck first (see cli/node_image.c);
 * here an image with errors recorded or a journal to replay is refused,
 * and every name and length read from it is checked before use. */
#include "upperfs.h"
#include "treefs.h"
#include <errno.h>
#include <limits.h>
#include <et/com_err.h>
#include <ext2fs/ext2fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

struct ext2_src {
	ext2_filsys fs;
};

/* libext2fs error codes: small ones are errno values, the rest its own. */
static int e2err(struct upper_src *s, errcode_t err, const char *path, const char *what)
{
	snprintf(s->why, sizeof(s->why), "%s: %s: %s", path, what, error_message(err));
	return err > 0 && err < 4096 ? -(int)err : -EIO;
}

static struct timespec ts_of(__u32 sec, __u32 extra, int has_extra)
{
	struct timespec t = {.tv_sec = (time_t)(__s32)sec};
	if (has_extra) {
		/* The extra field: 2 epoch bits, then nanoseconds << 2. */
		t.tv_sec += (time_t)((uint64_t)(extra & 3) << 32);
		t.tv_nsec = (long)(extra >> 2);
		if (t.tv_nsec > 999999999)
			t.tv_nsec = 0;
	}
	return t;
}

static int read_ent(struct upper_src *s, ext2_ino_t ino, const char *name, struct upper_ent *e)
{
	struct ext2_src *x = s->priv;
	struct ext2_inode_large in;
	memset(&in, 0, sizeof(in));
	errcode_t err = ext2fs_read_inode_full(x->fs, ino, (struct ext2_inode *)&in, sizeof(in));
	if (err)
		return e2err(s, err, name, "cannot read its inode");
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->ino = ino;
	e->mode = in.i_mode;
	e->uid = inode_uid(in);
	e->gid = inode_gid(in);
	e->size = EXT2_I_SIZE(&in);
	if (LINUX_S_ISCHR(in.i_mode) || LINUX_S_ISBLK(in.i_mode)) {
		/* Old encoding in i_block[0], new (large numbers) in i_block[1]. */
		if (in.i_block[0])
			e->rdev = makedev((in.i_block[0] >> 8) & 255, in.i_block[0] & 255);
		else
			e->rdev = makedev((in.i_block[1] & 0xfff00) >> 8,
					  (in.i_block[1] & 0xff) | ((in.i_block[1] >> 12) & 0xfff00));
	}
	int extra = EXT2_INODE_SIZE(x->fs->super) > EXT2_GOOD_OLD_INODE_SIZE && in.i_extra_isize >= 16;
	e->mtime = ts_of(in.i_mtime, in.i_mtime_extra, extra);
	e->atime = ts_of(in.i_atime, in.i_atime_extra, extra);
	return 0;
}

struct list_ctx {
	struct upper_src *s;
	const char *path;
	struct upper_ent *v;
	size_t n, cap;
	int err;
};

static int list_one(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset, int blocksize, char *buf,
		    void *priv)
{
	(void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
	struct list_ctx *c = priv;
	int len = ext2fs_dirent_name_len(de);
	char name[256];
	memcpy(name, de->name, (size_t)len);
	name[len] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	if (len == 0 || memchr(name, '\0', (size_t)len) || memchr(name, '/', (size_t)len)) {
		snprintf(c->s->why, sizeof(c->s->why), "%s: an entry with a corrupt name", c->path);
		c->err = -EUCLEAN;
		return DIRENT_ABORT;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct upper_ent *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return c->err = -ENOMEM, DIRENT_ABORT;
		c->v = v;
		c->cap = cap;
	}
	int r = read_ent(c->s, de->inode, name, &c->v[c->n]);
	if (r < 0)
		return c->err = r, DIRENT_ABORT;
	c->n++;
	return 0;
}

static int e2_list(struct upper_src *s, const char *path, const struct upper_ent *dir, struct upper_ent **out,
		   size_t *n)
{
	struct ext2_src *x = s->priv;
	struct list_ctx c = {.s = s, .path = path};
	errcode_t err = ext2fs_dir_iterate2(x->fs, (ext2_ino_t)dir->ino, 0, NULL, list_one, &c);
	if (c.err || err) {
		free(c.v);
		return c.err ? c.err : e2err(s, err, path, "cannot read the directory");
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

static int e2_read(struct upper_src *s, const char *path, const struct upper_ent *e, upper_sink_fn sink, void *arg)
{
	struct ext2_src *x = s->priv;
	ext2_file_t f;
	errcode_t err = ext2fs_file_open(x->fs, (ext2_ino_t)e->ino, 0, &f);
	if (err)
		return e2err(s, err, path, "cannot open it");
	char *buf = malloc(65536);
	int r = 0;
	if (!buf)
		return ext2fs_file_close(f), -ENOMEM;
	for (;;) {
		unsigned got = 0;
		err = ext2fs_file_read(f, buf, 65536, &got);
		if (err) {
			r = e2err(s, err, path, "cannot read it");
			break;
		}
		if (got == 0 || (r = sink(arg, buf, got)) < 0)
			break;
	}
	free(buf);
	ext2fs_file_close(f);
	return r;
}

/* A symbolic link's target, at most PATH_MAX bytes. */
static int link_sink(void *arg, const void *buf, size_t len)
{
	struct strbuf *sb = arg;
	return sb->len + len >= PATH_MAX ? -EUCLEAN : sb_addn(sb, buf, len);
}

static int e2_readlink(struct upper_src *s, const char *path, const struct upper_ent *e, struct strbuf *t)
{
	struct ext2_src *x = s->priv;
	struct ext2_inode in;
	char buf[PATH_MAX];
	size_t size = sizeof(buf);
	errcode_t err = ext2fs_read_inode(x->fs, (ext2_ino_t)e->ino, &in);
	if (err)
		return e2err(s, err, path, "cannot read its inode");
	if (e->size == 0 || e->size >= PATH_MAX) {
		snprintf(s->why, sizeof(s->why), "%s: a symbolic link of a corrupt length", path);
		return -EUCLEAN;
	}
	if (ext2fs_is_fast_symlink(&in)) {
		if (e->size >= sizeof(in.i_block))
			return snprintf(s->why, sizeof(s->why), "%s: a corrupt symbolic link", path), -EUCLEAN;
		return sb_addn(t, (const char *)in.i_block, (size_t)e->size);
	}
	if (in.i_flags & EXT4_INLINE_DATA_FL) {
		err = ext2fs_inline_data_size(x->fs, (ext2_ino_t)e->ino, &size);
		if (!err && size > sizeof(buf))
			return snprintf(s->why, sizeof(s->why), "%s: a corrupt symbolic link", path), -EUCLEAN;
		if (!err)
			err = ext2fs_inline_data_get(x->fs, (ext2_ino_t)e->ino, &in, buf, &size);
		if (err)
			return e2err(s, err, path, "cannot read the symbolic link");
		return sb_addn(t, buf, size < e->size ? size : (size_t)e->size);
	}
	struct strbuf tmp = STRBUF_INIT;
	int r = e2_read(s, path, e, link_sink, &tmp);
	if (r == -EUCLEAN || (r == 0 && tmp.len != e->size))
		r = -EUCLEAN, snprintf(s->why, sizeof(s->why), "%s: a corrupt symbolic link", path);
	if (r == 0)
		r = sb_addn(t, tmp.buf, tmp.len);
	sb_free(&tmp);
	return r;
}

static int add_xattr(char *name, char *value, size_t len, void *data)
{
	/* system.data holds inline file data, not an attribute. */
	if (!strcmp(name, "system.data"))
		return 0;
	return upper_xattrs_add(data, name, value, len) < 0 ? XATTR_ABORT : 0;
}

static int e2_xattrs(struct upper_src *s, const char *path, const struct upper_ent *e, struct upper_xattrs *xa)
{
	struct ext2_src *x = s->priv;
	struct ext2_xattr_handle *h;
	errcode_t err = ext2fs_xattrs_open(x->fs, (ext2_ino_t)e->ino, &h);
	if (err == EXT2_ET_MISSING_EA_FEATURE)
		return 0;
	if (err)
		return e2err(s, err, path, "cannot read its extended attributes");
	err = ext2fs_xattrs_read(h);
	if (!err)
		err = ext2fs_xattrs_iterate(h, add_xattr, xa);
	ext2fs_xattrs_close(&h);
	return err ? e2err(s, err, path, "cannot read its extended attributes") : 0;
}

static void e2_close(struct upper_src *s)
{
	struct ext2_src *x = s->priv;
	if (x && x->fs)
		ext2fs_close_free(&x->fs);
	free(x);
	s->priv = NULL;
}

static const struct upper_src_ops e2_ops = {e2_list, e2_read, e2_readlink, e2_xattrs, e2_close};

static int e2_check(struct upper_src *s, ext2_filsys fs)
{
	if (fs->super->s_state & EXT2_ERROR_FS)
		return snprintf(s->why, sizeof(s->why), "the file system has errors recorded"), -EUCLEAN;
	if (!(fs->super->s_state & EXT2_VALID_FS))
		return snprintf(s->why, sizeof(s->why), "the file system was not cleanly unmounted"), -EUCLEAN;
	if (ext2fs_has_feature_journal_needs_recovery(fs->super))
		return snprintf(s->why, sizeof(s->why), "its journal needs recovery (the image is in use)"), -EUCLEAN;
	return 0;
}

int upper_ext2_open(int img_fd, struct upper_src *s)
{
	memset(s, 0, sizeof(*s));
	char dev[32];
	tfs_fd_path(img_fd, dev);
	struct ext2_src *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	s->ops = &e2_ops;
	s->priv = x;
	errcode_t err = ext2fs_open2(dev, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &x->fs);
	if (err) {
		x->fs = NULL;
		snprintf(s->why, sizeof(s->why), "not an ext4 image libext2fs can read: %s", error_message(err));
		return upper_close(s), -EUCLEAN;
	}
	int r = e2_check(s, x->fs);
	ext2_ino_t ino = 0;
	if (r == 0 && (err = ext2fs_namei(x->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, "upper", &ino))) {
		snprintf(s->why, sizeof(s->why), "no /upper directory in the image (the node never booted from it)");
		r = err == EXT2_ET_FILE_NOT_FOUND ? -ENOENT : -EUCLEAN;
	}
	if (r == 0 && (r = read_ent(s, ino, "", &s->root)) == 0 && !LINUX_S_ISDIR(s->root.mode))
		r = -EUCLEAN, snprintf(s->why, sizeof(s->why), "/upper in the image is not a directory");
	if (r < 0)
		upper_close(s);
	return r;
}
