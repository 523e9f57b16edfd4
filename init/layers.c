/* The shared layers: the pointer files of the host layer name a root and an
 * overlay ("debian", or "debian@7" for a pinned version); each layer is its
 * own NFS export, <roots>/<name>, mounted at HL_ROOTS/<name>. A versioned
 * layer holds its published versions as <N>/ and its default as "current";
 * the union uses one version directory, chosen here, once: whatever the
 * head node publishes later, this boot keeps the version it started with
 * (published versions never change). */
#include "layers.h"
#include "smallfile.h"
#include "log.h"
#include "steps.h"
#include "validate.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int layer_read_pointer(const char *file, struct layer *l)
{
	char buf[128];
	int r = small_file_line(file, buf, sizeof(buf));
	if (r < 0) {
		log_error("pointers: %s: %s (is this node registered? hopeless node add)", file, strerror(-r));
		return r;
	}
	const char *why = NULL;
	memset(l, 0, sizeof(*l));
	if (validate_layer_ref(buf, l->name, sizeof(l->name), &l->pinned, &why) < 0) {
		log_error("pointers: %s: '%s': %s", file, buf, why);
		return -EINVAL;
	}
	return 0;
}

int layer_mount(const char *server, const char *roots, const char *nfsvers, const char *client_ip,
		const struct layer *l)
{
	char exp[320], dir[320];
	snprintf(exp, sizeof(exp), "%s/%s", roots, l->name);
	snprintf(dir, sizeof(dir), HL_ROOTS "/%s", l->name);
	return nfs_mount(server, exp, dir, nfsvers, client_ip, 1);
}


int layer_choose_version(struct layer *l)
{
	char file[400], line[32];
	int v = l->pinned;
	if (!v) {
		snprintf(file, sizeof(file), HL_ROOTS "/%s/current", l->name);
		int r = small_file_line(file, line, sizeof(line));
		if (r == -ENOENT) {
			/* A tree made before versions: the export is the layer. */
			l->version = 0;
			snprintf(l->dir, sizeof(l->dir), HL_ROOTS "/%s", l->name);
			return 0;
		}
		if (r < 0 || (v = validate_version(line)) < 0) {
			log_error("layers: roots/%s/current: %s (hopeless root list / overlay list shows the "
				  "versions)", l->name, r < 0 ? strerror(-r) : "not a version number");
			return r < 0 ? r : -EINVAL;
		}
	}
	struct stat st;
	snprintf(l->dir, sizeof(l->dir), HL_ROOTS "/%s/%d", l->name, v);
	if (stat(l->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_error("layers: roots/%s has no version %d (pinned by the node's pointer file, or removed "
			  "by gc; see hopeless root list / overlay list)", l->name, v);
		return -ENOENT;
	}
	l->version = v;
	return 0;
}

int layer_describe(const struct layer *l, char *out, size_t len)
{
	int n = l->version ? snprintf(out, len, "%s@%d", l->name, l->version) : snprintf(out, len, "%s", l->name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int layers_write_versions(const struct layer *root, const struct layer *overlay)
{
	char r[96], o[96], text[256];
	layer_describe(root, r, sizeof(r));
	layer_describe(overlay, o, sizeof(o));
	int n = snprintf(text, sizeof(text), "root=%s\noverlay=%s\n", r, o);
	int fd = open(HL_RUN "/versions", O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, text, (size_t)n);
	close(fd);
	return w == n ? 0 : -EIO;
}
