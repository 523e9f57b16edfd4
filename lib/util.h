/* Small shared machinery: a growable string buffer, atomic file writes,
 * the tree lock, file reading. Functions return 0 or a negative errno. */
#ifndef HOPELESS_UTIL_H
#define HOPELESS_UTIL_H
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>
#include "mkdir.h"

struct strbuf {
	char *buf;   /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};
#define STRBUF_INIT {NULL, 0, 0}
int sb_add(struct strbuf *sb, const char *s);
int sb_addn(struct strbuf *sb, const char *s, size_t n);
int sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* Never NULL: "" for an empty buffer. */
const char *sb_str(const struct strbuf *sb);

static inline void sb_freep(struct strbuf *sb) { sb_free(sb); }
static inline void freep(void *p) { extern void free(void *); free(*(void **)p); }
#define _cleanup_sb_ __attribute__((cleanup(sb_freep)))
#define _cleanup_free_ __attribute__((cleanup(freep)))
static inline void closep(int *fd)
{
	extern int close(int);
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_fd_ __attribute__((cleanup(closep)))

/* The one atomic writer: base (one name, no '/') in directory dfd gets data
 * through a new temporary file beside it (O_EXCL, O_NOFOLLOW, 0600 until
 * owner and mode are set), fsync, renameat (which replaces a symlink at base
 * itself, never its target), fsync of the directory. uid/gid (uid_t)-1 /
 * (gid_t)-1: keep root's. WRITE_NO_SYNC skips both fsyncs (batches sync the
 * file system once: a per-file fsync made 10,000 nodes take minutes);
 * WRITE_IF_CHANGED leaves an identical regular file (content and mode) alone,
 * so its mtime says when it last changed. *written (may be NULL): 1 when the
 * file was written, 0 when it was left alone. */
#define WRITE_NO_SYNC 1
#define WRITE_IF_CHANGED 2
int write_atomic_at(int dfd, const char *base, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
		    int flags, int *written);
/* Its first half: the temporary file beside base (name in tmp), written,
 * owned and moded (fsynced unless WRITE_NO_SYNC), not renamed; *written 0
 * and no file when WRITE_IF_CHANGED found base identical. */
int write_tmp_at(int dfd, const char *base, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
		 int flags, char *tmp, size_t tmplen, int *written);
/* The same for a path of the head node's own (its directory opened by path). */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* s as a JSON string, quotes included. */
void json_print_str(FILE *f, const char *s);
/* Read fd to its end into sb (appended), then close it. */
int read_fd(int fd, struct strbuf *sb);
/* Read a whole file into sb (appended). */
int read_file(const char *path, struct strbuf *sb);
/* The same for a file the tree's content may have planted: regular files
 * only (-EINVAL for a FIFO, device or socket, never blocking on one). */
int read_file_regular(const char *path, struct strbuf *sb);
/* Read the first line of a small file, without the newline. */
int read_line_file(const char *path, char *out, size_t outlen);
int path_exists(const char *path);
/* The pid a pid file's line names when that process runs as program comm
 * (its /proc/PID/comm, which the kernel cuts at 15 characters), else 0:
 * a stale pid file may name a recycled pid that must not be signalled. */
pid_t pid_running_as(const char *line, const char *comm);
int is_dir(const char *path);
/* Remove a tree (like rm -rf) without following symlinks. */
int remove_tree(const char *path);
/* The one way hopeless runs another program. argv[0] is searched in PATH;
 * returns its exit status (0..255, 128+N for signal N), or a negative errno
 * when it could not run. */
struct run_opts {
	int quiet;               /* stdout to /dev/null */
	int no_stderr;           /* stderr to /dev/null */
	struct strbuf *capture;  /* stdout collected here (quiet ignored) */
	const int *keep_fds;     /* fds the program gets (for /proc/self/fd/N paths) */
	size_t nkeep;
	int forward_signals;     /* SIGINT/TERM/HUP to us go to the child, which fails normally */
};
int run_prog(char *const argv[], const struct run_opts *o);
/* Shorthand: run_prog with only quiet set. */
int run_cmd(char *const argv[], int quiet);
#endif
