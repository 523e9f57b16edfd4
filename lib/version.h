/* Versions of roots and overlays.
 *
 *   roots/<name>/<N>/      published version N (1, 2, ...): never changes
 *   roots/<name>/current   "N": the version a node gets when its pointer
 *                          file names the layer without "@N"
 *   .work/drafts/<name>.<pid>/  a version being made (never exported)
 *
 * A draft starts empty or as a hard-linked clone of a published version
 * (cp -a --link: unchanged files cost one directory entry each), is changed
 * only by replacing files (never in place: an overlayfs upper applied onto
 * it, or a new file renamed over a link), and is published by one rename
 * into roots/<name>/<N+1> followed by an atomic rewrite of current. A
 * crash before the rename publishes nothing; the draft is swept later.
 *
 * roots/<name>/ itself is the NFS export of the layer: it is never replaced,
 * so publishing needs no server restart and clients of older versions keep
 * their directory handles. */
#ifndef HOPELESS_VERSION_H
#define HOPELESS_VERSION_H
#include "tree.h"
#include <stddef.h>

#define VERSION_MAX 999999

/* "roots/<name>/<N>" (N > 0). -ENAMETOOLONG when it does not fit. */
int version_rel(char *out, size_t outlen, const char *name, int v);
/* Published versions of name, ascending, malloc'd into *out (caller frees);
 * returns how many (0: none or not versioned) or a negative errno. */
int version_list(const struct tree *t, const char *name, int **out);
/* The default version (roots/<name>/current); -ENOENT when the layer has
 * none (not versioned yet, see version_migrate), -EINVAL when unreadable. */
int version_current(const struct tree *t, const char *name);
/* version_current remembered per layer name, for one command resolving many
 * nodes (node list, status: 10,000 nodes read each layer's current once).
 * Beyond VERSION_MEMO_MAX distinct layers it reads without remembering. */
#define VERSION_MEMO_MAX 32
struct version_memo {
	struct {
		char name[64];
		int v;
	} e[VERSION_MEMO_MAX];
	size_t n;
};
int version_current_memo(struct version_memo *m, const struct tree *t, const char *name);
int version_exists(const struct tree *t, const char *name, int v);
/* Rewrite roots/<name>/current atomically (v must exist). */
int version_set_current(const struct tree *t, const char *name, int v);

/* Where a reader finds the content of layer name: the directory of version
 * pin, or of the default version when pin is 0 ("roots/<name>/<N>"), or
 * "roots/<name>" for a layer not converted to versions yet. */
int version_layer_dir(const struct tree *t, const char *name, int pin, char *rel, size_t len);
/* The versions a "union" boot event names: its text is
 * "clients/IP : roots/OVERLAY[@N] : roots/ROOT[@N]"; root and overlay get
 * "NAME@N" (or "NAME" from an unversioned boot). -EINVAL when it is not one. */
int version_parse_union_event(const char *msg, char *root, size_t rlen, char *overlay, size_t olen);

/* A new layer being built at tmp_rel (an empty directory, renamed into
 * roots/<name> when complete): make tmp_rel/1 (what the build fills,
 * returned in v1_rel) and tmp_rel/current naming it. */
int version_init_layer(const struct tree *t, const char *tmp_rel, char *v1_rel, size_t len);

/* A tree made before versions has roots/<name>/ as the layer itself: move
 * its entries into roots/<name>/1 and write current. Resumable after a
 * crash. 1 when it converted, 0 when nothing to do, negative errno. */
int version_migrate(const struct tree *t, const char *name);
/* version_migrate every registered layer; prints one line per conversion. */
void version_migrate_all(const struct tree *t);

struct draft {
	char name[64];
	int base;           /* the version it was cloned from, 0: empty */
	char rel[256];      /* .work/drafts/<name>.<pid> */
	int fd;             /* open directory fd of rel, -1 when closed */
};
/* A new draft of name: a hard-linked clone of version base (0: empty
 * directory, mode 0755). The tree lock need not be held. */
int draft_create(const struct tree *t, const char *name, int base, struct draft *d);
/* Publish the draft as the next version (the highest so far + 1) and make
 * it the default. The tree lock must be held. *number gets N. */
int draft_publish(const struct tree *t, struct draft *d, int *number);
/* Remove an unpublished draft (no-op after publish). */
void draft_discard(const struct tree *t, struct draft *d);
/* Remove drafts whose process is gone (tree lock held). */
void draft_sweep(const struct tree *t);
#endif
