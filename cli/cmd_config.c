/* hopeless config: regenerate every service configuration from the tree.
 * Each file is written atomically and only when its content changed. */
#include "cli.h"
#include "gen.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*gen_all_fn)(const struct tree *, const struct tree_node *, size_t, struct strbuf *);

static int emit(struct tree *t, const char *rel, const struct strbuf *sb, int *written)
{
	char p[PATH_MAX];
	int r = tree_path(t, p, sizeof(p), "%s", rel);
	if (r == 0)
		r = write_file_if_changed(p, sb_str(sb), sb->len, 0644);
	if (r < 0)
		fprintf(stderr, "hopeless: config: %s: %s\n", p, strerror(-r));
	else
		(*written)++;
	return r;
}

/* Boot loaders the TFTP tree serves, copied from the Debian packages. */
static const struct {
	const char *src, *dst;
} loaders[] = {
	{"/usr/lib/PXELINUX/pxelinux.0", "pxelinux.0"},
	{"/usr/lib/syslinux/modules/bios/ldlinux.c32", "ldlinux.c32"},
	{"/usr/lib/ipxe/undionly.kpxe", "undionly.kpxe"},
	{"/usr/lib/ipxe/snponly.efi", "snponly.efi"},
};

static int copy_loaders(struct tree *t)
{
	for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		if (read_file(loaders[i].src, &sb) < 0) {
			fprintf(stderr, "hopeless: config: warning: %s missing (install pxelinux, syslinux-common, ipxe)\n",
				loaders[i].src);
			continue;
		}
		char p[PATH_MAX];
		tree_path(t, p, sizeof(p), "tftp/%s", loaders[i].dst);
		int r = write_file_if_changed(p, sb.buf, sb.len, 0644);
		sb_free(&sb);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Remove per-node boot files of nodes that no longer exist. */
static void prune(struct tree *t, const char *sub, const char *prefix, const char *suffix,
		  const struct tree_node *nodes, size_t n)
{
	char **names;
	size_t cnt;
	if (tree_list_names(t, sub, &names, &cnt) < 0)
		return;
	for (size_t i = 0; i < cnt; i++) {
		size_t pl = strlen(prefix), sl = strlen(suffix), nl = strlen(names[i]);
		if (nl < pl + sl || strncmp(names[i], prefix, pl) || strcmp(names[i] + nl - sl, suffix))
			continue;
		int keep = 0;
		for (size_t k = 0; k < n && !keep; k++) {
			char mac[18];
			gen_mac_hyphen(nodes[k].mac, mac);
			keep = nl == pl + 17 + sl && !strncmp(names[i] + pl, mac, 17);
		}
		if (!keep) {
			char p[PATH_MAX];
			tree_path(t, p, sizeof(p), "%s/%s", sub, names[i]);
			unlink(p);
		}
	}
	tree_names_free(names, cnt);
}

int config_generate(struct tree *t, int verbose)
{
	struct tree_node *nodes;
	size_t n;
	char err[512];
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "hopeless: config: %s\n", err);
		return -EINVAL;
	}
	int r = 0, written = 0;
	struct strbuf sb = STRBUF_INIT;
	static const struct {
		const char *rel;
		gen_all_fn fn;
	} all[] = {{"etc/dnsmasq.conf", gen_dnsmasq},
		   {"etc/ganesha.conf", gen_ganesha},
		   {"etc/exports", gen_exports},
		   {"etc/hosts", gen_hosts}};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && r == 0; i++) {
		sb_reset(&sb);
		r = all[i].fn(t, nodes, n, &sb);
		if (r == 0)
			r = emit(t, all[i].rel, &sb, &written);
	}
	if (r == 0) {
		sb_reset(&sb);
		r = gen_pxelinux_default(&sb);
		if (r == 0)
			r = emit(t, "tftp/pxelinux.cfg/default", &sb, &written);
	}
	if (r == 0) {
		sb_reset(&sb);
		r = gen_ipxe_boot(&sb);
		if (r == 0)
			r = emit(t, "tftp/boot.ipxe", &sb, &written);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char mac[18], rel[64];
		gen_mac_hyphen(nodes[i].mac, mac);
		sb_reset(&sb);
		r = gen_pxelinux_node(t, &nodes[i], &sb);
		snprintf(rel, sizeof(rel), "tftp/pxelinux.cfg/01-%s", mac);
		if (r == 0)
			r = emit(t, rel, &sb, &written);
		sb_reset(&sb);
		if (r == 0)
			r = gen_ipxe_node(t, &nodes[i], &sb);
		snprintf(rel, sizeof(rel), "tftp/ipxe/%s.ipxe", mac);
		if (r == 0)
			r = emit(t, rel, &sb, &written);
	}
	if (r == 0) {
		prune(t, "tftp/pxelinux.cfg", "01-", "", nodes, n);
		prune(t, "tftp/ipxe", "", ".ipxe", nodes, n);
		r = copy_loaders(t);
	}
	sb_free(&sb);
	if (r == 0 && verbose)
		printf("hopeless: config: %d files generated for %zu node(s) in %s\n", written, n, t->dir);
	free(nodes);
	return r;
}

int cmd_config(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_wants_help(argc, argv)) {
		printf("usage: hopeless config\n"
		       "Regenerates etc/dnsmasq.conf, etc/ganesha.conf, etc/exports, etc/hosts,\n"
		       "tftp/pxelinux.cfg/* and tftp/ipxe/* from the tree.\n");
		return 0;
	}
	if (argc != 1)
		return cli_error("config", "unexpected argument '%s'", argv[1]);
	struct tree t;
	if (cli_open_tree(&t, ctx, "config", 1) < 0)
		return 1;
	int r = config_generate(&t, 1);
	tree_close(&t);
	return r < 0 ? 1 : 0;
}
