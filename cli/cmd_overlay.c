/* hopeless overlay: cluster-wide overlays (the middle layer). */
#include "cli.h"
#include "validate.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Shared with cmd_root.c: records what roots/<name> is, atomically. */
int layer_register(struct tree *t, const char *name, const char *kind)
{
	char p[PATH_MAX];
	if (tree_path(t, p, sizeof(p), "meta/%s", name) < 0)
		return -ENAMETOOLONG;
	char line[16];
	snprintf(line, sizeof(line), "%s\n", kind);
	return write_file_atomic(p, line, strlen(line), 0644);
}

int layer_list(struct tree *t, const char *kind)
{
	char **names;
	size_t n;
	int r = tree_list_names(t, "meta", &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const char *k = tree_layer_kind(t, names[i]);
		if (k && !strcmp(k, kind))
			printf("%s\n", names[i]);
	}
	tree_names_free(names, n);
	return 0;
}

static int overlay_add(struct tree *t, const char *name)
{
	const char *why;
	if (validate_name(name, &why) < 0)
		return cli_error("overlay add", "%s: %s", name, why);
	if (tree_layer_kind(t, name))
		return cli_error("overlay add", "%s: already exists as a %s", name, tree_layer_kind(t, name));
	char p[PATH_MAX];
	tree_path(t, p, sizeof(p), "roots/%s", name);
	if (path_exists(p))
		return cli_error("overlay add", "%s exists but is not registered; move it away first", p);
	if (mkdir(p, 0755) != 0)
		return cli_error("overlay add", "%s: %s", p, strerror(errno));
	int r = layer_register(t, name, "overlay");
	if (r < 0) {
		rmdir(p);
		return cli_error("overlay add", "%s: %s", name, strerror(-r));
	}
	printf("hopeless: overlay %s added (%s)\n", name, p);
	return 0;
}

int cmd_overlay(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		printf("usage: hopeless overlay add NAME\n       hopeless overlay list\n");
		return argc < 2 ? 2 : 0;
	}
	struct tree t;
	if (cli_open_tree(&t, ctx, "overlay", 1) < 0)
		return 1;
	int rc;
	if (!strcmp(argv[1], "add") && argc == 3)
		rc = overlay_add(&t, argv[2]);
	else if (!strcmp(argv[1], "list") && argc == 2)
		rc = layer_list(&t, "overlay") < 0;
	else
		rc = cli_error("overlay", "unknown or incomplete subcommand (see hopeless overlay --help)");
	tree_close(&t);
	return rc;
}
