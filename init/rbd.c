/* State rbd: see rbd.h. */
#include "rbd.h"
#include "log.h"
#include "smallfile.h"
#include "validate.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Characters each value may hold: they go verbatim into one line the kernel
 * splits at spaces and commas. */
static int chars_ok(const char *v, const char *allowed)
{
	if (!*v)
		return 0;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(allowed, *p)))
			return 0;
	return 1;
}

static int set_key(struct rbd_conf *c, const char *key, const char *val)
{
	const struct {
		const char *key, *allowed;
		char *dst;
		size_t cap;
	} f[] = {{"mons", ".:,", c->mons, sizeof(c->mons)},     {"pool", "._-", c->pool, sizeof(c->pool)},
		 {"image", "._-", c->image, sizeof(c->image)},  {"user", "._-", c->user, sizeof(c->user)},
		 {"secret", "+/=", c->secret, sizeof(c->secret)}};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(key, f[i].key))
			continue;
		if (!chars_ok(val, f[i].allowed) || strlen(val) >= f[i].cap)
			return -EINVAL;
		snprintf(f[i].dst, f[i].cap, "%s", val);
		return 0;
	}
	return 0; /* unknown keys: a newer head's; ignored */
}

int rbd_conf_parse(const char *text, struct rbd_conf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	unsigned line = 0;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char buf[512];
		line++;
		if (n >= sizeof(buf)) {
			snprintf(err, errlen, "line %u: too long", line);
			return -EINVAL;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		p = nl ? nl + 1 : NULL;
		char *s = str_trim(buf), *eq = strchr(s, '=');
		if (!*s || *s == '#')
			continue;
		if (!eq) {
			snprintf(err, errlen, "line %u: want key = value", line);
			return -EINVAL;
		}
		*eq = '\0';
		if (set_key(c, str_trim(s), str_trim(eq + 1)) < 0) {
			snprintf(err, errlen, "line %u: bad value for %s", line, str_trim(s));
			return -EINVAL;
		}
	}
	const char *missing = !c->mons[0] ? "mons" : !c->pool[0] ? "pool" : !c->image[0] ? "image"
			    : !c->user[0] ? "user" : !c->secret[0] ? "secret" : NULL;
	if (missing) {
		snprintf(err, errlen, "no %s", missing);
		return -EINVAL;
	}
	return 0;
}

int rbd_add_string(const struct rbd_conf *c, char *out, size_t len)
{
	int n = snprintf(out, len, "%s name=%s,secret=%s,exclusive %s %s -", c->mons, c->user, c->secret, c->pool,
			 c->image);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/* The id of the mapped device showing pool/image, or -ENOENT. */
static int find_device(const struct rbd_conf *c)
{
	DIR *d = opendir("/sys/bus/rbd/devices");
	if (!d)
		return -errno;
	int id = -ENOENT;
	struct dirent *e;
	while (id < 0 && (e = readdir(d))) {
		char path[300], pool[80] = "", name[160] = "";
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/rbd/devices/%s/pool", e->d_name);
		small_file_line(path, pool, sizeof(pool));
		snprintf(path, sizeof(path), "/sys/bus/rbd/devices/%s/name", e->d_name);
		small_file_line(path, name, sizeof(name));
		if (!strcmp(pool, c->pool) && !strcmp(name, c->image))
			id = (int)strtol(e->d_name, NULL, 10);
	}
	closedir(d);
	return id;
}

/* add_single_major (one major for every image, the rbd module's default)
 * else add. */
static int write_add(const char *line, size_t n)
{
	int fd = open("/sys/bus/rbd/add_single_major", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/sys/bus/rbd/add", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, line, n);
	int e = errno;
	close(fd);
	return w == (ssize_t)n ? 0 : w < 0 ? -e : -EIO;
}

int rbd_map(const struct rbd_conf *c, char *dev, size_t devlen)
{
	char line[700];
	int n = rbd_add_string(c, line, sizeof(line));
	if (n < 0)
		return n;
	/* Mapped already: an earlier attempt of this boot got that far. */
	int id = find_device(c);
	if (id < 0) {
		int r = write_add(line, (size_t)n);
		explicit_bzero(line, sizeof(line));
		if (r < 0) {
			if (r == -EROFS || r == -EBUSY)
				log_error("rbd: %s/%s: another client holds its exclusive lock: another machine runs "
					  "with this node's state (two nodes with one identity?); not mapping it",
					  c->pool, c->image);
			else
				log_error("rbd: mapping %s/%s from %s as client.%s: %s (the kernel log says why: "
					  "monitors unreachable, key refused, no such image)",
					  c->pool, c->image, c->mons, c->user, strerror(-r));
			return r;
		}
		id = find_device(c);
	}
	explicit_bzero(line, sizeof(line));
	if (id < 0) {
		log_error("rbd: %s/%s mapped, but no device under /sys/bus/rbd/devices shows it", c->pool, c->image);
		return -ENODEV;
	}
	snprintf(dev, devlen, "/dev/rbd%d", id);
	/* devtmpfs makes the node; wait for it (5 s at most). */
	struct stat st;
	for (int i = 0; i < 500 && stat(dev, &st) != 0; i++)
		usleep(10000);
	if (stat(dev, &st) != 0) {
		log_error("rbd: %s/%s is device %d, but %s does not appear", c->pool, c->image, id, dev);
		return -ENODEV;
	}
	return 0;
}

int rbd_conf_load(const char *file, struct rbd_conf *c)
{
	char text[1024], err[128];
	int r = small_file_read(file, text, sizeof(text));
	if (r < 0) {
		log_error("rbd: %s: %s (the node has state rbd; hopeless node set --state rbd writes it)", file,
			  strerror(-r));
		return r;
	}
	r = rbd_conf_parse(text, c, err, sizeof(err));
	explicit_bzero(text, sizeof(text));
	if (r < 0)
		log_error("rbd: %s: %s", file, err);
	return r;
}
