/* The boot steps of hopeless-init, one file each. Each returns 0 or a
 * negative errno and logs what went wrong; only main() decides what next. */
#ifndef HOPELESS_INIT_STEPS_H
#define HOPELESS_INIT_STEPS_H
#include "cmdline.h"
#include <stdint.h>

#define HL_RUN "/run/hopeless"
#define HL_ROOTS HL_RUN "/roots"
#define HL_CLIENT HL_RUN "/client"
#define HL_STATE HL_RUN "/state"
#define HL_UPPER HL_RUN "/upper"
#define NEWROOT "/newroot"

/* early.c: /proc /sys /dev /run, console on stdio. */
int early_mounts(void);
/* nfs.c: mount server:export on target with mount(2) and text options. */
int nfs_mount(const char *server, const char *export_path, const char *target, const char *vers,
	      const char *client_ip, int readonly);
/* upper.c: the writable layer: tmpfs, or the node's rw.img over loop. */
int upper_setup(const struct boot_config *c, const char *server, const char *client_ip);
/* union.c: overlayfs of host overlay, cluster overlay and root under NEWROOT
 * (the directories of the versions chosen, see layers.h). */
int union_mount(const char *root_dir, const char *overlay_dir);
/* switchroot.c: move mounts, empty the initramfs, chroot, exec init. Only
 * returns on failure. */
int switch_root(const char *init, double t_start);
/* mkdir_p(), shared with the head node (lib/mkdir.c). */
#include "mkdir.h"
#endif
