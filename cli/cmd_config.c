/* hopeless config: regenerate every service configuration from the tree.
 * Each file is written atomically and only when its content changed; then
 * the services this tree runs (hopeless serve) are told to reload. */
#include "cli.h"
#include "layer.h"
#include "gen.h"
#include "heads.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*gen_all_fn)(const struct tree *, const struct tree_node *, size_t, struct strbuf *);

/* What changed in this run, to decide which services to reload. */
struct config_run {
	int written;  /* files generated */
	int changed;  /* files whose content changed */
	int dnsmasq_conf, dnsmasq_hosts, ganesha, nginx;
	struct tfs_batch batch; /* everything emitted, committed at the end */
};

/* Write rel (in the tree) when it differs; *changed set when it did.
 * treefs: a symlink anywhere on the way (an overlay's etc/ made a link by a
 * package or a chroot run, say) fails here instead of writing through it. */
static int emit(struct tree *t, const char *rel, const struct strbuf *sb, struct config_run *run, int *changed)
{
	int differs = 0;
	int r = tfs_stage(t, &run->batch, rel, sb_str(sb), sb->len, 0644, &differs);
	if (r < 0) {
		fprintf(stderr, "hopeless: config: %s/%s: %s%s\n", t->dir, rel, strerror(-r),
			r == -ELOOP ? " (a symbolic link on the way: not written through; hopeless check)" : "");
		return r;
	}
	run->written++;
	run->changed += differs;
	if (changed && differs)
		*changed = 1;
	return 0;
}

/* Boot loaders the TFTP tree serves, copied from the Debian packages. shim
 * loads grubx64.efi (and mmx64.efi, its MOK manager, when asked to) from
 * the directory it came from: all three at the TFTP root. */
static const struct {
	const char *src, *dst, *pkg;
} loaders[] = {
	{"/usr/lib/PXELINUX/pxelinux.0", "pxelinux.0", "pxelinux"},
	{"/usr/lib/syslinux/modules/bios/ldlinux.c32", "ldlinux.c32", "syslinux-common"},
	{"/usr/lib/ipxe/undionly.kpxe", "undionly.kpxe", "ipxe"},
	{"/usr/lib/ipxe/snponly.efi", "snponly.efi", "ipxe"},
	{"/usr/lib/shim/shimx64.efi.signed", "shimx64.efi", "shim-signed"},
	{"/usr/lib/shim/mmx64.efi.signed", "mmx64.efi", "shim-helpers-amd64-signed"},
	{"/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed", "grubx64.efi", "grub-efi-amd64-signed"},
};

static int copy_loaders(struct tree *t)
{
	for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		if (read_file(loaders[i].src, &sb) < 0) {
			fprintf(stderr, "hopeless: config: warning: %s missing (install %s)\n", loaders[i].src,
				loaders[i].pkg);
			continue;
		}
		char p[PATH_MAX];
		tfs_fmt(p, sizeof(p), "tftp/%s", loaders[i].dst);
		int r = tfs_update(t, p, sb.buf, sb.len, 0644, NULL);
		sb_free(&sb);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Remove per-node boot files of nodes that no longer exist. The node MACs
 * are sorted once and looked up by bisection: linear-logarithmic, not
 * files times nodes. */
static void prune(struct tree *t, const char *sub, const char *prefix, const char *suffix,
		  const struct tree_node *nodes, size_t n)
{
	char(*macs)[18] = calloc(n ? n : 1, sizeof(*macs));
	char **names;
	size_t cnt;
	if (!macs)
		return;
	for (size_t k = 0; k < n; k++)
		gen_mac_hyphen(nodes[k].mac, macs[k]);
	qsort(macs, n, sizeof(*macs), cmp_str);
	if (tree_list_names(t, sub, &names, &cnt) < 0) {
		free(macs);
		return;
	}
	size_t pl = strlen(prefix), sl = strlen(suffix);
	for (size_t i = 0; i < cnt; i++) {
		size_t nl = strlen(names[i]);
		if (nl < pl + sl || strncmp(names[i], prefix, pl) || strcmp(names[i] + nl - sl, suffix))
			continue;
		char key[18] = "";
		if (nl == pl + 17 + sl)
			memcpy(key, names[i] + pl, 17);
		if (key[0] && bsearch(key, macs, n, sizeof(*macs), cmp_str))
			continue;
		char p[PATH_MAX];
		if (tfs_fmt(p, sizeof(p), "%s/%s", sub, names[i]) == 0)
			tfs_unlink(t, p);
	}
	tree_names_free(names, cnt);
	free(macs);
}

static int cmp_overlay(const void *a, const void *b)
{
	return strcmp((*(const struct tree_node *const *)a)->overlay, (*(const struct tree_node *const *)b)->overlay);
}

/* The nodes' /etc/hosts, in every cluster overlay a node uses, so every node
 * resolves every other without NIS or DNS. Overlays are found by sorting
 * pointers to the nodes by overlay name: each distinct name once. */
static int emit_overlay_hosts(struct tree *t, const struct tree_node *nodes, size_t n, const struct strbuf *hosts,
			      struct config_run *run)
{
	const struct tree_node **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = &nodes[i];
	qsort(v, n, sizeof(*v), cmp_overlay);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *name = v[i]->overlay;
		if (i > 0 && !strcmp(name, v[i - 1]->overlay))
			continue;
		/* Only a registered overlay: never write into a root or outside roots/. */
		const char *kind = name[0] ? tree_layer_kind(t, name) : NULL;
		if (!kind || strcmp(kind, "overlay"))
			continue;
		/* A new version of the overlay when its hosts file differs:
		 * running nodes keep the one they booted. */
		struct layer_file f = {"etc/hosts", sb_str(hosts), hosts->len, 0644, 0, 0};
		int v = 0;
		r = layer_publish_files(t, name, &f, 1, &v);
		run->written++;
		if (r < 0)
			fprintf(stderr, "hopeless: config: roots/%s: etc/hosts: %s%s\n", name, strerror(-r),
				r == -ELOOP || r == -ENOTDIR ? " (not a real directory: not written through)" : "");
		else if (v) {
			run->changed++;
			printf("hopeless: config: overlay %s: version %d published (etc/hosts); nodes get it at "
			       "their next boot\n", name, v);
		}
	}
	free(v);
	return r;
}

/* state/<ip>/ and its rw.img as the squashed state export needs them: the
 * directory root's 0755 (the node, squashed to state_uid, creates nothing
 * there), the image state_uid's 0600 (the node can open it read-write). A
 * fix-up for trees made before root squash; idempotent. Opened step by step
 * with O_NOFOLLOW from the tree's directory, and the image changed only by
 * name with AT_SYMLINK_NOFOLLOW after checking it is a regular file with one
 * link: a node that planted a symlink or a hard link gets one line, and
 * nothing outside the tree changes. 1 when something changed. */
static int state_dir_fine(int statefd, const char *ip, uid_t uid)
{
	char img[40];
	struct stat d, f;
	snprintf(img, sizeof(img), "%s/rw.img", ip);
	if (fstatat(statefd, ip, &d, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(d.st_mode) || d.st_uid != 0 ||
	    d.st_gid != 0 || (d.st_mode & 07777) != 0755)
		return 0;
	if (fstatat(statefd, img, &f, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT;
	return S_ISREG(f.st_mode) && f.st_nlink == 1 && f.st_uid == uid && f.st_gid == uid &&
	       (f.st_mode & 07777) == 0600;
}

static int fix_state_dir(int statefd, const char *ip, uid_t uid)
{
	/* The common case, all as it should be, seen by two stats; anything
	 * else takes the careful way below. */
	if (state_dir_fine(statefd, ip, uid))
		return 0;
	int fd = openat(statefd, ip, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	int changed = 0, r = 0;
	if (fstat(fd, &st) == 0 && (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & 07777) != 0755)) {
		if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0755) != 0)
			r = -errno;
		changed = 1;
	}
	if (r == 0 && fstatat(fd, "rw.img", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
			fprintf(stderr, "hopeless: config: state/%s/rw.img: %s; not changing its owner (hopeless check)\n",
				ip, S_ISREG(st.st_mode) ? "hard-linked" : "not a regular file");
		} else if (st.st_uid != uid || st.st_gid != uid || (st.st_mode & 07777) != 0600) {
			if (fchownat(fd, "rw.img", uid, uid, AT_SYMLINK_NOFOLLOW) != 0 ||
			    fchmodat(fd, "rw.img", 0600, AT_SYMLINK_NOFOLLOW) != 0)
				r = -errno;
			changed = 1;
		}
	}
	close(fd);
	return r < 0 ? r : changed;
}

static int fix_state_owners(struct tree *t, const struct tree_node *nodes, size_t n)
{
	int statefd = tfs_open(t, "state", O_RDONLY | O_DIRECTORY, 0);
	if (statefd < 0)
		return 0; /* no state/ yet: nothing to fix */
	int fixed = 0, r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		int c = fix_state_dir(statefd, nodes[i].ip, (uid_t)t->conf.state_uid);
		if (c < 0) {
			fprintf(stderr, "hopeless: config: state/%s: %s\n", nodes[i].ip, strerror(-c));
			r = c;
		}
		fixed += c > 0;
	}
	close(statefd);
	if (fixed)
		printf("hopeless: config: %d state dir(s) set to root 0755 with rw.img owned by %u, mode 0600 "
		       "(the state export squashes root to it)\n",
		       fixed, t->conf.state_uid);
	return r;
}

pid_t cli_service_pid(const struct tree *t, const char *name, const char *comm)
{
	char p[PATH_MAX], line[32];
	if (tfs_fmt(p, sizeof(p), "run/%s.pid", name) < 0 || tfs_read_line(t, p, line, sizeof(line)) < 0)
		return 0;
	return pid_running_as(line, comm);
}

/* dnsmasq rereads its dhcp-hostsfile on SIGHUP, never its main config;
 * nfs-ganesha rereads its EXPORT blocks on SIGHUP. One line per service. */
static void reload_services(struct tree *t, const struct config_run *run)
{
	pid_t pid = cli_service_pid(t, "dnsmasq", "dnsmasq");
	if (pid && run->dnsmasq_conf)
		printf("hopeless: config: dnsmasq.conf changed: restart dnsmasq (pid %d) to apply it\n", (int)pid);
	else if (pid && run->dnsmasq_hosts) {
		if (kill(pid, SIGHUP) == 0)
			printf("hopeless: config: dnsmasq (pid %d) reloaded its node list\n", (int)pid);
		else
			fprintf(stderr, "hopeless: config: dnsmasq (pid %d): %s\n", (int)pid, strerror(errno));
	}
	pid = cli_service_pid(t, "ganesha", "ganesha.nfsd");
	if (pid && run->ganesha) {
		if (kill(pid, SIGHUP) == 0)
			printf("hopeless: config: nfs-ganesha (pid %d) reloaded its exports\n", (int)pid);
		else
			fprintf(stderr, "hopeless: config: nfs-ganesha (pid %d): %s\n", (int)pid, strerror(errno));
	}
	/* nginx rereads its configuration on SIGHUP, gracefully (transfers
	 * under way finish on the old workers). */
	pid = cli_service_pid(t, "nginx", "nginx");
	if (pid && run->nginx) {
		if (kill(pid, SIGHUP) == 0)
			printf("hopeless: config: nginx (pid %d) reloaded its configuration\n", (int)pid);
		else
			fprintf(stderr, "hopeless: config: nginx (pid %d): %s\n", (int)pid, strerror(errno));
	}
}

/* A generator's result: -EINVAL and -ERANGE are refusals, their reason in
 * gen_error(); one line names the file that was not written. */
static int gen_failed(const char *rel, int r)
{
	if (r >= 0)
		return 0;
	if (r == -EINVAL || r == -ERANGE)
		fprintf(stderr, "hopeless: config: %s: %s (nothing written for it)\n", rel, gen_error());
	else
		fprintf(stderr, "hopeless: config: %s: %s\n", rel, strerror(-r));
	return r;
}

/* One generator for one file, and the flag it sets when the file changed. */
struct gen_file {
	const char *rel;
	gen_all_fn fn;
	size_t flag; /* offset of an int in struct config_run, or 0 */
};

static int emit_all(struct tree *t, const struct tree_node *nodes, size_t n, struct config_run *run)
{
	static const struct gen_file all[] = {
		{"etc/dnsmasq.conf", gen_dnsmasq, offsetof(struct config_run, dnsmasq_conf)},
		{"etc/dnsmasq-hosts.conf", gen_dnsmasq_hosts, offsetof(struct config_run, dnsmasq_hosts)},
		{"etc/dhcpd.conf", gen_dhcpd, 0},
		{"etc/kea-dhcp4.conf", gen_kea, 0},
		{"etc/ganesha.conf", gen_ganesha, offsetof(struct config_run, ganesha)},
		{"etc/exports", gen_exports, 0},
		{"etc/nginx.conf", gen_nginx, offsetof(struct config_run, nginx)},
		{"etc/hosts", gen_hosts, 0},
	};
	struct strbuf sb = STRBUF_INIT;
	int r = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && r == 0; i++) {
		sb_reset(&sb);
		r = gen_failed(all[i].rel, all[i].fn(t, nodes, n, &sb));
		if (r == 0)
			r = emit(t, all[i].rel, &sb, run, all[i].flag ? (int *)((char *)run + all[i].flag) : NULL);
		if (r == 0 && !strcmp(all[i].rel, "etc/hosts"))
			r = emit_overlay_hosts(t, nodes, n, &sb, run);
	}
	sb_free(&sb);
	return r;
}

/* tftp/grub/grub.cfg and a grub.cfg-01-<mac> per node of boot method grub. */
static int emit_grub_files(struct tree *t, const struct tree_node *nodes, size_t n, struct config_run *run)
{
	struct strbuf sb = STRBUF_INIT;
	int r = gen_failed("tftp/grub/grub.cfg", gen_grub_default(&sb));
	if (r == 0)
		r = emit(t, "tftp/grub/grub.cfg", &sb, run, NULL);
	for (size_t i = 0; i < n && r == 0; i++) {
		char mac[18], rel[64];
		if (strcmp(nodes[i].boot, "grub"))
			continue;
		gen_mac_hyphen(nodes[i].mac, mac);
		snprintf(rel, sizeof(rel), "tftp/grub/grub.cfg-01-%s", mac);
		sb_reset(&sb);
		r = gen_failed(rel, gen_grub_node(t, &nodes[i], &sb));
		if (r == 0)
			r = emit(t, rel, &sb, run, NULL);
	}
	sb_free(&sb);
	return r;
}

/* The files of one boot method (GRUB's, pxelinux's) of nodes that are gone
 * or no longer boot with it. */
static void prune_method(struct tree *t, const char *method, const char *sub, const char *prefix,
			 const struct tree_node *nodes, size_t n)
{
	struct tree_node *g = calloc(n ? n : 1, sizeof(*g));
	size_t k = 0;
	if (!g)
		return;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(nodes[i].boot, method))
			g[k++] = nodes[i];
	prune(t, sub, prefix, "", g, k);
	free(g);
}

static int emit_boot_files(struct tree *t, const struct tree_node *nodes, size_t n, struct config_run *run)
{
	struct strbuf sb = STRBUF_INIT;
	int r = gen_failed("tftp/pxelinux.cfg/default", gen_pxelinux_default(&sb));
	if (r == 0)
		r = emit(t, "tftp/pxelinux.cfg/default", &sb, run, NULL);
	sb_reset(&sb);
	if (r == 0)
		r = gen_ipxe_boot(t, &sb);
	if (r == 0)
		r = emit(t, "tftp/boot.ipxe", &sb, run, NULL);
	for (size_t i = 0; i < n && r == 0; i++) {
		char mac[18], rel[64];
		gen_mac_hyphen(nodes[i].mac, mac);
		/* pxelinux.cfg/01-<mac> only for pxelinux nodes: the others'
		 * DHCP answers never name pxelinux.0 (etc/dnsmasq.conf, Kea's
		 * classes), so it would be 10,000 files no one reads. Every node
		 * has its iPXE script: UEFI pxelinux nodes chain through iPXE,
		 * and it is the node's command line for hopeless lab. */
		if (!strcmp(nodes[i].boot, "pxelinux")) {
			sb_reset(&sb);
			snprintf(rel, sizeof(rel), "tftp/pxelinux.cfg/01-%s", mac);
			r = gen_failed(rel, gen_pxelinux_node(t, &nodes[i], &sb));
			if (r == 0)
				r = emit(t, rel, &sb, run, NULL);
		}
		sb_reset(&sb);
		snprintf(rel, sizeof(rel), "tftp/ipxe/%s.ipxe", mac);
		if (r == 0)
			r = gen_failed(rel, gen_ipxe_node(t, &nodes[i], &sb));
		if (r == 0)
			r = emit(t, rel, &sb, run, NULL);
	}
	sb_free(&sb);
	return r;
}

/* The directories config writes into, made again when missing: a tree made
 * before boot method grub has no tftp/grub, and an administrator who
 * cleared tftp/ipxe by hand gets it back rather than an ENOENT. */
static int ensure_output_dirs(struct tree *t)
{
	static const char *const dirs[] = {"etc", "tftp/pxelinux.cfg", "tftp/ipxe", "tftp/grub", "tftp/boot"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int r = tfs_mkdir_p(t, dirs[i], 0755);
		if (r < 0) {
			fprintf(stderr, "hopeless: config: %s/%s: %s%s\n", t->dir, dirs[i], strerror(-r),
				r == -ELOOP || r == -ENOTDIR ? " (a symbolic link or a file where the directory "
								  "should be: not followed; see hopeless check)"
							       : "");
			return r;
		}
	}
	return 0;
}

/* With heads: every node without a server list of its own gets its heads
 * by rendezvous hashing (heads.h): primary and fallbacks, into the boot
 * files through the server field. An explicit list stays as it is. */
static int assign_heads(struct tree *t, struct tree_node *nodes, size_t n, const struct head *heads, size_t nh)
{
	if (!strcmp(t->conf.nfs_server, "kernel")) {
		fprintf(stderr, "hopeless: config: heads/ declares %zu head(s), which serve with nfs-ganesha on Ceph; "
				"set nfs_server = ganesha in %s/hopeless.conf, or remove the heads (hopeless head rm)\n",
			nh, t->dir);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (nodes[i].server[0])
			continue;
		int r = heads_server_list(nodes[i].hostname, heads, nh, nodes[i].server, sizeof(nodes[i].server));
		if (r < 0) {
			fprintf(stderr, "hopeless: config: node %s: no head list: %s\n", nodes[i].hostname, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* One head's etc/heads/<name>/: ganesha.conf, dnsmasq.conf, nginx.conf. */
static int emit_head(struct tree *t, const struct head *h, const struct tree_node *nodes, size_t n,
		     struct config_run *run, struct strbuf *sb)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	if (tfs_fmt(dir, sizeof(dir), "etc/heads/%s", h->name) < 0 ||
	    tfs_fmt(rel, sizeof(rel), "%s/ganesha.conf", dir) < 0)
		return -ENAMETOOLONG;
	/* run/: where the head's dnsmasq and nginx put their pid files. */
	int r = tfs_mkdir_p(t, dir, 0755);
	if (r == 0)
		r = tfs_mkdir_p(t, "run", 0755);
	if (r < 0) {
		fprintf(stderr, "hopeless: config: %s/%s: %s\n", t->dir, dir, strerror(-r));
		return r;
	}
	int fresh = !tfs_exists(t, rel);
	sb_reset(sb);
	r = gen_failed(rel, gen_ganesha_head(t, h, nodes, n, sb));
	if (r == 0)
		r = emit(t, rel, sb, run, NULL);
	/* rados_cluster: a node id not in the grace database cannot start. */
	if (r == 0 && fresh)
		printf("hopeless: config: head %s: etc/heads/%s/ganesha.conf written; before starting it: "
		       "ganesha-rados-grace --cephconf %s --userid %s --pool %s --ns %s add %s\n",
		       h->name, h->name, t->conf.ceph_conf, t->conf.ceph_user, t->conf.ceph_grace_pool,
		       t->conf.ceph_grace_namespace, h->name);
	/* Every head serves DHCP, TFTP and HTTP for every node. */
	sb_reset(sb);
	if (r == 0 && (r = tfs_fmt(rel, sizeof(rel), "%s/dnsmasq.conf", dir)) == 0 &&
	    (r = gen_failed(rel, gen_dnsmasq_head(t, h, nodes, n, sb))) == 0)
		r = emit(t, rel, sb, run, NULL);
	sb_reset(sb);
	if (r == 0 && (r = tfs_fmt(rel, sizeof(rel), "%s/nginx.conf", dir)) == 0 &&
	    (r = gen_failed(rel, gen_nginx_head(t, h, sb))) == 0)
		r = emit(t, rel, sb, run, NULL);
	return r;
}

/* etc/heads/<name>/ of every head. */
static int emit_heads(struct tree *t, const struct head *heads, size_t nh, const struct tree_node *nodes, size_t n,
		      struct config_run *run)
{
	struct strbuf sb = STRBUF_INIT;
	int r = 0;
	for (size_t i = 0; i < nh && r == 0; i++)
		r = emit_head(t, &heads[i], nodes, n, run, &sb);
	sb_free(&sb);
	return r;
}

/* etc/heads/<name>/ of heads that are gone. */
static void prune_heads(struct tree *t, const struct head *heads, size_t nh)
{
	char **names;
	size_t cnt;
	if (tree_list_names(t, "etc/heads", &names, &cnt) < 0)
		return;
	for (size_t i = 0; i < cnt; i++) {
		char rel[PATH_MAX];
		if (!heads_find(heads, nh, names[i]) && tfs_fmt(rel, sizeof(rel), "etc/heads/%s", names[i]) == 0)
			tfs_remove_tree(t, rel);
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
	struct head *heads = NULL;
	size_t nh = 0;
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0) {
		fprintf(stderr, "hopeless: config: %s\n", err);
		free(nodes);
		return -EINVAL;
	}
	struct config_run run = {0};
	/* With heads, each serves the boot files: their URLs name whichever
	 * head answered the node's DHCP. */
	t->boot_from_next_server = nh > 0;
	int r = ensure_output_dirs(t);
	if (r == 0 && nh)
		r = assign_heads(t, nodes, n, heads, nh);
	if (r == 0)
		r = fix_state_owners(t, nodes, n);
	if (r == 0)
		r = emit_all(t, nodes, n, &run);
	if (r == 0 && nh)
		r = emit_heads(t, heads, nh, nodes, n, &run);
	if (r == 0)
		r = emit_boot_files(t, nodes, n, &run);
	if (r == 0)
		r = emit_grub_files(t, nodes, n, &run);
	/* Written files appear only now, all of them, and durably. */
	if (r == 0 && (r = tfs_batch_commit(t, &run.batch)) < 0)
		fprintf(stderr, "hopeless: config: %s: %s\n", t->dir, strerror(-r));
	else if (r < 0)
		tfs_batch_abort(t, &run.batch);
	if (r == 0) {
		prune_method(t, "pxelinux", "tftp/pxelinux.cfg", "01-", nodes, n);
		prune(t, "tftp/ipxe", "", ".ipxe", nodes, n);
		prune_method(t, "grub", "tftp/grub", "grub.cfg-01-", nodes, n);
		prune_heads(t, heads, nh);
		r = copy_loaders(t);
	}
	if (r == 0 && verbose)
		printf("hopeless: config: %d files generated (%d changed) for %zu node(s) in %s\n", run.written,
		       run.changed, n, t->dir);
	if (r == 0)
		reload_services(t, &run);
	free(heads);
	free(nodes);
	return r;
}

int cmd_config(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_wants_help(argc, argv)) {
		printf("usage: hopeless config\n"
		       "Regenerates from the tree: etc/dnsmasq.conf, etc/dnsmasq-hosts.conf,\n"
		       "etc/dhcpd.conf (ISC dhcpd), etc/ganesha.conf, etc/exports (kernel nfsd),\n"
		       "etc/nginx.conf (boot files over HTTP, http_port in hopeless.conf),\n"
		       "etc/hosts (also into roots/<overlay>/etc/hosts of every overlay a node uses),\n"
		       "tftp/pxelinux.cfg/*, tftp/ipxe/*, tftp/grub/* and the boot loaders in tftp/\n"
		       "(shimx64.efi, grubx64.efi and mmx64.efi for nodes of boot method grub).\n"
		       "With heads (hopeless head add): etc/heads/<name>/ganesha.conf per head\n"
		       "(FSAL_CEPH, rados_cluster grace database), and every node without a server\n"
		       "list of its own boots with its primary and fallback heads by stable hash.\n"
		       "Files are written atomically and only when they change. When hopeless serve\n"
		       "runs (<tree>/run/dnsmasq.pid, <tree>/run/ganesha.pid, <tree>/run/nginx.pid),\n"
		       "dnsmasq, nfs-ganesha and nginx get a SIGHUP to reload nodes, exports and\n"
		       "configuration.\n");
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
