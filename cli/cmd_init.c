/* hopeless init: create a cluster tree. */
#include "cli.h"
#include "validate.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const tree_dirs[] = {"meta", "roots", "clients", "state", "nodes", "tftp",
					"tftp/pxelinux.cfg", "tftp/ipxe", "tftp/boot", "etc"};

int cmd_init(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'}, {"netmask", required_argument, NULL, 'm'},
		{"interface", required_argument, NULL, 'i'}, {"append", required_argument, NULL, 'a'},
		{"nfs-server", required_argument, NULL, 'n'}, {"image-size", required_argument, NULL, 'z'},
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
		case 'h':
			printf("usage: hopeless [-C DIR] init [--server IP] [--netmask MASK] [--interface IF]\n"
			       "                 [--append KERNEL-ARGS] [--nfs-server ganesha|kernel] [--image-size SIZE]\n");
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
