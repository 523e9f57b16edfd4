/* The last step: hand the machine to the root's own init. The initramfs is a
 * rootfs that cannot be unmounted, so its files are deleted (to free the RAM
 * they hold), the new root is moved over /, and init is exec'ed. /dev, /proc,
 * /sys and /run move along, so systemd finds them mounted (and
 * /run/hopeless keeps the layers reachable). */
#include "background.h"
#include "clock.h"
#include "log.h"
#include "steps.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <unistd.h>

/* Delete everything below dirfd that lives on device dev (never crossing
 * into another mount). */
static void delete_contents(int dirfd, dev_t dev)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (st.st_dev != dev)
			continue; /* a mount point: not ours to delete */
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				delete_contents(sub, dev);
			unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, de->d_name, 0);
		}
	}
	closedir(d);
}

struct old_root {
	int fd;
	struct stat st;
};

static int delete_old_root(void *arg)
{
	const struct old_root *old = arg;
	delete_contents(old->fd, old->st.st_dev);
	return 0;
}

static void move_into_newroot(const char *what)
{
	char dst[64];
	snprintf(dst, sizeof(dst), NEWROOT "%s", what);
	mkdir_p(dst, 0755);
	if (mount(what, dst, NULL, MS_MOVE, NULL) != 0)
		log_error("switchroot: moving %s into the new root: %s", what, strerror(errno));
}

/* The init to exec is a path (often a symlink: /sbin/init ->
 * /lib/systemd/systemd) that must resolve in the new root, not in the
 * initramfs: openat2's RESOLVE_IN_ROOT resolves it, absolute symlinks
 * included, as a chroot would, without forking a process to chroot.
 * Checked before anything is moved: a missing init must leave the
 * initramfs intact for the onfail action. */
static int init_in_newroot(const char *init)
{
	int root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	int fd = (int)syscall(SYS_openat2, root, init, &how, sizeof(how));
	int e = fd < 0 ? errno : 0;
	close(root);
	if (fd < 0)
		return -e;
	struct stat st;
	int r = fstat(fd, &st) == 0 ? 0 : -errno;
	close(fd);
	if (r == 0 && (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)))
		r = -EACCES;
	return r;
}

int switch_root(const char *init, double t_start)
{
	int r = init_in_newroot(init);
	if (r < 0) {
		log_error("switchroot: %s in the new root: %s", init, strerror(-r));
		return r;
	}
	static const char *const moved[] = {"/dev", "/proc", "/sys", "/run"};
	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++)
		move_into_newroot(moved[i]);
	if (chdir(NEWROOT) != 0)
		return -errno;
	/* The initramfs's files are deleted by a child at the lowest
	 * priority, through a descriptor of the old root that stays valid
	 * after the move: the root's init need not wait for the RAM they
	 * hold, which the child frees moments later. */
	struct old_root old = {.fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
	if (old.fd >= 0 && fstat(old.fd, &old.st) == 0) {
		if (background_start(delete_old_root, &old, 19) < 0)
			delete_contents(old.fd, old.st.st_dev);
		else
			close(old.fd);
	} else if (old.fd >= 0) {
		close(old.fd);
	}
	if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) {
		int e = errno;
		log_error("switchroot: moving the new root to /: %s", strerror(e));
		return -e;
	}
	if (chroot(".") != 0 || chdir("/") != 0) {
		int e = errno;
		log_error("switchroot: chroot: %s", strerror(e));
		return -e;
	}
	log_info("switchroot: exec %s (%.3f s after /init started)", init, clock_secs() - t_start);
	char *const argv[] = {(char *)init, NULL};
	execv(init, argv);
	int e = errno;
	log_error("switchroot: exec %s: %s", init, strerror(e));
	return -e;
}
