/* hopeless node diff: what a node's writable layer adds, changes, deletes
 * and hides, read offline from its state image or RBD image (node_image.c), classified
 * against the layers it booted (lib/upperfs.c); and which of the files it
 * holds its own copy of change under it at its next boot. */
#include "node.h"
#include "version.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLAYERS 3 /* host overlay, cluster overlay, root: top first */

struct layers {
	int fd[NLAYERS];
	char label[NLAYERS][96];
	/* overlay (1) and root (2): the versions booted and next, their names */
	const char *name[NLAYERS];
	int booted[NLAYERS], next[NLAYERS];
};

struct rec {
	char *path;
	int kind, layer, differs, dir;
	struct strbuf notes; /* the "!" lines' text, one per line */
	struct strbuf json;  /* their JSON objects, comma-separated */
};
struct recs {
	struct rec *v;
	size_t n, cap;
};

static void layers_close(struct layers *l)
{
	for (int i = 0; i < NLAYERS; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
}

/* roots/<name>/<v>, or the unversioned roots/<name> when v is 0. */
static int layer_version_open(const struct tree *t, const char *name, int v)
{
	char rel[PATH_MAX];
	if ((v > 0 ? version_rel(rel, sizeof(rel), name, v) : tfs_fmt(rel, sizeof(rel), "roots/%s", name)) < 0)
		return -ENAMETOOLONG;
	return tfs_open(t, rel, O_RDONLY | O_DIRECTORY, 0);
}

/* The node's lower layers as it booted them (else as it boots next). */
static int layers_open(const struct tree *t, const struct tree_node *d, const struct node_versions *v,
		       struct layers *l, char *why, size_t whylen)
{
	char rel[PATH_MAX];
	memset(l, 0, sizeof(*l));
	for (int i = 0; i < NLAYERS; i++)
		l->fd[i] = -1;
	l->name[1] = v->overlay;
	l->name[2] = v->root;
	l->booted[1] = v->overlay_booted, l->next[1] = v->overlay_next;
	l->booted[2] = v->root_booted, l->next[2] = v->root_next;
	tfs_fmt(rel, sizeof(rel), "clients/%s", d->ip);
	snprintf(l->label[0], sizeof(l->label[0]), "host overlay %s", rel);
	l->fd[0] = tfs_open(t, rel, O_RDONLY | O_DIRECTORY, 0);
	if (l->fd[0] < 0)
		return snprintf(why, whylen, "%s: %s", rel, strerror(-l->fd[0])), l->fd[0];
	for (int i = 1; i < NLAYERS; i++) {
		int ver = l->booted[i] ? l->booted[i] : l->next[i];
		const char *kind = i == 1 ? "overlay" : "root";
		if (ver > 0)
			snprintf(l->label[i], sizeof(l->label[i]), "%s %s@%d", kind, l->name[i], ver);
		else
			snprintf(l->label[i], sizeof(l->label[i]), "%s %s", kind, l->name[i]);
		l->fd[i] = layer_version_open(t, l->name[i], ver);
		if (l->fd[i] < 0)
			return snprintf(why, whylen, "%s: %s", l->label[i], strerror(-l->fd[i])), l->fd[i];
	}
	return 0;
}

static int collect(void *arg, const struct upper_change *c)
{
	struct recs *rs = arg;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct rec *v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	struct rec *r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->path = strdup(c->path);
	if (!r->path)
		return -ENOMEM;
	r->kind = c->kind;
	r->layer = c->layer;
	r->differs = c->differs;
	r->dir = S_ISDIR(c->ent->mode);
	rs->n++;
	return 0;
}

static void recs_free(struct recs *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].path);
		sb_free(&rs->v[i].notes);
		sb_free(&rs->v[i].json);
	}
	free(rs->v);
}

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->path, ((const struct rec *)b)->path);
}

/* For what the node holds its own copy of (or deleted, or hid): does the
 * versioned layer below change it between the version booted and the next? */
static int version_notes(const struct tree *t, const struct layers *l, struct recs *rs)
{
	static const char *const held[] = {['A'] = "the node still holds its own copy",
					   ['M'] = "the node still holds its own copy",
					   ['D'] = "the node's deletion still hides it",
					   ['O'] = "the node's opaque directory still hides it"};
	for (int i = 1; i < NLAYERS; i++) {
		if (!l->booted[i] || !l->next[i] || l->booted[i] == l->next[i])
			continue;
		int a = layer_version_open(t, l->name[i], l->booted[i]), b = layer_version_open(t, l->name[i], l->next[i]);
		for (size_t k = 0; a >= 0 && b >= 0 && k < rs->n; k++) {
			struct rec *r = &rs->v[k];
			if ((r->dir && r->kind != UPPER_OPAQUE) || !upper_layers_differ(a, b, r->path))
				continue;
			const char *kind = i == 1 ? "overlay" : "root";
			sb_printf(&r->notes, "! %s: changed in %s %s between version %d (booted) and %d (next boot); %s\n",
				  r->path, kind, l->name[i], l->booted[i], l->next[i], held[r->kind]);
			sb_printf(&r->json, "%s{\"layer\":\"%s %s\",\"booted\":%d,\"next\":%d}", r->json.len ? "," : "",
				  kind, l->name[i], l->booted[i], l->next[i]);
		}
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
		if (a < 0 || b < 0)
			return a < 0 ? a : b;
	}
	return 0;
}

static void differs_words(int d, char *out, size_t len)
{
	static const char *const w[] = {"type", "content", "mode", "owner"};
	out[0] = '\0';
	for (int i = 0; i < 4; i++)
		if (d & (1 << i))
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? ", " : "", w[i]);
	if (!out[0])
		snprintf(out, len, "identical copy");
}

static void print_text(const struct recs *rs, const struct layers *l)
{
	char words[64];
	for (size_t i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->v[i];
		const char *lab = r->layer >= 0 ? l->label[r->layer] : NULL;
		if (r->kind == UPPER_CHANGED) {
			differs_words(r->differs, words, sizeof(words));
			printf("M %s (shadows %s: %s)\n", r->path, lab, words);
		} else if (lab && r->kind != UPPER_ADDED) {
			printf("%c %s (hides %s)\n", r->kind, r->path, lab);
		} else {
			printf("%c %s\n", r->kind, r->path);
		}
		fputs(sb_str(&r->notes), stdout);
	}
}

static void print_json(const struct recs *rs, const struct layers *l)
{
	static const char *const kinds[] = {['A'] = "added", ['M'] = "changed", ['D'] = "deleted", ['O'] = "opaque"};
	static const char *const w[] = {"type", "content", "mode", "owner"};
	printf("[");
	for (size_t i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->v[i];
		printf("%s\n{\"path\":", i ? "," : "");
		json_print_str(stdout, r->path);
		printf(",\"change\":\"%s\",\"layer\":", kinds[r->kind]);
		if (r->layer >= 0)
			json_print_str(stdout, l->label[r->layer]);
		else
			printf("null");
		printf(",\"differs\":[");
		for (int k = 0, n = 0; k < 4; k++)
			if (r->differs & (1 << k))
				printf("%s\"%s\"", n++ ? "," : "", w[k]);
		printf("],\"changed_below\":[%s]}", sb_str(&r->json));
	}
	printf("\n]\n");
}

static int diff_run(struct tree *t, const struct tree_node *d, struct node_image *ni, int json, const char *w)
{
	struct node_versions v;
	struct layers l;
	char why[512];
	int r = node_versions_get(t, d, &v);
	if (r < 0)
		return cli_error(w, "%s: cannot tell its versions: %s", d->hostname, strerror(-r));
	if (layers_open(t, d, &v, &l, why, sizeof(why)) < 0)
		return layers_close(&l), cli_error(w, "%s: %s", d->hostname, why);
	struct recs rs = {0};
	r = upper_classify(&ni->src, l.fd, NLAYERS, collect, &rs);
	if (r == 0 && rs.n)
		qsort(rs.v, rs.n, sizeof(*rs.v), cmp_rec);
	if (r == 0 && (!v.root_booted || !v.overlay_booted))
		fprintf(stderr, "hopeless: %s: %s: the versions it booted are unknown (no boot recorded): "
			"changes at its next boot not checked\n", w, d->hostname);
	else if (r == 0)
		r = version_notes(t, &l, &rs);
	if (r < 0)
		r = cli_error(w, "%s: %s", d->hostname, ni->src.why[0] ? ni->src.why : strerror(-r));
	else if (json)
		print_json(&rs, &l);
	else
		print_text(&rs, &l);
	recs_free(&rs);
	layers_close(&l);
	return r;
}

int node_diff(struct tree *t, const char *host, int json)
{
	const char *w = "node diff";
	struct tree_node d;
	char err[512];
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (strcmp(d.state, "image") && strcmp(d.state, "rbd")) {
		fprintf(stderr, "hopeless: %s: %s has state=%s: its writes live in its memory, so there is nothing "
			"on the head node to diff\n", w, d.hostname, d.state);
		return 0;
	}
	struct node_image ni;
	int r = node_image_open(t, &d, 0, &ni, err, sizeof(err));
	if (r == -ENOENT && ni.node_fd >= 0) {
		/* An image without /upper: the node never booted from it. */
		node_image_close(t, &ni);
		if (json)
			printf("[]\n");
		return 0;
	}
	if (r < 0)
		return node_image_close(t, &ni), cli_error(w, "%s: %s", d.hostname, err);
	if (ni.in_use && ni.rbd)
		fprintf(stderr, "hopeless: %s: warning: %s's RBD image is locked (the node is up, or its lock outlives "
			"it): read from an export taken while the node may write, which may be inconsistent\n", w,
			d.hostname);
	else if (ni.in_use && !ni.reflink)
		fprintf(stderr, "hopeless: %s: warning: %s's image is in use (the node is up, or went down without "
			"unmounting it) and %s has no reflinks: read from a copy taken while the node may write, which "
			"may be inconsistent\n", w, d.hostname, ni.fstype);
	r = diff_run(t, &d, &ni, json, w);
	node_image_close(t, &ni);
	return r;
}
