/* hopeless: the head-node command. A table maps subcommand names to their
 * cmd_<name>() entry points, one file each, in the style of git. */
#include "cli.h"
#include "version.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli_ctx *ctx);
	const char *help;
};

static const struct command commands[] = {
	{"init", cmd_init, "create a cluster tree"},
	{"root", cmd_root, "add, list, show or remove root file systems"},
	{"overlay", cmd_overlay, "add, list, show or remove cluster-wide overlays"},
	{"node", cmd_node, "add, list, show or remove nodes"},
	{"head", cmd_head, "declare the NFS heads of a cluster on Ceph: add, list, remove"},
	{"initramfs", cmd_initramfs, "build the initramfs for a root's kernel"},
	{"config", cmd_config, "regenerate every service configuration from the tree"},
	{"check", cmd_check, "lint the tree: dangling names, duplicates, leaks"},
	{"shell", cmd_shell, "chroot into a root, or into an overlay over its root"},
	{"users", cmd_users, "copy the head node's users into an overlay"},
	{"status", cmd_status, "show what every node is doing"},
	{"power", cmd_power, "power nodes on, off, cycle or reset through their BMC"},
	{"console", cmd_console, "a node's serial console through its BMC, or its kept log"},
	{"serve", cmd_serve, "run dnsmasq, nfs-ganesha and the event receiver"},
	{"lab", cmd_lab, "boot a virtual cluster on this machine"},
};

int cli_error(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hopeless: %s: ", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

int cli_open_tree(struct tree *t, struct cli_ctx *ctx, const char *what, int lock)
{
	char err[512];
	int r = tree_open(t, ctx->tree_dir, err, sizeof(err));
	if (r < 0)
		return cli_error(what, "%s", err), r;
	if (lock && (r = tree_lock(t)) < 0)
		return cli_error(what, "cannot lock %s: %s", t->dir, strerror(-r)), r;
	if (lock) {
		/* Under the lock: a tree from before versions is converted once,
		 * and drafts of commands that died are removed. */
		version_migrate_all(t);
		draft_sweep(t);
	}
	return 0;
}

/* The directory of the running hopeless binary, where its companions are
 * looked for: build/ in the source tree, <prefix>/sbin once installed. */
static int exe_dir(char *out, size_t outlen)
{
	ssize_t n = readlink("/proc/self/exe", out, outlen - 1);
	if (n <= 0)
		return -ENOENT;
	out[n] = '\0';
	char *slash = strrchr(out, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* The first of the candidate patterns ("%s" = exe dir, "%s" = name) that
 * exists (dirs: as a directory; else readable). */
static int find_beside(const char *const *cands, size_t n, const char *name, int want_dir, char *out,
		       size_t outlen)
{
	char self[PATH_MAX];
	if (exe_dir(self, sizeof(self)) < 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		snprintf(out, outlen, cands[i], self, name);
		if (want_dir ? is_dir(out) : access(out, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

int cli_find_helper(const char *name, char *out, size_t outlen)
{
	/* build tree: build/hopeless-init, lab/lab.sh beside build/ */
	static const char *const cands[] = {"%s/%s", "%s/../lab/%s", "%s/../lib/hopeless/%s"};
	return find_beside(cands, sizeof(cands) / sizeof(cands[0]), name, 0, out, outlen);
}

int cli_find_data(const char *name, char *out, size_t outlen)
{
	/* build/hopeless -> <srcdir>/templates; sbin/hopeless -> share/hopeless/templates */
	static const char *const cands[] = {"%s/../%s", "%s/../share/hopeless/%s"};
	return find_beside(cands, sizeof(cands) / sizeof(cands[0]), name, 1, out, outlen);
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hopeless [-C DIR] COMMAND [ARGS...]\n\n"
		   "The cluster tree is DIR, else $HOPELESS_DIR, else " TREE_DEFAULT_DIR ".\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRun 'hopeless COMMAND --help' for a command's options; see hopeless(8).\n");
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {.argv0 = argv[0]};
	const char *dir = NULL;
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-C") && i + 1 < argc) {
			dir = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "-C", 2) && argv[i][2]) {
			dir = argv[i] + 2;
			i++;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "hopeless: unknown option '%s' (see hopeless --help)\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	ctx.tree_dir = tree_resolve_dir(dir);
	umask(022);
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(argv[i], commands[k].name))
			return commands[k].fn(argc - i, argv + i, &ctx);
	fprintf(stderr, "hopeless: '%s' is not a command (see hopeless --help)\n", argv[i]);
	return 2;
}
