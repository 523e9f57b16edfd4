/* Host templates: substitution and the tree copy. */
#include "template.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *lookup(const struct template_vars *v, const char *name, size_t n)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {{"HOSTNAME", offsetof(struct template_vars, hostname)},
		    {"IP", offsetof(struct template_vars, ip)},
		    {"MAC", offsetof(struct template_vars, mac)},
		    {"DOMAIN", offsetof(struct template_vars, domain)}};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == n && !memcmp(keys[i].key, name, n)) {
			const char *val = *(const char *const *)((const char *)v + keys[i].off);
			return val ? val : "";
		}
	return NULL;
}

int template_subst(const char *in, size_t len, const struct template_vars *v, struct strbuf *out)
{
	size_t i = 0, copied = 0;
	int r = sb_addn(out, "", 0);
	while (r == 0 && i < len) {
		const char *at = memchr(in + i, '@', len - i);
		if (!at)
			break;
		size_t a = (size_t)(at - in);
		const char *end = memchr(at + 1, '@', len - a - 1);
		/* Keys are short upper-case words; anything longer is an ordinary
		 * '@' (a mail address, say) and the search resumes after it. */
		const char *val = end && end - at - 1 <= 16 ? lookup(v, at + 1, (size_t)(end - at - 1)) : NULL;
		if (!val) {
			i = a + 1;
			continue;
		}
		r = sb_addn(out, in + copied, a - copied);
		if (r == 0)
			r = sb_add(out, val);
		i = copied = (size_t)(end - in) + 1;
	}
	if (r == 0)
		r = sb_addn(out, in + copied, len - copied);
	return r;
}

int template_is_binary(const char *data, size_t len)
{
	return memchr(data, '\0', len) != NULL;
}

static int write_all(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = 0;
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		data += w;
		len -= (size_t)w;
	}
	if (r == 0 && fchmod(fd, mode) != 0)
		r = -errno;
	if (close(fd) != 0 && r == 0)
		r = -errno;
	return r;
}

static int copy_file(const char *src, const char *dst, mode_t mode, const struct template_vars *v)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	int r = read_file(src, &in);
	if (r == 0 && v && !template_is_binary(in.buf, in.len)) {
		r = template_subst(in.buf, in.len, v, &out);
		if (r == 0)
			r = write_all(dst, out.buf, out.len, mode);
	} else if (r == 0) {
		r = write_all(dst, in.buf, in.len, mode);
	}
	sb_free(&in);
	sb_free(&out);
	return r;
}

static int copy_link(const char *src, const char *dst)
{
	char target[PATH_MAX];
	ssize_t n = readlink(src, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	return symlink(target, dst) == 0 ? 0 : -errno;
}

static int join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int template_copy(const char *src, const char *dst, const struct template_vars *v)
{
	struct stat st;
	if (lstat(src, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (mkdir(dst, 0700) != 0)
		return -errno;
	DIR *d = opendir(src);
	if (!d)
		return -errno;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char s[PATH_MAX], t[PATH_MAX];
		struct stat cst;
		if ((r = join(s, sizeof(s), src, de->d_name)) < 0 || (r = join(t, sizeof(t), dst, de->d_name)) < 0)
			break;
		if (lstat(s, &cst) != 0) {
			r = -errno;
			break;
		}
		mode_t mode = cst.st_mode & 07775;
		if (S_ISDIR(cst.st_mode))
			r = template_copy(s, t, v);
		else if (S_ISREG(cst.st_mode))
			r = copy_file(s, t, mode, v);
		else if (S_ISLNK(cst.st_mode))
			r = copy_link(s, t);
		else
			r = -EINVAL;
	}
	closedir(d);
	if (r == 0 && chmod(dst, st.st_mode & 07775) != 0)
		r = -errno;
	return r;
}
