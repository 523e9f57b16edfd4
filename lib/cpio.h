/* A reproducible "newc" cpio writer into a memory buffer, and gzip with zlib.
 *
 * Entries may be added in any order: cpio_finish() sorts them by path (so
 * parents precede children), adds missing parent directories (mode 0755),
 * numbers inodes from 1 in that order and appends the TRAILER!!! record.
 * Paths are given absolute ("/lib/modules") and stored without the leading
 * '/' ("lib/modules"), as the kernel's own gen_init_cpio does. Every entry
 * has uid/gid 0, the writer's mtime, nlink 2 for directories and 1 otherwise,
 * devmajor/devminor 0. All functions return 0 or a negative errno. */
#ifndef HOPELESS_CPIO_H
#define HOPELESS_CPIO_H
#include <stddef.h>
#include <stdint.h>

struct cpio_entry;

struct cpio_writer {
	uint32_t mtime;           /* set by cpio_init() */
	struct cpio_entry *ents;  /* pending entries, unsorted */
	size_t nents, capents;
	uint8_t *buf;             /* the archive, valid after cpio_finish() */
	size_t len, cap;
	int finished;
};

/* SOURCE_DATE_EPOCH from the environment: *out = 0 when unset or empty,
 * -EINVAL when it is not a decimal number fitting newc's 32 bits. */
int cpio_mtime_from_env(uint32_t *out);

void cpio_init(struct cpio_writer *w, uint32_t mtime);
void cpio_free(struct cpio_writer *w);

/* mode: permission bits only (<= 07777); the type is implied. */
int cpio_add_dir(struct cpio_writer *w, const char *path, unsigned mode);
int cpio_add_file(struct cpio_writer *w, const char *path, unsigned mode,
		  const void *data, size_t len);
int cpio_add_file_from_disk(struct cpio_writer *w, const char *path, unsigned mode,
			    const char *disk_path);
int cpio_add_symlink(struct cpio_writer *w, const char *path, const char *target);
/* mode: S_IFCHR or S_IFBLK plus permission bits. */
int cpio_add_node(struct cpio_writer *w, const char *path, unsigned mode,
		  unsigned major, unsigned minor);

/* Sort, check for duplicates (-EEXIST) and a non-directory used as a parent
 * (-ENOTDIR), then write everything to w->buf / w->len. Once only. */
int cpio_finish(struct cpio_writer *w);

/* gzip (level 9) with a fixed header: mtime 0, no name, OS byte from zlib.
 * *out is malloc()ed; the caller frees it. */
int cpio_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen);
#endif
