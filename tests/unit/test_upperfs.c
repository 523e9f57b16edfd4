/* Overlayfs uppers (lib/upperfs.c): built in a temporary directory as the
 * kernel writes them (whiteouts: char device 0/0; opaque directories:
 * trusted.overlay.opaque = y; the tests run as root), read from the
 * directory and from an ext4 image made of it with mkfs.ext4 -d. */
#include "harness.h"
#include "upperfs.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char base[PATH_MAX];

static void put(const char *rel, const char *content, mode_t mode)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	mkdir_p(p, 0755);
	*slash = '/';
	if (content) {
		write_file_atomic(p, content, strlen(content), mode);
	} else if (mode == 0) {
		mknod(p, S_IFCHR | 0, makedev(0, 0));
	} else {
		mkdir(p, mode);
	}
}

static void opaque(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	setxattr(p, "trusted.overlay.opaque", "y", 1, 0);
}

static int dfd(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static char *slurp(const char *rel)
{
	static char buf[256];
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	buf[0] = '\0';
	read_line_file(p, buf, sizeof(buf));
	return buf;
}

static int lst(const char *rel, struct stat *st)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return lstat(p, st);
}

static int draft(void);

/* root: the lowest layer; ov: an overlay above it; up: the node's upper. */
static void build(void)
{
	snprintf(base, sizeof(base), "/tmp/hopeless-upperfs.XXXXXX");
	if (!mkdtemp(base))
		abort();
	put("root/etc/motd", "root motd", 0644);
	put("root/etc/keep", "keep", 0644);
	put("root/etc/gone", "gone", 0644);
	put("root/opt/app/a", "a", 0644);
	put("root/opt/app/b", "b", 0644);
	put("ov/etc/issue", "issue", 0644);
	put("up/etc/motd", "node motd", 0644);
	put("up/etc/keep", "keep", 0600);
	put("up/etc/issue", "issue", 0644);
	put("up/etc/gone", NULL, 0);
	put("up/opt/app/c", "c", 0644);
	opaque("up/opt/app");
	put("up/new/file", "new", 0640);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/root/etc/link", base);
	symlink("motd", p);
	snprintf(p, sizeof(p), "%s/up/etc/link", base);
	symlink("other", p);
	snprintf(p, sizeof(p), "%s/up/etc/ssh_host_key", base);
	write_file_atomic(p, "secret", 6, 0600);
}

static void cleanup(void)
{
	remove_tree(base);
}

static int collect(void *arg, const struct upper_change *c)
{
	struct strbuf *sb = arg;
	return sb_printf(sb, "%c %s %d %d\n", c->kind, c->path, c->layer, c->differs);
}

static void check_classify(int *harness_failed, struct upper_src *s)
{
	int lowers[2] = {dfd("ov"), dfd("root")};
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(upper_classify(s, lowers, 2, collect, &sb), 0);
	CHECK_STR(sb_str(&sb), "D /etc/gone 1 0\n"
			       "M /etc/issue 0 0\n"
			       "M /etc/keep 1 4\n"
			       "M /etc/link 1 2\n"
			       "M /etc/motd 1 2\n"
			       "A /etc/ssh_host_key -1 0\n"
			       "A /new -1 0\n"
			       "A /new/file -1 0\n"
			       "O /opt/app 1 0\n"
			       "A /opt/app/c -1 0\n");
	sb_free(&sb);
	close(lowers[0]);
	close(lowers[1]);
}

TEST(upperfs_classify_dir)
{
	build();
	struct upper_src s;
	int up = dfd("up");
	CHECK_INT(upper_dir_open(up, &s), 0);
	close(up);
	check_classify(harness_failed, &s);
	CHECK_INT(upper_has(&s, "/etc/gone"), 1);
	CHECK_INT(upper_has(&s, "/opt/app/c"), 1);
	CHECK_INT(upper_has(&s, "/opt/app/a"), 0);
	CHECK_INT(upper_has(&s, "/etc/motd/x"), 0);
	upper_close(&s);
	cleanup();
}

/* A draft: the root's files hard-linked, as draft_create clones a version. */
static int draft(void)
{
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof(cmd), "%s/root/.", base);
	char dst[PATH_MAX];
	snprintf(dst, sizeof(dst), "%s/dst", base);
	char *argv[] = {"cp", "-a", "--link", "--no-target-directory", cmd, dst, NULL};
	if (run_cmd(argv, 1) != 0)
		return -1;
	return dfd("dst");
}

TEST(upperfs_apply_overlay)
{
	build();
	struct upper_src s;
	int up = dfd("up"), dst = draft();
	CHECK_INT(upper_dir_open(up, &s), 0);
	const char *excl[] = {"/etc/ssh_host_*"};
	struct upper_apply_opts o = {.dst_is_overlay = 1, .exclude = excl, .nexclude = 1};
	CHECK_INT(upper_apply(&s, dst, &o), 0);
	CHECK_STR(sb_str(&o.excluded), "/etc/ssh_host_key");
	CHECK_INT(o.applied, 9);
	struct stat a, b;
	CHECK_STR(slurp("dst/etc/motd"), "node motd");
	CHECK_STR(slurp("root/etc/motd"), "root motd"); /* the hard link was not written through */
	CHECK(lst("dst/etc/motd", &a) == 0 && lst("root/etc/motd", &b) == 0 && a.st_ino != b.st_ino);
	CHECK(lst("dst/etc/gone", &a) == 0 && S_ISCHR(a.st_mode) && a.st_rdev == 0);
	CHECK(lst("dst/etc/keep", &a) == 0 && (a.st_mode & 07777) == 0600);
	CHECK(lst("dst/opt/app/a", &a) != 0 && lst("dst/opt/app/c", &b) == 0);
	char v[4] = "", p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/dst/opt/app", base);
	CHECK(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y');
	CHECK(lst("dst/new/file", &a) == 0 && (a.st_mode & 07777) == 0640);
	CHECK(lst("dst/etc/ssh_host_key", &a) != 0);
	snprintf(p, sizeof(p), "%s/dst/etc/link", base);
	char t[16] = "";
	CHECK(readlink(p, t, sizeof(t) - 1) == 5 && !strcmp(t, "other"));
	upper_apply_opts_free(&o);
	upper_close(&s);
	close(up);
	close(dst);
	cleanup();
}

TEST(upperfs_apply_root_and_paths)
{
	build();
	struct upper_src s;
	int up = dfd("up"), dst = draft();
	CHECK_INT(upper_dir_open(up, &s), 0);
	const char *paths[] = {"/etc/gone", "/opt/app", "/etc/ssh_host_key", "/etc/never"};
	const char *excl[] = {"/etc/ssh_host_*"};
	unsigned char matched[4];
	struct upper_apply_opts o = {.paths = paths, .npaths = 4, .exclude = excl, .nexclude = 1, .matched = matched};
	CHECK_INT(upper_apply(&s, dst, &o), 0);
	CHECK(matched[0] && matched[1] && matched[2] && !matched[3]);
	CHECK_STR(sb_str(&o.excluded), ""); /* named exactly: captured */
	struct stat a;
	CHECK(lst("dst/etc/gone", &a) != 0); /* a root keeps no whiteout */
	CHECK(lst("dst/etc/ssh_host_key", &a) == 0);
	CHECK_STR(slurp("dst/etc/motd"), "root motd"); /* not named */
	char v[4], p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/dst/opt/app", base);
	CHECK(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)) < 0);
	CHECK(lst("dst/opt/app/b", &a) != 0 && lst("dst/opt/app/c", &a) == 0);
	upper_apply_opts_free(&o);
	upper_close(&s);
	close(up);
	close(dst);
	cleanup();
}

TEST(upperfs_refuses)
{
	build();
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/up/opt", base);
	setxattr(p, "trusted.overlay.redirect", "/x", 2, 0);
	struct upper_src s;
	int up = dfd("up"), ov = dfd("ov");
	CHECK_INT(upper_dir_open(up, &s), 0);
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(upper_classify(&s, &ov, 1, collect, &sb), -EOPNOTSUPP);
	CHECK_CONTAINS(s.why, "/opt: a renamed directory");
	removexattr(p, "trusted.overlay.redirect");
	snprintf(p, sizeof(p), "%s/up/etc/motd", base);
	setxattr(p, "trusted.overlay.metacopy", "", 0, 0);
	CHECK_INT(upper_classify(&s, &ov, 1, collect, &sb), -EOPNOTSUPP);
	CHECK_CONTAINS(s.why, "/etc/motd: a metadata-only copy");
	sb_free(&sb);
	upper_close(&s);
	close(up);
	close(ov);
	const char *why;
	const char *bad[] = {"etc", "/", "/a/../b", "/a//b", "/a/", "/a/./b", "/a\nb"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(upper_path_check(bad[i], &why), -EINVAL);
	CHECK_INT(upper_path_check("/etc/a..b", &why), 0);
	cleanup();
}

TEST(upperfs_layers_differ)
{
	build();
	int r = dfd("root"), o = dfd("ov");
	CHECK_INT(upper_layers_differ(r, r, "/etc/motd"), 0);
	CHECK_INT(upper_layers_differ(r, o, "/etc/issue"), UPPER_DIFF_TYPE);
	CHECK_INT(upper_layers_differ(r, o, "/nowhere"), 0);
	put("ov/etc/motd", "root motx", 0600);
	CHECK_INT(upper_layers_differ(r, o, "/etc/motd"), UPPER_DIFF_CONTENT | UPPER_DIFF_MODE);
	int d = draft();
	CHECK_INT(upper_layers_differ(r, d, "/opt"), 0); /* new directories, hard-linked files */
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/dst/opt/app/b", base);
	unlink(p);
	CHECK_INT(upper_layers_differ(r, d, "/opt"), UPPER_DIFF_CONTENT);
	close(d);
	close(r);
	close(o);
	cleanup();
}

/* The same upper in an ext4 image, as a node leaves it: read in user space. */
TEST(upperfs_ext2_image)
{
	build();
	char img[PATH_MAX], src[PATH_MAX], p[PATH_MAX];
	snprintf(img, sizeof(img), "%s/rw.img", base);
	snprintf(src, sizeof(src), "%s/img", base);
	snprintf(p, sizeof(p), "%s/up", base);
	mkdir(src, 0755);
	strcat(src, "/upper");
	CHECK_INT(rename(p, src), 0);
	src[strlen(src) - 6] = '\0';
	char *mkfs[] = {"mkfs.ext4", "-q", "-F", "-d", src, img, "8M", NULL};
	CHECK_INT(run_cmd(mkfs, 1), 0);
	int fd = open(img, O_RDONLY | O_CLOEXEC);
	struct upper_src s;
	CHECK_INT(upper_ext2_open(fd, &s), 0);
	check_classify(harness_failed, &s);
	upper_close(&s);
	char *dirty[] = {"debugfs", "-w", "-R", "feature needs_recovery", img, NULL};
	CHECK_INT(run_prog(dirty, &(struct run_opts){.quiet = 1, .no_stderr = 1}), 0);
	CHECK_INT(upper_ext2_open(fd, &s), -EUCLEAN);
	CHECK_CONTAINS(s.why, "journal needs recovery");
	close(fd);
	cleanup();
}
