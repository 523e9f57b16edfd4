/* Overlayfs uppers: walking one from a source, classifying its entries
 * against the lower layers, applying it onto a directory. See upperfs.h. */
#include "upperfs.h"
#include "treefs.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define OVL_PREFIX "trusted.overlay."
#define ENT_WHITEOUT 1
#define ENT_OPAQUE 2

static int why(struct upper_src *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why(struct upper_src *s, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return err;
}

void upper_xattrs_free(struct upper_xattrs *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->v[i].name);
		free(x->v[i].value);
	}
	free(x->v);
	memset(x, 0, sizeof(*x));
}

int upper_xattrs_add(struct upper_xattrs *x, const char *name, const void *value, size_t len)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4;
		struct upper_xattr *v = realloc(x->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->v = v;
		x->cap = cap;
	}
	struct upper_xattr *a = &x->v[x->n];
	a->name = strdup(name);
	a->value = malloc(len ? len : 1);
	if (!a->name || !a->value) {
		free(a->name);
		free(a->value);
		return -ENOMEM;
	}
	memcpy(a->value, value, len);
	a->len = len;
	x->n++;
	return 0;
}

void upper_close(struct upper_src *s)
{
	if (s->ops && s->ops->close)
		s->ops->close(s);
	s->ops = NULL;
}

/* The overlayfs marks of one entry: whiteout, opaque; anything that would
 * make the upper mean more than its entries say is refused. */
static int ent_check(struct upper_src *s, const char *path, const struct upper_ent *e,
		     const struct upper_xattrs *x, int *flags)
{
	*flags = 0;
	switch (e->mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFBLK: case S_IFIFO: case S_IFSOCK: break;
	case S_IFCHR:
		if (e->rdev == 0)
			*flags |= ENT_WHITEOUT;
		break;
	default: return why(s, -EUCLEAN, "%s: unknown file type %#o", path, (unsigned)(e->mode & S_IFMT));
	}
	for (size_t i = 0; i < x->n; i++) {
		const char *n = x->v[i].name;
		if (strncmp(n, OVL_PREFIX, strlen(OVL_PREFIX)))
			continue;
		n += strlen(OVL_PREFIX);
		if (!strcmp(n, "opaque")) {
			if (!S_ISDIR(e->mode) || x->v[i].len != 1 || *(char *)x->v[i].value != 'y')
				return why(s, -EUCLEAN, "%s: unexpected trusted.overlay.opaque mark", path);
			*flags |= ENT_OPAQUE;
		} else if (!strcmp(n, "redirect")) {
			return why(s, -EOPNOTSUPP, "%s: a renamed directory (trusted.overlay.redirect); only uppers "
				   "made with redirect_dir=off can be read", path);
		} else if (!strcmp(n, "metacopy")) {
			return why(s, -EOPNOTSUPP, "%s: a metadata-only copy (trusted.overlay.metacopy); only uppers "
				   "made with metacopy=off can be read", path);
		} else if (strcmp(n, "origin") && strcmp(n, "impure") && strcmp(n, "nlink") && strcmp(n, "uuid") &&
			   strcmp(n, "protattr")) {
			/* origin, impure, nlink, uuid, protattr: bookkeeping of the
			 * mount that wrote the upper, meaningless anywhere else. */
			return why(s, -EOPNOTSUPP, "%s: unknown overlayfs attribute trusted.overlay.%.40s", path, n);
		}
	}
	return 0;
}

/* ---- the walk ---- */
struct walk {
	struct upper_src *s;
	/* An entry below frame parent: *child set to enter a directory. */
	int (*enter)(struct walk *w, void *parent, const char *path, const struct upper_ent *e,
		     const struct upper_xattrs *x, int flags, void **child);
	/* After a directory's entries (ok: 0 when the walk failed: clean up only). */
	int (*leave)(struct walk *w, void *frame, const struct upper_ent *e, int ok);
	void *arg;
};

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct upper_ent *)a)->name, ((const struct upper_ent *)b)->name);
}

static int name_ok(const char *n)
{
	return n[0] && strcmp(n, ".") && strcmp(n, "..") && !strchr(n, '/');
}

static int walk_dir(struct walk *w, void *frame, char *path, const struct upper_ent *dir, int depth);

static int walk_ent(struct walk *w, void *frame, char *path, const struct upper_ent *e, int depth)
{
	struct upper_src *s = w->s;
	struct upper_xattrs x = {0};
	int flags = 0, r = s->ops->xattrs(s, path, e, &x);
	if (r < 0 && !s->why[0])
		why(s, r, "%s: cannot read its extended attributes: %s", path, strerror(-r));
	if (r == 0)
		r = ent_check(s, path, e, &x, &flags);
	void *child = NULL;
	if (r == 0)
		r = w->enter(w, frame, path, e, &x, flags, &child);
	upper_xattrs_free(&x);
	if (child) {
		if (r == 0)
			r = walk_dir(w, child, path, e, depth + 1);
		int l = w->leave(w, child, e, r == 0);
		if (r == 0)
			r = l;
	}
	return r;
}

static int walk_dir(struct walk *w, void *frame, char *path, const struct upper_ent *dir, int depth)
{
	struct upper_src *s = w->s;
	if (depth > UPPER_DEPTH_MAX)
		return why(s, -ELOOP, "%s: more than %d directories deep", path, UPPER_DEPTH_MAX);
	struct upper_ent *ents = NULL;
	size_t n = 0, plen = strlen(path);
	int r = s->ops->list(s, path, dir, &ents, &n);
	if (r < 0) {
		if (!s->why[0])
			why(s, r, "%s: cannot list it: %s", path, strerror(-r));
		return r;
	}
	if (n)
		qsort(ents, n, sizeof(*ents), cmp_ent);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!name_ok(ents[i].name)) {
			r = why(s, -EUCLEAN, "%s: an entry with a corrupt name", path);
			break;
		}
		int k = snprintf(path + plen, PATH_MAX - plen, "%s%s", plen > 1 ? "/" : "", ents[i].name);
		if (k < 0 || (size_t)k >= PATH_MAX - plen) {
			path[plen] = '\0';
			r = why(s, -ENAMETOOLONG, "%s: a name below it is too long", path);
			break;
		}
		r = walk_ent(w, frame, path, &ents[i], depth);
		path[plen] = '\0';
	}
	free(ents);
	return r;
}

static int walk(struct walk *w, void *root_frame)
{
	char path[PATH_MAX] = "/";
	w->s->why[0] = '\0';
	return walk_dir(w, root_frame, path, &w->s->root, 0);
}

/* ---- comparing ---- */
struct cmp_state {
	int fd;
	int differ;
};

static int cmp_sink(void *arg, const void *buf, size_t len)
{
	struct cmp_state *c = arg;
	char other[65536];
	const char *p = buf;
	while (len && !c->differ) {
		size_t want = len < sizeof(other) ? len : sizeof(other);
		ssize_t n = read(c->fd, other, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || memcmp(other, p, (size_t)n)) {
			c->differ = 1;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 when the two regular files' contents differ. */
static int fds_differ(int a, int b)
{
	char x[65536], y[65536];
	for (;;) {
		ssize_t n = read(a, x, sizeof(x));
		if (n < 0)
			return -errno;
		size_t got = 0;
		while (got < (size_t)n) {
			ssize_t m = read(b, y + got, (size_t)n - got);
			if (m < 0)
				return -errno;
			if (m == 0)
				return 1;
			got += (size_t)m;
		}
		if (memcmp(x, y, (size_t)n))
			return 1;
		if (n == 0)
			return read(b, y, 1) != 0;
	}
}

static int attr_differs(mode_t m1, uid_t u1, gid_t g1, const struct stat *st)
{
	int d = 0;
	if ((m1 & S_IFMT) != (st->st_mode & S_IFMT))
		d |= UPPER_DIFF_TYPE;
	if ((m1 & 07777) != (st->st_mode & 07777))
		d |= UPPER_DIFF_MODE;
	if (u1 != st->st_uid || g1 != st->st_gid)
		d |= UPPER_DIFF_OWNER;
	return d;
}

/* How upper entry e differs from the lower entry name in lower directory ldir. */
static int ent_differs(struct upper_src *s, const char *path, const struct upper_ent *e, int ldir, const char *name,
		       const struct stat *st)
{
	int d = attr_differs(e->mode, e->uid, e->gid, st);
	if (d & UPPER_DIFF_TYPE)
		return d;
	if (S_ISREG(e->mode)) {
		if (e->size != (uint64_t)st->st_size)
			return d | UPPER_DIFF_CONTENT;
		_cleanup_fd_ int fd = tfs_openat(ldir, name, O_RDONLY | O_NONBLOCK, 0);
		struct stat fst;
		if (fd < 0 || fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))
			return d | UPPER_DIFF_CONTENT;
		struct cmp_state c = {.fd = fd};
		int r = s->ops->read(s, path, e, cmp_sink, &c);
		if (r < 0)
			return r;
		char one;
		if (c.differ || read(fd, &one, 1) != 0)
			d |= UPPER_DIFF_CONTENT;
	} else if (S_ISLNK(e->mode)) {
		struct strbuf t = STRBUF_INIT;
		char buf[PATH_MAX];
		int r = s->ops->readlink(s, path, e, &t);
		ssize_t n = readlinkat(ldir, name, buf, sizeof(buf));
		if (r < 0 || n < 0 || (size_t)n != t.len || memcmp(buf, sb_str(&t), t.len))
			d |= UPPER_DIFF_CONTENT;
		sb_free(&t);
	} else if ((S_ISCHR(e->mode) || S_ISBLK(e->mode)) && e->rdev != st->st_rdev) {
		d |= UPPER_DIFF_CONTENT;
	}
	return d;
}

int upper_layers_differ(int a, int b, const char *path)
{
	const char *rel = path[0] == '/' ? path + 1 : path;
	if (!*rel)
		rel = ".";
	_cleanup_fd_ int fa = tfs_openat(a, rel, O_PATH, 0);
	_cleanup_fd_ int fb = tfs_openat(b, rel, O_PATH, 0);
	if (fa < 0 && fb < 0)
		return 0;
	struct stat sa, sb;
	if (fa < 0 || fb < 0 || fstat(fa, &sa) < 0 || fstat(fb, &sb) < 0)
		return UPPER_DIFF_TYPE;
	if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		return 0; /* one file, hard-linked into both versions */
	int d = attr_differs(sa.st_mode, sa.st_uid, sa.st_gid, &sb);
	if (d & UPPER_DIFF_TYPE)
		return d;
	if (S_ISREG(sa.st_mode)) {
		_cleanup_fd_ int ra = tfs_openat(a, rel, O_RDONLY | O_NONBLOCK, 0);
		_cleanup_fd_ int rb = tfs_openat(b, rel, O_RDONLY | O_NONBLOCK, 0);
		if (sa.st_size != sb.st_size || ra < 0 || rb < 0 || fds_differ(ra, rb) != 0)
			d |= UPPER_DIFF_CONTENT;
	} else if (S_ISLNK(sa.st_mode)) {
		char x[PATH_MAX], y[PATH_MAX];
		ssize_t n = readlinkat(fa, "", x, sizeof(x)), m = readlinkat(fb, "", y, sizeof(y));
		if (n < 0 || n != m || memcmp(x, y, (size_t)n))
			d |= UPPER_DIFF_CONTENT;
	} else if ((S_ISCHR(sa.st_mode) || S_ISBLK(sa.st_mode)) && sa.st_rdev != sb.st_rdev) {
		d |= UPPER_DIFF_CONTENT;
	}
	return d;
}

/* ---- classify ---- */
struct lowdir {
	int fd, layer;
};
struct cframe {
	int n, owned;
	struct lowdir l[];
};
struct classify {
	upper_change_fn fn;
	void *arg;
	int nlowers;
};

static struct cframe *cframe_new(int cap, int owned)
{
	struct cframe *f = calloc(1, sizeof(*f) + (size_t)cap * sizeof(struct lowdir));
	if (f)
		f->owned = owned;
	return f;
}

static int is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

static int dir_is_opaque(int fd)
{
	char v[2];
	return fgetxattr(fd, OVL_PREFIX "opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* The lower directories merged with upper directory name, from lower hit
 * on: as overlayfs looks them up (a non-directory or an opaque directory
 * ends the stack). */
static int merged_lowers(const struct cframe *p, int hit, const char *name, struct cframe *c)
{
	for (int i = hit; i < p->n; i++) {
		struct stat st;
		if (fstatat(p->l[i].fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode))
			break;
		int fd = tfs_openat(p->l[i].fd, name, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			return fd;
		c->l[c->n].fd = fd;
		c->l[c->n++].layer = p->l[i].layer;
		if (dir_is_opaque(fd))
			break;
	}
	return 0;
}

static int classify_enter(struct walk *w, void *parent, const char *path, const struct upper_ent *e,
			  const struct upper_xattrs *x, int flags, void **child)
{
	(void)x;
	struct classify *cl = w->arg;
	const struct cframe *p = parent;
	struct stat st;
	int hit = -1;
	for (int i = 0; i < p->n && hit < 0; i++)
		if (fstatat(p->l[i].fd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			hit = i;
	/* A lower whiteout shows nothing: to the node, the path was absent. */
	int shown = hit >= 0 && !is_whiteout(&st);
	struct upper_change c = {.path = path, .ent = e, .layer = shown ? p->l[hit].layer : -1};
	int report = 1;
	if (flags & ENT_WHITEOUT) {
		c.kind = UPPER_DELETED;
	} else if (!shown) {
		c.kind = UPPER_ADDED;
	} else if ((flags & ENT_OPAQUE) && S_ISDIR(st.st_mode)) {
		c.kind = UPPER_OPAQUE;
	} else {
		c.kind = UPPER_CHANGED;
		int d = S_ISDIR(e->mode) ? attr_differs(e->mode, e->uid, e->gid, &st)
					  : ent_differs(w->s, path, e, p->l[hit].fd, e->name, &st);
		if (d < 0)
			return why(w->s, d, "%s: cannot compare it with the lower layer: %s", path, strerror(-d));
		c.differs = d;
		/* A directory merged with a lower one is only a container. */
		report = !S_ISDIR(e->mode) || d;
	}
	if (report) {
		int r = cl->fn(cl->arg, &c);
		if (r)
			return r;
	}
	if (!S_ISDIR(e->mode))
		return 0;
	struct cframe *f = cframe_new(cl->nlowers, 1);
	if (!f)
		return -ENOMEM;
	*child = f;
	if (c.kind == UPPER_CHANGED && S_ISDIR(st.st_mode) && !(flags & ENT_OPAQUE))
		return merged_lowers(p, hit, e->name, f);
	return 0;
}

static int classify_leave(struct walk *w, void *frame, const struct upper_ent *e, int ok)
{
	(void)w, (void)e, (void)ok;
	struct cframe *f = frame;
	for (int i = 0; f->owned && i < f->n; i++)
		close(f->l[i].fd);
	free(f);
	return 0;
}

int upper_classify(struct upper_src *s, const int *lowers, int nlowers, upper_change_fn fn, void *arg)
{
	struct cframe *root = cframe_new(nlowers, 0);
	if (!root)
		return -ENOMEM;
	for (int i = 0; i < nlowers; i++) {
		root->l[root->n].fd = lowers[i];
		root->l[root->n++].layer = i;
	}
	struct classify cl = {.fn = fn, .arg = arg, .nlowers = nlowers};
	struct walk w = {.s = s, .enter = classify_enter, .leave = classify_leave, .arg = &cl};
	int r = walk(&w, root);
	free(root);
	return r;
}

/* ---- apply ---- */
int upper_path_check(const char *p, const char **why_)
{
	if (p[0] != '/')
		return *why_ = "want an absolute path", -EINVAL;
	if (!p[1])
		return *why_ = "names the whole layer (leave out --paths for everything)", -EINVAL;
	if (strlen(p) > 1024)
		return *why_ = "path too long", -EINVAL;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return *why_ = "control character in the path", -EINVAL;
	for (const char *c = p; *c; c++) {
		if (*c != '/')
			continue;
		const char *n = c + 1;
		size_t len = strcspn(n, "/");
		if (len == 0)
			return *why_ = "empty component or trailing '/'", -EINVAL;
		if ((len == 1 && n[0] == '.') || (len == 2 && n[0] == '.' && n[1] == '.'))
			return *why_ = "'.' or '..' in the path", -EINVAL;
	}
	return 0;
}

#define SEL_SKIP 0
#define SEL_ANCESTOR 1
#define SEL_ALL 2
struct aframe {
	int fd, sel, created;
};
struct apply {
	struct upper_apply_opts *o;
	unsigned tmp_seq;
};

static int under(const char *path, const char *q)
{
	size_t n = strlen(q);
	return !strncmp(path, q, n) && (path[n] == '\0' || path[n] == '/');
}

static int select_path(struct upper_apply_opts *o, const char *path, int *exact)
{
	int sel = SEL_SKIP;
	*exact = 0;
	for (size_t i = 0; i < o->npaths; i++) {
		if (!strcmp(path, o->paths[i])) {
			*exact = 1;
			if (o->matched)
				o->matched[i] = 1;
		}
		if (under(path, o->paths[i]))
			sel = SEL_ALL;
		else if (sel == SEL_SKIP && under(o->paths[i], path))
			sel = SEL_ANCESTOR;
	}
	return sel;
}

static int excluded(const struct upper_apply_opts *o, const char *path)
{
	for (size_t i = 0; i < o->nexclude; i++)
		if (fnmatch(o->exclude[i], path, FNM_PATHNAME) == 0)
			return 1;
	return 0;
}

/* Owner, mode, xattrs (the mount's own trusted.overlay.* aside) and times
 * of the new entry name in dir; fd: the entry itself when open (-1: reach
 * it by name, never following it). chown first: it clears set-id bits and
 * file capabilities, which mode and xattrs then restore. */
static int set_attrs(int dir, const char *name, int fd, const struct upper_ent *e,
		     const struct upper_xattrs *x, int times)
{
	char proc[64 + 256];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dir, name);
	int r = fd >= 0 ? fchown(fd, e->uid, e->gid) : fchownat(dir, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
	if (r == 0 && !S_ISLNK(e->mode))
		r = fd >= 0 ? fchmod(fd, e->mode & 07777) : fchmodat(dir, name, e->mode & 07777, 0);
	for (size_t i = 0; r == 0 && i < x->n; i++) {
		if (!strncmp(x->v[i].name, OVL_PREFIX, strlen(OVL_PREFIX)))
			continue;
		r = fd >= 0 ? fsetxattr(fd, x->v[i].name, x->v[i].value, x->v[i].len, 0)
			    : lsetxattr(proc, x->v[i].name, x->v[i].value, x->v[i].len, 0);
	}
	if (r == 0 && times) {
		struct timespec ts[2] = {e->atime, e->mtime};
		r = fd >= 0 ? futimens(fd, ts) : utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW);
	}
	return r < 0 ? -errno : 0;
}

/* Writes pieces to fd, leaving holes where a piece is all zeros. */
static int write_sink(void *arg, const void *buf, size_t len)
{
	int fd = *(int *)arg;
	static const char zero[4096];
	const char *p = buf;
	while (len) {
		size_t k = len < sizeof(zero) ? len : sizeof(zero);
		if (!memcmp(p, zero, k)) {
			if (lseek(fd, (off_t)k, SEEK_CUR) < 0)
				return -errno;
		} else {
			ssize_t n = write(fd, p, k);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			k = (size_t)n;
		}
		p += k;
		len -= k;
	}
	return 0;
}

/* A new non-directory at tmp in dir, as e. */
static int make_new(struct upper_src *s, const char *path, int dir, const char *tmp, const struct upper_ent *e,
		    const struct upper_xattrs *x)
{
	if (S_ISREG(e->mode)) {
		_cleanup_fd_ int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		int r = s->ops->read(s, path, e, write_sink, &fd);
		if (r == 0 && ftruncate(fd, (off_t)e->size) < 0)
			r = -errno;
		return r < 0 ? r : set_attrs(dir, tmp, fd, e, x, 1);
	}
	if (S_ISLNK(e->mode)) {
		struct strbuf t = STRBUF_INIT;
		int r = s->ops->readlink(s, path, e, &t);
		if (r == 0 && symlinkat(sb_str(&t), dir, tmp) < 0)
			r = -errno;
		sb_free(&t);
		return r < 0 ? r : set_attrs(dir, tmp, -1, e, x, 1);
	}
	if (mknodat(dir, tmp, (e->mode & S_IFMT) | 0600, e->rdev) < 0)
		return -errno;
	return set_attrs(dir, tmp, -1, e, x, 1);
}

/* Replace name in dir by a new inode made from e: never written through,
 * so a hard link shared with a published version keeps its content. */
static int replace_ent(struct apply *a, struct upper_src *s, const char *path, int dir, const struct upper_ent *e,
		       const struct upper_xattrs *x)
{
	char tmp[64];
	int r;
	do {
		snprintf(tmp, sizeof(tmp), ".hopeless-apply.%d.%u", (int)getpid(), a->tmp_seq++);
		r = make_new(s, path, dir, tmp, e, x);
		if (r < 0 && r != -EEXIST)
			unlinkat(dir, tmp, 0);
	} while (r == -EEXIST);
	if (r < 0)
		return why(s, r, "%s: cannot copy it: %s", path, strerror(-r));
	struct stat st;
	if (fstatat(dir, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		r = tfs_remove_at(dir, e->name);
	if (r == 0 && renameat(dir, tmp, dir, e->name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dir, tmp, 0);
		return why(s, r, "%s: cannot put it in place: %s", path, strerror(-r));
	}
	return 0;
}

/* A whiteout: the entry goes; above a root, a whiteout keeps hiding it. */
static int apply_whiteout(struct upper_src *s, const char *path, int dir, const struct upper_ent *e, int overlay)
{
	int r = tfs_remove_at(dir, e->name);
	if (r == 0 && overlay && mknodat(dir, e->name, S_IFCHR | (e->mode & 07777), makedev(0, 0)) < 0)
		r = -errno;
	if (r == 0 && overlay && fchownat(dir, e->name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	return r < 0 ? why(s, r, "%s: cannot remove it: %s", path, strerror(-r)) : 0;
}

/* Directory name in dir as a real directory (a fresh one when fresh is set
 * or something else is there); returns its fd. */
static int ensure_dir(int dir, const char *name, int fresh, int *created)
{
	struct stat st;
	*created = 0;
	int r = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
	if (r == 0 && (fresh || !S_ISDIR(st.st_mode)))
		r = tfs_remove_at(dir, name) == 0 ? -ENOENT : -EIO;
	if (r == -ENOENT) {
		if (mkdirat(dir, name, 0700) < 0)
			return -errno;
		*created = 1;
	} else if (r < 0) {
		return r;
	}
	return tfs_openat(dir, name, O_RDONLY | O_DIRECTORY, 0);
}

static int apply_dir(struct walk *w, struct aframe *p, const char *path, const struct upper_ent *e,
		     const struct upper_xattrs *x, int flags, int sel, void **child)
{
	struct apply *a = w->arg;
	struct aframe *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	int fresh = sel == SEL_ALL && (flags & ENT_OPAQUE);
	f->fd = ensure_dir(p->fd, e->name, fresh, &f->created);
	f->sel = sel;
	if (f->fd < 0) {
		int r = f->fd;
		free(f);
		return why(w->s, r, "%s: cannot make the directory: %s", path, strerror(-r));
	}
	*child = f;
	int r = 0;
	/* An ancestor of a named path only exists; the named subtree gets the upper's attributes. */
	if (sel == SEL_ALL || f->created)
		r = set_attrs(p->fd, e->name, f->fd, e, x, 0);
	if (r == 0 && fresh && a->o->dst_is_overlay && fsetxattr(f->fd, OVL_PREFIX "opaque", "y", 1, 0) < 0)
		r = -errno;
	if (r < 0)
		return why(w->s, r, "%s: cannot set its attributes: %s", path, strerror(-r));
	/* A directory that was there already is only a container: not counted. */
	if (sel == SEL_ALL && f->created)
		a->o->applied++;
	return 0;
}

static int apply_enter(struct walk *w, void *parent, const char *path, const struct upper_ent *e,
		       const struct upper_xattrs *x, int flags, void **child)
{
	struct apply *a = w->arg;
	struct upper_apply_opts *o = a->o;
	struct aframe *p = parent;
	int exact = 0, sel = p->sel == SEL_ALL ? SEL_ALL : select_path(o, path, &exact);
	if (p->sel == SEL_ALL && o->npaths)
		select_path(o, path, &exact);
	if (sel == SEL_SKIP || (sel == SEL_ANCESTOR && (!S_ISDIR(e->mode) || (flags & ENT_WHITEOUT))))
		return 0;
	if (S_ISDIR(e->mode))
		return apply_dir(w, p, path, e, x, flags, sel, child);
	if (!exact && excluded(o, path)) {
		if ((o->excluded.len && sb_add(&o->excluded, ", ") < 0) || sb_add(&o->excluded, path) < 0)
			return -ENOMEM;
		return 0;
	}
	int r = flags & ENT_WHITEOUT ? apply_whiteout(w->s, path, p->fd, e, o->dst_is_overlay)
				     : replace_ent(a, w->s, path, p->fd, e, x);
	if (r == 0)
		o->applied++;
	return r;
}

static int apply_leave(struct walk *w, void *frame, const struct upper_ent *e, int ok)
{
	(void)w;
	struct aframe *f = frame;
	int r = 0;
	/* Times last: creating the entries changed them. */
	if (ok && (f->sel == SEL_ALL || f->created)) {
		struct timespec ts[2] = {e->atime, e->mtime};
		if (futimens(f->fd, ts) < 0)
			r = -errno;
	}
	close(f->fd);
	free(f);
	return r;
}

int upper_apply(struct upper_src *s, int dst, struct upper_apply_opts *o)
{
	for (size_t i = 0; i < o->npaths; i++) {
		const char *why_;
		if (upper_path_check(o->paths[i], &why_) < 0)
			return why(s, -EINVAL, "%.80s: %s", o->paths[i], why_);
	}
	if (o->matched)
		memset(o->matched, 0, o->npaths);
	o->applied = 0;
	struct apply a = {.o = o};
	struct aframe root = {.fd = dst, .sel = o->paths ? SEL_ANCESTOR : SEL_ALL};
	struct walk w = {.s = s, .enter = apply_enter, .leave = apply_leave, .arg = &a};
	return walk(&w, &root);
}

void upper_apply_opts_free(struct upper_apply_opts *o)
{
	sb_free(&o->excluded);
}
