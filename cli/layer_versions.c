/* The versions of a root or overlay: who runs or is pinned to each
 * (versions list), rollback (the default goes back to an older version) and
 * gc (versions nobody needs are removed). Shared by root and overlay. */
#include "layer.h"
#include "node.h"
#include "version.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct layer_use {
	struct tree_node *nodes;
	struct node_versions *v;
	size_t n;
};

static int use_load(const struct tree *t, struct layer_use *u, const char *w)
{
	char err[512];
	memset(u, 0, sizeof(*u));
	if (tree_nodes_load(t, &u->nodes, &u->n, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	u->v = calloc(u->n ? u->n : 1, sizeof(*u->v));
	if (!u->v || node_versions_all(t, u->nodes, u->n, u->v) < 0)
		return cli_error(w, "cannot read the nodes' boot events (log/events.log)");
	return 0;
}

static void use_free(struct layer_use *u)
{
	free(u->nodes);
	free(u->v);
}

/* Nodes running (booted) / pinned to / getting at next boot version ver of
 * layer name, ", "-separated into sb (NULL: only counted). */
enum use_kind { USE_RUNNING, USE_PINNED, USE_NEXT };
static int use_of(const struct layer_use *u, const char *name, int ver, enum use_kind k, struct strbuf *sb)
{
	int count = 0;
	for (size_t i = 0; i < u->n; i++) {
		const struct node_versions *v = &u->v[i];
		int is_root = !strcmp(v->root, name), is_ovl = !strcmp(v->overlay, name);
		if (!is_root && !is_ovl)
			continue;
		int booted = is_root ? v->root_booted : v->overlay_booted;
		int next = is_root ? v->root_next : v->overlay_next;
		int pinned = is_root ? v->root_pinned : v->overlay_pinned;
		int hit = k == USE_RUNNING ? booted == ver : k == USE_PINNED ? pinned && next == ver : next == ver;
		if (!hit)
			continue;
		if (sb)
			sb_printf(sb, "%s%s", count ? "," : "", u->nodes[i].hostname);
		count++;
	}
	return count;
}

int layer_versions_print(const struct tree *t, const char *name)
{
	struct layer_use u;
	if (use_load(t, &u, "list"))
		return 1;
	int *vs, n = version_list(t, name, &vs), cur = version_current(t, name);
	for (int i = 0; i < n; i++) {
		struct strbuf run = STRBUF_INIT, pin = STRBUF_INIT;
		int nx = use_of(&u, name, vs[i], USE_NEXT, NULL);
		use_of(&u, name, vs[i], USE_RUNNING, &run);
		use_of(&u, name, vs[i], USE_PINNED, &pin);
		printf("  %s@%-6d %-8s next-boot %-4d running %-24s pinned %s\n", name, vs[i],
		       vs[i] == cur ? "default" : "", nx, run.len ? sb_str(&run) : "-", pin.len ? sb_str(&pin) : "-");
		sb_free(&run);
		sb_free(&pin);
	}
	free(vs);
	use_free(&u);
	return 0;
}

int layer_rollback_cmd(struct tree *t, const char *name, const char *ver, const char *kind)
{
	char w[32];
	snprintf(w, sizeof(w), "%s rollback", kind);
	const char *k = tree_layer_kind(t, name);
	if (!k || strcmp(k, kind))
		return cli_error(w, "%s: no such %s (see: hopeless %s list)", name, kind, kind);
	int cur = version_current(t, name), want = 0, *vs, n = version_list(t, name, &vs);
	if (cur < 0 || n < 0)
		return free(vs), cli_error(w, "%s: has no versions (hopeless %s show %s)", name, kind, name);
	if (ver) {
		char *end;
		long x = strtol(ver, &end, 10);
		want = *ver && !*end && x > 0 && x <= VERSION_MAX ? (int)x : -1;
		if (want < 0 || !version_exists(t, name, want))
			return free(vs), cli_error(w, "%s: no version %s (see: hopeless %s show %s)", name, ver, kind, name);
	} else {
		for (int i = 0; i < n; i++)
			if (vs[i] < cur)
				want = vs[i];
		if (!want)
			return free(vs), cli_error(w, "%s: version %d is the oldest there is; nothing to roll back to", name,
						   cur);
	}
	free(vs);
	if (want == cur) {
		printf("hopeless: %s %s: version %d is already the default\n", kind, name, want);
		return 0;
	}
	int r = version_set_current(t, name, want);
	if (r < 0)
		return cli_error(w, "%s: %s", name, strerror(-r));
	printf("hopeless: %s %s: version %d is the default again (was %d); nodes not pinned get it at their next "
	       "boot, running nodes keep theirs\n", kind, name, want, cur);
	return 0;
}

/* Why version ver must stay ("" when it may go). */
static void keep_reason(const struct layer_use *u, const char *name, int ver, int cur, int newest_keep, char *why,
			size_t len)
{
	struct strbuf run = STRBUF_INIT, pin = STRBUF_INIT;
	why[0] = '\0';
	if (use_of(u, name, ver, USE_RUNNING, &run))
		snprintf(why, len, "running on %s", sb_str(&run));
	else if (use_of(u, name, ver, USE_PINNED, &pin))
		snprintf(why, len, "pinned by %s", sb_str(&pin));
	else if (ver == cur)
		snprintf(why, len, "the default");
	else if (ver >= newest_keep)
		snprintf(why, len, "among the newest kept (keep_versions)");
	sb_free(&run);
	sb_free(&pin);
}

static int remove_version(struct tree *t, const char *name, int ver)
{
	char rel[PATH_MAX], aside[PATH_MAX];
	if (version_rel(rel, sizeof(rel), name, ver) < 0 ||
	    tfs_fmt(aside, sizeof(aside), "roots/%s/.%d.rm", name, ver) < 0)
		return -ENAMETOOLONG;
	/* Out of sight first (one rename), then deleted. */
	int r = tfs_rename(t, rel, aside, RENAME_NOREPLACE);
	return r < 0 ? r : layer_remove_dir(t, aside);
}

/* gc of one layer: only (>0) removes that version or refuses. */
static int gc_layer(struct tree *t, const struct layer_use *u, const char *name, const char *kind, int keep, int only,
		    int *removed)
{
	int *vs, n = version_list(t, name, &vs), cur = version_current(t, name), rc = 0;
	if (n < 0)
		return cli_error("gc", "%s: %s", name, strerror(-n));
	if (only && !version_exists(t, name, only))
		rc = cli_error("gc", "%s: no version %d", name, only);
	int newest_keep = n > keep ? vs[n - keep] : 0;
	for (int i = 0; i < n && rc == 0; i++) {
		char why[512];
		if (only && vs[i] != only)
			continue;
		keep_reason(u, name, vs[i], cur, only ? VERSION_MAX + 1 : newest_keep, why, sizeof(why));
		if (why[0]) {
			if (only)
				rc = cli_error("gc", "%s@%d: not removed: %s", name, vs[i], why);
			continue;
		}
		int r = remove_version(t, name, vs[i]);
		if (r < 0)
			rc = cli_error("gc", "%s@%d: %s", name, vs[i], strerror(-r));
		else {
			printf("hopeless: %s gc: %s@%d removed\n", kind, name, vs[i]);
			(*removed)++;
		}
	}
	free(vs);
	return rc;
}

/* gc under the tree lock, its options parsed. */
static int gc_run(struct tree *t, int argc, char **argv, const char *kind, const char *w)
{
	static const struct option opts[] = {{"keep", required_argument, NULL, 'k'}, {"version", required_argument, NULL, 'v'}, {0}};
	int keep = t->conf.keep_versions, only = 0, o;
	char *end;
	optind = 2;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		long x = optarg ? strtol(optarg, &end, 10) : -1;
		if ((o != 'k' && o != 'v') || !*optarg || *end || x < 1 || x > VERSION_MAX)
			return cli_error(w, "%s: unknown option or bad number (see hopeless %s --help)", argv[optind - 1], kind);
		*(o == 'k' ? &keep : &only) = (int)x;
	}
	if (optind + 1 < argc || (only && optind == argc))
		return cli_error(w, "want at most one NAME (and --version V only with a NAME)");
	struct layer_use u;
	if (use_load(t, &u, w))
		return 1;
	char **names;
	size_t n;
	int rc = 0, removed = 0;
	if (tree_list_names(t, "meta", &names, &n) < 0)
		return use_free(&u), cli_error(w, "meta/: cannot list");
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *k = tree_layer_kind(t, names[i]);
		if (!k || strcmp(k, kind) || (optind < argc && strcmp(names[i], argv[optind])))
			continue;
		rc = gc_layer(t, &u, names[i], kind, keep, only, &removed);
	}
	if (rc == 0 && optind < argc && !tree_layer_kind(t, argv[optind]))
		rc = cli_error(w, "%s: no such %s (see: hopeless %s list)", argv[optind], kind, kind);
	if (rc == 0)
		printf("hopeless: %s gc: %d version(s) removed\n", kind, removed);
	tree_names_free(names, n);
	use_free(&u);
	return rc;
}

int layer_gc_cmd(struct cli_ctx *ctx, int argc, char **argv, const char *kind)
{
	char w[32];
	snprintf(w, sizeof(w), "%s gc", kind);
	struct tree t;
	if (cli_open_tree(&t, ctx, w, 1) < 0)
		return 1;
	int rc = gc_run(&t, argc, argv, kind, w);
	tree_close(&t);
	return rc;
}
