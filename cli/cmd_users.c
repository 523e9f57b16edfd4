/* hopeless users sync: the head node's regular users and groups, merged
 * into complete copies of the root's account files in the overlay (the
 * nodes see an overlay file whole, never merged line by line, so the
 * overlay's passwd must carry the root's system accounts as well). */
#include "cli.h"
#include "layer.h"
#include "version.h"
#include "passwd.h"
#include "validate.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define W "users sync"

/* Read dir/<file> of each kind; a missing shadow file is empty, a missing
 * passwd or group is an error. */
/* A file of a root (layer: "roots/<name>"), read as the node sees it: its
 * symlinks resolve inside the root, never to the head node's own files. */
static int read_layer_file(struct tree *t, const char *layer, const char *path, struct strbuf *sb)
{
	int fd = tfs_layer_open(t, layer, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return read_fd(fd, sb);
}

/* Read <dir>/<file> of each kind, from a layer of the tree when layer is set
 * (dir is then "/etc"), else from the head node; a missing shadow file is
 * empty, a missing passwd or group is an error. */
static int load_set(struct tree *t, const char *layer, const char *dir, struct pw_set *s, const char *who)
{
	pw_set_init(s);
	struct pw_db *dbs[4] = {&s->passwd, &s->group, &s->shadow, &s->gshadow};
	for (int k = 0; k < 4; k++) {
		char p[PATH_MAX], err[256];
		struct strbuf sb = STRBUF_INIT;
		snprintf(p, sizeof(p), "%s/%s", dir, pw_file_name((enum pw_kind)k));
		int r = layer ? read_layer_file(t, layer, p, &sb) : read_file(p, &sb);
		if (r == -ENOENT && k >= PW_SHADOW)
			r = 0;
		if (r < 0) {
			sb_free(&sb);
			return cli_error(W, "%s%s: %s (%s)", layer ? layer : "", p, strerror(-r), who);
		}
		r = pw_parse((enum pw_kind)k, sb_str(&sb), dbs[k], err, sizeof(err));
		sb_free(&sb);
		if (r < 0)
			return cli_error(W, "%s/%s: fix it first", dir, err);
	}
	return 0;
}

/* Atomic write with owner and mode set before the rename, so the shadow
 * files are never visible with the wrong group; a symlink on the way (the
 * overlay's etc/ made a link by a package) fails instead of being followed. */
/* Mode and group of the shadow files: as in the root (0640 root:shadow on
 * Debian), else the shadow group's, else 0600 root:root. */
static void shadow_owner(struct tree *t, const char *rootlayer, const struct pw_set *merged, int k, mode_t *mode,
			 gid_t *gid)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "/etc/%s", pw_file_name((enum pw_kind)k));
	int fd = tfs_layer_open(t, rootlayer, p, O_PATH);
	int ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (fd >= 0)
		close(fd);
	if (ok) {
		*mode = st.st_mode & 0640;
		*gid = st.st_gid;
		return;
	}
	const struct pw_ent *g = pw_find(&merged->group, "shadow");
	*mode = g ? 0640 : 0600;
	*gid = g ? (gid_t)g->id : 0;
}

static int count_regular(const struct pw_db *db)
{
	int n = 0;
	for (size_t i = 0; i < db->n; i++)
		n += pw_is_regular(db->e[i].id);
	return n;
}

static int sync_users(struct tree *t, const char *overlay, const char *root, const char *from)
{
	char rootetc[PATH_MAX], etc[PATH_MAX], err[512], rootbuf[64];
	const char *why, *k = validate_name(overlay, &why) == 0 ? tree_layer_kind(t, overlay) : NULL;
	if (!k || strcmp(k, "overlay"))
		return cli_error(W, "%s: %s", overlay, k ? "is a root; users go into an overlay" : "no such overlay (see: hopeless overlay list)");
	if (!root) {
		if (layer_overlay_root(t, overlay, rootbuf, sizeof(rootbuf), err, sizeof(err)) < 0)
			return cli_error(W, "%s", err);
		root = rootbuf;
	}
	k = validate_name(root, &why) == 0 ? tree_layer_kind(t, root) : NULL;
	if (!k || strcmp(k, "root"))
		return cli_error(W, "--root %s: no such root (see: hopeless root list)", root);
	if (!is_dir(from))
		return cli_error(W, "--from %s: not a directory", from);
	if (version_layer_dir(t, root, 0, rootetc, sizeof(rootetc)) < 0)
		return cli_error(W, "%s: no published version (see: hopeless root show %s)", root, root);
	tfs_fmt(etc, sizeof(etc), "roots/%s/etc", overlay);
	struct pw_set base, head, out;
	int rc = load_set(t, rootetc, "/etc", &base, "the root's own accounts");
	if (rc == 0)
		rc = load_set(t, NULL, from, &head, "the head node's accounts");
	else
		pw_set_init(&head);
	if (rc == 0 && pw_merge(&base, &head, &out, err, sizeof(err)) < 0)
		rc = cli_error(W, "%s: %s", overlay, err);
	if (rc) {
		pw_set_free(&base);
		pw_set_free(&head);
		return rc;
	}
	/* Everything is computed; now one new version of the overlay with the
	 * four files, published atomically (or nothing when none changed). */
	struct pw_db *dbs[4] = {&out.passwd, &out.group, &out.shadow, &out.gshadow};
	struct strbuf sb[4] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
	char paths[4][32];
	struct layer_file f[4];
	int r = 0, v = 0;
	for (int i = 0; i < 4 && r == 0; i++) {
		mode_t mode = 0644;
		gid_t gid = 0;
		if (i >= PW_SHADOW)
			shadow_owner(t, rootetc, &out, i, &mode, &gid);
		snprintf(paths[i], sizeof(paths[i]), "etc/%s", pw_file_name((enum pw_kind)i));
		r = pw_format(dbs[i], &sb[i]);
		f[i] = (struct layer_file){paths[i], sb_str(&sb[i]), sb[i].len, mode, 0, gid};
	}
	if (r == 0)
		r = layer_publish_files(t, overlay, f, 4, &v);
	for (int i = 0; i < 4; i++)
		sb_free(&sb[i]);
	if (r == 0 && v)
		printf("hopeless: users sync: overlay %s: version %d published\n", overlay, v);
	if (r < 0)
		rc = cli_error(W, "%s/%s: %s%s", t->dir, etc, strerror(-r),
			       r == -ELOOP || r == -ENOTDIR ? " (a symbolic link on the way: not written through)" : "");
	if (rc == 0)
		printf("hopeless: users sync: %d users and %d groups from %s merged into %s (root %s)\n",
		       count_regular(&head.passwd), count_regular(&head.group), from, etc, root);
	pw_set_free(&base);
	pw_set_free(&head);
	pw_set_free(&out);
	return rc;
}

static void users_usage(FILE *f)
{
	fprintf(f, "usage: hopeless users sync OVERLAY [--root ROOT] [--from DIR]\n\n"
		   "Writes roots/OVERLAY/etc/{passwd,group,shadow,gshadow}: the root's own\n"
		   "accounts plus the head node's regular users and groups (ids %d-%d) from\n"
		   "DIR (default /etc). Run it again after adding users on the head node.\n"
		   "ROOT defaults to the root of the overlay's nodes when they all agree.\n",
		PW_REGULAR_MIN, PW_REGULAR_MAX);
}

int cmd_users(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		users_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
					     {"root", required_argument, NULL, 'r'}, {0}};
	const char *from = "/etc", *root = NULL;
	int o;
	optind = 2;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'f')
			from = optarg;
		else if (o == 'r')
			root = optarg;
		else
			return cli_error("users", "%s: unknown option or missing value (see hopeless users --help)",
					 argv[optind - 1]);
	}
	if (strcmp(argv[1], "sync") || argc - optind != 1)
		return cli_error("users", "unknown or incomplete subcommand (see hopeless users --help)");
	struct tree t;
	if (cli_open_tree(&t, ctx, "users", 1) < 0)
		return 1;
	int rc = sync_users(&t, argv[optind], root, from);
	tree_close(&t);
	return rc;
}
