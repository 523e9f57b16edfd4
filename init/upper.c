/* The writable layer of the union. Overlayfs refuses an NFS directory as its
 * upper, so state=image attaches the node's own ext4 image, which lives on its
 * NFS state export, through a loop device; state=tmpfs starts clean in RAM. */
#include "log.h"
#include "rbd.h"
#include "steps.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <stdint.h>
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
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
		snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", file);
		/* Direct I/O: every write of the ext4 on top (its multi-mount
		 * protection block above all) reaches the server now, not when
		 * this node's page cache gets round to it. Buffered if the
		 * file system cannot do direct I/O. */
		int ok = ioctl(lfd, LOOP_CONFIGURE, &cfg);
		int e = errno;
		if (ok != 0 && e == EINVAL) {
			cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
			ok = ioctl(lfd, LOOP_CONFIGURE, &cfg);
			e = errno;
			if (ok == 0)
				log_info("upper: %s: no direct I/O, using buffered I/O", file);
		}
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

/* ext4 multi-mount protection (mkfs.ext4 -O mmp): the kernel refuses to
 * mount an image whose MMP block another machine keeps updating. This reads
 * that block to tell the administrator what is going on: 1 if the image uses
 * MMP and was not released cleanly (the holder's host name in holder), 0 if
 * clean or without MMP, negative errno if unreadable. */
#define EXT4_MMP_MAGIC 0x004D4D50u
#define EXT4_MMP_SEQ_CLEAN 0xFF4D4D50u
#define EXT4_MMP_SEQ_FSCK 0xE24D4D50u
#define EXT4_FEATURE_INCOMPAT_MMP 0x0100u

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int mmp_parse(const unsigned char *sb, size_t sblen, uint64_t *mmp_block, unsigned *block_size)
{
	if (sblen < 1024 || sb[56] != 0x53 || sb[57] != 0xEF) /* s_magic 0xEF53 */
		return -EINVAL;
	if (!(le32(sb + 0x60) & EXT4_FEATURE_INCOMPAT_MMP))
		return 0;
	uint32_t log = le32(sb + 0x18);
	if (log > 6)
		return -EINVAL;
	*block_size = 1024u << log;
	*mmp_block = (uint64_t)le32(sb + 0x168) | (uint64_t)le32(sb + 0x16C) << 32;
	return *mmp_block ? 1 : -EINVAL;
}

static int mmp_state(const unsigned char *mmp, size_t len, char *holder, size_t holderlen)
{
	if (len < 80 || le32(mmp) != EXT4_MMP_MAGIC)
		return -EINVAL;
	uint32_t seq = le32(mmp + 4);
	if (seq == EXT4_MMP_SEQ_CLEAN)
		return 0;
	/* mmp_nodename: 64 bytes, not always NUL-terminated; printable only. */
	size_t n = 0;
	for (size_t i = 16; i < 80 && mmp[i] && n + 1 < holderlen; i++)
		holder[n++] = (mmp[i] >= 0x20 && mmp[i] < 0x7f) ? (char)mmp[i] : '?';
	if (holderlen)
		holder[n] = '\0';
	return seq == EXT4_MMP_SEQ_FSCK ? 2 : 1;
}

static int mmp_check(const char *file, char *holder, size_t holderlen)
{
	static unsigned char buf[4096] __attribute__((aligned(4096)));
	/* O_DIRECT: what the server has now, not what this node cached. */
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_DIRECT);
	if (fd < 0)
		fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = -EIO;
	uint64_t blk = 0;
	unsigned bs = 0;
	if (pread(fd, buf, 4096, 0) == 4096) {
		r = mmp_parse(buf + 1024, 1024, &blk, &bs);
		if (r == 1) {
			off_t off = (off_t)(blk * bs);
			off_t aligned = off & ~(off_t)4095;
			if (pread(fd, buf, 4096, aligned) == 4096)
				r = mmp_state(buf + (off - aligned), 4096 - (size_t)(off - aligned), holder,
						    holderlen);
			else
				r = -EIO;
		}
	}
	close(fd);
	return r;
}

static int make_upper_dirs(void)
{
	int r = mkdir_p(HL_UPPER "/upper", 0755);
	if (r == 0)
		r = mkdir_p(HL_UPPER "/work", 0755);
	if (r < 0)
		log_error("upper: creating upper and work dirs: %s", strerror(-r));
	return r;
}

/* State rbd: the image named in the host layer's hopeless.rbd, mapped by
 * the kernel, holds the upper as an ext4 file system. */
static int rbd_upper(void)
{
	struct rbd_conf rc;
	char dev[32];
	int r = rbd_conf_load(HL_CLIENT "/hopeless.rbd", &rc);
	if (r == 0)
		r = rbd_map(&rc, dev, sizeof(dev));
	explicit_bzero(rc.secret, sizeof(rc.secret));
	if (r < 0)
		return r;
	if (mount(dev, HL_UPPER, "ext4", MS_NOATIME, "") != 0) {
		r = -errno;
		log_error("upper: mount %s (ext4 on RBD image %s/%s): %s", dev, rc.pool, rc.image, strerror(-r));
		return r;
	}
	log_info("upper: RBD image %s/%s on %s", rc.pool, rc.image, dev);
	return make_upper_dirs();
}

int upper_setup(const struct boot_config *c, const char *server, const char *client_ip)
{
	int r = mkdir_p(HL_UPPER, 0755);
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
	if (c->state == STATE_RBD)
		return rbd_upper();
	char exp[300];
	snprintf(exp, sizeof(exp), "%s/%s", c->statedir, client_ip);
	r = nfs_mount(server, exp, HL_STATE, c->nfsvers, client_ip, 0);
	if (r < 0)
		return r;
	char holder[72] = "";
	int mmp = mmp_check(HL_STATE "/rw.img", holder, sizeof(holder));
	if (mmp == 1)
		log_info("upper: %s/rw.img is held or was not released cleanly (by '%s'); ext4 multi-mount "
			 "protection waits twice its check interval + 1 s (11 s or more) to see if another node uses it",
			 exp, holder);
	char dev[32];
	int lfd = loop_attach(HL_STATE "/rw.img", dev, sizeof(dev));
	if (lfd < 0)
		return lfd;
	r = mount(dev, HL_UPPER, "ext4", MS_NOATIME, "") == 0 ? 0 : -errno;
	close(lfd);
	if (r < 0) {
		/* The kernel says "Device is already active on another node" and
		 * mount(2) fails: tell the administrator in one line. */
		if (mmp == 1 && mmp_check(HL_STATE "/rw.img", holder, sizeof(holder)) == 1) {
			log_error("upper: state image in use by another node: %s/rw.img is mounted by '%s' "
				  "(ext4 multi-mount protection); power that node off, or look for two nodes "
				  "with address %s",
				  exp, holder, client_ip);
			return -EBUSY;
		}
		if (mmp == 2)
			log_error("upper: %s/rw.img is being checked by e2fsck (multi-mount protection); "
				  "wait for it to finish",
				  exp);
		log_error("upper: mount %s (ext4 on %s/rw.img): %s%s", dev, exp, strerror(-r),
			  r == -ENOENT ? " (a module ext4 needs, such as crc32c, missing from the initramfs?)" : "");
		return r;
	}
	return make_upper_dirs();
}
