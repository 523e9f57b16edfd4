/* hopeless root: root file systems (the bottom layer). Every root is built
 * under roots/.<name>.tmp and renamed into place when complete; an
 * interrupted build is removed at once (signal) or by the next add (sweep). */
#include "cli.h"
#include "layer.h"
#include "version.h"
#include "rootbuild.h"
#include "validate.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct root_src {
	const char *from, *tar, *suite, *release;
	struct rootbuild_opts o;
};

/* The build tool runs as our child; a signal to us is passed on to it and
 * the build then fails normally, which removes the temporary tree. */
static int run_build(char *const argv[])
{
	struct run_opts o = {.forward_signals = 1};
	return run_prog(argv, &o);
}

static int count_sources(const struct root_src *s)
{
	return !!s->from + !!s->tar + !!s->suite + !!s->release;
}

/* Check the source and pick the tool before the tree is touched. */
static int check_source(struct root_src *s, const char *name, char *tool, size_t toollen)
{
	const char *w = "root add";
	if (count_sources(s) != 1)
		return cli_error(w, "%s: give exactly one source: --from DIR, --tar FILE, --debootstrap SUITE or --dnf RELEASE",
				 name);
	if ((s->o.mirror || s->o.variant) && !s->suite)
		return cli_error(w, "%s: --mirror and --variant go with --debootstrap", name);
	if (s->o.repo && !s->release)
		return cli_error(w, "%s: --repo goes with --dnf", name);
	if (s->o.include && !s->suite && !s->release)
		return cli_error(w, "%s: --include goes with --debootstrap or --dnf", name);
	if (s->from)
		return is_dir(s->from) ? 0 : cli_error(w, "%s: not a directory", s->from);
	if (s->tar) {
		struct stat st;
		if (stat(s->tar, &st) != 0 || !S_ISREG(st.st_mode) || access(s->tar, R_OK) != 0)
			return cli_error(w, "%s: not a readable file", s->tar);
		s->o.kind = ROOTBUILD_TAR;
		s->o.source = s->tar;
		return rootbuild_find_tool("tar", tool, toollen) == 0 ? 0 : cli_error(w, "tar is not installed (apt-get install tar)");
	}
	if (s->release) {
		s->o.kind = ROOTBUILD_DNF;
		s->o.source = s->release;
		if (!s->o.include)
			return cli_error(w, "%s: --dnf needs the packages to install: --include PKGS (e.g. dnf,systemd,kernel)", name);
		if (rootbuild_find_tool("dnf", tool, toollen) < 0)
			return cli_error(w, "%s: dnf is not installed here and Debian 12 does not package it; "
					    "build the root with dnf on a Fedora/RHEL machine and import it with --tar or --from",
					 name);
		return 0;
	}
	s->o.source = s->suite;
	s->o.kind = ROOTBUILD_MMDEBSTRAP;
	if (rootbuild_find_tool("mmdebstrap", tool, toollen) == 0)
		return 0;
	s->o.kind = ROOTBUILD_DEBOOTSTRAP;
	if (rootbuild_find_tool("debootstrap", tool, toollen) == 0)
		return 0;
	return cli_error(w, "%s: neither mmdebstrap nor debootstrap is installed (apt-get install mmdebstrap)", name);
}

/* Fill tmp (an empty directory) from the source. */
static int fill_root(struct root_src *s, const char *name, const char *tool, const char *tmp)
{
	if (s->from) {
		char src[PATH_MAX + 2];
		snprintf(src, sizeof(src), "%s/.", s->from);
		/* cp -a keeps owners, modes, links, xattrs and hard links. */
		char *cp[] = {"cp", "-a", "--reflink=auto", src, (char *)tmp, NULL};
		printf("hopeless: root add: copying %s\n", s->from);
		fflush(stdout);
		return run_build(cp) == 0 ? 0 : cli_error("root add", "%s: copying %s failed", name, s->from);
	}
	s->o.target = tmp;
	struct rootbuild_argv a;
	int r = rootbuild_argv(&s->o, &a);
	if (r < 0) {
		rootbuild_argv_free(&a);
		return cli_error("root add", "%s: %s: bad value (a package list, suite, release or URL "
				 "starting with '-' or holding control characters)", name, rootbuild_tool(s->o.kind));
	}
	free(a.v[0]);
	a.v[0] = strdup(tool);
	printf("hopeless: root add: running %s (its progress follows)\n", rootbuild_tool(s->o.kind));
	fflush(stdout);
	r = a.v[0] ? run_build(a.v) : -ENOMEM;
	rootbuild_argv_free(&a);
	if (r != 0)
		return cli_error("root add", "%s: %s failed (%s %d)%s", name, rootbuild_tool(s->o.kind),
				 r > 128 ? "signal" : "exit status", r > 128 ? r - 128 : r,
				 r > 128 ? "; interrupted, nothing kept" : "; see its output above");
	return 0;
}

/* root add of an existing root: the build fills a new draft, published as
 * the next version when it succeeds (nodes get it at their next boot). */
static int root_add_version(struct tree *t, const char *name, struct root_src *s)
{
	char tool[PATH_MAX] = "", dir[PATH_MAX];
	if (check_source(s, name, tool, sizeof(tool)))
		return 1;
	struct draft d;
	int v = 0, r = draft_create(t, name, 0, &d);
	if (r < 0)
		return cli_error("root add", "%s: cannot make a draft: %s", name, strerror(-r));
	tree_path(t, dir, sizeof(dir), "%s", d.rel);
	int rc = fill_root(s, name, tool, dir);
	if (rc == 0 && (r = draft_publish(t, &d, &v)) < 0)
		rc = cli_error("root add", "%s: publishing: %s", name, strerror(-r));
	draft_discard(t, &d);
	if (rc == 0)
		printf("hopeless: root %s: version %d published (nodes get it at their next boot)\n", name, v);
	return rc;
}

static int root_add(struct tree *t, const char *name, struct root_src *s)
{
	const char *why, *w = "root add";
	char tool[PATH_MAX] = "", final[PATH_MAX], tmp[PATH_MAX];
	if (validate_name(name, &why) < 0)
		return cli_error(w, "%s: %s", name, why);
	if (tree_layer_kind(t, name) && !strcmp(tree_layer_kind(t, name), "root"))
		return root_add_version(t, name, s);
	if (tree_layer_kind(t, name))
		return cli_error(w, "%s: already exists as a %s", name, tree_layer_kind(t, name));
	if (check_source(s, name, tool, sizeof(tool)))
		return 1;
	char frel[PATH_MAX], trel[PATH_MAX];
	tree_path(t, final, sizeof(final), "roots/%s", name);
	tree_path(t, tmp, sizeof(tmp), "roots/.%s.tmp", name);
	tfs_fmt(frel, sizeof(frel), "roots/%s", name);
	tfs_fmt(trel, sizeof(trel), "roots/.%s.tmp", name);
	if (tfs_exists(t, frel))
		return cli_error(w, "%s exists but is not registered; move it away first", final);
	layer_sweep_tmp(t);
	char v1[PATH_MAX], v1abs[PATH_MAX];
	int r0 = tfs_mkdir(t, trel, 0755);
	if (r0 == 0)
		r0 = version_init_layer(t, trel, v1, sizeof(v1));
	if (r0 < 0)
		return cli_error(w, "%s: %s", tmp, strerror(-r0));
	tree_path(t, v1abs, sizeof(v1abs), "%s", v1);
	/* The build tool gets tmp as a path: every component is one of the
	 * tree's own directories (no node writes roots/) and the last was just
	 * made by us, exclusively; what the tool writes inside is the root's
	 * content, hostile from here on and only ever read through treefs. */
	int rc = fill_root(s, name, tool, v1abs);
	if (rc == 0 && (r0 = tfs_rename(t, trel, frel, RENAME_NOREPLACE)) < 0)
		rc = cli_error(w, "%s: %s", final, strerror(-r0));
	if (rc == 0) {
		int r = layer_register(t, name, "root");
		if (r < 0) {
			tfs_rename(t, frel, trel, 0);
			rc = cli_error(w, "%s: %s", name, strerror(-r));
		}
	}
	char tmprel[PATH_MAX];
	tfs_fmt(tmprel, sizeof(tmprel), "roots/.%s.tmp", name);
	if (layer_remove_dir(t, tmprel) < 0)
		fprintf(stderr, "hopeless: root add: %s: still mounted below; unmount and remove it by hand\n", tmp);
	if (rc == 0) {
		char hs[32];
		layer_human_size(layer_size(final), hs, sizeof(hs));
		printf("hopeless: root %s added (%s, %s)\n", name, final, hs);
	}
	return rc;
}

/* Kernel versions in <root>/boot: the vmlinuz-<version> files. */
static void root_kernels(const char *dir, struct strbuf *sb)
{
	char boot[PATH_MAX + 8];
	snprintf(boot, sizeof(boot), "%s/boot", dir);
	struct dirent **list;
	int n = scandir(boot, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (!strncmp(list[i]->d_name, "vmlinuz-", 8) && list[i]->d_name[8])
			sb_printf(sb, "%s%s", sb->len ? "," : "", list[i]->d_name + 8);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	if (!sb->len)
		sb_add(sb, "-");
}

static int root_list(struct tree *t)
{
	char **names, err[512];
	size_t n;
	int r = tree_list_names(t, "meta", &names, &n);
	if (r < 0)
		return cli_error("root list", "meta/: %s", strerror(-r));
	printf("%-20s %8s %-24s %s\n", "NAME", "SIZE", "KERNELS", "NODES");
	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *k = tree_layer_kind(t, names[i]);
		if (!k || strcmp(k, "root"))
			continue;
		char dir[PATH_MAX], cur[PATH_MAX], rel[PATH_MAX], hs[32];
		struct strbuf users = STRBUF_INIT, kern = STRBUF_INIT;
		tree_path(t, dir, sizeof(dir), "roots/%s", names[i]);
		version_layer_dir(t, names[i], 0, rel, sizeof(rel));
		tree_path(t, cur, sizeof(cur), "%s", rel);
		r = layer_users(t, names[i], &users, err, sizeof(err));
		root_kernels(cur, &kern);
		layer_human_size(layer_size(dir), hs, sizeof(hs));
		if (r >= 0) {
			printf("%-20s %8s %-24s %d\n", names[i], hs, sb_str(&kern), r);
			layer_versions_print(t, names[i]);
		}
		sb_free(&users);
		sb_free(&kern);
	}
	tree_names_free(names, n);
	return r < 0 ? cli_error("root list", "%s", err) : 0;
}

/* PRETTY_NAME from the root's os-release, when it has one. */
static void root_os(const char *dir, char *out, size_t outlen)
{
	char p[PATH_MAX + 32];
	struct strbuf sb = STRBUF_INIT;
	snprintf(out, outlen, "-");
	snprintf(p, sizeof(p), "%s/usr/lib/os-release", dir);
	if (read_file(p, &sb) < 0) {
		snprintf(p, sizeof(p), "%s/etc/os-release", dir);
		if (read_file(p, &sb) < 0)
			return sb_free(&sb);
	}
	const char *l = strstr(sb_str(&sb), "PRETTY_NAME=");
	if (l) {
		l += 12;
		l += *l == '"';
		size_t n = strcspn(l, "\"\n");
		snprintf(out, outlen, "%.*s", (int)n, l);
	}
	sb_free(&sb);
}

static int root_show(struct tree *t, const char *name)
{
	const char *k = tree_layer_kind(t, name);
	if (!k || strcmp(k, "root"))
		return cli_error("root show", "%s: %s", name,
				 k ? "is an overlay, not a root (see: hopeless overlay show)"
				   : "no such root (see: hopeless root list)");
	char dir[PATH_MAX], all[PATH_MAX], rel[PATH_MAX], err[512], hs[32], os[128];
	tree_path(t, all, sizeof(all), "roots/%s", name);
	version_layer_dir(t, name, 0, rel, sizeof(rel));
	tree_path(t, dir, sizeof(dir), "%s", rel);
	struct strbuf users = STRBUF_INIT, kern = STRBUF_INIT;
	int n = layer_users(t, name, &users, err, sizeof(err));
	if (n < 0) {
		sb_free(&users);
		return cli_error("root show", "%s", err);
	}
	root_kernels(dir, &kern);
	root_os(dir, os, sizeof(os));
	layer_human_size(layer_size(all), hs, sizeof(hs));
	printf("root:    %s\npath:    %s\nsystem:  %s\nsize:    %s (all versions, shared files counted once)\n"
	       "kernels: %s\nnodes:   %d%s%s\nversions:\n", name, dir, os, hs, sb_str(&kern), n, n ? " " : "",
	       sb_str(&users));
	layer_versions_print(t, name);
	sb_free(&users);
	sb_free(&kern);
	return 0;
}

static void root_usage(FILE *f)
{
	fprintf(f, "usage: hopeless root add NAME --from DIR\n"
		   "       hopeless root add NAME --tar FILE\n"
		   "       hopeless root add NAME --debootstrap SUITE [--mirror URL] [--include PKGS] [--variant V]\n"
		   "       hopeless root add NAME --dnf RELEASE --include PKGS [--repo URL]\n"
		   "       hopeless root list\n"
		   "       hopeless root show NAME\n"
		   "       hopeless root rollback NAME [VERSION]\n"
		   "       hopeless root gc [NAME] [--keep N] [--version V]\n"
		   "       hopeless root rm NAME\n\n"
		   "A root is roots/NAME, the bottom layer every node mounts read-only, as a\n"
		   "sequence of versions (roots/NAME/N, never changed once published); nodes\n"
		   "boot the default version (roots/NAME/current) unless pinned (node set\n"
		   "--root NAME@N). root add of an existing NAME publishes a new version;\n"
		   "rollback makes an older one the default; gc removes versions no node runs\n"
		   "or is pinned to, except the default and the newest N (keep_versions).\n"
		   "--tar takes any compression tar knows; --debootstrap uses mmdebstrap (or\n"
		   "debootstrap); a node root wants e.g. --include linux-image-amd64,systemd-sysv.\n"
		   "Change a root with: hopeless shell --root NAME\n");
}

int cmd_root(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		root_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "gc")) /* options of its own */
		return layer_gc_cmd(ctx, argc, argv, "root");
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},	   {"tar", required_argument, NULL, 't'},
		{"debootstrap", required_argument, NULL, 'd'}, {"dnf", required_argument, NULL, 'n'},
		{"mirror", required_argument, NULL, 'm'},  {"include", required_argument, NULL, 'i'},
		{"variant", required_argument, NULL, 'v'}, {"repo", required_argument, NULL, 'r'},
		{0}};
	struct root_src s = {0};
	int o;
	optind = 2;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f': s.from = optarg; break;
		case 't': s.tar = optarg; break;
		case 'd': s.suite = optarg; break;
		case 'n': s.release = optarg; break;
		case 'm': s.o.mirror = optarg; break;
		case 'i': s.o.include = optarg; break;
		case 'v': s.o.variant = optarg; break;
		case 'r': s.o.repo = optarg; break;
		default:
			return cli_error("root", "%s: unknown option or missing value (see hopeless root --help)",
					 argv[optind - 1]);
		}
	}
	if (strcmp(sub, "add") && (count_sources(&s) || s.o.mirror || s.o.include || s.o.variant || s.o.repo))
		return cli_error("root", "%s: options go with root add only (see hopeless root --help)", sub);
	struct tree t;
	if (cli_open_tree(&t, ctx, "root", 1) < 0)
		return 1;
	int rc, rest = argc - optind;
	if (!strcmp(sub, "add") && rest == 1)
		rc = root_add(&t, argv[optind], &s);
	else if (!strcmp(sub, "list") && rest == 0)
		rc = root_list(&t);
	else if (!strcmp(sub, "show") && rest == 1)
		rc = root_show(&t, argv[optind]);
	else if (!strcmp(sub, "rollback") && (rest == 1 || rest == 2))
		rc = layer_rollback_cmd(&t, argv[optind], rest == 2 ? argv[optind + 1] : NULL, "root");
	else if (!strcmp(sub, "rm") && rest == 1)
		rc = layer_rm_cmd(&t, argv[optind], "root", "root rm");
	else
		rc = cli_error("root", "unknown or incomplete subcommand (see hopeless root --help)");
	tree_close(&t);
	return rc;
}
