/* tfs_stage / tfs_batch_commit / tfs_batch_abort (lib/treefs_batch.c) on a
 * scratch directory: what a commit makes visible, what an abort or a failed
 * rename leaves (nothing temporary), and more parent directories than the
 * batch keeps open. Also sb_printf's one-pass formatting at the edge of
 * the buffer. */
#include "harness.h"
#include "tree.h"
#include "treefs.h"
#include "util.h"
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int scratch(char *dir, struct tree *t)
{
	memset(t, 0, sizeof(*t));
	if (!mkdtemp(dir))
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	t->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return t->fd < 0 ? -1 : 0;
}

/* Entries whose name starts with '.' (temporary files) in rel. */
static int count_hidden(const struct tree *t, const char *rel)
{
	int fd = tfs_open(t, rel, O_RDONLY | O_DIRECTORY, 0), n = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void cleanup(struct tree *t, const char *dir)
{
	close(t->fd);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TEST(treefs_batch_commit_many_dirs)
{
	char dir[] = "/tmp/hopeless-batch-XXXXXX", rel[64];
	struct tree t;
	CHECK(scratch(dir, &t) == 0);
	int changed = -1, staged = 0;
	/* 70 directories: more than the batch keeps open (64). */
	for (int i = 0; i < 70; i++) {
		snprintf(rel, sizeof(rel), "d%d", i);
		CHECK(tfs_mkdir_p(&t, rel, 0755) == 0);
	}
	CHECK(tfs_write(&t, "d0/same", "x\n", 2, 0644, (uid_t)-1, (gid_t)-1, 0) == 0);
	struct tfs_batch b = {0};
	CHECK(tfs_stage(&t, &b, "d0/same", "x\n", 2, 0644, &changed) == 0);
	CHECK_INT(changed, 0);
	for (int i = 0; i < 70; i++)
		for (int k = 0; k < 3; k++) {
			snprintf(rel, sizeof(rel), "d%d/f%d", i, k);
			CHECK(tfs_stage(&t, &b, rel, rel, strlen(rel), k ? 0644 : 0600, &changed) == 0);
			staged += changed;
		}
	CHECK_INT(staged, 210);
	CHECK(!tfs_exists(&t, "d69/f2")); /* nothing visible before the commit */
	CHECK(tfs_stage(&t, &b, "d1/..", "x", 1, 0644, &changed) < 0);
	CHECK(tfs_stage(&t, &b, "nodir/f", "x", 1, 0644, &changed) < 0);
	CHECK(tfs_batch_commit(&t, &b) == 0);
	struct strbuf sb = STRBUF_INIT;
	CHECK(tfs_read(&t, "d69/f2", &sb) == 0);
	CHECK_STR(sb_str(&sb), "d69/f2");
	sb_free(&sb);
	struct stat st;
	CHECK(tfs_stat(&t, "d3/f0", &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(tfs_stat(&t, "d3/f1", &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK_INT(count_hidden(&t, "d0") + count_hidden(&t, "d69"), 0);
	CHECK_INT(b.n + b.ndirs, 0);
	cleanup(&t, dir);
}

TEST(treefs_batch_abort_and_failed_rename)
{
	char dir[] = "/tmp/hopeless-batch-XXXXXX";
	struct tree t;
	CHECK(scratch(dir, &t) == 0);
	CHECK(tfs_mkdir_p(&t, "a", 0755) == 0);
	int changed;
	struct tfs_batch b = {0};
	CHECK(tfs_stage(&t, &b, "a/one", "1", 1, 0644, &changed) == 0 && changed);
	tfs_batch_abort(&t, &b);
	CHECK(!tfs_exists(&t, "a/one"));
	CHECK_INT(count_hidden(&t, "a"), 0);
	/* The second of three renames fails (a non-empty directory is in the
	 * way): the first is in place, no temporary file stays behind. */
	CHECK(tfs_mkdir_p(&t, "a/two/x", 0755) == 0);
	CHECK(tfs_stage(&t, &b, "a/one", "1", 1, 0644, &changed) == 0);
	CHECK(tfs_stage(&t, &b, "a/two", "2", 1, 0644, &changed) == 0);
	CHECK(tfs_stage(&t, &b, "a/three", "3", 1, 0644, &changed) == 0);
	CHECK(tfs_batch_commit(&t, &b) < 0);
	CHECK(tfs_exists(&t, "a/one"));
	CHECK(tfs_is_dir(&t, "a/two"));
	CHECK(!tfs_exists(&t, "a/three"));
	CHECK_INT(count_hidden(&t, "a"), 0);
	cleanup(&t, dir);
}

/* Past TFS_BATCH_FLUSH_AT staged files a flusher process runs until the
 * commit or the abort, which stop and reap it; every file still appears at
 * the commit and not before, none after an abort. */
TEST(treefs_batch_large_flushes_and_stops)
{
	char dir[] = "/tmp/hopeless-batch-XXXXXX", rel[64];
	struct tree t;
	CHECK(scratch(dir, &t) == 0);
	CHECK(tfs_mkdir_p(&t, "big", 0755) == 0);
	for (int round = 0; round < 2; round++) {
		struct tfs_batch b = {0};
		int changed, staged = 0;
		for (int i = 0; i < 600; i++) {
			snprintf(rel, sizeof(rel), "big/f%d", i);
			CHECK(tfs_stage(&t, &b, rel, rel, strlen(rel), 0644, &changed) == 0);
			staged += changed;
		}
		CHECK_INT(staged, 600);
		int pid = b.flusher.pid;
		CHECK(pid > 0);
		CHECK(!tfs_exists(&t, "big/f599"));
		if (round == 0) {
			tfs_batch_abort(&t, &b);
			CHECK(!tfs_exists(&t, "big/f0"));
		} else {
			CHECK(tfs_batch_commit(&t, &b) == 0);
			CHECK(tfs_exists(&t, "big/f0") && tfs_exists(&t, "big/f599"));
		}
		CHECK_INT(b.flusher.pid, 0);
		CHECK(kill(pid, 0) != 0); /* reaped, not a zombie */
		CHECK_INT(count_hidden(&t, "big"), 0);
	}
	cleanup(&t, dir);
}

TEST(util_sb_printf_edges)
{
	struct strbuf sb = STRBUF_INIT;
	char want[300];
	/* Grow from nothing, then land exactly on the buffer's end and past it. */
	for (int i = 0; i < 200; i++)
		CHECK(sb_printf(&sb, "%c", 'a' + i % 26) == 0);
	for (int i = 0; i < 200; i++)
		want[i] = (char)('a' + i % 26);
	want[200] = '\0';
	CHECK_STR(sb_str(&sb), want);
	CHECK_INT(sb.len, 200);
	sb_reset(&sb);
	size_t cap = sb.cap;
	memset(want, 'z', cap - 1);
	want[cap - 1] = '\0';
	CHECK(sb_printf(&sb, "%s", want) == 0); /* fills it: cap - 1 bytes and the NUL */
	CHECK_INT(sb.cap, cap);
	CHECK(sb_printf(&sb, "%d", 42) == 0);
	CHECK_INT(sb.len, cap + 1);
	CHECK(!strcmp(sb_str(&sb) + cap - 1, "42"));
	sb_free(&sb);
}
