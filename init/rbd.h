/* State rbd: the node's writable layer is an RBD image its kernel maps
 * through the rbd driver's sysfs interface (Documentation/ABI/testing/
 * sysfs-bus-rbd): no userspace Ceph in the initramfs. Where the image is and
 * the node's cephx key come from hopeless.rbd in its host layer. */
#ifndef HOPELESS_INIT_RBD_H
#define HOPELESS_INIT_RBD_H
#include <stddef.h>

struct rbd_conf {
	char mons[192];   /* IP:PORT[,IP:PORT...] */
	char pool[64];
	char image[128];
	char user[96];    /* cephx id without "client." */
	char secret[128]; /* its key, base64 */
};

/* hopeless.rbd's text ("key = value" lines, '#' comments): every key
 * present and well-formed, or -EINVAL with err naming the line. */
int rbd_conf_parse(const char *text, struct rbd_conf *c, char *err, size_t errlen);
/* rbd_conf_parse of a file (logs what is wrong). */
int rbd_conf_load(const char *file, struct rbd_conf *c);
/* "MONS name=USER,secret=KEY,exclusive POOL IMAGE -": what the rbd driver's
 * add_single_major takes (exclusive: the lock is taken at map time and never
 * handed to another client). Its length, or -ENAMETOOLONG. */
int rbd_add_string(const struct rbd_conf *c, char *out, size_t len);
/* Maps the image (rbd and libceph loaded) and waits for its block device:
 * /dev/rbdN in dev. 0 or a negative errno (-EROFS/-EBUSY: another client
 * holds the image's exclusive lock). */
int rbd_map(const struct rbd_conf *c, char *dev, size_t devlen);
#endif
