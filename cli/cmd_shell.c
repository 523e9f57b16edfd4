/* hopeless shell: chroot into a root, or into an overlay mounted over its
 * root, and publish what the command changed as the layer's next version.
 *
 * The published versions are never written: the command runs on an
 * overlayfs whose lower layers are the current versions (read-only) and
 * whose upper is a fresh directory in .work/. When the command succeeds,
 * that upper is applied to a hard-linked clone of the layer's current
 * version (a draft: every changed file a new inode) and the draft is
 * published; when it fails or is interrupted, nothing is.
 *
 * Everything happens in a private mount namespace (nothing is mounted on the
 * host) and a new PID namespace: the command's supervisor is PID 1 there, so
 * when it ends the kernel kills whatever the command left running (daemons
 * started by a package's postinst) and both namespaces go away with their
 * mounts, even if hopeless itself is killed. */
#include "cli.h"
#include "layer.h"
#include "upperfs.h"
#include "version.h"
#include "validate.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define W "shell"

struct shell_req {
	const char *root, *overlay;
	char **cmd; /* NULL: the root's /bin/sh */
	int base;   /* the version of the changed layer the command saw */
	char lower[2 * PATH_MAX + 2], upper[PATH_MAX], work[PATH_MAX], mnt[PATH_MAX], lock[PATH_MAX];
	char upper_rel[PATH_MAX];
	int lockfd; /* the per-layer lock: held from the run to the publish */
};

static volatile sig_atomic_t fwd_pid;
static void forward(int sig)
{
	if (fwd_pid > 0)
		kill(fwd_pid, sig);
}

static void set_forwarding(pid_t pid)
{
	struct sigaction sa = {.sa_handler = forward};
	sigemptyset(&sa.sa_mask);
	fwd_pid = pid;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Ctrl-C and Ctrl-\ reach the command through the terminal's process
	 * group; the supervisors must outlive it to clean up. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Inside the chroot: /proc first (the fd paths below need it). */
static int mount_inside(int devfd, int resolvfd, int *placeholder)
{
	char p[64];
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fprintf(stderr, "hopeless: shell: mount /proc: %s\n", strerror(errno)), -1;
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
		return fprintf(stderr, "hopeless: shell: mount /sys: %s\n", strerror(errno)), -1;
	/* The host's /dev with /dev/pts, /dev/shm: terminals work inside. */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", devfd);
	if (mount(p, "/dev", NULL, MS_BIND | MS_REC, NULL) < 0)
		return fprintf(stderr, "hopeless: shell: bind /dev: %s\n", strerror(errno)), -1;
	if (resolvfd < 0)
		return 0;
	/* The head node's resolver over the root's resolv.conf, resolved inside
	 * the chroot (a symlink in the root must not point at a host file). A
	 * missing one gets an empty placeholder, removed afterwards. */
	int fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		*placeholder = 1;
	}
	snprintf(p, sizeof(p), "/proc/self/fd/%d", resolvfd);
	if (mount(p, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		fprintf(stderr, "hopeless: shell: note: /etc/resolv.conf of the root not replaced (%s); "
				"name resolution may not work inside\n", strerror(errno));
	return 0;
}

static void exec_cmd(char **cmd)
{
	char *sh[] = {"/bin/sh", NULL};
	char term[128];
	const char *t = getenv("TERM");
	snprintf(term, sizeof(term), "TERM=%s", t ? t : "dumb");
	char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
		       "LANG=C.UTF-8", term, NULL};
	char **argv = cmd ? cmd : sh;
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvpe(argv[0], argv, env);
	fprintf(stderr, "hopeless: shell: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* PID 1 of the new PID namespace: enter the chroot, prepare it, run the
 * command, reap everything, and report the command's status. */
static int supervisor(struct shell_req *q, int devfd, int resolvfd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (chroot(q->mnt) < 0 || chdir("/") < 0) {
		fprintf(stderr, "hopeless: shell: chroot %s: %s\n", q->mnt, strerror(errno));
		return 125;
	}
	int placeholder = 0;
	if (mount_inside(devfd, resolvfd, &placeholder) < 0)
		return 125;
	close(devfd);
	if (resolvfd >= 0)
		close(resolvfd);
	pid_t pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0)
		exec_cmd(q->cmd);
	set_forwarding(pid);
	int rc = 127, st;
	pid_t p;
	/* As PID 1, reap orphans too, until the command itself ends. */
	while ((p = wait(&st)) != pid)
		if (p < 0 && errno != EINTR)
			break;
	if (p == pid)
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (placeholder && umount2("/etc/resolv.conf", MNT_DETACH) == 0)
		unlink("/etc/resolv.conf");
	return rc;
}

/* overlayfs options: no index, no metacopy, no redirects, no origin file
 * handles (uuid=off): the upper stays a plain directory tree with
 * whiteouts, fit to be a lower layer on the nodes. Older kernels lack
 * uuid=off and xino: try the strict set first, then drop those. */
static int mount_overlay(struct shell_req *q)
{
	const char *extra[] = {",xino=off,uuid=off", ",uuid=off", ""};
	char opts[3 * PATH_MAX + 128];
	int e = 0;
	for (size_t i = 0; i < 3; i++) {
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s,index=off,metacopy=off,redirect_dir=off%s",
			 q->lower, q->upper, q->work, extra[i]);
		if (mount("overlay", q->mnt, "overlay", 0, opts) == 0)
			return 0;
		e = errno;
		if (e != EINVAL)
			break;
	}
	return -e;
}

/* Copy-up bookkeeping overlayfs may still leave in the upper (impure marks,
 * origin handles on kernels without uuid=off): meaningless on the nodes. */
static int strip_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	lremovexattr(p, "trusted.overlay.impure");
	lremovexattr(p, "trusted.overlay.origin");
	return 0;
}

static int mountpoints_ok(const char *mnt, char *why, size_t whylen)
{
	const char *need[] = {"proc", "sys", "dev"};
	for (size_t i = 0; i < 3; i++) {
		char p[PATH_MAX + 8];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", mnt, need[i]);
		if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
			snprintf(why, whylen, "/%s is missing or not a directory in the root", need[i]);
			return -ENOENT;
		}
	}
	return 0;
}

/* In the private mount namespace: mount the tree to chroot into at q->mnt. */
static int prepare(struct shell_req *q)
{
	if (unshare(CLONE_NEWNS) < 0)
		return cli_error(W, "cannot create a mount namespace: %s (run as root)", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cli_error(W, "cannot make mounts private: %s", strerror(errno));
	int r = mount_overlay(q);
	if (r < 0)
		return cli_error(W, "%s: mounting the overlay over %s failed: %s", q->overlay ? q->overlay : q->root,
				 q->lower, strerror(-r));
	if (!q->overlay) {
		/* A root without mount points gets them (in its next version):
		 * they belong in every root. */
		const char *dirs[] = {"proc", "sys", "dev"};
		for (size_t i = 0; i < 3; i++) {
			char p[PATH_MAX + 8];
			snprintf(p, sizeof(p), "%s/%s", q->mnt, dirs[i]);
			if (mkdir(p, 0555) < 0 && errno != EEXIST)
				return cli_error(W, "%s: %s", p, strerror(errno));
		}
	}
	char why[128];
	if (mountpoints_ok(q->mnt, why, sizeof(why)) < 0)
		return cli_error(W, "%s: %s; add it with: hopeless shell --root %s -- mkdir -p /proc /sys /dev",
				 q->overlay ? q->overlay : q->root, why, q->root);
	return 0;
}

static int run_shell(struct shell_req *q)
{
	q->lockfd = open(q->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (q->lockfd < 0 || flock(q->lockfd, LOCK_EX | LOCK_NB) < 0)
		return cli_error(W, "%s: another hopeless shell is using it; leave that one first",
				 q->overlay ? q->overlay : q->root);
	/* A fresh upper: what an earlier, failed run left is not this run's. */
	if (remove_tree(q->upper) < 0)
		return cli_error(W, "%s: cannot clear it: %s", q->upper, strerror(errno));
	if (mkdir_p(q->mnt, 0700) < 0 || mkdir_p(q->work, 0700) < 0 || mkdir_p(q->upper, 0755) < 0)
		return cli_error(W, "%s: %s", q->mnt, strerror(errno));
	if (prepare(q))
		return umount2(q->mnt, MNT_DETACH), rmdir(q->mnt), 1;
	int devfd = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int resolvfd = open("/etc/resolv.conf", O_PATH | O_CLOEXEC);
	if (devfd < 0)
		return cli_error(W, "/dev: %s", strerror(errno));
	fflush(NULL);
	int rc;
	/* The supervisor alone in a new PID namespace (clone, not unshare:
	 * this process must still fork afterwards, to publish the changes). */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		_exit(supervisor(q, devfd, resolvfd));
	if (pid < 0) {
		rc = cli_error(W, "cannot create a PID namespace: %s", strerror(errno));
	} else {
		set_forwarding(pid);
		rc = wait_status(pid);
	}
	close(devfd);
	if (resolvfd >= 0)
		close(resolvfd);
	/* Detaching the top unmounts /proc, /sys, /dev under it as well. */
	if (umount2(q->mnt, MNT_DETACH) == 0)
		rmdir(q->mnt);
	nftw(q->upper, strip_one, 32, FTW_PHYS);
	return rc;
}

static int resolve(struct tree *t, struct shell_req *q)
{
	const char *why, *k;
	char rootbuf[64], err[512];
	if (q->overlay) {
		k = validate_name(q->overlay, &why) < 0 ? NULL : tree_layer_kind(t, q->overlay);
		if (!k || strcmp(k, "overlay"))
			return cli_error(W, "%s: %s", q->overlay,
					 k ? "is a root; to change a root use: hopeless shell --root NAME"
					   : "no such overlay (see: hopeless overlay list)");
		if (!q->root) {
			if (layer_overlay_root(t, q->overlay, rootbuf, sizeof(rootbuf), err, sizeof(err)) < 0)
				return cli_error(W, "%s", err);
			q->root = strdup(rootbuf);
		}
	}
	k = q->root && validate_name(q->root, &why) == 0 ? tree_layer_kind(t, q->root) : NULL;
	if (!k || strcmp(k, "root"))
		return cli_error(W, "%s: %s", q->root ? q->root : "(no --root)",
				 k ? "is an overlay, not a root" : "no such root (see: hopeless root list)");
	const char *self = q->overlay ? q->overlay : q->root;
	char rootdir[PATH_MAX], ovldir[PATH_MAX], rel[PATH_MAX];
	int rv = version_current(t, q->root), ov = q->overlay ? version_current(t, q->overlay) : 0;
	if (rv < 0 || ov < 0)
		return cli_error(W, "%s: no published version to start from (see: hopeless %s show %s)",
				 rv < 0 ? q->root : q->overlay, rv < 0 ? "root" : "overlay", rv < 0 ? q->root : q->overlay);
	q->base = q->overlay ? ov : rv;
	version_rel(rel, sizeof(rel), q->root, rv);
	tree_path(t, rootdir, sizeof(rootdir), "%s", rel);
	if (q->overlay) {
		version_rel(rel, sizeof(rel), q->overlay, ov);
		tree_path(t, ovldir, sizeof(ovldir), "%s", rel);
		snprintf(q->lower, sizeof(q->lower), "%s:%s", ovldir, rootdir);
	} else {
		snprintf(q->lower, sizeof(q->lower), "%s", rootdir);
	}
	tfs_fmt(q->upper_rel, sizeof(q->upper_rel), ".work/%s/upper", self);
	tree_path(t, q->upper, sizeof(q->upper), "%s", q->upper_rel);
	tree_path(t, q->work, sizeof(q->work), ".work/%s/work", self);
	tree_path(t, q->mnt, sizeof(q->mnt), ".work/%s/mnt", self);
	tree_path(t, q->lock, sizeof(q->lock), ".work/%s.lock", self);
	tfs_fmt(rel, sizeof(rel), ".work/%s", self);
	int r = tfs_mkdir_p(t, rel, 0700);
	if (r < 0)
		return cli_error(W, "%s/%s: %s", t->dir, rel, strerror(-r));
	return 0;
}

/* Directories overlayfs copied up only to hold something that is gone again
 * (the resolv.conf placeholder's /etc, say): empty, not opaque, and with the
 * mode and owner of the lower directory they cover. Removed, so that a
 * command that changed nothing publishes nothing. */
static const char *prune_lower;
static size_t prune_skip;
static int prune_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	if (flag != FTW_DP || f->level == 0 || lgetxattr(p, "trusted.overlay.opaque", NULL, 0) >= 0)
		return 0;
	char lowers[2 * PATH_MAX + 2], *save = NULL;
	snprintf(lowers, sizeof(lowers), "%s", prune_lower);
	for (char *l = strtok_r(lowers, ":", &save); l; l = strtok_r(NULL, ":", &save)) {
		char lp[3 * PATH_MAX];
		struct stat ls;
		snprintf(lp, sizeof(lp), "%s%s", l, p + prune_skip);
		if (lstat(lp, &ls) < 0)
			continue;
		if (S_ISDIR(ls.st_mode) && ls.st_mode == st->st_mode && ls.st_uid == st->st_uid && ls.st_gid == st->st_gid)
			rmdir(p); /* fails, harmlessly, when not empty */
		break;
	}
	return 0;
}

/* 1 when the command changed nothing (the upper is empty). */
static int upper_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 1;
	struct dirent *de;
	int empty = 1;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* The upper onto a clone of the layer's current version, published. */
static int publish_upper(struct tree *t, struct shell_req *q, const char *self, int *v)
{
	int cur = version_current(t, self);
	if (cur < 0)
		return cur;
	if (cur != q->base)
		fprintf(stderr, "hopeless: shell: note: %s version %d was published meanwhile; these changes are applied "
				"on top of it\n", self, cur);
	struct draft d;
	struct upper_src s;
	struct upper_apply_opts o = {.dst_is_overlay = q->overlay != NULL};
	int r = draft_create(t, self, cur, &d);
	if (r < 0)
		return r;
	int ufd = tfs_open(t, q->upper_rel, O_RDONLY | O_DIRECTORY, 0);
	r = ufd < 0 ? ufd : upper_dir_open(ufd, &s);
	if (r == 0) {
		r = upper_apply(&s, d.fd, &o);
		if (r < 0 && s.why[0])
			fprintf(stderr, "hopeless: shell: %s\n", s.why);
		upper_close(&s);
	}
	if (ufd >= 0)
		close(ufd);
	upper_apply_opts_free(&o);
	if (r == 0)
		r = draft_publish(t, &d, v);
	draft_discard(t, &d);
	return r;
}

/* After the command: its changes become the next version, or nothing. */
static int shell_publish(struct cli_ctx *ctx, struct shell_req *q, int rc)
{
	const char *self = q->overlay ? q->overlay : q->root, *kind = q->overlay ? "overlay" : "root";
	if (rc != 0) {
		fprintf(stderr, "hopeless: shell: the command ended with status %d: nothing published (its changes "
				"are discarded; %s %s stays at version %d)\n", rc, kind, self, q->base);
		remove_tree(q->upper);
		return rc;
	}
	prune_lower = q->lower;
	prune_skip = strlen(q->upper);
	nftw(q->upper, prune_one, 32, FTW_PHYS | FTW_DEPTH);
	if (upper_empty(q->upper)) {
		fprintf(stderr, "hopeless: shell: %s %s: nothing changed; still version %d\n", kind, self, q->base);
		return 0;
	}
	struct tree t;
	if (cli_open_tree(&t, ctx, W, 1) < 0)
		return 1;
	int v = 0, r = publish_upper(&t, q, self, &v);
	if (r < 0)
		rc = cli_error(W, "%s %s: publishing the changes failed: %s; nothing published", kind, self, strerror(-r));
	else
		fprintf(stderr, "hopeless: shell: %s %s: version %d published (nodes get it at their next boot; "
				"hopeless %s rollback %s undoes it)\n", kind, self, v, kind, self);
	tfs_remove_tree(&t, q->upper_rel);
	tree_close(&t);
	return rc;
}

static void shell_usage(FILE *f)
{
	fprintf(f, "usage: hopeless shell --root ROOT [-- CMD...]\n"
		   "       hopeless shell OVERLAY [--root ROOT] [-- CMD...]\n\n"
		   "Runs CMD (default: the root's /bin/sh) chrooted into the current version of\n"
		   "ROOT, or of OVERLAY over its root. When CMD succeeds, what it changed is\n"
		   "published as the layer's next version (nodes get it at their next boot);\n"
		   "when it fails or is interrupted, nothing is.\n"
		   "/proc, /sys, /dev and the head node's resolv.conf are prepared, in a private\n"
		   "namespace: nothing stays mounted afterwards. The exit status is CMD's.\n"
		   "ROOT defaults to the root of the overlay's nodes when they all agree.\n");
}

int cmd_shell(int argc, char **argv, struct cli_ctx *ctx)
{
	struct shell_req q;
	memset(&q, 0, sizeof(q));
	q.lockfd = -1;
	int i;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			shell_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--root") && i + 1 < argc)
			q.root = argv[++i];
		else if (!strncmp(argv[i], "--root=", 7))
			q.root = argv[i] + 7;
		else if (argv[i][0] == '-')
			return cli_error(W, "%s: unknown option (see hopeless shell --help)", argv[i]);
		else if (!q.overlay)
			q.overlay = argv[i];
		else
			return cli_error(W, "%s: one overlay at a time; put the command after --", argv[i]);
	}
	if (!q.root && !q.overlay)
		return cli_error(W, "say where: --root ROOT or OVERLAY (see hopeless shell --help)");
	q.cmd = i < argc ? argv + i : NULL;
	if (geteuid() != 0)
		return cli_error(W, "needs root (chroot and mounts)");
	struct tree t;
	if (cli_open_tree(&t, ctx, W, 1) < 0)
		return 1;
	int rc = resolve(&t, &q);
	/* The tree lock is for changes to the tree's structure; a shell may
	 * last hours, so it is not held (a per-layer lock stops two shells). */
	tree_close(&t);
	if (rc == 0) {
		rc = run_shell(&q);
		if (q.lockfd >= 0)
			rc = shell_publish(ctx, &q, rc);
	}
	if (q.lockfd >= 0)
		close(q.lockfd);
	return rc;
}
