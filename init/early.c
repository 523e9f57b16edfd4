/* Step 1: the pseudo file systems every later step needs. */
#include "log.h"
#include "steps.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int mount_one(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir_p(dst, 0755);
	if (mount(src, dst, type, flags, data) != 0 && errno != EBUSY) {
		int e = errno;
		log_error("mount %s on %s: %s", type, dst, strerror(e));
		return -e;
	}
	return 0;
}

int early_mounts(void)
{
	int r = 0;
	r |= mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	r |= mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	r |= mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	r |= mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	/* The kernel opened /dev/console from the initramfs for us if it existed;
	 * reopen on devtmpfs so output survives whatever the archive had. */
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return r ? -EIO : 0;
}
