/* hopeless shell: chroot into a root, or into an overlay mounted over its
 * root so that every change lands in the overlay.
 *
 * Everything happens in a private mount namespace (nothing is mounted on the
 * host) and a new PID namespace: the command's supervisor is PID 1 there, so
 * when it ends the kernel kills whatever the command left running (daemons
 * started by a package's postinst) and both namespaces go away with their
 * mounts, even if hopeless itself is killed. */
#include "cli.h"
#include "layer.h"
#include "validate.h"
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
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define W "shell"

struct shell_req {
	const char *root, *overlay;
	char **cmd; /* NULL: the root's /bin/sh */
	char lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], mnt[PATH_MAX], lock[PATH_MAX];
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
	if (!q->overlay) {
		if (mount(q->lower, q->mnt, NULL, MS_BIND | MS_REC, NULL) < 0)
			return cli_error(W, "bind %s: %s", q->lower, strerror(errno));
	} else {
		int r = mount_overlay(q);
		if (r < 0)
			return cli_error(W, "%s: mounting the overlay over %s failed: %s", q->overlay, q->root, strerror(-r));
	}
	char why[128];
	if (mountpoints_ok(q->mnt, why, sizeof(why)) < 0)
		return cli_error(W, "%s: %s; add it with: hopeless shell --root %s -- mkdir -p /proc /sys /dev",
				 q->overlay ? q->overlay : q->root, why, q->root);
	return 0;
}

static int run_shell(struct shell_req *q)
{
	int lockfd = open(q->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0)
		return cli_error(W, "%s: another hopeless shell is using it; leave that one first",
				 q->overlay ? q->overlay : q->root);
	if (mkdir_p(q->mnt, 0700) < 0 || (q->overlay && mkdir_p(q->work, 0700) < 0))
		return cli_error(W, "%s: %s", q->mnt, strerror(errno));
	if (prepare(q))
		return umount2(q->mnt, MNT_DETACH), rmdir(q->mnt), 1;
	int devfd = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int resolvfd = open("/etc/resolv.conf", O_PATH | O_CLOEXEC);
	if (devfd < 0)
		return cli_error(W, "/dev: %s", strerror(errno));
	fflush(NULL);
	int rc;
	if (unshare(CLONE_NEWPID) < 0) {
		rc = cli_error(W, "cannot create a PID namespace: %s", strerror(errno));
	} else {
		pid_t pid = fork();
		if (pid == 0)
			_exit(supervisor(q, devfd, resolvfd));
		set_forwarding(pid);
		rc = pid < 0 ? cli_error(W, "fork: %s", strerror(errno)) : wait_status(pid);
	}
	close(devfd);
	if (resolvfd >= 0)
		close(resolvfd);
	/* Detaching the top unmounts /proc, /sys, /dev under it as well. */
	if (umount2(q->mnt, MNT_DETACH) == 0)
		rmdir(q->mnt);
	if (q->overlay)
		nftw(q->upper, strip_one, 32, FTW_PHYS);
	close(lockfd);
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
	tree_path(t, q->lower, sizeof(q->lower), "roots/%s", q->root);
	tree_path(t, q->upper, sizeof(q->upper), "roots/%s", self);
	tree_path(t, q->work, sizeof(q->work), ".work/%s/work", self);
	tree_path(t, q->mnt, sizeof(q->mnt), ".work/%s/mnt", self);
	tree_path(t, q->lock, sizeof(q->lock), ".work/%s.lock", self);
	if (!q->overlay) {
		/* A root without mount points gets them: they belong in every root. */
		const char *dirs[] = {"proc", "sys", "dev"};
		for (size_t i = 0; i < 3; i++) {
			char p[PATH_MAX];
			tfs_fmt(p, sizeof(p), "roots/%s/%s", q->root, dirs[i]);
			int r = tfs_exists(t, p) ? 0 : tfs_mkdir(t, p, 0555);
			if (r < 0)
				return cli_error(W, "%s/%s: %s", t->dir, p, strerror(-r));
		}
	}
	char rel[PATH_MAX];
	tfs_fmt(rel, sizeof(rel), ".work/%s", self);
	int r = tfs_mkdir_p(t, rel, 0700);
	if (r < 0)
		return cli_error(W, "%s/%s: %s", t->dir, rel, strerror(-r));
	return 0;
}

static void shell_usage(FILE *f)
{
	fprintf(f, "usage: hopeless shell --root ROOT [-- CMD...]\n"
		   "       hopeless shell OVERLAY [--root ROOT] [-- CMD...]\n\n"
		   "Runs CMD (default: the root's /bin/sh) chrooted into roots/ROOT, or into\n"
		   "OVERLAY mounted over its root so that every change lands in roots/OVERLAY.\n"
		   "/proc, /sys, /dev and the head node's resolv.conf are prepared, in a private\n"
		   "namespace: nothing stays mounted afterwards. The exit status is CMD's.\n"
		   "ROOT defaults to the root of the overlay's nodes when they all agree.\n");
}

int cmd_shell(int argc, char **argv, struct cli_ctx *ctx)
{
	struct shell_req q;
	memset(&q, 0, sizeof(q));
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
	if (rc == 0)
		rc = run_shell(&q);
	return rc;
}
