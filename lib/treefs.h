/* Safe file access inside the cluster tree.
 *
 * The tree's content is hostile data: nodes write their state directories,
 * packages and chroot runs write roots and overlays. Every path the head node
 * opens, creates, renames, deletes or hands to a helper under the tree goes
 * through here, relative to the tree's directory descriptor, and is resolved
 * by the kernel (openat2) with:
 *
 *   TFS_STRICT  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: no "..", no absolute
 *               path, no symbolic link in any component. The tree's own
 *               structure (nodes/, clients/<ip>/, state/<ip>/, etc/, tftp/,
 *               roots/<name>/etc/...) never needs a symlink, so one there is
 *               an attack or damage, and the operation fails with -ELOOP.
 *   tfs_layer_open: a file *inside* a layer, read as the node would see it:
 *               RESOLVE_IN_ROOT with the layer as "/" (a Debian root's
 *               absolute symlinks resolve inside the root, never to the head
 *               node's files).
 *
 * Functions return 0 (or an fd) or a negative errno and print nothing.
 * rel is a path relative to the tree ("state/10.0.0.5/rw.img"). */
#ifndef HOPELESS_TREEFS_H
#define HOPELESS_TREEFS_H
#include "util.h"
#include "workers.h"
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/types.h>

struct tree;

/* openat2 beneath dirfd, no symlinks, no magic links; O_CLOEXEC|O_NOFOLLOW
 * are added to flags. Returns the fd or a negative errno. */
int tfs_openat(int dirfd, const char *rel, int flags, mode_t mode);
/* The same from the tree's directory. */
int tfs_open(const struct tree *t, const char *rel, int flags, mode_t mode);
/* Open rel's parent directory (beneath the tree, no symlinks) and point
 * *base at rel's last component; refuses "", ".", ".." and trailing '/'.
 * Returns the directory fd (caller closes) or a negative errno. */
int tfs_parent(const struct tree *t, const char *rel, const char **base);
/* tfs_parent's checks alone: points *base at rel's last component and
 * returns the length of its directory part (0: the tree's top), or -EINVAL. */
ssize_t tfs_split(const char *rel, const char **base);
/* Files written as one durable step (lib/treefs_batch.c): tfs_stage writes
 * rel's temporary file when its content or mode differs (*changed 1);
 * tfs_batch_commit syncs the file system, renames them all into place and
 * syncs again; tfs_batch_abort removes them. Both free the batch and
 * close the parent directories it keeps open. */
struct tfs_staged;
struct tfs_batch_dir;
struct tfs_batch {
	struct tfs_staged *v;
	size_t n, cap;
	struct tfs_batch_dir *dirs;
	size_t ndirs;
	struct workers_bg flusher; /* from TFS_BATCH_FLUSH_AT staged files on */
};
int tfs_stage(const struct tree *t, struct tfs_batch *b, const char *rel, const void *data, size_t len,
	      mode_t mode, int *changed);
int tfs_batch_commit(const struct tree *t, struct tfs_batch *b);
void tfs_batch_abort(const struct tree *t, struct tfs_batch *b);
/* path (absolute as seen from rootfd, e.g. "/boot/vmlinuz") opened with
 * rootfd as "/": RESOLVE_IN_ROOT, no magic links. */
int tfs_open_in_root(int rootfd, const char *path, int flags);
/* A file inside a layer directory (layer_rel, e.g. "roots/debian"), path
 * absolute as the node sees it ("/boot/vmlinuz"): RESOLVE_IN_ROOT. */
int tfs_layer_open(const struct tree *t, const char *layer_rel, const char *path, int flags);

/* lstat-like: never follows a final symlink (reports it as S_IFLNK). */
int tfs_stat(const struct tree *t, const char *rel, struct stat *st);
/* 1 when rel exists (as anything, a symlink included), 0 when not. */
int tfs_exists(const struct tree *t, const char *rel);
/* 1 when rel is a real directory (not a symlink to one). */
int tfs_is_dir(const struct tree *t, const char *rel);

int tfs_read(const struct tree *t, const char *rel, struct strbuf *sb);
/* First line of a small regular file, without the newline. */
int tfs_read_line(const struct tree *t, const char *rel, char *out, size_t outlen);

/* write_atomic_at (util.h) of rel, its directory opened beneath the tree:
 * the one atomic writer. flags: WRITE_NO_SYNC. */
int tfs_write(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode, uid_t uid,
	      gid_t gid, int flags);
/* Shorthand: root-owned, synced. */
int tfs_write_file(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode);
/* Root-owned, synced, and only when the content or mode differs (generated
 * files keep their mtime); *changed (may be NULL) says whether it wrote. */
int tfs_update(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode, int *changed);

int tfs_mkdir(const struct tree *t, const char *rel, mode_t mode); /* EEXIST is an error */
/* Every missing component; an existing one must be a real directory. */
int tfs_mkdir_p(const struct tree *t, const char *rel, mode_t mode);
int tfs_unlink(const struct tree *t, const char *rel);
int tfs_rmdir(const struct tree *t, const char *rel);
/* renameat between two paths of the tree (RENAME_NOREPLACE with flag). On a
 * file system that refuses RENAME_NOREPLACE (ceph-fuse: EINVAL), link+unlink
 * for a file, check-then-rename under the tree lock for a directory. */
int tfs_rename(const struct tree *t, const char *from, const char *to, unsigned flags);
int tfs_link(const struct tree *t, const char *from, const char *to);
/* chmod/chown of rel itself (a symlink is refused, not followed). */
int tfs_chmod(const struct tree *t, const char *rel, mode_t mode);
int tfs_chown(const struct tree *t, const char *rel, uid_t uid, gid_t gid);
/* rm -rf of rel: descends through directory fds only, never follows a
 * symlink and never crosses into another mount (-EBUSY). Absent: 0. */
int tfs_remove_tree(const struct tree *t, const char *rel);
/* The same below an open directory fd (name inside it). */
int tfs_remove_at(int dirfd, const char *name);
/* syncfs of the tree's file system. */
int tfs_sync(const struct tree *t);

/* "/proc/self/fd/N": how a helper (mkfs, debugfs, tar) gets a file the
 * head node has already opened safely, so a node cannot swap it between
 * our check and the helper's open. The fd must survive exec (see
 * run_opts.keep_fds in util.h). */
void tfs_fd_path(int fd, char out[32]);

/* snprintf into a PATH_MAX buffer: -ENAMETOOLONG when it does not fit. */
int tfs_fmt(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
