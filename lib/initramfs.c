/* Building the node initramfs: see initramfs.h. */
#include "initramfs.h"
#include "treefs.h"
#include "util.h"
#include "cpio.h"
#include "modres.h"
#include "pesig.h"
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* crc32c_generic: ext4 asks for "crypto-crc32c" through a softdep, which
 * modules.dep does not show; without it ext4 (a module in the generic
 * kernel) fails with "Cannot load crc32c driver". crc32c_intel is left out:
 * CPUs without SSE4.2 (qemu's default model) refuse it. */
const char *const initramfs_default_core[] = {
	"overlay", "loop", "nfsv4", "nfs", "crc32c_generic", "ext4", NULL,
};

/* The common server families. mlx4/mlx5, ice and i40e add about 8 MB of
 * modules (more than the rest together): name them with
 * `hopeless initramfs build --nic ...` where a cluster has them. */
const char *const initramfs_default_nic[] = {
	"virtio_pci", "virtio_net", "e1000", "e1000e", "igb", "ixgbe", "tg3", "bnx2",
	"bnx2x", "r8169", "vmxnet3", NULL,
};

#define MAX_INPUT_FILE (128u << 20)

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int read_regular_fd(int fd, uint8_t **out, size_t *outlen);

static int read_regular_file(const char *path, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	return read_regular_fd(fd, out, outlen);
}

/* A file of the root: inside it (root_fd set) or by its disk path. */
static int read_root_file(const struct initramfs_opts *o, const char *inroot, const char *disk, uint8_t **out,
			  size_t *outlen)
{
	if (o->root_fd <= 0)
		return read_regular_file(disk, out, outlen);
	*out = NULL;
	*outlen = 0;
	int fd = tfs_open_in_root(o->root_fd, inroot, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	return read_regular_fd(fd, out, outlen);
}

/* Reads and closes fd: regular files only, MAX_INPUT_FILE at most. */
static int read_regular_fd(int fd, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) != 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if ((unsigned long long)st.st_size > MAX_INPUT_FILE)
		r = -EFBIG;
	size_t size = r ? 0 : (size_t)st.st_size, got = 0;
	uint8_t *buf = r ? NULL : malloc(size ? size : 1);
	if (!r && !buf)
		r = -ENOMEM;
	while (!r && got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? -errno : -EIO;
		else
			got += (size_t)n;
	}
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	*out = buf;
	*outlen = size;
	return 0;
}


static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int initramfs_find_kver(const char *root, char *kver, size_t kverlen, char *err,
			size_t errlen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/boot", root);
	DIR *d = opendir(path);
	if (!d)
		return fail(err, errlen, -ENOENT, "no kernel: cannot open %s: %s", path,
			    strerror(errno));
	char *found[16];
	size_t n = 0;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *v = de->d_name + strlen("vmlinuz-");
		if (strncmp(de->d_name, "vmlinuz-", 8) != 0 || !*v)
			continue;
		struct stat st;
		snprintf(path, sizeof(path), "%s/lib/modules/%s", root, v);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (n == 16 || !(found[n] = strdup(v))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(found, n, sizeof(*found), cmp_str);
	if (r < 0)
		fail(err, errlen, r, "too many kernels in %s/boot", root);
	else if (n == 0)
		r = fail(err, errlen, -ENOENT,
			 "no kernel in %s: no boot/vmlinuz-<version> with a lib/modules/<version>",
			 root);
	else if (n > 1)
		r = fail(err, errlen, -EEXIST, "%zu kernels in %s (%s, %s%s): choose one", n,
			 root, found[0], found[1], n > 2 ? ", ..." : "");
	else if (strlen(found[0]) >= kverlen)
		r = fail(err, errlen, -ENAMETOOLONG, "kernel version %.40s... too long", found[0]);
	else
		snprintf(kver, kverlen, "%s", found[0]);
	for (size_t i = 0; i < n; i++)
		free(found[i]);
	return r;
}

/* A dynamically linked /init cannot run in the initramfs: refuse an ELF file
 * with a PT_INTERP header. Non-ELF files are the caller's business. */
static int check_static(const uint8_t *b, size_t len)
{
	if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0)
		return 0;
	if (b[EI_CLASS] == ELFCLASS64 && len >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;
		memcpy(&eh, b, sizeof(eh));
		for (size_t i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			size_t off = (size_t)eh.e_phoff + i * eh.e_phentsize;
			if (eh.e_phentsize < sizeof(ph) || off > len || len - off < sizeof(ph))
				return -ENOEXEC;
			memcpy(&ph, b + off, sizeof(ph));
			if (ph.p_type == PT_INTERP)
				return -ENOEXEC;
		}
	} else if (b[EI_CLASS] == ELFCLASS32 && len >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr eh;
		memcpy(&eh, b, sizeof(eh));
		for (size_t i = 0; i < eh.e_phnum; i++) {
			Elf32_Phdr ph;
			size_t off = (size_t)eh.e_phoff + i * eh.e_phentsize;
			if (eh.e_phentsize < sizeof(ph) || off > len || len - off < sizeof(ph))
				return -ENOEXEC;
			memcpy(&ph, b + off, sizeof(ph));
			if (ph.p_type == PT_INTERP)
				return -ENOEXEC;
		}
	} else {
		return -ENOEXEC;
	}
	return 0;
}

static void report_skipped(struct initramfs_report *rep, const struct modres_result *m)
{
	size_t off = 0;
	rep->nskipped = m->nskipped;
	rep->skipped[0] = '\0';
	for (size_t i = 0; i < m->nskipped; i++) {
		int n = snprintf(rep->skipped + off, sizeof(rep->skipped) - off, "%s%s (%s)",
				 i ? ", " : "", m->skipped[i].name,
				 m->skipped[i].builtin ? "built in" : "missing");
		if (n < 0 || (size_t)n >= sizeof(rep->skipped) - off) {
			/* Truncated: end with "..." where it stopped. */
			memcpy(rep->skipped + sizeof(rep->skipped) - 4, "...", 4);
			break;
		}
		off += (size_t)n;
	}
}

static const struct {
	const char *path;
	unsigned mode;
} base_dirs[] = {
	{"/dev", 0755},     {"/etc", 0755},  {"/lib", 0755},  {"/lib/hopeless", 0755},
	{"/newroot", 0755}, {"/proc", 0555}, {"/root", 0700}, {"/run", 0755},
	{"/sys", 0555},
};

int initramfs_build(const struct initramfs_opts *o, struct initramfs_report *rep,
		    char *err, size_t errlen)
{
	struct cpio_writer w;
	struct modres_result mods;
	char kver[80], path[PATH_MAX];
	uint8_t *init = NULL, *gz = NULL, *kernel = NULL;
	size_t initlen = 0, gzlen = 0, kernellen = 0;
	uint32_t mtime;
	int r;

	memset(rep, 0, sizeof(*rep));
	memset(&mods, 0, sizeof(mods));
	cpio_init(&w, 0);
	if (err && errlen)
		err[0] = '\0';
	if (!o->root || !o->init_path || !o->out_initramfs)
		return fail(err, errlen, -EINVAL, "root, init and output paths are required");
	if (cpio_mtime_from_env(&mtime) < 0)
		return fail(err, errlen, -EINVAL, "SOURCE_DATE_EPOCH is not a 32-bit decimal number");
	w.mtime = mtime;
	if (o->kver) {
		if (strlen(o->kver) >= sizeof(kver))
			return fail(err, errlen, -EINVAL, "kernel version too long");
		snprintf(kver, sizeof(kver), "%s", o->kver);
	} else if ((r = initramfs_find_kver(o->root, kver, sizeof(kver), err, errlen)) < 0) {
		return r;
	}
	snprintf(rep->kver, sizeof(rep->kver), "%s", kver);

	r = read_regular_file(o->init_path, &init, &initlen);
	if (r < 0) {
		fail(err, errlen, r, "init %s: %s", o->init_path, strerror(-r));
		goto out;
	}
	if ((r = check_static(init, initlen)) < 0) {
		fail(err, errlen, r, "init %s is not a static executable (it needs a dynamic loader)",
		     o->init_path);
		goto out;
	}
	r = modres_resolve(o->root, kver, o->core ? o->core : initramfs_default_core,
			   o->nic ? o->nic : initramfs_default_nic, &mods, err, errlen);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < sizeof(base_dirs) / sizeof(base_dirs[0]) && r >= 0; i++)
		r = cpio_add_dir(&w, base_dirs[i].path, base_dirs[i].mode);
	snprintf(path, sizeof(path), "/lib/modules/%s", kver);
	if (r >= 0)
		r = cpio_add_dir(&w, "/lib/modules", 0755);
	if (r >= 0)
		r = cpio_add_dir(&w, path, 0755);
	if (r >= 0)
		r = cpio_add_node(&w, "/dev/console", S_IFCHR | 0600, 5, 1);
	if (r >= 0)
		r = cpio_add_file(&w, "/init", 0755, init, initlen);
	if (r >= 0)
		r = cpio_add_file(&w, "/lib/hopeless/modules.conf", 0644, mods.conf, mods.conflen);
	if (r < 0) {
		fail(err, errlen, r, "cannot build the archive: %s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < mods.nmods; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		r = read_root_file(o, mods.mods[i].archive_path, mods.mods[i].disk_path, &data, &len);
		if (r >= 0)
			r = cpio_add_file(&w, mods.mods[i].archive_path, 0644, data, len);
		free(data);
		if (r < 0) {
			fail(err, errlen, r, "module %s: %s", mods.mods[i].disk_path, strerror(-r));
			goto out;
		}
	}
	if (o->busybox_path) {
		r = cpio_add_dir(&w, "/bin", 0755);
		if (r >= 0)
			r = cpio_add_file_from_disk(&w, "/bin/busybox", 0755, o->busybox_path);
		if (r >= 0)
			r = cpio_add_symlink(&w, "/bin/sh", "busybox");
		if (r < 0) {
			fail(err, errlen, r, "busybox %s: %s", o->busybox_path, strerror(-r));
			goto out;
		}
	}
	for (size_t i = 0; i < o->nextra; i++) {
		const struct initramfs_extra *x = &o->extra[i];
		r = cpio_add_file_from_disk(&w, x->archive_path, x->mode, x->disk_path);
		if (r < 0) {
			fail(err, errlen, r, "extra file %s as %s: %s", x->disk_path,
			     x->archive_path, strerror(-r));
			goto out;
		}
	}
	if ((r = cpio_finish(&w)) < 0) {
		fail(err, errlen, r, "cannot finish the archive: %s%s", strerror(-r),
		     r == -EEXIST ? " (a path was added twice)" : "");
		goto out;
	}
	if ((r = cpio_gzip(w.buf, w.len, &gz, &gzlen)) < 0) {
		fail(err, errlen, r, "gzip failed: %s", strerror(-r));
		goto out;
	}
	if (o->out_kernel) {
		char inroot[256];
		snprintf(path, sizeof(path), "%s/boot/vmlinuz-%s", o->root, kver);
		snprintf(inroot, sizeof(inroot), "/boot/vmlinuz-%s", kver);
		if ((r = read_root_file(o, inroot, path, &kernel, &kernellen)) < 0) {
			fail(err, errlen, r, "kernel %s: %s", path, strerror(-r));
			goto out;
		}
		rep->kernel_signed = pe_signature_present(kernel, kernellen);
		if ((r = write_file_atomic(o->out_kernel, kernel, kernellen, 0644)) < 0) {
			fail(err, errlen, r, "cannot write %s: %s", o->out_kernel, strerror(-r));
			goto out;
		}
	}
	if ((r = write_file_atomic(o->out_initramfs, gz, gzlen, 0644)) < 0) {
		fail(err, errlen, r, "cannot write %s: %s", o->out_initramfs, strerror(-r));
		goto out;
	}
	rep->nmodules = mods.nmods;
	rep->uncompressed_size = w.len;
	rep->compressed_size = gzlen;
	report_skipped(rep, &mods);
	r = 0;
out:
	free(init);
	free(gz);
	free(kernel);
	modres_free(&mods);
	cpio_free(&w);
	return r;
}
