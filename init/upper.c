/* The writable layer of the union. Overlayfs refuses an NFS directory as its
 * upper, so state=image attaches the node's own ext4 image, which lives on its
 * NFS state export, through a loop device; state=tmpfs starts clean in RAM. */
#include "log.h"
#include "steps.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Attach file to a free loop device. Returns the open loop device fd (the
 * caller closes it once the file system is mounted: with AUTOCLEAR, the last
 * close of an unused device detaches it) or a negative errno. */
static int loop_attach(const char *file, char *dev, size_t devlen)
{
	int ffd = open(file, O_RDWR | O_CLOEXEC);
	if (ffd < 0) {
		int e = errno;
		log_error("upper: open %s: %s", file, strerror(e));
		return -e;
	}
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		int e = errno;
		log_error("upper: /dev/loop-control: %s (is the loop module loaded?)", strerror(e));
		close(ffd);
		return -e;
	}
	int r = -EBUSY;
	/* Another process may take the free device between the two calls. */
	for (int tries = 0; tries < 8; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			r = -errno;
			break;
		}
		snprintf(dev, devlen, "/dev/loop%d", n);
		int lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0) {
			r = -errno;
			break;
		}
		struct loop_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (unsigned)ffd;
		/* Freed when the ext4 on it is unmounted: a retry never attaches the
		 * same image twice. */
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", file);
		int ok = ioctl(lfd, LOOP_CONFIGURE, &cfg);
		int e = errno;
		if (ok == 0) {
			r = lfd;
			break;
		}
		close(lfd);
		r = -e;
		if (e != EBUSY)
			break;
	}
	close(ctl);
	close(ffd);
	if (r < 0)
		log_error("upper: attaching %s to a loop device: %s", file, strerror(-r));
	return r;
}

static int make_upper_dirs(void)
{
	int r = mkdirs(HL_UPPER "/upper", 0755);
	if (r == 0)
		r = mkdirs(HL_UPPER "/work", 0755);
	if (r < 0)
		log_error("upper: creating upper and work dirs: %s", strerror(-r));
	return r;
}

int upper_setup(const struct boot_config *c, const char *server, const char *client_ip)
{
	int r = mkdirs(HL_UPPER, 0755);
	if (r < 0)
		return r;
	if (c->state == STATE_TMPFS) {
		if (mount("tmpfs", HL_UPPER, "tmpfs", 0, "mode=0755") != 0) {
			r = -errno;
			log_error("upper: tmpfs: %s", strerror(-r));
			return r;
		}
		return make_upper_dirs();
	}
	char exp[300];
	snprintf(exp, sizeof(exp), "%s/%s", c->statedir, client_ip);
	r = nfs_mount(server, exp, HL_STATE, c->nfsvers, client_ip, 0);
	if (r < 0)
		return r;
	char dev[32];
	int lfd = loop_attach(HL_STATE "/rw.img", dev, sizeof(dev));
	if (lfd < 0)
		return lfd;
	r = mount(dev, HL_UPPER, "ext4", MS_NOATIME, "") == 0 ? 0 : -errno;
	close(lfd);
	if (r < 0) {
		log_error("upper: mount %s (ext4 on %s/rw.img): %s", dev, exp, strerror(-r));
		return r;
	}
	return make_upper_dirs();
}
