/* The union: host overlay over cluster overlay over root, writes to the upper
 * layer. Options for NFS lower layers: index=off (needs file handles the lower
 * may not give), metacopy=off and redirect_dir=nofollow (both would make later
 * offline changes to the layers unsafe). */
#include "log.h"
#include "steps.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int union_mount(const char *root_dir, const char *overlay_dir)
{
	char opts[1024];
	int n = snprintf(opts, sizeof(opts),
			 "lowerdir=%s:%s:%s,upperdir=%s/upper,workdir=%s/work,"
			 "index=off,metacopy=off,redirect_dir=nofollow",
			 HL_CLIENT, overlay_dir, root_dir, HL_UPPER, HL_UPPER);
	if (n < 0 || (size_t)n >= sizeof(opts))
		return -ENAMETOOLONG;
	int r = mkdir_p(NEWROOT, 0755);
	if (r < 0)
		return r;
	if (mount("overlay", NEWROOT, "overlay", 0, opts) != 0) {
		r = -errno;
		log_error("union: mount overlay (%s): %s", opts, strerror(-r));
		return r;
	}
	/* Overlayfs may fall back to read-only (an upper it cannot use): a node
	 * that should be writable must be, or it fails later in odd ways. */
	int fd = open(NEWROOT "/.hopeless-write-test", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		log_error("union: the union root is not writable: %s", strerror(-r));
		umount(NEWROOT);
		return r;
	}
	close(fd);
	unlink(NEWROOT "/.hopeless-write-test");
	return 0;
}
