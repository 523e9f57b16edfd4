/* hopeless node inspect: a file as the node last wrote it, read offline:
 * from the node's state image or an export of its RBD image (debugfs, no
 * mount), else from its host overlay, cluster overlay or root. */
#include "node.h"
#include "version.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_inspect_path(const char *p, const char **why)
{
	if (p[0] != '/')
		return *why = "want an absolute path", -EINVAL;
	if (strlen(p) > 1024)
		return *why = "path too long", -EINVAL;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\')
			return *why = "control character, '\"' or '\\' in the path", -EINVAL;
	for (const char *c = p; (c = strstr(c, "..")); c += 2)
		if ((c == p || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
			return *why = "path contains '..'", -EINVAL;
	return 0;
}

/* What debugfs says of /upper/PATH: 'r' regular, 'w' whiteout, 'd', 'l',
 * 'o' other, 0 not there. */
static int upper_type(int fd, const char *path)
{
	char cmd[1200], img[32];
	snprintf(cmd, sizeof(cmd), "stat \"/upper%s\"", path);
	tfs_fd_path(fd, img);
	char *argv[] = {"debugfs", "-c", "-R", cmd, img, NULL};
	struct strbuf sb = STRBUF_INIT;
	struct run_opts o = {.no_stderr = 1, .capture = &sb, .keep_fds = &fd, .nkeep = 1};
	int r = run_prog(argv, &o);
	const char *type = strstr(sb_str(&sb), "Type: ");
	int kind = 0;
	if (r == 0 && type) {
		type += 6;
		kind = !strncmp(type, "regular", 7)   ? 'r'
		       : !strncmp(type, "directory", 9) ? 'd'
		       : !strncmp(type, "symlink", 7)   ? 'l'
		       : !strncmp(type, "character", 9) ? 'w'
							: 'o';
	}
	sb_free(&sb);
	return kind;
}

static int cat_upper(int fd, const char *path)
{
	char cmd[1200], img[32];
	snprintf(cmd, sizeof(cmd), "cat \"/upper%s\"", path);
	tfs_fd_path(fd, img);
	char *argv[] = {"debugfs", "-c", "-R", cmd, img, NULL};
	struct run_opts o = {.no_stderr = 1, .keep_fds = &fd, .nkeep = 1};
	return run_prog(argv, &o) == 0 ? 0 : -EIO;
}

static int cat_fd_path(int pfd)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fflush(stdout);
	char buf[65536];
	ssize_t n;
	int r = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			r = -EIO;
			break;
		}
	}
	close(fd);
	fflush(stdout);
	return r;
}

static int inspect_lower(struct tree *t, const struct tree_node *d, const char *path, const char *w)
{
	char dirs[3][PATH_MAX];
	const char *names[3] = {"host overlay", "cluster overlay", "root"};
	tfs_fmt(dirs[0], sizeof(dirs[0]), "clients/%s", d->ip);
	/* The versions the node gets at its next boot. */
	if (version_layer_dir(t, d->overlay, d->overlay_pin, dirs[1], sizeof(dirs[1])) < 0 ||
	    version_layer_dir(t, d->root, d->root_pin, dirs[2], sizeof(dirs[2])) < 0)
		return cli_error(w, "%s: its root or overlay has no such version (hopeless check)", d->hostname);
	for (int i = 0; i < 3; i++) {
		struct stat st;
		/* Inside a layer, symlinks resolve as on the node: never out of it. */
		int fd = tfs_layer_open(t, dirs[i], path, O_PATH);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return cli_error(w, "%s: %s in %s/%s", path, strerror(-fd), t->dir, dirs[i]);
		if (fstat(fd, &st) != 0) {
			close(fd);
			return cli_error(w, "%s: %s", path, strerror(errno));
		}
		int r;
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
			r = cli_error(w, "%s: deleted in the %s (%s/%s)", path, names[i], t->dir, dirs[i]);
		else if (!S_ISREG(st.st_mode))
			r = cli_error(w, "%s: not a regular file in the %s (%s/%s)", path, names[i], t->dir, dirs[i]);
		else {
			fprintf(stderr, "hopeless: node inspect: %s: from the %s (%s/%s)\n", path, names[i], t->dir,
				dirs[i]);
			r = cat_fd_path(fd) < 0 ? cli_error(w, "%s: read error", path) : 0;
		}
		close(fd);
		return r;
	}
	return cli_error(w, "%s: in no layer of %s", path, d->hostname);
}

/* State rbd: the image exported to .work/ (node_image.c) is what debugfs
 * reads. 0 with *fd (-1: no /upper in it, or no image); else prints. */
static int open_rbd(struct tree *t, const struct tree_node *d, struct node_image *ni, int *fd, const char *w)
{
	char err[512];
	int r = node_image_open(t, d, 0, ni, err, sizeof(err));
	*fd = -1;
	if (r == 0 || (r == -ENOENT && ni->node_fd >= 0)) {
		if (r == 0)
			*fd = fcntl(ni->fd, F_DUPFD_CLOEXEC, 0);
		if (ni->in_use)
			fprintf(stderr, "hopeless: node inspect: warning: %s's RBD image is locked (the node is up, or its "
				"lock outlives it): read from an export taken while it may write\n", d->hostname);
		return 0;
	}
	if (r == -ENOENT) /* no image: the layers below */
		return 0;
	return cli_error(w, "%s: %s", d->hostname, err);
}

int node_inspect(struct tree *t, const char *host, const char *path)
{
	const char *w = "node inspect", *why;
	struct tree_node d;
	struct node_image ni = {.fd = -1, .node_fd = -1};
	char err[512], img[PATH_MAX * 2], rel[PATH_MAX];
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	if (check_inspect_path(path, &why) < 0)
		return cli_error(w, "%.80s: %s", path, why);
	tfs_fmt(rel, sizeof(rel), "state/%s/rw.img", d.ip);
	snprintf(img, sizeof(img), "%s/%s", t->dir, rel);
	/* debugfs reads the image we opened (no symlink, a regular file): the
	 * node cannot swap it for another file between our check and its open. */
	int fd = -1, kind = 0;
	if (!strcmp(d.state, "rbd")) {
		int r = open_rbd(t, &d, &ni, &fd, w);
		snprintf(img, sizeof(img), "%s", ni.rel);
		if (r) {
			node_image_close(t, &ni);
			return r;
		}
		if (fd >= 0)
			kind = upper_type(fd, path);
	} else if (!strcmp(d.state, "image") && (fd = tfs_open(t, rel, O_RDONLY | O_NONBLOCK, 0)) >= 0) {
		struct stat st;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return cli_error(w, "%s: not a regular file; not reading it (hopeless check reports it)", img);
		}
		kind = upper_type(fd, path);
	} else if (fd == -ELOOP) {
		return cli_error(w, "%s: a symbolic link; not following it (hopeless check reports it)", img);
	}
	int r = 0;
	switch (kind) {
	case 'r':
		fprintf(stderr, "hopeless: node inspect: %s: from the node's writable layer (%s)\n", path, img);
		r = cat_upper(fd, path) < 0 ? cli_error(w, "%s: debugfs could not read it from %s", path, img) : 0;
		break;
	case 'w':
		r = cli_error(w, "%s: deleted by the node (a whiteout in %s)", path, img);
		break;
	case 'd':
	case 'l':
	case 'o':
		r = cli_error(w, "%s: not a regular file in the node's writable layer (%s)", path, img);
		break;
	}
	if (fd >= 0)
		close(fd);
	node_image_close(t, &ni);
	return kind ? r : inspect_lower(t, &d, path, w);
}
