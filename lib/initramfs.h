/* Building a node's initramfs (and copying its kernel) from a root tree:
 * the static hopeless-init as /init, the kernel modules an NFS root needs
 * with their load list (see modres.h), /dev/console, and optionally busybox.
 * The output is reproducible: the same inputs give the same bytes, with
 * every mtime set from SOURCE_DATE_EPOCH (0 when unset). */
#ifndef HOPELESS_INITRAMFS_H
#define HOPELESS_INITRAMFS_H
#include <stddef.h>

/* Default module lists, NULL-terminated. */
extern const char *const initramfs_default_core[];
extern const char *const initramfs_default_nic[];

struct initramfs_extra {
	const char *archive_path; /* absolute, e.g. "/etc/foo" */
	const char *disk_path;
	unsigned mode;            /* permission bits */
};

struct initramfs_opts {
	const char *root;         /* the root tree holding boot/ and lib/modules/ */
	int root_fd;              /* > 0: root's directory (0, the default: by path); the kernel and modules are read
				   * through it with RESOLVE_IN_ROOT, so a symlink in the root
				   * never brings a head-node file into the boot files */
	const char *kver;         /* NULL: the single boot/vmlinuz-<v> with lib/modules/<v> */
	const char *init_path;    /* the static hopeless-init binary */
	const char *busybox_path; /* NULL, or adds /bin/busybox and /bin/sh -> busybox */
	const struct initramfs_extra *extra; /* nextra more files, may be NULL */
	size_t nextra;
	const char *const *core;  /* NULL: initramfs_default_core */
	const char *const *nic;   /* NULL: initramfs_default_nic */
	const char *out_initramfs; /* gzip'ed newc cpio, written atomically */
	const char *out_kernel;   /* NULL, or where to copy the kernel, atomically */
};

struct initramfs_report {
	char kver[80];
	size_t nmodules;
	size_t uncompressed_size, compressed_size;
	size_t nskipped;
	char skipped[1024]; /* "ext4 (built in), e1000 (missing), ..." (truncated) */
	/* With out_kernel: pe_signature_present() of the kernel (1 signed,
	 * 0 not, < 0 not a PE image); an unsigned kernel fails Secure Boot. */
	int kernel_signed;
};

/* Returns 0, or a negative errno with a one-line reason in err. */
int initramfs_build(const struct initramfs_opts *o, struct initramfs_report *r,
		    char *err, size_t errlen);

/* The kernel version in root: the single boot/vmlinuz-<v> that has a
 * lib/modules/<v>. 0, -ENOENT (none) or -EEXIST (several), with a reason in err. */
int initramfs_find_kver(const char *root, char *kver, size_t kverlen, char *err,
			size_t errlen);

#endif
