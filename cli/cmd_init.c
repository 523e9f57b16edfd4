/* hopeless init: create a cluster tree. */
#include "cli.h"
#include "template.h"
#include "validate.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const tree_dirs[] = {"meta", "roots", "clients", "state", "nodes", "tftp",
					"tftp/pxelinux.cfg", "tftp/ipxe", "tftp/grub", "tftp/boot", "etc"};

/* The shipped host templates, copied so the administrator edits the tree's
 * own copy. Without a shipped copy (a bare binary) the default template is
 * just etc/hostname. */
static int install_templates(const char *dir)
{
	char src[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX];
	snprintf(dst, sizeof(dst), "%s/templates", dir);
	if (path_exists(dst))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/.templates.tmp", dir);
	remove_tree(tmp);
	int r;
	if (cli_find_data("templates", src, sizeof(src)) == 0) {
		r = template_copy(src, tmp, NULL);
	} else {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/default/etc", tmp);
		r = mkdir_p(p, 0755);
		snprintf(p, sizeof(p), "%s/default/etc/hostname", tmp);
		if (r == 0)
			r = write_file_atomic(p, "@HOSTNAME@\n", 11, 0644);
	}
	if (r == 0 && rename(tmp, dst) != 0)
		r = -errno;
	if (r < 0)
		remove_tree(tmp);
	return r;
}

int cmd_init(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'}, {"netmask", required_argument, NULL, 'm'},
		{"interface", required_argument, NULL, 'i'}, {"append", required_argument, NULL, 'a'},
		{"nfs-server", required_argument, NULL, 'n'}, {"image-size", required_argument, NULL, 'z'},
		{"domain", required_argument, NULL, 'd'}, {"image-mmp", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'}, {0}};
	struct tree_conf c;
	tree_conf_defaults(&c);
	struct strbuf kv = STRBUF_INIT;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *key = NULL;
		switch (o) {
		case 's': key = "server"; break;
		case 'm': key = "netmask"; break;
		case 'i': key = "interface"; break;
		case 'a': key = "append"; break;
		case 'n': key = "nfs_server"; break;
		case 'z': key = "image_size"; break;
		case 'd': key = "domain"; break;
		case 'p': key = "image_mmp"; break;
		case 'h':
			printf("usage: hopeless [-C DIR] init [--server IP] [--netmask MASK] [--interface IF]\n"
			       "                 [--append KERNEL-ARGS] [--nfs-server ganesha|kernel] [--image-size SIZE]\n"
			       "                 [--domain DOMAIN] [--image-mmp yes|no]\n"
			       "Each option sets the hopeless.conf key of the same name (see hopeless.conf(5)).\n");
			sb_free(&kv);
			return 0;
		default:
			sb_free(&kv);
			return 2;
		}
		sb_printf(&kv, "%s = %s\n", key, optarg);
	}
	if (optind != argc) {
		sb_free(&kv);
		return cli_error("init", "unexpected argument '%s'", argv[optind]);
	}
	char err[256];
	/* Settings go through the same parser that reads hopeless.conf later. */
	if (tree_conf_parse(sb_str(&kv), &c, err, sizeof(err)) < 0) {
		sb_free(&kv);
		return cli_error("init", "%s", strchr(err, ':') ? strchr(err, ':') + 2 : err);
	}
	sb_free(&kv);
	const char *dir = ctx->tree_dir;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/hopeless.conf", dir);
	if (path_exists(p))
		return cli_error("init", "%s is already a hopeless tree", dir);
	int r = mkdir_p(dir, 0755);
	if (r < 0)
		return cli_error("init", "%s: %s", dir, strerror(-r));
	for (size_t i = 0; i < sizeof(tree_dirs) / sizeof(tree_dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, tree_dirs[i]);
		/* state/ holds every node's writable image: root only. */
		if ((r = mkdir_p(p, strcmp(tree_dirs[i], "state") ? 0755 : 0700)) < 0)
			return cli_error("init", "%s: %s", p, strerror(-r));
	}
	if ((r = install_templates(dir)) < 0)
		return cli_error("init", "%s/templates: %s", dir, strerror(-r));
	struct strbuf sb = STRBUF_INIT;
	tree_conf_format(&c, &sb);
	/* hopeless.conf is written last: its presence is what makes a tree. */
	snprintf(p, sizeof(p), "%s/hopeless.conf", dir);
	r = write_file_atomic(p, sb.buf, sb.len, 0644);
	sb_free(&sb);
	if (r < 0)
		return cli_error("init", "%s: %s", p, strerror(-r));
	printf("hopeless: initialised %s (server %s)\n", dir, c.server);
	return 0;
}
