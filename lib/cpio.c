/* Our own newc cpio writer and gzip step, instead of libarchive or shelling
 * out to cpio(1)/gzip(1): the initramfs must be reproducible, byte for byte,
 * and that needs full control over every header field. Here entries are
 * sorted by path (parents first), mtime is SOURCE_DATE_EPOCH or 0, inode
 * numbers run from 1 in archive order, uid/gid are 0, nlink is 1 for files
 * and 2 for directories, devmajor/devminor are 0, and the gzip header has
 * mtime 0 and a fixed OS byte (deflateInit2 with windowBits 15+16 and no
 * deflateSetHeader). All of that fits in a few hundred lines we fully
 * control, with no extra dependency on the head node. */
#include "cpio.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CPIO_MAX_FILE (256u << 20)

struct cpio_entry {
	char *name;      /* without the leading '/' */
	unsigned mode;   /* type and permissions */
	uint8_t *data;   /* file contents or symlink target */
	size_t size;
	unsigned rmajor, rminor;
};

int cpio_mtime_from_env(uint32_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	*out = 0;
	if (!s || !*s)
		return 0;
	unsigned long long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || p - s >= 10)
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

void cpio_init(struct cpio_writer *w, uint32_t mtime)
{
	memset(w, 0, sizeof(*w));
	w->mtime = mtime;
}

void cpio_free(struct cpio_writer *w)
{
	for (size_t i = 0; i < w->nents; i++) {
		free(w->ents[i].name);
		free(w->ents[i].data);
	}
	free(w->ents);
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* "/a/b" only: no empty, "." or ".." components, no trailing '/', no control
 * characters. */
static int check_path(const char *p)
{
	size_t n = strlen(p);
	if (p[0] != '/' || n < 2 || n >= 4096 || p[n - 1] == '/')
		return -EINVAL;
	for (const char *c = p; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return -EINVAL;
		if (*c == '/') {
			const char *e = c + 1;
			size_t len = strcspn(e, "/");
			if (len == 0 || (len == 1 && e[0] == '.') ||
			    (len == 2 && e[0] == '.' && e[1] == '.'))
				return -EINVAL;
		}
	}
	return 0;
}

static int add_entry(struct cpio_writer *w, const char *path, unsigned mode,
		     const void *data, size_t size, unsigned rmaj, unsigned rmin)
{
	if (w->finished)
		return -EINVAL;
	int r = check_path(path);
	if (r < 0)
		return r;
	if (size > CPIO_MAX_FILE)
		return -EFBIG;
	if (w->nents == w->capents) {
		size_t nc = w->capents ? w->capents * 2 : 64;
		struct cpio_entry *ne = realloc(w->ents, nc * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		w->ents = ne;
		w->capents = nc;
	}
	struct cpio_entry *e = &w->ents[w->nents];
	memset(e, 0, sizeof(*e));
	e->name = strdup(path + 1);
	if (size) {
		e->data = malloc(size);
		if (e->data)
			memcpy(e->data, data, size);
	}
	if (!e->name || (size && !e->data)) {
		free(e->name);
		free(e->data);
		return -ENOMEM;
	}
	e->mode = mode;
	e->size = size;
	e->rmajor = rmaj;
	e->rminor = rmin;
	w->nents++;
	return 0;
}

int cpio_add_dir(struct cpio_writer *w, const char *path, unsigned mode)
{
	if (mode & ~07777u)
		return -EINVAL;
	return add_entry(w, path, S_IFDIR | mode, NULL, 0, 0, 0);
}

int cpio_add_file(struct cpio_writer *w, const char *path, unsigned mode,
		  const void *data, size_t len)
{
	if ((mode & ~07777u) || (len && !data))
		return -EINVAL;
	return add_entry(w, path, S_IFREG | mode, data, len, 0, 0);
}

int cpio_add_symlink(struct cpio_writer *w, const char *path, const char *target)
{
	size_t n = strlen(target);
	if (n == 0 || n >= 4096)
		return -EINVAL;
	return add_entry(w, path, S_IFLNK | 0777, target, n, 0, 0);
}

int cpio_add_node(struct cpio_writer *w, const char *path, unsigned mode,
		  unsigned major, unsigned minor)
{
	unsigned type = mode & S_IFMT;
	if ((type != S_IFCHR && type != S_IFBLK) || (mode & ~(S_IFMT | 07777u)))
		return -EINVAL;
	return add_entry(w, path, mode, NULL, 0, major, minor);
}

int cpio_add_file_from_disk(struct cpio_writer *w, const char *path, unsigned mode,
			    const char *disk_path)
{
	int fd = open(disk_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	uint8_t *data = NULL;
	if (fstat(fd, &st) != 0) {
		r = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
	} else if ((unsigned long long)st.st_size > CPIO_MAX_FILE) {
		r = -EFBIG;
	} else {
		size_t size = (size_t)st.st_size, got = 0;
		data = malloc(size ? size : 1);
		if (!data)
			r = -ENOMEM;
		while (!r && got < size) {
			ssize_t n = read(fd, data + got, size - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				r = n < 0 ? -errno : -EIO; /* shrank under us */
			else
				got += (size_t)n;
		}
		if (!r)
			r = cpio_add_file(w, path, mode, data, size);
	}
	free(data);
	close(fd);
	return r;
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct cpio_entry *)a)->name, ((const struct cpio_entry *)b)->name);
}

static int append(struct cpio_writer *w, const void *p, size_t n)
{
	if (w->cap - w->len < n) {
		size_t nc = w->cap ? w->cap : 65536;
		while (nc - w->len < n)
			nc *= 2;
		uint8_t *nb = realloc(w->buf, nc);
		if (!nb)
			return -ENOMEM;
		w->buf = nb;
		w->cap = nc;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static int pad4(struct cpio_writer *w)
{
	static const uint8_t zero[4];
	return append(w, zero, (4 - (w->len & 3)) & 3);
}

static int emit(struct cpio_writer *w, uint32_t ino, const struct cpio_entry *e, uint32_t mtime)
{
	char hdr[111];
	unsigned nlink = S_ISDIR(e->mode) ? 2 : 1;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, e->mode, 0u, 0u, nlink, mtime, (unsigned)e->size, 0u, 0u,
		 e->rmajor, e->rminor, (unsigned)strlen(e->name) + 1, 0u);
	int r = append(w, hdr, 110);
	if (!r)
		r = append(w, e->name, strlen(e->name) + 1);
	if (!r)
		r = pad4(w);
	if (!r)
		r = append(w, e->data, e->size);
	if (!r)
		r = pad4(w);
	return r;
}

/* Index of the entry named exactly name[0..len), or -1. Entries sorted. */
static long find(const struct cpio_writer *w, size_t n, const char *name, size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(w->ents[mid].name, name, len);
		if (c == 0 && w->ents[mid].name[len] != '\0')
			c = 1;
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int cpio_finish(struct cpio_writer *w)
{
	if (w->finished)
		return -EINVAL;
	/* Add missing parents one level per round until none is missing. */
	for (;;) {
		size_t n = w->nents, added = 0;
		qsort(w->ents, n, sizeof(*w->ents), cmp_ent);
		for (size_t i = 0; i < n; i++) {
			const char *name = w->ents[i].name, *slash = strrchr(name, '/');
			if (i + 1 < n && strcmp(name, w->ents[i + 1].name) == 0)
				return -EEXIST;
			if (!slash)
				continue;
			size_t plen = (size_t)(slash - name);
			long p = find(w, n, name, plen);
			if (p >= 0) {
				if (!S_ISDIR(w->ents[p].mode))
					return -ENOTDIR;
				continue;
			}
			int dup = 0;
			for (size_t j = n; j < w->nents && !dup; j++)
				dup = strlen(w->ents[j].name) == plen &&
				      memcmp(w->ents[j].name, name, plen) == 0;
			if (dup)
				continue;
			char *parent = malloc(plen + 2);
			if (!parent)
				return -ENOMEM;
			parent[0] = '/';
			memcpy(parent + 1, name, plen);
			parent[plen + 1] = '\0';
			int r = cpio_add_dir(w, parent, 0755);
			free(parent);
			if (r < 0)
				return r;
			added++;
		}
		if (!added)
			break;
	}
	w->len = 0;
	for (size_t i = 0; i < w->nents; i++) {
		int r = emit(w, (uint32_t)(i + 1), &w->ents[i], w->mtime);
		if (r < 0)
			return r;
	}
	struct cpio_entry trailer = {.name = "TRAILER!!!", .mode = 0};
	int r = emit(w, 0, &trailer, 0);
	if (r < 0)
		return r;
	w->finished = 1;
	return 0;
}

int cpio_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	*out = NULL;
	*outlen = 0;
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t cap = (size_t)deflateBound(&zs, (uLong)len) + 64;
	uint8_t *buf = malloc(cap);
	if (!buf) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	size_t done_in = 0;
	int zr;
	zs.next_out = buf;
	do {
		size_t chunk = len - done_in > (1u << 30) ? (1u << 30) : len - done_in;
		zs.next_in = (Bytef *)(uintptr_t)(in + done_in);
		zs.avail_in = (uInt)chunk;
		zs.avail_out = (uInt)(cap - (size_t)(zs.next_out - buf) > (1u << 30)
					      ? (1u << 30) : cap - (size_t)(zs.next_out - buf));
		done_in += chunk;
		zr = deflate(&zs, done_in == len ? Z_FINISH : Z_NO_FLUSH);
		done_in -= zs.avail_in;
	} while (zr == Z_OK);
	deflateEnd(&zs);
	if (zr != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*outlen = (size_t)(zs.next_out - buf);
	return 0;
}
