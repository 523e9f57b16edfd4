/* hopeless root: root file systems (the bottom layer). */
#include "cli.h"
#include "validate.h"
#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int layer_register(struct tree *t, const char *name, const char *kind);
int layer_list(struct tree *t, const char *kind);

/* Copy the source into roots/.<name>.tmp, then rename: a failed copy leaves
 * nothing behind under the final name. cp -a keeps owners, modes, links,
 * xattrs and hard links, which a root file system needs. */
static int root_add(struct tree *t, const char *name, const char *from)
{
	const char *why;
	if (validate_name(name, &why) < 0)
		return cli_error("root add", "%s: %s", name, why);
	if (!from)
		return cli_error("root add", "%s: say where it comes from: --from DIR", name);
	if (!is_dir(from))
		return cli_error("root add", "%s: not a directory", from);
	if (tree_layer_kind(t, name))
		return cli_error("root add", "%s: already exists as a %s", name, tree_layer_kind(t, name));
	char final[PATH_MAX], tmp[PATH_MAX], src[PATH_MAX];
	tree_path(t, final, sizeof(final), "roots/%s", name);
	tree_path(t, tmp, sizeof(tmp), "roots/.%s.tmp", name);
	if (path_exists(final))
		return cli_error("root add", "%s exists but is not registered; move it away first", final);
	remove_tree(tmp);
	snprintf(src, sizeof(src), "%s/.", from);
	char *mk[] = {"mkdir", "-p", tmp, NULL};
	char *cp[] = {"cp", "-a", "--reflink=auto", src, tmp, NULL};
	int r = run_cmd(mk, 0);
	if (r == 0)
		r = run_cmd(cp, 0);
	if (r != 0) {
		remove_tree(tmp);
		return cli_error("root add", "%s: copying %s failed", name, from);
	}
	if (rename(tmp, final) != 0) {
		remove_tree(tmp);
		return cli_error("root add", "%s: %s", final, strerror(errno));
	}
	r = layer_register(t, name, "root");
	if (r < 0) {
		remove_tree(final);
		return cli_error("root add", "%s: %s", name, strerror(-r));
	}
	printf("hopeless: root %s added from %s\n", name, from);
	return 0;
}

int cmd_root(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		printf("usage: hopeless root add NAME --from DIR\n       hopeless root list\n");
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	static const struct option opts[] = {{"from", required_argument, NULL, 'f'}, {0}};
	const char *from = NULL;
	int o;
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'f')
			from = optarg;
		else
			return 2;
	}
	struct tree t;
	if (cli_open_tree(&t, ctx, "root", 1) < 0)
		return 1;
	int rc;
	if (!strcmp(sub, "add") && optind == argc - 1)
		rc = root_add(&t, argv[optind], from);
	else if (!strcmp(sub, "list") && optind == argc)
		rc = layer_list(&t, "root") < 0;
	else
		rc = cli_error("root", "unknown or incomplete subcommand (see hopeless root --help)");
	tree_close(&t);
	return rc;
}
