/* Tests of the newc cpio writer and its gzip step (lib/cpio.c). */
#include "harness.h"
#include "cpio.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* One parsed newc header. */
struct hdr {
	unsigned f[13]; /* ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj rdevmin namesize check */
	char name[256];
	const uint8_t *data;
	size_t next; /* offset of the next header */
	int pad_ok;  /* padding bytes are zero */
};

static int parse_hdr(const uint8_t *b, size_t len, size_t off, struct hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (off % 4 || off + 110 > len || memcmp(b + off, "070701", 6) != 0)
		return -1;
	for (int i = 0; i < 13; i++) {
		char tmp[9];
		memcpy(tmp, b + off + 6 + 8 * i, 8);
		tmp[8] = '\0';
		char *end;
		h->f[i] = (unsigned)strtoul(tmp, &end, 16);
		if (*end)
			return -1;
	}
	size_t ns = h->f[11];
	if (ns == 0 || ns > sizeof(h->name) || off + 110 + ns > len || b[off + 110 + ns - 1])
		return -1;
	memcpy(h->name, b + off + 110, ns);
	size_t p = off + 110 + ns;
	h->pad_ok = 1;
	while (p % 4) {
		if (p >= len || b[p])
			h->pad_ok = 0;
		p++;
	}
	h->data = b + p;
	p += h->f[6];
	while (p % 4) {
		if (p >= len || b[p])
			h->pad_ok = 0;
		p++;
	}
	if (p > len)
		return -1;
	h->next = p;
	return 0;
}

/* Names of all entries, "|"-separated, into out. Returns the count or -1. */
static int list_names(const struct cpio_writer *w, char *out, size_t outlen)
{
	struct hdr h;
	size_t off = 0;
	int n = 0;
	out[0] = '\0';
	while (off < w->len) {
		if (parse_hdr(w->buf, w->len, off, &h) != 0)
			return -1;
		size_t l = strlen(out);
		snprintf(out + l, outlen - l, "%s%s", n ? "|" : "", h.name);
		n++;
		off = h.next;
	}
	return n;
}

TEST(cpio_newc_header_layout)
{
	struct cpio_writer w;
	cpio_init(&w, 1234);
	CHECK_INT(cpio_add_dir(&w, "/etc", 0755), 0);
	CHECK_INT(cpio_add_file(&w, "/etc/hello", 0644, "hello", 5), 0);
	CHECK_INT(cpio_finish(&w), 0);
	struct hdr h;
	CHECK_INT(parse_hdr(w.buf, w.len, 0, &h), 0);
	CHECK_STR(h.name, "etc");
	CHECK_INT(h.f[0], 1);            /* ino */
	CHECK_INT(h.f[1], 040755);       /* mode */
	CHECK_INT(h.f[2], 0);            /* uid */
	CHECK_INT(h.f[3], 0);            /* gid */
	CHECK_INT(h.f[4], 2);            /* nlink of a directory */
	CHECK_INT(h.f[5], 1234);         /* mtime */
	CHECK_INT(h.f[6], 0);            /* filesize */
	CHECK_INT(h.f[7] | h.f[8], 0);   /* devmajor/devminor */
	CHECK_INT(h.f[11], 4);           /* namesize includes the NUL */
	CHECK_INT(h.f[12], 0);           /* check */
	/* 110 + 4 = 114 -> padded to 116. */
	CHECK_INT(h.next, 116);
	CHECK(h.pad_ok);
	/* Upper-case hex digits, as the kernel and cpio(1) write them. */
	CHECK(memcmp(w.buf, "07070100000001000041ED", 22) == 0);
	CHECK_INT(parse_hdr(w.buf, w.len, h.next, &h), 0);
	CHECK_STR(h.name, "etc/hello");
	CHECK_INT(h.f[0], 2);
	CHECK_INT(h.f[1], 0100644);
	CHECK_INT(h.f[4], 1);
	CHECK_INT(h.f[6], 5);
	CHECK(memcmp(h.data, "hello", 5) == 0);
	CHECK(h.pad_ok);
	cpio_free(&w);
}

TEST(cpio_padding_is_zero_and_aligned)
{
	struct cpio_writer w;
	cpio_init(&w, 0);
	char path[64], data[16];
	memset(data, 'x', sizeof(data));
	/* Every name length mod 4 and every data length mod 4. */
	for (int i = 1; i <= 8; i++) {
		snprintf(path, sizeof(path), "/%.*s", i, "abcdefgh");
		CHECK_INT(cpio_add_file(&w, path, 0600, data, (size_t)i), 0);
	}
	CHECK_INT(cpio_finish(&w), 0);
	CHECK_INT(w.len % 4, 0);
	size_t off = 0;
	int n = 0;
	struct hdr h;
	while (off < w.len) {
		if (parse_hdr(w.buf, w.len, off, &h) != 0) {
			CHECK(!"bad header");
			break;
		}
		CHECK(h.pad_ok);
		off = h.next;
		n++;
	}
	CHECK_INT(off, w.len);
	CHECK_INT(n, 9);
	cpio_free(&w);
}

TEST(cpio_trailer_last)
{
	struct cpio_writer w;
	cpio_init(&w, 77);
	CHECK_INT(cpio_add_file(&w, "/a", 0644, "1", 1), 0);
	CHECK_INT(cpio_finish(&w), 0);
	struct hdr h;
	CHECK_INT(parse_hdr(w.buf, w.len, 0, &h), 0);
	CHECK_INT(parse_hdr(w.buf, w.len, h.next, &h), 0);
	CHECK_STR(h.name, "TRAILER!!!");
	CHECK_INT(h.f[0], 0);
	CHECK_INT(h.f[1], 0);
	CHECK_INT(h.f[4], 1);
	CHECK_INT(h.f[5], 0);
	CHECK_INT(h.f[6], 0);
	CHECK_INT(h.next, w.len);
	/* Finishing twice or adding afterwards is refused. */
	CHECK_INT(cpio_finish(&w), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/b", 0755), -EINVAL);
	cpio_free(&w);
}

TEST(cpio_sorted_with_parents_and_inodes)
{
	struct cpio_writer w;
	cpio_init(&w, 0);
	CHECK_INT(cpio_add_file(&w, "/lib/modules/k/kernel/fs/x.ko", 0644, "x", 1), 0);
	CHECK_INT(cpio_add_file(&w, "/init", 0755, "i", 1), 0);
	CHECK_INT(cpio_add_dir(&w, "/lib", 0700), 0);
	CHECK_INT(cpio_add_file(&w, "/lib-x", 0644, NULL, 0), 0);
	CHECK_INT(cpio_add_dir(&w, "/dev", 0755), 0);
	CHECK_INT(cpio_finish(&w), 0);
	char names[1024];
	CHECK_INT(list_names(&w, names, sizeof(names)), 10);
	CHECK_STR(names, "dev|init|lib|lib-x|lib/modules|lib/modules/k|lib/modules/k/kernel|"
			 "lib/modules/k/kernel/fs|lib/modules/k/kernel/fs/x.ko|TRAILER!!!");
	struct hdr h;
	size_t off = 0;
	for (unsigned ino = 1; ino <= 9; ino++) {
		CHECK_INT(parse_hdr(w.buf, w.len, off, &h), 0);
		CHECK_INT(h.f[0], ino);
		if (strcmp(h.name, "lib") == 0)
			CHECK_INT(h.f[1], 040700); /* the caller's mode is kept */
		if (strcmp(h.name, "lib/modules") == 0)
			CHECK_INT(h.f[1], 040755); /* added parents get 0755 */
		off = h.next;
	}
	cpio_free(&w);
}

TEST(cpio_node_and_symlink)
{
	struct cpio_writer w;
	cpio_init(&w, 0);
	CHECK_INT(cpio_add_node(&w, "/console", S_IFCHR | 0600, 5, 1), 0);
	CHECK_INT(cpio_add_symlink(&w, "/sh", "busybox"), 0);
	CHECK_INT(cpio_finish(&w), 0);
	struct hdr h;
	CHECK_INT(parse_hdr(w.buf, w.len, 0, &h), 0);
	CHECK_STR(h.name, "console");
	CHECK_INT(h.f[1], 020600);
	CHECK_INT(h.f[6], 0);
	CHECK_INT(h.f[9], 5);
	CHECK_INT(h.f[10], 1);
	CHECK_INT(h.f[7] | h.f[8], 0);
	CHECK_INT(parse_hdr(w.buf, w.len, h.next, &h), 0);
	CHECK_STR(h.name, "sh");
	CHECK_INT(h.f[1], 0120777);
	CHECK_INT(h.f[6], 7);
	CHECK(memcmp(h.data, "busybox", 7) == 0);
	cpio_free(&w);
}

TEST(cpio_rejects_bad_input)
{
	struct cpio_writer w;
	cpio_init(&w, 0);
	CHECK_INT(cpio_add_dir(&w, "relative", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/a//b", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/a/../b", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/a/./b", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/a/", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/a\nb", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(&w, "/a", 010755), -EINVAL);
	CHECK_INT(cpio_add_node(&w, "/n", S_IFREG | 0600, 1, 1), -EINVAL);
	CHECK_INT(cpio_add_symlink(&w, "/l", ""), -EINVAL);
	CHECK_INT(cpio_add_file_from_disk(&w, "/x", 0644, "/nonexistent/hopeless"), -ENOENT);
	CHECK_INT(cpio_add_file_from_disk(&w, "/x", 0644, "/tmp"), -EINVAL);
	CHECK_INT(w.nents, 0);
	cpio_free(&w);

	cpio_init(&w, 0);
	CHECK_INT(cpio_add_file(&w, "/a", 0644, "1", 1), 0);
	CHECK_INT(cpio_add_dir(&w, "/a", 0755), 0);
	CHECK_INT(cpio_finish(&w), -EEXIST);
	cpio_free(&w);

	cpio_init(&w, 0);
	CHECK_INT(cpio_add_file(&w, "/a", 0644, "1", 1), 0);
	CHECK_INT(cpio_add_file(&w, "/a/b", 0644, "1", 1), 0);
	CHECK_INT(cpio_finish(&w), -ENOTDIR);
	cpio_free(&w);
}

TEST(cpio_mtime_env)
{
	const char *old = getenv("SOURCE_DATE_EPOCH");
	char *saved = old ? strdup(old) : NULL;
	uint32_t t = 99;
	unsetenv("SOURCE_DATE_EPOCH");
	CHECK_INT(cpio_mtime_from_env(&t), 0);
	CHECK_INT(t, 0);
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	CHECK_INT(cpio_mtime_from_env(&t), 0);
	CHECK_INT(t, 1700000000);
	setenv("SOURCE_DATE_EPOCH", "4294967296", 1);
	CHECK_INT(cpio_mtime_from_env(&t), -EINVAL);
	setenv("SOURCE_DATE_EPOCH", "12a", 1);
	CHECK_INT(cpio_mtime_from_env(&t), -EINVAL);
	setenv("SOURCE_DATE_EPOCH", "-1", 1);
	CHECK_INT(cpio_mtime_from_env(&t), -EINVAL);
	if (saved)
		setenv("SOURCE_DATE_EPOCH", saved, 1);
	else
		unsetenv("SOURCE_DATE_EPOCH");
	free(saved);
}

static void build_sample(struct cpio_writer *w, int reverse)
{
	static uint8_t big[70000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 % 251);
	cpio_init(w, 42);
	if (reverse) {
		cpio_add_file(w, "/lib/big", 0644, big, sizeof(big));
		cpio_add_node(w, "/dev/console", S_IFCHR | 0600, 5, 1);
		cpio_add_file(w, "/init", 0755, "#!init", 6);
		cpio_add_dir(w, "/dev", 0755);
	} else {
		cpio_add_dir(w, "/dev", 0755);
		cpio_add_file(w, "/init", 0755, "#!init", 6);
		cpio_add_node(w, "/dev/console", S_IFCHR | 0600, 5, 1);
		cpio_add_file(w, "/lib/big", 0644, big, sizeof(big));
	}
	cpio_finish(w);
}

TEST(cpio_reproducible)
{
	struct cpio_writer a, b;
	build_sample(&a, 0);
	build_sample(&b, 1);
	CHECK(a.len > 70000);
	CHECK_INT(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
	uint8_t *ga = NULL, *gb = NULL;
	size_t gla = 0, glb = 0;
	CHECK_INT(cpio_gzip(a.buf, a.len, &ga, &gla), 0);
	CHECK_INT(cpio_gzip(b.buf, b.len, &gb, &glb), 0);
	CHECK(gla == glb && memcmp(ga, gb, gla) == 0);
	free(ga);
	free(gb);
	cpio_free(&a);
	cpio_free(&b);
}

TEST(cpio_gzip_roundtrip)
{
	struct cpio_writer w;
	build_sample(&w, 0);
	uint8_t *gz = NULL;
	size_t gzlen = 0;
	CHECK_INT(cpio_gzip(w.buf, w.len, &gz, &gzlen), 0);
	CHECK(gzlen > 18 && gzlen < w.len);
	if (gzlen > 18) {
		CHECK_INT(gz[0], 0x1f);
		CHECK_INT(gz[1], 0x8b);
		CHECK_INT(gz[2], 8);    /* deflate */
		CHECK_INT(gz[3], 0);    /* no name, no extra, no comment */
		CHECK_INT(gz[4] | gz[5] | gz[6] | gz[7], 0); /* mtime 0 */
	}
	uint8_t *back = malloc(w.len + 16);
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	CHECK_INT(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = gz;
	zs.avail_in = (uInt)gzlen;
	zs.next_out = back;
	zs.avail_out = (uInt)(w.len + 16);
	CHECK_INT(inflate(&zs, Z_FINISH), Z_STREAM_END);
	CHECK_INT(zs.total_out, w.len);
	CHECK(memcmp(back, w.buf, w.len) == 0);
	inflateEnd(&zs);
	free(back);
	free(gz);
	/* Empty input still gives a valid gzip stream. */
	CHECK_INT(cpio_gzip((const uint8_t *)"", 0, &gz, &gzlen), 0);
	CHECK(gzlen >= 20);
	free(gz);
	cpio_free(&w);
}

TEST(cpio_listed_by_cpio_tool)
{
	struct cpio_writer w;
	build_sample(&w, 0);
	char path[] = "/tmp/hopeless-cpio-test-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0) {
		cpio_free(&w);
		return;
	}
	CHECK_INT(write(fd, w.buf, w.len), (long long)w.len);
	close(fd);
	char cmd[256], out[1024] = "";
	snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL);
	if (p) {
		size_t n = fread(out, 1, sizeof(out) - 1, p);
		out[n] = '\0';
		int st = pclose(p);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK_STR(out, "dev\ndev/console\ninit\nlib\nlib/big\n");
	unlink(path);
	cpio_free(&w);
}
