/* Shared machinery for the head-node tools. */
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

static int sb_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	char *n = realloc(sb->buf, cap);
	if (!n)
		return -ENOMEM;
	sb->buf = n;
	sb->cap = cap;
	return 0;
}

int sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	int r = sb_grow(sb, n);
	if (r < 0)
		return r;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sb_add(struct strbuf *sb, const char *s)
{
	return sb_addn(sb, s, strlen(s));
}

/* Formats straight into the free space and only formats again after
 * growing when it did not fit: one pass for almost every call (the
 * generated configs of 10,000 nodes are megabytes of sb_printf). */
int sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	size_t avail = sb->cap - sb->len;
	int n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, sb->buf ? avail : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -EINVAL;
	if (!sb->buf || (size_t)n >= avail) {
		int r = sb_grow(sb, (size_t)n);
		if (r < 0) {
			if (sb->buf)
				sb->buf[sb->len] = '\0';
			return r;
		}
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	}
	sb->len += (size_t)n;
	return 0;
}

int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = sb_vprintf(sb, fmt, ap);
	va_end(ap);
	return r;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

/* 1 when base in dfd is a regular file holding exactly data with mode. */
static int same_content(int dfd, const char *base, const void *data, size_t len, mode_t mode)
{
	int fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat st;
	int same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len &&
		   (st.st_mode & 07777) == mode;
	const char *p = data;
	char buf[8192];
	size_t off = 0;
	while (same && off < len) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0 || (size_t)n > len - off || memcmp(buf, p + off, (size_t)n))
			same = 0;
		else
			off += (size_t)n;
	}
	close(fd);
	return same;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Whether fd's permission bits are already mode: umask and a default ACL
 * shape a new file's; an fstat is much cheaper than an fchmod, which is a
 * file-system transaction (20,000 of them in a cold hopeless config). */
static int mode_is(int fd, mode_t mode)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (st.st_mode & 07777) == mode;
}

/* A fresh temporary name beside base: O_EXCL, so nothing planted there is
 * reused or followed. Made with its final permission bits unless it is to
 * change owner first (a group or other reader must not see it before). */
static int create_tmp(int dfd, const char *base, mode_t mode, char *tmp, size_t tmplen)
{
	for (int i = 0; i < 100; i++) {
		snprintf(tmp, tmplen, ".%.200s.tmp.%d.%d", base, (int)getpid(), i);
		int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int write_tmp_at(int dfd, const char *base, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
		 int flags, char *tmp, size_t tmplen, int *written)
{
	*written = 0;
	if (!*base || strchr(base, '/') || !strcmp(base, ".") || !strcmp(base, ".."))
		return -EINVAL;
	if ((flags & WRITE_IF_CHANGED) && same_content(dfd, base, data, len, mode))
		return 0;
	int owned = uid != (uid_t)-1 || gid != (gid_t)-1;
	int fd = create_tmp(dfd, base, owned ? 0600 : mode & 0777, tmp, tmplen);
	if (fd < 0)
		return fd;
	int r = write_all(fd, data, len);
	if (r == 0 && owned && fchown(fd, uid, gid) != 0)
		r = -errno;
	/* umask must not widen or narrow what the caller asked for. */
	if (r == 0 && (owned || !mode_is(fd, mode)) && fchmod(fd, mode) != 0)
		r = -errno;
	if (r == 0 && !(flags & WRITE_NO_SYNC) && fsync(fd) != 0)
		r = -errno;
	if (close(fd) != 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return r;
	}
	*written = 1;
	return 0;
}

int write_atomic_at(int dfd, const char *base, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
		    int flags, int *written)
{
	char tmp[256];
	int w = 0;
	if (written)
		*written = 0;
	int r = write_tmp_at(dfd, base, data, len, mode, uid, gid, flags, tmp, sizeof(tmp), &w);
	if (r < 0 || !w)
		return r;
	if (renameat(dfd, tmp, dfd, base) != 0) {
		r = -errno;
		unlinkat(dfd, tmp, 0);
		return r;
	}
	if (written)
		*written = 1;
	if (!(flags & WRITE_NO_SYNC) && fsync(dfd) != 0)
		return -errno;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	char dir[4096] = ".";
	if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else if (slash) {
		size_t n = (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	int r = write_atomic_at(dfd, slash ? slash + 1 : path, data, len, mode, (uid_t)-1, (gid_t)-1, 0, NULL);
	close(dfd);
	return r;
}

void json_print_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int read_fd(int fd, struct strbuf *sb)
{
	char buf[8192];
	int r = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		r = sb_addn(sb, buf, (size_t)n);
		if (r < 0)
			break;
	}
	close(fd);
	if (r == 0 && !sb->buf)
		r = sb_addn(sb, "", 0);
	return r;
}

int read_file(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return read_fd(fd, sb);
}

int read_file_regular(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return read_fd(fd, sb);
}

int read_line_file(const char *path, char *out, size_t outlen)
{
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(path, &sb);
	if (r < 0)
		return r;
	size_t n = strcspn(sb_str(&sb), "\r\n");
	if (n >= outlen) {
		sb_free(&sb);
		return -ENAMETOOLONG;
	}
	memcpy(out, sb_str(&sb), n);
	out[n] = '\0';
	sb_free(&sb);
	return 0;
}

int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	int r = (flag == FTW_DP) ? rmdir(p) : unlink(p);
	return r == 0 ? 0 : -errno;
}

int remove_tree(const char *path)
{
	if (!path_exists(path))
		return 0;
	int r = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
	return r == 0 ? 0 : (r < 0 ? r : -EIO);
}

static volatile sig_atomic_t run_child_pid;
static void run_forward(int sig)
{
	if (run_child_pid > 0)
		kill(run_child_pid, sig);
}

/* In the child: redirections and the fds to keep across exec. */
static void run_child_setup(const struct run_opts *o, int out_fd)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (out_fd >= 0)
		dup2(out_fd, 1);
	else if (o->quiet && null >= 0)
		dup2(null, 1);
	if (o->no_stderr && null >= 0)
		dup2(null, 2);
	for (size_t i = 0; i < o->nkeep; i++) {
		int fl = fcntl(o->keep_fds[i], F_GETFD);
		if (fl >= 0)
			fcntl(o->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC);
	}
}

static void run_drain(int fd, struct strbuf *sb)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_addn(sb, buf, (size_t)n);
	}
}

int run_prog(char *const argv[], const struct run_opts *o)
{
	static const struct run_opts none;
	if (!o)
		o = &none;
	int fds[2] = {-1, -1};
	if (o->capture && pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		if (fds[0] >= 0)
			close(fds[0]), close(fds[1]);
		return e;
	}
	if (pid == 0) {
		run_child_setup(o, fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "hopeless: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = run_forward}, old[3];
	sigemptyset(&sa.sa_mask);
	if (o->forward_signals) {
		run_child_pid = pid;
		for (int i = 0; i < 3; i++)
			sigaction(sigs[i], &sa, &old[i]);
	}
	if (o->capture) {
		close(fds[1]);
		run_drain(fds[0], o->capture);
		close(fds[0]);
	}
	int st = 0, r = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			break;
		}
	if (o->forward_signals) {
		run_child_pid = 0;
		for (int i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
	}
	if (r < 0)
		return r;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int run_cmd(char *const argv[], int quiet)
{
	struct run_opts o = {.quiet = quiet};
	return run_prog(argv, &o);
}

pid_t pid_running_as(const char *line, const char *comm)
{
	char path[64], have[32], want[32];
	char *end;
	errno = 0;
	long pid = strtol(line, &end, 10);
	if (end == line || *end || errno || pid <= 1 || pid > INT_MAX || kill((pid_t)pid, 0) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	snprintf(want, sizeof(want), "%.15s", comm);
	if (read_line_file(path, have, sizeof(have)) < 0 || strcmp(have, want))
		return 0;
	return (pid_t)pid;
}
