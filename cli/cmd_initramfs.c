/* hopeless initramfs build: one initramfs per root kernel, shared by every
 * node that boots that root (node-specific values travel on the kernel
 * command line). Output: tftp/boot/<root>/{vmlinuz,initrd.img}. */
#include "cli.h"
#include "version.h"
#include "initramfs.h"
#include "validate.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "a,b,c" -> NULL-terminated vector pointing into buf (which it modifies). */
static int split_list(char *buf, const char **vec, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (n + 1 >= max || validate_name(s, NULL) < 0)
			return -EINVAL;
		vec[n++] = s;
	}
	vec[n] = NULL;
	return n ? 0 : -EINVAL;
}

/* 1 when a node booting root has state rbd: its init maps the image through
 * the kernel's rbd driver (and libceph, by modules.dep). */
static int root_has_rbd_node(const struct tree *t, const char *root)
{
	struct tree_node *nodes = NULL;
	size_t n = 0;
	char err[256];
	int found = 0;
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return 0;
	for (size_t i = 0; i < n && !found; i++)
		found = !strcmp(nodes[i].state, "rbd") && !strcmp(nodes[i].root, root);
	free(nodes);
	return found;
}

static int build(struct tree *t, const char *root, int rescue, char *nics, char *extra)
{
	const char *nicv[64], *corev[80];
	const char *w = "initramfs build";
	const char *why;
	if (!root)
		return cli_error(w, "say which root: --root NAME");
	if (validate_name(root, &why) < 0)
		return cli_error(w, "%s: %s", root, why);
	const char *k = tree_layer_kind(t, root);
	if (!k || strcmp(k, "root"))
		return cli_error(w, "%s: no such root (see: hopeless root list)", root);
	char err[512];
	char init[PATH_MAX], rootdir[PATH_MAX], outdir[PATH_MAX], initrd[PATH_MAX], kernel[PATH_MAX];
	const char *env = getenv("HOPELESS_INIT");
	if (env)
		snprintf(init, sizeof(init), "%s", env);
	else if (cli_find_helper("hopeless-init", init, sizeof(init)) < 0)
		return cli_error(w, "cannot find hopeless-init beside hopeless (set HOPELESS_INIT=PATH)");
	const char *busybox = NULL;
	if (rescue) {
		busybox = "/bin/busybox";
		if (!path_exists(busybox))
			return cli_error(w, "--rescue-shell needs %s (apt-get install busybox-static)", busybox);
	}
	char rel[PATH_MAX];
	/* The kernel and modules of the root's current version. */
	if (version_layer_dir(t, root, 0, rel, sizeof(rel)) < 0)
		return cli_error(w, "%s: no published version (see: hopeless root show %s)", root, root);
	tree_path(t, rootdir, sizeof(rootdir), "%s", rel);
	char kver[128];
	int r = initramfs_find_kver(rootdir, kver, sizeof(kver), err, sizeof(err));
	if (r < 0)
		return cli_error(w, "%s: %s", root, err);
	tfs_fmt(outdir, sizeof(outdir), "tftp/boot/%s", root);
	r = tfs_mkdir_p(t, outdir, 0755);
	if (r < 0)
		return cli_error(w, "%s/%s: %s", t->dir, outdir, strerror(-r));
	/* The root's kernel and modules are read inside the root, the outputs
	 * written into a directory we opened without following a symlink. */
	_cleanup_fd_ int root_fd = tfs_open(t, rel, O_PATH | O_DIRECTORY, 0);
	_cleanup_fd_ int out_fd = tfs_open(t, outdir, O_PATH | O_DIRECTORY, 0);
	if (root_fd < 0 || out_fd < 0)
		return cli_error(w, "%s: %s", root_fd < 0 ? rel : outdir, strerror(root_fd < 0 ? -root_fd : -out_fd));
	snprintf(initrd, sizeof(initrd), "/proc/self/fd/%d/initrd.img", out_fd);
	snprintf(kernel, sizeof(kernel), "/proc/self/fd/%d/vmlinuz", out_fd);
	if (nics && split_list(nics, nicv, 64) < 0)
		return cli_error(w, "--nic: want a comma-separated list of module names");
	size_t nc = 0;
	for (; initramfs_default_core[nc]; nc++)
		corev[nc] = initramfs_default_core[nc];
	if (root_has_rbd_node(t, root))
		corev[nc++] = "rbd";
	/* nfs (v2/v3 as options) does not pull the v3 client in by itself. */
	if (!strcmp(t->conf.nfs_version, "3"))
		corev[nc++] = "nfsv3";
	corev[nc] = NULL;
	if (extra && split_list(extra, corev + nc, 80 - nc) < 0)
		return cli_error(w, "--modules: want a comma-separated list of module names");
	struct initramfs_opts o = {.root = rootdir,
				   .root_fd = root_fd,
				   .core = corev,
				   .nic = nics ? nicv : NULL,
				   .init_path = init,
				   .busybox_path = busybox,
				   .out_initramfs = initrd,
				   .out_kernel = kernel};
	struct initramfs_report rep;
	memset(&rep, 0, sizeof(rep));
	r = initramfs_build(&o, &rep, err, sizeof(err));
	if (r < 0)
		return cli_error(w, "%s: %s", root, err);
	printf("hopeless: initramfs for %s: kernel %s, %zu modules, %zu bytes (%.1f MiB, %.1f MiB unpacked)\n", root,
	       rep.kver, rep.nmodules, rep.compressed_size, rep.compressed_size / 1048576.0,
	       rep.uncompressed_size / 1048576.0);
	if (rep.nskipped)
		printf("hopeless: initramfs: not in this kernel or built in: %s\n", rep.skipped);
	printf("hopeless: initramfs: %s/%s/initrd.img\n", t->dir, outdir);
	/* Presence only (lib/pesig.h): whether the key is trusted, shim decides at boot. */
	if (rep.kernel_signed == 0)
		fprintf(stderr, "hopeless: initramfs: warning: %s's kernel %s has no signature attached: it will not "
				"boot under Secure Boot (boot method grub)\n", root, rep.kver);
	else if (rep.kernel_signed < 0)
		fprintf(stderr, "hopeless: initramfs: warning: %s's kernel %s is not a PE/EFI image: it will not "
				"boot under UEFI Secure Boot (boot method grub)\n", root, rep.kver);
	return 0;
}

int cmd_initramfs(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		printf("usage: hopeless initramfs build --root NAME [--rescue-shell] [--nic MOD,MOD...] [--modules MOD,...]\n"
		       "  --nic      NIC drivers to offer (default: virtio, e1000, e1000e, igb, ixgbe, tg3,\n"
		       "             bnx2, bnx2x, r8169, vmxnet3); loaded only when the hardware is present\n"
		       "  --modules  more modules to load on every node (with their dependencies)\n");
		return argc < 2 ? 2 : 0;
	}
	static const struct option opts[] = {{"root", required_argument, NULL, 'r'},
					     {"rescue-shell", no_argument, NULL, 's'},
					     {"nic", required_argument, NULL, 'n'},
					     {"modules", required_argument, NULL, 'm'}, {0}};
	const char *root = NULL;
	char *nics = NULL, *extra = NULL;
	int rescue = 0, o;
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'r')
			root = optarg;
		else if (o == 's')
			rescue = 1;
		else if (o == 'n')
			nics = optarg;
		else if (o == 'm')
			extra = optarg;
		else
			return 2;
	}
	if (strcmp(argv[1], "build") || optind != argc)
		return cli_error("initramfs", "unknown or incomplete subcommand (see hopeless initramfs --help)");
	struct tree t;
	if (cli_open_tree(&t, ctx, "initramfs", 1) < 0)
		return 1;
	int rc = build(&t, root, rescue, nics, extra);
	tree_close(&t);
	return rc;
}
