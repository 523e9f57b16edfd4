/* The cluster tree model: reading and writing the settings and the node
 * registrations, locking, listing. */
#include "tree.h"
#include "discover.h"
#include "validate.h"
#include "workers.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

void tree_conf_defaults(struct tree_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->server, sizeof(c->server), "10.0.0.1");
	snprintf(c->netmask, sizeof(c->netmask), "255.255.255.0");
	snprintf(c->interface, sizeof(c->interface), "eth1");
	snprintf(c->nfs_server, sizeof(c->nfs_server), "ganesha");
	snprintf(c->nfs_version, sizeof(c->nfs_version), "4.1");
	snprintf(c->image_size, sizeof(c->image_size), "1G");
	snprintf(c->image_mmp, sizeof(c->image_mmp), "no");
	snprintf(c->domain, sizeof(c->domain), "cluster");
	c->state_uid = TREE_STATE_UID_DEFAULT;
	c->keep_versions = TREE_KEEP_VERSIONS_DEFAULT;
	c->http_port = TREE_HTTP_PORT_DEFAULT;
	snprintf(c->ceph_conf, sizeof(c->ceph_conf), "%s", TREE_CEPH_CONF_DEFAULT);
	snprintf(c->ceph_user, sizeof(c->ceph_user), "%s", TREE_CEPH_USER_DEFAULT);
	snprintf(c->ceph_fs, sizeof(c->ceph_fs), "%s", TREE_CEPH_FS_DEFAULT);
	snprintf(c->ceph_grace_pool, sizeof(c->ceph_grace_pool), "%s", TREE_CEPH_GRACE_POOL_DEFAULT);
	snprintf(c->ceph_grace_namespace, sizeof(c->ceph_grace_namespace), "%s", TREE_CEPH_GRACE_NAMESPACE_DEFAULT);
	snprintf(c->ceph_path, sizeof(c->ceph_path), "%s", TREE_CEPH_PATH_DEFAULT);
	snprintf(c->ceph_rbd_pool, sizeof(c->ceph_rbd_pool), "%s", TREE_CEPH_RBD_POOL_DEFAULT);
	snprintf(c->ceph_admin, sizeof(c->ceph_admin), "%s", TREE_CEPH_ADMIN_DEFAULT);
}

int tree_parse_kv(const char *text, tree_kv_fn fn, void *ctx, char *err, size_t errlen)
{
	char *copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	int lineno = 0, r = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		char e2[200] = "";
		r = fn(ctx, str_trim(s), str_trim(eq + 1), e2, sizeof(e2));
		if (r < 0) {
			snprintf(err, errlen, "line %d: %s", lineno, e2);
			break;
		}
	}
	free(copy);
	return r;
}

static int set_field(char *dst, size_t cap, const char *key, const char *val, char *err, size_t errlen)
{
	if (strlen(val) >= cap) {
		snprintf(err, errlen, "%s: value too long", key);
		return -EINVAL;
	}
	for (const char *p = val; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "%s: control character in value", key);
			return -EINVAL;
		}
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

/* A decimal integer from lo to hi, the whole value: 0, or -EINVAL with *out unchanged. */
static int parse_int_in(const char *val, long lo, long hi, int *out)
{
	char *end = NULL;
	long v = strtol(val, &end, 10);
	if (!*val || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* An absolute path that goes verbatim into ganesha.conf: letters, digits
 * and '._/+-' only, no "..". */
static int ceph_path_ok(const char *val)
{
	if (val[0] != '/' || strstr(val, ".."))
		return 0;
	for (const char *p = val; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/._+-", *p)))
			return 0;
	return 1;
}

/* ceph_mons: IPv4 monitor addresses with ports, comma-separated (what the
 * kernel's rbd sysfs interface takes). */
static int ceph_mons_ok(const char *val)
{
	char copy[192], *save = NULL;
	if (!val[0] || snprintf(copy, sizeof(copy), "%s", val) >= (int)sizeof(copy))
		return 0;
	for (char *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(m, ':'), *end = NULL;
		const char *why;
		if (!colon)
			return 0;
		*colon = '\0';
		long port = strtol(colon + 1, &end, 10);
		if (validate_ipv4(m, NULL, &why) < 0 || !colon[1] || *end || port < 1 || port > 65535)
			return 0;
	}
	return val[strlen(val) - 1] != ',' && !strstr(val, ",,") && val[0] != ',';
}

/* ceph_*: paths (ceph_conf, ceph_path), the monitor list or names (the
 * rest). 1 when key is not one of them. */
static int conf_ceph_kv(struct tree_conf *c, const char *key, const char *val, char *err, size_t errlen)
{
	if (!strcmp(key, "ceph_mons")) {
		if (!ceph_mons_ok(val)) {
			snprintf(err, errlen, "ceph_mons: want IP:PORT[,IP:PORT...] (the monitors), not '%s'", val);
			return -EINVAL;
		}
		return set_field(c->ceph_mons, sizeof(c->ceph_mons), key, val, err, errlen);
	}
	const struct {
		const char *key;
		char *dst;
		size_t cap;
		int path;
	} f[] = {{"ceph_conf", c->ceph_conf, sizeof(c->ceph_conf), 1},
		 {"ceph_user", c->ceph_user, sizeof(c->ceph_user), 0},
		 {"ceph_fs", c->ceph_fs, sizeof(c->ceph_fs), 0},
		 {"ceph_grace_pool", c->ceph_grace_pool, sizeof(c->ceph_grace_pool), 0},
		 {"ceph_grace_namespace", c->ceph_grace_namespace, sizeof(c->ceph_grace_namespace), 0},
		 {"ceph_path", c->ceph_path, sizeof(c->ceph_path), 1},
		 {"ceph_rbd_pool", c->ceph_rbd_pool, sizeof(c->ceph_rbd_pool), 0},
		 {"ceph_admin", c->ceph_admin, sizeof(c->ceph_admin), 0}};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(key, f[i].key))
			continue;
		const char *why = NULL;
		if (f[i].path && !ceph_path_ok(val)) {
			snprintf(err, errlen, "%s: want an absolute path of letters, digits and '._/+-' without '..', not '%s'",
				 key, val);
			return -EINVAL;
		}
		if (!f[i].path && validate_name(val, &why) < 0) {
			snprintf(err, errlen, "%s: %s: %s", key, val, why);
			return -EINVAL;
		}
		return set_field(f[i].dst, f[i].cap, key, val, err, errlen);
	}
	return 1;
}

static int conf_kv(void *ctx, const char *key, const char *val, char *err, size_t errlen)
{
	struct tree_conf *c = ctx;
	const char *why = NULL;
	if (!strncmp(key, "ceph_", 5)) {
		int r = conf_ceph_kv(c, key, val, err, errlen);
		if (r <= 0)
			return r;
	}
	if (!strcmp(key, "server")) {
		if (validate_ipv4(val, NULL, &why) < 0) {
			snprintf(err, errlen, "server: %s: %s", val, why);
			return -EINVAL;
		}
		return set_field(c->server, sizeof(c->server), key, val, err, errlen);
	}
	if (!strcmp(key, "netmask")) {
		if (validate_ipv4(val, NULL, &why) < 0) {
			snprintf(err, errlen, "netmask: %s: %s", val, why);
			return -EINVAL;
		}
		return set_field(c->netmask, sizeof(c->netmask), key, val, err, errlen);
	}
	if (!strcmp(key, "interface")) {
		if (validate_name(val, &why) < 0) {
			snprintf(err, errlen, "interface: %s: %s", val, why);
			return -EINVAL;
		}
		return set_field(c->interface, sizeof(c->interface), key, val, err, errlen);
	}
	if (!strcmp(key, "nfs_server")) {
		if (strcmp(val, "ganesha") && strcmp(val, "kernel")) {
			snprintf(err, errlen, "nfs_server: want ganesha or kernel, not '%s'", val);
			return -EINVAL;
		}
		return set_field(c->nfs_server, sizeof(c->nfs_server), key, val, err, errlen);
	}
	if (!strcmp(key, "nfs_version")) {
		if (strcmp(val, "3") && strcmp(val, "4") && strcmp(val, "4.0") && strcmp(val, "4.1") &&
		    strcmp(val, "4.2")) {
			snprintf(err, errlen, "nfs_version: want 3, 4, 4.1 or 4.2, not '%s'", val);
			return -EINVAL;
		}
		return set_field(c->nfs_version, sizeof(c->nfs_version), key, val, err, errlen);
	}
	if (!strcmp(key, "image_size"))
		return set_field(c->image_size, sizeof(c->image_size), key, val, err, errlen);
	if (!strcmp(key, "image_mmp")) {
		if (strcmp(val, "yes") && strcmp(val, "no")) {
			snprintf(err, errlen, "image_mmp: want yes or no, not '%s'", val);
			return -EINVAL;
		}
		return set_field(c->image_mmp, sizeof(c->image_mmp), key, val, err, errlen);
	}
	if (!strcmp(key, "append"))
		return set_field(c->append, sizeof(c->append), key, val, err, errlen);
	if (!strcmp(key, "domain")) {
		if (validate_hostname(val, &why) < 0) {
			snprintf(err, errlen, "domain: %s: %s", val, why);
			return -EINVAL;
		}
		return set_field(c->domain, sizeof(c->domain), key, val, err, errlen);
	}
	if (!strcmp(key, "state_uid")) {
		char *end = NULL;
		errno = 0;
		unsigned long v = strtoul(val, &end, 10);
		/* Not root, not nobody (65534, where other exports squash to),
		 * and below the 32-bit "no id" value. */
		if (!*val || *end || errno || v == 0 || v == 65534 || v >= 4294967295UL) {
			snprintf(err, errlen, "state_uid: want a numeric id other than 0 and 65534, not '%s'", val);
			return -EINVAL;
		}
		c->state_uid = (unsigned)v;
		return 0;
	}
	if (!strcmp(key, "keep_versions")) {
		if (parse_int_in(val, 1, 1000, &c->keep_versions) < 0) {
			snprintf(err, errlen, "keep_versions: want a number from 1 to 1000, not '%s'", val);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "http_port")) {
		if (parse_int_in(val, 0, 65535, &c->http_port) < 0) {
			snprintf(err, errlen, "http_port: want a TCP port from 1 to 65535, or 0 for no HTTP, not '%s'", val);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -EINVAL;
}

int tree_conf_parse(const char *text, struct tree_conf *c, char *err, size_t errlen)
{
	tree_conf_defaults(c);
	return tree_parse_kv(text, conf_kv, c, err, errlen);
}

/* The ceph_* settings that differ from their defaults: a tree without heads
 * keeps the hopeless.conf it always had. */
static int conf_format_ceph(const struct tree_conf *c, struct strbuf *sb)
{
	const struct {
		const char *key, *val, *def;
	} f[] = {{"ceph_conf", c->ceph_conf, TREE_CEPH_CONF_DEFAULT},
		 {"ceph_user", c->ceph_user, TREE_CEPH_USER_DEFAULT},
		 {"ceph_fs", c->ceph_fs, TREE_CEPH_FS_DEFAULT},
		 {"ceph_grace_pool", c->ceph_grace_pool, TREE_CEPH_GRACE_POOL_DEFAULT},
		 {"ceph_grace_namespace", c->ceph_grace_namespace, TREE_CEPH_GRACE_NAMESPACE_DEFAULT},
		 {"ceph_path", c->ceph_path, TREE_CEPH_PATH_DEFAULT},
		 {"ceph_mons", c->ceph_mons, ""},
		 {"ceph_rbd_pool", c->ceph_rbd_pool, TREE_CEPH_RBD_POOL_DEFAULT},
		 {"ceph_admin", c->ceph_admin, TREE_CEPH_ADMIN_DEFAULT}};
	int r = 0;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(f[i].val, f[i].def))
			r |= sb_printf(sb, "%s = %s\n", f[i].key, f[i].val);
	return r;
}

int tree_conf_format(const struct tree_conf *c, struct strbuf *sb)
{
	int r = sb_printf(sb,
			 "# hopeless cluster settings (see hopeless(8))\n"
			 "server = %s\nnetmask = %s\ninterface = %s\n"
			 "nfs_server = %s\nnfs_version = %s\nimage_size = %s\nimage_mmp = %s\nappend = %s\ndomain = %s\n"
			 "state_uid = %u\nkeep_versions = %d\nhttp_port = %d\n",
			 c->server, c->netmask, c->interface, c->nfs_server, c->nfs_version,
			 c->image_size, c->image_mmp, c->append, c->domain, c->state_uid, c->keep_versions,
			 c->http_port);
	return r | conf_format_ceph(c, sb);
}

static int node_kv(void *ctx, const char *key, const char *val, char *err, size_t errlen)
{
	struct tree_node *n = ctx;
	if (!strcmp(key, "hostname"))
		return set_field(n->hostname, sizeof(n->hostname), key, val, err, errlen);
	if (!strcmp(key, "ip"))
		return set_field(n->ip, sizeof(n->ip), key, val, err, errlen);
	if (!strcmp(key, "mac"))
		return set_field(n->mac, sizeof(n->mac), key, val, err, errlen);
	if (!strcmp(key, "state"))
		return set_field(n->state, sizeof(n->state), key, val, err, errlen);
	if (!strcmp(key, "boot"))
		return set_field(n->boot, sizeof(n->boot), key, val, err, errlen);
	if (!strcmp(key, "append"))
		return set_field(n->append, sizeof(n->append), key, val, err, errlen);
	if (!strcmp(key, "server"))
		return set_field(n->server, sizeof(n->server), key, val, err, errlen);
	if (!strcmp(key, "registered")) {
		if (discover_registered_ok(val) < 0) {
			snprintf(err, errlen, "registered: want 'discovered YYYY-MM-DDTHH:MM:SSZ'");
			return -EINVAL;
		}
		return set_field(n->registered, sizeof(n->registered), key, val, err, errlen);
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -EINVAL;
}

/* ipxe: iPXE (undionly.kpxe, snponly.efi); pxelinux: pxelinux.0 under BIOS;
 * grub: shim and Debian's signed GRUB under UEFI (Secure Boot). */
int tree_boot_method_ok(const char *boot)
{
	return !strcmp(boot, "ipxe") || !strcmp(boot, "pxelinux") || !strcmp(boot, "grub");
}

int tree_node_parse(const char *text, struct tree_node *n, char *err, size_t errlen)
{
	memset(n, 0, sizeof(*n));
	int r = tree_parse_kv(text, node_kv, n, err, errlen);
	if (r < 0)
		return r;
	const char *why = NULL;
	if (validate_hostname(n->hostname, &why) < 0 || validate_ipv4(n->ip, NULL, &why) < 0 ||
	    validate_mac(n->mac, NULL, &why) < 0) {
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	if (strcmp(n->state, "image") && strcmp(n->state, "tmpfs") && strcmp(n->state, "rbd")) {
		snprintf(err, errlen, "state must be image, tmpfs or rbd");
		return -EINVAL;
	}
	if (!tree_boot_method_ok(n->boot)) {
		snprintf(err, errlen, "boot must be ipxe, pxelinux or grub");
		return -EINVAL;
	}
	/* server: one address, or a comma-separated list tried in order */
	if (n->server[0]) {
		char copy[64], *save = NULL;
		snprintf(copy, sizeof(copy), "%s", n->server);
		for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save))
			if (validate_ipv4(s, NULL, &why) < 0) {
				snprintf(err, errlen, "server: %s: %s", s, why);
				return -EINVAL;
			}
	}
	return 0;
}

int tree_node_format(const struct tree_node *n, struct strbuf *sb)
{
	int r = sb_printf(sb, "hostname = %s\nip = %s\nmac = %s\nstate = %s\nboot = %s\nappend = %s\n",
			  n->hostname, n->ip, n->mac, n->state, n->boot, n->append);
	if (r == 0 && n->server[0])
		r = sb_printf(sb, "server = %s\n", n->server);
	if (r == 0 && n->registered[0])
		r = sb_printf(sb, "registered = %s\n", n->registered);
	return r;
}

const char *tree_resolve_dir(const char *explicit_dir)
{
	if (explicit_dir && *explicit_dir)
		return explicit_dir;
	const char *env = getenv("HOPELESS_DIR");
	if (env && *env)
		return env;
	return TREE_DEFAULT_DIR;
}

int tree_path(const struct tree *t, char *out, size_t outlen, const char *fmt, ...)
{
	int n = snprintf(out, outlen, "%s/", t->dir);
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(out + n, outlen - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= outlen - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

/* The tree path goes verbatim into generated configs (ganesha, exports,
 * dnsmasq) and onto command lines: keep it to characters none of them
 * needs to quote. */
static int tree_dir_ok(const char *dir)
{
	for (const char *p = dir; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/._+-", *p)))
			return 0;
	return 1;
}

int tree_open(struct tree *t, const char *dir, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->lock_fd = -1;
	t->fd = -1;
	if (!realpath(dir, t->dir)) {
		snprintf(err, errlen, "%s: %s (create it with: hopeless init)", dir, strerror(errno));
		return -ENOENT;
	}
	if (!tree_dir_ok(t->dir)) {
		snprintf(err, errlen, "%s: the tree path may hold only letters, digits and / . _ + - "
			 "(it is written into service configs); move the tree", t->dir);
		return -EINVAL;
	}
	t->fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "%s: %s", t->dir, strerror(errno));
		return -errno;
	}
	struct strbuf sb = STRBUF_INIT;
	int r = tfs_read(t, "hopeless.conf", &sb);
	if (r < 0) {
		snprintf(err, errlen, "%s: not a hopeless tree (no hopeless.conf; create one with: hopeless init)", t->dir);
		sb_free(&sb);
		tree_close(t);
		return -ENOENT;
	}
	char e2[256];
	r = tree_conf_parse(sb_str(&sb), &t->conf, e2, sizeof(e2));
	sb_free(&sb);
	if (r < 0) {
		snprintf(err, errlen, "%s/hopeless.conf: %s", t->dir, e2);
		tree_close(t);
	}
	return r;
}

int tree_lock(struct tree *t)
{
	int fd = tfs_open(t, ".lock", O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int e = -errno;
			close(fd);
			return e;
		}
	}
	t->lock_fd = fd;
	return 0;
}

void tree_close(struct tree *t)
{
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	if (t->fd >= 0)
		close(t->fd);
	t->lock_fd = -1;
	t->fd = -1;
}

const char *tree_layer_kind(const struct tree *t, const char *name)
{
	if (validate_name(name, NULL) < 0)
		return NULL;
	char p[PATH_MAX], kind[16];
	if (tfs_fmt(p, sizeof(p), "meta/%s", name) < 0 || tfs_read_line(t, p, kind, sizeof(kind)) < 0)
		return NULL;
	if (!strcmp(kind, "root"))
		return "root";
	if (!strcmp(kind, "overlay"))
		return "overlay";
	return NULL;
}

/* A pointer file of clients/<ip>/: "name" or "name@N". */
static void node_pointer(const struct tree *t, const char *ip, const char *file, char *name, size_t len, int *pin)
{
	char p[PATH_MAX], line[128];
	const char *why;
	name[0] = '\0';
	*pin = 0;
	if (tfs_fmt(p, sizeof(p), "clients/%s/%s", ip, file) < 0 || tfs_read_line(t, p, line, sizeof(line)) < 0 ||
	    validate_layer_ref(line, name, len, pin, &why) < 0)
		name[0] = '\0', *pin = 0;
}

int tree_node_load(const struct tree *t, const char *hostname, struct tree_node *n, char *err, size_t errlen)
{
	const char *why = NULL;
	if (validate_hostname(hostname, &why) < 0) {
		snprintf(err, errlen, "%s: %s", hostname, why);
		return -EINVAL;
	}
	char p[PATH_MAX];
	if (tfs_fmt(p, sizeof(p), "nodes/%s.conf", hostname) < 0)
		return -ENAMETOOLONG;
	struct strbuf sb = STRBUF_INIT;
	int r = tfs_read(t, p, &sb);
	if (r < 0) {
		snprintf(err, errlen, "%s: no such node (see: hopeless node list)", hostname);
		return r;
	}
	char e2[200];
	r = tree_node_parse(sb_str(&sb), n, e2, sizeof(e2));
	sb_free(&sb);
	if (r < 0) {
		snprintf(err, errlen, "%s/%s: %s", t->dir, p, e2);
		return r;
	}
	/* The layer names live in the host overlay, as in the original layout;
	 * a name that is not a valid layer name is no name (check reports it). */
	node_pointer(t, n->ip, "hopeless.root", n->root, sizeof(n->root), &n->root_pin);
	node_pointer(t, n->ip, "hopeless.overlay", n->overlay, sizeof(n->overlay), &n->overlay_pin);
	return 0;
}

int tree_layer_ref(char *out, size_t outlen, const char *name, int pin)
{
	int n = pin > 0 ? snprintf(out, outlen, "%s@%d", name, pin) : snprintf(out, outlen, "%s", name);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tree_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int tree_list_names(const struct tree *t, const char *sub, char ***names, size_t *count)
{
	*names = NULL;
	*count = 0;
	int dfd = tfs_open(t, sub, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r < 0) {
		tree_names_free(v, n);
		return r;
	}
	if (n) /* v is NULL when the folder is empty */
		qsort(v, n, sizeof(*v), cmp_name);
	*names = v;
	*count = n;
	return 0;
}

static int cmp_node_ip(const void *a, const void *b)
{
	const struct tree_node *x = a, *y = b;
	uint32_t ix = 0, iy = 0;
	validate_ipv4(x->ip, &ix, NULL);
	validate_ipv4(y->ip, &iy, NULL);
	ix = ntohl(ix);
	iy = ntohl(iy);
	return ix < iy ? -1 : ix > iy;
}

/* The node files in worker processes (workers.h): over 10,000 nodes the
 * three small files each are a fifth of a cold config, kernel time that a
 * head node's cores do side by side. Each worker fills its slots of a
 * shared mapping; loaded[i] says slot i holds a node. */
struct load_job {
	const struct tree *t;
	char **names; /* "<hostname>", or "" for a file that is not *.conf */
	struct tree_node *v;
	unsigned char *loaded;
};

static int load_range(size_t lo, size_t hi, size_t *failed, void *arg)
{
	const struct load_job *j = arg;
	for (size_t i = lo; i < hi; i++) {
		char err[8];
		if (!j->names[i][0])
			continue;
		int r = tree_node_load(j->t, j->names[i], &j->v[i], err, sizeof(err));
		if (r < 0) {
			*failed = i;
			return r;
		}
		j->loaded[i] = 1;
	}
	return 0;
}

/* The loaded slots of j, copied into a new array (the caller's to free). */
static struct tree_node *collect_loaded(const struct load_job *j, size_t n, size_t *k)
{
	struct tree_node *v = calloc(n ? n : 1, sizeof(*v));
	*k = 0;
	for (size_t i = 0; v && i < n; i++)
		if (j->loaded[i])
			v[(*k)++] = j->v[i];
	return v;
}

int tree_nodes_load(const struct tree *t, struct tree_node **out, size_t *count, char *err, size_t errlen)
{
	char **names;
	size_t n;
	*out = NULL;
	*count = 0;
	int r = tree_list_names(t, "nodes", &names, &n);
	if (r < 0) {
		snprintf(err, errlen, "nodes/: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		names[i][len < 6 || strcmp(names[i] + len - 5, ".conf") ? 0 : len - 5] = '\0';
	}
	size_t size = (n ? n : 1) * (sizeof(struct tree_node) + 1), failed = 0, k = 0;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		tree_names_free(names, n);
		return -ENOMEM;
	}
	struct load_job j = {t, names, mem, (unsigned char *)mem + (n ? n : 1) * sizeof(struct tree_node)};
	r = workers_run(n, workers_count(n, 1024), load_range, &j, &failed);
	/* The worker's message did not come back: the failed node again, here. */
	if (r < 0 && (r = tree_node_load(t, names[failed], &j.v[failed], err, errlen)) == 0) {
		snprintf(err, errlen, "%s: %s", names[failed], "changed while being read; run the command again");
		r = -EAGAIN;
	}
	struct tree_node *v = r < 0 ? NULL : collect_loaded(&j, n, &k);
	munmap(mem, size);
	tree_names_free(names, n);
	if (r < 0 || !v)
		return r < 0 ? r : -ENOMEM;
	qsort(v, k, sizeof(*v), cmp_node_ip);
	*out = v;
	*count = k;
	return 0;
}
