/* hopeless node capture: a node's changes (its writable layer, or some
 * paths of it) become the next version of a cluster overlay. The draft is
 * a hard-linked clone of the overlay's current version; the upper is
 * applied onto it with new inodes only (lib/upperfs.c), so no published
 * version changes; it is published under the tree lock, or discarded on
 * any error: nothing half-captured is ever published. */
#include "node.h"
#include "validate.h"
#include "version.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each node's own identity: captured into a layer every node shares, it
 * would give them all one host key, one machine id, one name. */
static const char *const sensitive[] = {"/etc/ssh/ssh_host_*", "/etc/machine-id", "/var/lib/dbus/machine-id",
					"/etc/hostname"};

static int check_into(struct tree *t, const char *overlay, int *current, const char *w)
{
	char name[64];
	int v = 0;
	const char *why;
	if (validate_layer_ref(overlay, name, sizeof(name), &v, &why) < 0)
		return cli_error(w, "--into %.80s: %s", overlay, why);
	if (v)
		return cli_error(w, "--into %s: capture publishes the next version of %s: name it without @%d", overlay,
				 name, v);
	const char *kind = tree_layer_kind(t, name);
	if (!kind)
		return cli_error(w, "--into %s: no such overlay (see: hopeless overlay list)", name);
	if (strcmp(kind, "overlay"))
		return cli_error(w, "--into %s: a root, not an overlay: a node's changes go into a cluster overlay",
				 name);
	*current = version_current(t, name);
	if (*current < 0)
		return cli_error(w, "--into %s: the overlay has no published version to start from", name);
	return 0;
}

static int check_paths(const char *const *paths, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++) {
		const char *why;
		if (upper_path_check(paths[i], &why) < 0)
			return cli_error(w, "--paths %.80s: %s", paths[i], why);
	}
	return 0;
}

/* Apply the node's upper onto the draft; prints on error. */
static int apply(struct node_image *ni, struct draft *dr, const char *const *paths, size_t npaths,
		 struct upper_apply_opts *o, const struct tree_node *d, const char *w)
{
	unsigned char *matched = npaths ? calloc(npaths, 1) : NULL;
	if (npaths && !matched)
		return cli_error(w, "out of memory");
	o->dst_is_overlay = 1;
	o->paths = npaths ? paths : NULL;
	o->npaths = npaths;
	o->exclude = sensitive;
	o->nexclude = sizeof(sensitive) / sizeof(sensitive[0]);
	o->matched = matched;
	int r = upper_apply(&ni->src, dr->fd, o);
	if (r < 0)
		r = cli_error(w, "%s: %s; nothing published", d->hostname, ni->src.why[0] ? ni->src.why : strerror(-r));
	for (size_t i = 0; r == 0 && i < npaths; i++)
		if (!matched[i])
			r = cli_error(w, "%s: %s did not change it (not in its writable layer: see hopeless node diff %s); "
				      "nothing published", paths[i], d->hostname, d->hostname);
	if (r == 0 && o->applied == 0)
		r = cli_error(w, "%s: nothing to capture (its writable layer changes nothing%s); nothing published",
			      d->hostname, o->excluded.len ? " but what is left out" : "");
	free(matched);
	return r;
}

static int capture_from(struct tree *t, const struct tree_node *d, struct node_image *ni, const char *overlay,
			int base, const char *const *paths, size_t npaths, const char *w)
{
	struct draft dr;
	int r = draft_create(t, overlay, base, &dr);
	if (r < 0)
		return cli_error(w, "%s: cannot make a draft of version %d: %s", overlay, base, strerror(-r));
	struct upper_apply_opts o = {0};
	r = apply(ni, &dr, paths, npaths, &o, d, w);
	if (r == 0 && node_image_changed(ni))
		r = cli_error(w, "%s came up during the capture: what was read may be torn; nothing published "
			      "(retry when it is down)", d->hostname);
	int n = 0;
	if (r == 0 && (r = draft_publish(t, &dr, &n)) < 0)
		r = cli_error(w, "%s: cannot publish: %s; nothing published", overlay, strerror(-r));
	if (r == 0) {
		if (o.excluded.len)
			printf("hopeless: node capture: left out (each node's own; name them with --paths to capture "
			       "them): %s\n", sb_str(&o.excluded));
		printf("hopeless: overlay %s: version %d published from %s's changes (%zu paths)\n", overlay, n,
		       d->hostname, o.applied);
	}
	draft_discard(t, &dr);
	upper_apply_opts_free(&o);
	return r;
}

int node_capture(struct tree *t, const char *host, const char *overlay, const char *const *paths, size_t npaths,
		 int force)
{
	const char *w = "node capture";
	struct tree_node d;
	char err[512];
	int base = 0;
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (!overlay)
		return cli_error(w, "--into OVERLAY is required (see hopeless node capture --help)");
	if (check_into(t, overlay, &base, w) || check_paths(paths, npaths, w))
		return 1;
	if (strcmp(d.state, "image") && strcmp(d.state, "rbd"))
		return cli_error(w, "%s has state=%s: its writes live in its memory, so there is nothing on the head "
				 "node to capture", d.hostname, d.state);
	struct node_image ni;
	int r = node_image_open(t, &d, force ? 0 : NODE_IMAGE_CONSISTENT, &ni, err, sizeof(err));
	if (r == -ENOENT && ni.node_fd >= 0)
		snprintf(err, sizeof(err), "nothing to capture: %s has not written anything yet (no /upper in %s)",
			 d.hostname, ni.rel);
	if (r < 0) {
		node_image_close(t, &ni);
		/* -EBUSY: the message names the node itself. */
		return r == -EBUSY ? cli_error(w, "%s", err) : cli_error(w, "%s: %s", d.hostname, err);
	}
	if (ni.reflink) {
		char when[32];
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&ni.taken));
		printf("hopeless: node capture: %s is up: capturing from a snapshot of its image taken at %s\n",
		       d.hostname, when);
	} else if (ni.in_use && ni.rbd) {
		printf("hopeless: node capture: %s's RBD image is locked; capturing from an export of it as it is, with "
		       "its journal replayed (--force: the node is down)\n", d.hostname);
	} else if (ni.in_use) {
		/* A node that went down without unmounting leaves the mark too. */
		printf("hopeless: node capture: %s's image is marked in use; capturing from a copy with its journal "
		       "replayed (--force: the node is down)\n", d.hostname);
	}
	/* Every named path first: a wrong one makes no draft at all. */
	for (size_t i = 0; r == 0 && i < npaths; i++) {
		int has = upper_has(&ni.src, paths[i]);
		if (has < 0)
			r = cli_error(w, "%s: %s", d.hostname, ni.src.why[0] ? ni.src.why : strerror(-has));
		else if (!has)
			r = cli_error(w, "%s: %s did not change it (not in its writable layer: see hopeless node diff %s)",
				      paths[i], d.hostname, d.hostname);
	}
	if (r == 0)
		r = capture_from(t, &d, &ni, overlay, base, paths, npaths, w);
	node_image_close(t, &ni);
	return r;
}
