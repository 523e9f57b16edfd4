/* Roots and overlays (roots/<name>, registered in meta/<name>): helpers
 * shared by cmd_root.c, cmd_overlay.c, cmd_shell.c and cmd_users.c. */
#ifndef HOPELESS_LAYER_H
#define HOPELESS_LAYER_H
#include "cli.h"

/* Record what roots/<name> is ("root" or "overlay"), atomically. */
int layer_register(struct tree *t, const char *name, const char *kind);
/* Host names of the nodes using name as their root or overlay, ", "
 * separated, into sb; returns how many (or a negative errno, err filled). */
int layer_users(const struct tree *t, const char *name, struct strbuf *sb, char *err, size_t errlen);
/* The root under an overlay: the one every node of the overlay uses.
 * 0 and out filled; -ENOENT when no node uses it, -ENOTUNIQ
 * when nodes disagree; why says it in words. */
int layer_overlay_root(const struct tree *t, const char *overlay, char *out, size_t outlen, char *why,
		       size_t whylen);
/* Size in bytes of the blocks used under dir (hard links counted once). */
long long layer_size(const char *dir);
/* Remove a registered layer: rename it aside, drop the registration, then
 * delete; a crash leaves roots/.<name>.rm.tmp, swept by the next add. */
int layer_remove(struct tree *t, const char *name);
/* Remove stale roots/.*.tmp left by an interrupted build (the tree lock is
 * held, so none of them is in progress). */
void layer_sweep_tmp(struct tree *t);
/* root rm / overlay rm: checks the kind and that no node uses it, prints. */
int layer_rm_cmd(struct tree *t, const char *name, const char *kind, const char *w);
/* Detach every mount below dir; then remove_tree that never crosses into
 * a mount (-EBUSY when something stays mounted). */
int layer_unmount_below(const char *dir);
int layer_remove_dir(struct tree *t, const char *rel);
/* A file a head-node command generates into a layer (path relative to the
 * layer, e.g. "etc/hosts"). */
struct layer_file {
	const char *path;
	const char *data;
	size_t len;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};
/* Publish a new version of name: its current version with the n files
 * replaced, when any differs (layer_publish.c). *published gets the new
 * version, 0 when nothing changed. Tree lock held. */
int layer_publish_files(struct tree *t, const char *name, const struct layer_file *f, size_t n, int *published);
/* layer_versions.c: one line per version of name: default, how many nodes
 * get it at next boot, which run it, which are pinned to it. */
int layer_versions_print(const struct tree *t, const char *name);
/* root/overlay rollback NAME [VERSION] (prints). */
int layer_rollback_cmd(struct tree *t, const char *name, const char *ver, const char *kind);
/* root/overlay gc [NAME] [--keep N] [--version V]; argv[1] is "gc". */
int layer_gc_cmd(struct cli_ctx *ctx, int argc, char **argv, const char *kind);
/* "12.3M" style. */
void layer_human_size(long long bytes, char *out, size_t outlen);
#endif
