/* The last step: hand the machine to the root's own init. The initramfs is a
 * rootfs that cannot be unmounted, so its files are deleted (to free the RAM
 * they hold), the new root is moved over /, and init is exec'ed. /dev, /proc,
 * /sys and /run move along, so systemd finds them mounted (and
 * /run/hopeless keeps the layers reachable). */
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
#include <sys/wait.h>
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

static void move_into_newroot(const char *what)
{
	char dst[64];
	snprintf(dst, sizeof(dst), NEWROOT "%s", what);
	mkdir_p(dst, 0755);
	if (mount(what, dst, NULL, MS_MOVE, NULL) != 0)
		log_error("switchroot: moving %s into the new root: %s", what, strerror(errno));
}

/* Is init executable inside the new root? Checked in a child chrooted
 * there, because init is often an absolute symlink (Debian: /sbin/init ->
 * /lib/systemd/systemd) that must resolve in the new root, not in the
 * initramfs. Checked before anything is moved: a missing init must leave
 * the initramfs intact for the onfail action. */
static int init_in_newroot(const char *init)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (chroot(NEWROOT) != 0 || chdir("/") != 0)
			_exit(EIO);
		_exit(access(init, X_OK) == 0 ? 0 : errno);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EIO;
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
	struct stat st;
	int rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd >= 0 && fstat(rootfd, &st) == 0)
		delete_contents(rootfd, st.st_dev);
	else if (rootfd >= 0)
		close(rootfd);
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
