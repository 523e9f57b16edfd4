/* The one place that understands an overlayfs upper layer.
 *
 * A node's writable layer is the upper of its union (init/upper.c: the
 * directory /upper of its rw.img). Mounted with index=off, metacopy=off and
 * redirect_dir=off, an upper holds only:
 *   - regular files, directories, symlinks, devices, FIFOs, sockets: the
 *     node created them, or copied them up from a lower layer to change them;
 *   - whiteouts (character device 0/0): the node deleted the lower entry;
 *   - opaque directories (xattr trusted.overlay.opaque = "y"): the lower
 *     directory's content is hidden (the node removed it and made a new one).
 * trusted.overlay.redirect or .metacopy would make the upper mean something
 * else than its entries say: such an upper is refused, never guessed at.
 *
 * An upper is read through a source (struct upper_src): a plain directory
 * (upper_dir_open, for tests and mounted uppers) or an ext4 image read in
 * user space with libext2fs (upper_ext2_open: the node's image is hostile
 * and never mounted by the head node's kernel).
 *
 * Functions return 0 or a negative errno and print nothing; on error,
 * src->why says what was wrong in words (path first). */
#ifndef HOPELESS_UPPERFS_H
#define HOPELESS_UPPERFS_H
#include "util.h"
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* Deeper than any real file system; a hostile image cannot recurse forever. */
#define UPPER_DEPTH_MAX 64

struct upper_ent {
	char name[256];     /* one component ("" for the upper's root) */
	mode_t mode;        /* type and permission bits */
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	uint64_t size;
	struct timespec atime, mtime;
	uint64_t ino;       /* the source's own handle (inode number) */
};

struct upper_xattr {
	char *name;
	void *value;
	size_t len;
};
struct upper_xattrs {
	struct upper_xattr *v;
	size_t n, cap;
};
void upper_xattrs_free(struct upper_xattrs *x);
/* Add a copy of name/value (for sources). */
int upper_xattrs_add(struct upper_xattrs *x, const char *name, const void *value, size_t len);

typedef int (*upper_sink_fn)(void *arg, const void *buf, size_t len);
struct upper_src;
struct upper_src_ops {
	/* The entries of directory dir (at path, "/" for the root), any order,
	 * as a malloc'd array. */
	int (*list)(struct upper_src *s, const char *path, const struct upper_ent *dir, struct upper_ent **out,
		    size_t *n);
	/* The content of regular file e, in pieces, to sink. */
	int (*read)(struct upper_src *s, const char *path, const struct upper_ent *e, upper_sink_fn sink,
		    void *arg);
	int (*readlink)(struct upper_src *s, const char *path, const struct upper_ent *e, struct strbuf *target);
	int (*xattrs)(struct upper_src *s, const char *path, const struct upper_ent *e, struct upper_xattrs *x);
	void (*close)(struct upper_src *s);
};
struct upper_src {
	const struct upper_src_ops *ops;
	void *priv;
	struct upper_ent root;
	char why[512];
};
/* A source over an upper directory (dirfd is dup'd; entries are reached
 * beneath it, never through a symlink). */
int upper_dir_open(int dirfd, struct upper_src *s);
/* A source over the directory /upper of an ext4 image (img_fd: the image,
 * opened by the caller; read-only, nothing is written). Refuses an image
 * with errors recorded or a journal to replay (-EUCLEAN, why says which). */
int upper_ext2_open(int img_fd, struct upper_src *s);
void upper_close(struct upper_src *s);

/* ---- what an upper changes (node diff) ---- */
#define UPPER_ADDED 'A'    /* no lower layer shows this path */
#define UPPER_CHANGED 'M'  /* the node's copy shadows a lower one */
#define UPPER_DELETED 'D'  /* a whiteout */
#define UPPER_OPAQUE 'O'   /* a directory hiding a lower one's content */
#define UPPER_DIFF_TYPE 1
#define UPPER_DIFF_CONTENT 2
#define UPPER_DIFF_MODE 4
#define UPPER_DIFF_OWNER 8
struct upper_change {
	const char *path;  /* absolute, as the node sees it */
	int kind;          /* UPPER_ADDED ... */
	const struct upper_ent *ent;
	int layer;         /* index into lowers of what it shadows or hides, -1: nothing */
	int differs;       /* UPPER_DIFF_* (UPPER_CHANGED) */
};
typedef int (*upper_change_fn)(void *arg, const struct upper_change *c);
/* Walk the upper against lower layer directories (top first, as the node
 * stacks them) and report every change, directories before their entries.
 * A directory merged with a lower one is reported only when its type,
 * mode or owner differ. A non-zero return of fn stops the walk. */
int upper_classify(struct upper_src *s, const int *lowers, int nlowers, upper_change_fn fn, void *arg);
/* How path (absolute) differs between two layer directories, looked up
 * beneath each without following a symlink: UPPER_DIFF_* bits, 0 when the
 * same (or absent from both), UPPER_DIFF_TYPE when present in one only. */
int upper_layers_differ(int a, int b, const char *path);

/* ---- applying an upper onto a directory (node capture) ---- */
/* "/etc/motd": absolute, no "..", ".", empty component or trailing '/', no
 * control character, at most 1024 bytes. why says what was wrong. */
int upper_path_check(const char *p, const char **why);
struct upper_apply_opts {
	int dst_is_overlay;           /* keep whiteouts and opaque marks (dst sits above a root) */
	const char *const *paths;     /* absolute paths, each with its subtree; NULL: everything */
	size_t npaths;
	const char *const *exclude;   /* fnmatch patterns left out unless named exactly in paths */
	size_t nexclude;
	/* results */
	size_t applied;               /* entries applied (directories: those made) */
	struct strbuf excluded;       /* ", "-separated paths left out by exclude */
	unsigned char *matched;       /* caller's array of npaths: 1 when the upper has the path */
};
/* Apply the upper onto dst (a draft: its files may be hard links shared
 * with published versions, so none is written through: every file is a
 * new inode renamed into place; directories are new in a draft and get
 * the upper's mode, owner and xattrs). Whiteouts remove the entry (and
 * stay as whiteouts when dst_is_overlay); opaque directories replace the
 * directory. Mode, owner, times and xattrs (trusted.overlay.* aside) are
 * copied. */
int upper_apply(struct upper_src *s, int dst, struct upper_apply_opts *o);
void upper_apply_opts_free(struct upper_apply_opts *o);
#endif
