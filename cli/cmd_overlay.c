/* hopeless overlay: cluster-wide overlays (the middle layer), and the layer
 * helpers shared with root, shell and users (cli/layer.h). */
#include "cli.h"
#include "layer.h"
#include "version.h"
#include "validate.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int layer_register(struct tree *t, const char *name, const char *kind)
{
	char p[PATH_MAX];
	if (tfs_fmt(p, sizeof(p), "meta/%s", name) < 0)
		return -ENAMETOOLONG;
	char line[16];
	snprintf(line, sizeof(line), "%s\n", kind);
	return tfs_write_file(t, p, line, strlen(line), 0644);
}

int layer_users(const struct tree *t, const char *name, struct strbuf *sb, char *err, size_t errlen)
{
	struct tree_node *nodes;
	size_t n;
	int r = tree_nodes_load(t, &nodes, &n, err, errlen);
	if (r < 0)
		return r;
	int count = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(nodes[i].root, name) || !strcmp(nodes[i].overlay, name))
			sb_printf(sb, "%s%s", count++ ? ", " : "", nodes[i].hostname);
	free(nodes);
	return count;
}

int layer_overlay_root(const struct tree *t, const char *overlay, char *out, size_t outlen, char *why,
		       size_t whylen)
{
	struct tree_node *nodes;
	size_t n;
	int r = tree_nodes_load(t, &nodes, &n, why, whylen);
	if (r < 0)
		return r;
	out[0] = '\0';
	r = -ENOENT;
	snprintf(why, whylen, "no node uses overlay %s, so its root is unknown: give --root ROOT", overlay);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(nodes[i].overlay, overlay))
			continue;
		if (!out[0]) {
			snprintf(out, outlen, "%s", nodes[i].root);
			r = 0;
		} else if (strcmp(out, nodes[i].root)) {
			snprintf(why, whylen, "nodes of overlay %s use different roots (%s, %s): give --root ROOT",
				 overlay, out, nodes[i].root);
			r = -ENOTUNIQ;
			break;
		}
	}
	free(nodes);
	return r;
}

/* nftw has no user pointer: the walk's totals live here. */
static long long size_total;
static struct { dev_t dev; ino_t ino; } *size_seen;
static size_t size_nseen, size_cap;

static int size_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)p, (void)flag, (void)f;
	if (st->st_nlink > 1 && !S_ISDIR(st->st_mode)) {
		for (size_t i = 0; i < size_nseen; i++)
			if (size_seen[i].ino == st->st_ino && size_seen[i].dev == st->st_dev)
				return 0;
		if (size_nseen == size_cap) {
			size_t cap = size_cap ? size_cap * 2 : 256;
			void *v = realloc(size_seen, cap * sizeof(*size_seen));
			if (!v)
				return -1;
			size_seen = v;
			size_cap = cap;
		}
		size_seen[size_nseen].dev = st->st_dev;
		size_seen[size_nseen++].ino = st->st_ino;
	}
	size_total += (long long)st->st_blocks * 512;
	return 0;
}

long long layer_size(const char *dir)
{
	size_total = 0;
	size_nseen = 0;
	int r = nftw(dir, size_one, 32, FTW_PHYS);
	free(size_seen);
	size_seen = NULL;
	size_cap = 0;
	return r == 0 ? size_total : -1;
}

void layer_human_size(long long b, char *out, size_t outlen)
{
	const char *u = "KMGT";
	double v = (double)b / 1024;
	int i = 0;
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	if (b < 0)
		snprintf(out, outlen, "?");
	else
		snprintf(out, outlen, "%.1f%c", v, u[i]);
}

/* Mount points below dir (a killed debootstrap may leave /proc or a bind of
 * /dev mounted in its target): detach them, so that removing the directory
 * never walks into the host's /dev. 0 when nothing is mounted below any
 * more. */
int layer_unmount_below(const char *dir)
{
	size_t dl = strlen(dir);
	for (int pass = 0; pass < 2; pass++) {
		struct strbuf sb = STRBUF_INIT;
		if (read_file("/proc/self/mountinfo", &sb) < 0)
			return -EIO;
		int found = 0;
		char *save = NULL;
		for (char *l = strtok_r(sb.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char mp[PATH_MAX];
			if (sscanf(l, "%*s %*s %*s %*s %4095s", mp) != 1)
				continue;
			/* mountinfo escapes spaces as \040; our paths have none. */
			if (!strncmp(mp, dir, dl) && (mp[dl] == '/' || mp[dl] == '\0')) {
				found = 1;
				umount2(mp, MNT_DETACH);
			}
		}
		sb_free(&sb);
		if (!found)
			return 0;
	}
	return -EBUSY;
}

/* rm -rf of rel in the tree, never across a mount point (detached first)
 * and never through a symlink (treefs). */
int layer_remove_dir(struct tree *t, const char *rel)
{
	char abs[PATH_MAX * 2];
	snprintf(abs, sizeof(abs), "%s/%s", t->dir, rel);
	if (layer_unmount_below(abs) < 0)
		return -EBUSY;
	return tfs_remove_tree(t, rel);
}

int layer_remove(struct tree *t, const char *name)
{
	char dir[PATH_MAX], aside[PATH_MAX], meta[PATH_MAX];
	tfs_fmt(dir, sizeof(dir), "roots/%s", name);
	tfs_fmt(aside, sizeof(aside), "roots/.%s.rm.tmp", name);
	tfs_fmt(meta, sizeof(meta), "meta/%s", name);
	layer_remove_dir(t, aside);
	int r;
	if (tfs_exists(t, dir) && (r = tfs_rename(t, dir, aside, 0)) < 0)
		return r;
	if ((r = tfs_unlink(t, meta)) < 0 && r != -ENOENT) {
		tfs_rename(t, aside, dir, 0);
		return r;
	}
	tfs_sync(t);
	layer_remove_dir(t, aside);
	return 0;
}

void layer_sweep_tmp(struct tree *t)
{
	char p[PATH_MAX];
	/* tree_list_names skips dot files, which the leftovers are. */
	int fd = tfs_open(t, "roots", O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' && l > 5 && !strcmp(de->d_name + l - 4, ".tmp") &&
		    tfs_fmt(p, sizeof(p), "roots/%s", de->d_name) == 0)
			layer_remove_dir(t, p);
	}
	closedir(d);
}

/* Shipped templates: <srcdir>/overlay-templates/<T> in the build tree,
 * <prefix>/share/hopeless/overlay-templates/<T> once installed. */
static int find_template(const char *name, char *out, size_t outlen)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "overlay-templates/%s", name);
	return cli_find_data(rel, out, outlen);
}

static int overlay_add(struct tree *t, const char *name, const char *tmpl)
{
	const char *why, *w = "overlay add";
	char src[PATH_MAX], final[PATH_MAX], tmp[PATH_MAX];
	if (validate_name(name, &why) < 0)
		return cli_error(w, "%s: %s", name, why);
	if (tmpl && validate_name(tmpl, &why) < 0)
		return cli_error(w, "--from-template %s: %s", tmpl, why);
	if (tmpl && find_template(tmpl, src, sizeof(src)) < 0)
		return cli_error(w, "--from-template %s: no such template (shipped: netroot)", tmpl);
	if (tree_layer_kind(t, name))
		return cli_error(w, "%s: already exists as a %s", name, tree_layer_kind(t, name));
	tfs_fmt(final, sizeof(final), "roots/%s", name);
	tfs_fmt(tmp, sizeof(tmp), "roots/.%s.tmp", name);
	if (tfs_exists(t, final))
		return cli_error(w, "%s/%s exists but is not registered; move it away first", t->dir, final);
	layer_sweep_tmp(t);
	char v1[PATH_MAX];
	int r = tfs_mkdir(t, tmp, 0755);
	if (r == 0)
		r = version_init_layer(t, tmp, v1, sizeof(v1));
	if (r == 0 && tmpl) {
		/* Modes and times from the template, owner root (whoever checked
		 * out the source tree must not own files on the nodes). cp gets
		 * the new directory as an fd we opened. */
		char dot[PATH_MAX + 2], to[40];
		snprintf(dot, sizeof(dot), "%s/.", src);
		int dfd = tfs_open(t, v1, O_RDONLY | O_DIRECTORY, 0);
		snprintf(to, sizeof(to), "/proc/self/fd/%d/.", dfd);
		char *cp[] = {"cp", "-R", "--preserve=mode,timestamps", "--no-dereference", dot, to, NULL};
		struct run_opts o = {.keep_fds = &dfd, .nkeep = 1};
		r = dfd < 0 ? dfd : run_prog(cp, &o) == 0 ? 0 : -EIO;
		if (dfd >= 0)
			close(dfd);
	}
	if (r == 0)
		r = tfs_rename(t, tmp, final, RENAME_NOREPLACE);
	if (r == 0 && (r = layer_register(t, name, "overlay")) < 0)
		tfs_rename(t, final, tmp, 0);
	tfs_remove_tree(t, tmp);
	if (r < 0)
		return cli_error(w, "%s: %s", name, strerror(-r));
	printf("hopeless: overlay %s added (%s/%s, version 1)%s%s\n", name, t->dir, final, tmpl ? " from template " : "",
	       tmpl ? tmpl : "");
	return 0;
}

static int overlay_list(struct tree *t)
{
	char **names, err[512];
	size_t n;
	int r = tree_list_names(t, "meta", &names, &n);
	if (r < 0)
		return cli_error("overlay list", "meta/: %s", strerror(-r));
	printf("%-20s %s\n", "NAME", "NODES");
	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *k = tree_layer_kind(t, names[i]);
		if (!k || strcmp(k, "overlay"))
			continue;
		struct strbuf sb = STRBUF_INIT;
		r = layer_users(t, names[i], &sb, err, sizeof(err));
		if (r >= 0) {
			printf("%-20s %d%s%s\n", names[i], r, r ? " " : "", sb_str(&sb));
			layer_versions_print(t, names[i]);
		}
		sb_free(&sb);
	}
	tree_names_free(names, n);
	return r < 0 ? cli_error("overlay list", "%s", err) : 0;
}

/* Every path in the overlay, sorted, whiteouts marked: what the nodes
 * see on top of their root. */
static struct strbuf show_buf;
static size_t show_skip;
static int show_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)flag;
	if (f->level == 0)
		return 0;
	const char *mark = S_ISDIR(st->st_mode) ? "/" : S_ISLNK(st->st_mode) ? "@" : "";
	if (S_ISCHR(st->st_mode) && st->st_rdev == 0)
		mark = " (whiteout: deleted on the nodes)";
	return sb_printf(&show_buf, "%s%s\n", p + show_skip, mark) < 0 ? -1 : 0;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_sorted(char *text)
{
	size_t n = 0, cap = 64;
	char **v = malloc(cap * sizeof(*v)), *save = NULL;
	if (!v)
		return;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (n == cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n++] = l;
	}
	qsort(v, n, sizeof(*v), cmp_lines);
	for (size_t i = 0; i < n; i++)
		printf("  %s\n", v[i]);
	free(v);
}

static int overlay_show(struct tree *t, const char *name)
{
	const char *k = tree_layer_kind(t, name);
	if (!k || strcmp(k, "overlay"))
		return cli_error("overlay show", "%s: %s", name,
				 k ? "is a root, not an overlay (see: hopeless root show)"
				   : "no such overlay (see: hopeless overlay list)");
	char dir[PATH_MAX], all[PATH_MAX], rel[PATH_MAX], err[512], root[64], hs[32];
	tree_path(t, all, sizeof(all), "roots/%s", name);
	version_layer_dir(t, name, 0, rel, sizeof(rel));
	tree_path(t, dir, sizeof(dir), "%s", rel);
	struct strbuf users = STRBUF_INIT;
	int nu = layer_users(t, name, &users, err, sizeof(err));
	if (nu < 0) {
		sb_free(&users);
		return cli_error("overlay show", "%s", err);
	}
	layer_human_size(layer_size(all), hs, sizeof(hs));
	printf("overlay: %s\npath:    %s\nsize:    %s (all versions, shared files counted once)\nnodes:   %d%s%s\n",
	       name, dir, hs, nu, nu ? " " : "", sb_str(&users));
	if (layer_overlay_root(t, name, root, sizeof(root), err, sizeof(err)) == 0)
		printf("root:    %s\n", root);
	sb_free(&users);
	printf("versions:\n");
	layer_versions_print(t, name);
	printf("files (default version):\n");
	sb_reset(&show_buf);
	show_skip = strlen(dir) + 1;
	int r = nftw(dir, show_one, 32, FTW_PHYS);
	if (r == 0 && show_buf.len)
		print_sorted(show_buf.buf);
	sb_free(&show_buf);
	return r == 0 ? 0 : cli_error("overlay show", "%s: cannot read it", dir);
}

/* Shared by root rm and overlay rm: refused while a node uses the layer. */
int layer_rm_cmd(struct tree *t, const char *name, const char *kind, const char *w)
{
	const char *k = tree_layer_kind(t, name);
	if (!k)
		return cli_error(w, "%s: no such %s (see: hopeless %s list)", name, kind, kind);
	if (strcmp(k, kind))
		return cli_error(w, "%s: is a %s, not a%s %s (use: hopeless %s rm %s)", name, k,
				 kind[0] == 'o' ? "n" : "", kind, k, name);
	struct strbuf users = STRBUF_INIT;
	char err[512];
	int n = layer_users(t, name, &users, err, sizeof(err));
	if (n != 0) {
		int rc = n < 0 ? cli_error(w, "%s", err)
			       : cli_error(w, "%s: in use by %d node%s (%s); move or remove them first", name, n,
					   n > 1 ? "s" : "", sb_str(&users));
		sb_free(&users);
		return rc;
	}
	sb_free(&users);
	int r = layer_remove(t, name);
	if (r < 0)
		return cli_error(w, "%s: %s", name, strerror(-r));
	printf("hopeless: %s %s removed\n", kind, name);
	return 0;
}

static void overlay_usage(FILE *f)
{
	fprintf(f, "usage: hopeless overlay add NAME [--from-template T]\n"
		   "       hopeless overlay list\n"
		   "       hopeless overlay show NAME\n"
		   "       hopeless overlay rollback NAME [VERSION]\n"
		   "       hopeless overlay gc [NAME] [--keep N] [--version V]\n"
		   "       hopeless overlay rm NAME\n\n"
		   "Overlays are versioned like roots (see hopeless root --help): every change\n"
		   "(shell, config's /etc/hosts, users sync, node capture) publishes a new one.\n"
		   "A cluster-wide overlay is roots/NAME: files shown on top of the root of\n"
		   "every node that names it. --from-template copies a shipped template\n"
		   "(netroot: what a network-root node needs). Edit one with: hopeless shell NAME\n");
}

int cmd_overlay(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		overlay_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *tmpl = NULL, *sub = argv[1];
	if (!strcmp(sub, "gc")) /* options of its own */
		return layer_gc_cmd(ctx, argc, argv, "overlay");
	static const struct option opts[] = {{"from-template", required_argument, NULL, 't'}, {0}};
	int o;
	optind = 2;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 't' && !strcmp(sub, "add"))
			tmpl = optarg;
		else
			return cli_error("overlay", "%s: unknown option (see hopeless overlay --help)", argv[optind - 1]);
	}
	struct tree t;
	if (cli_open_tree(&t, ctx, "overlay", 1) < 0)
		return 1;
	int rc, rest = argc - optind;
	if (!strcmp(sub, "add") && rest == 1)
		rc = overlay_add(&t, argv[optind], tmpl);
	else if (!strcmp(sub, "list") && rest == 0)
		rc = overlay_list(&t);
	else if (!strcmp(sub, "show") && rest == 1)
		rc = overlay_show(&t, argv[optind]);
	else if (!strcmp(sub, "rollback") && (rest == 1 || rest == 2))
		rc = layer_rollback_cmd(&t, argv[optind], rest == 2 ? argv[optind + 1] : NULL, "overlay");
	else if (!strcmp(sub, "rm") && rest == 1)
		rc = layer_rm_cmd(&t, argv[optind], "overlay", "overlay rm");
	else
		rc = cli_error("overlay", "unknown or incomplete subcommand (see hopeless overlay --help)");
	tree_close(&t);
	return rc;
}
