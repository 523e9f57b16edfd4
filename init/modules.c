/* Kernel module loading for hopeless-init: see modules.h. */
#include "modules.h"
#include "validate.h"
#include "log.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int perr(char *err, size_t errlen, int code, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int perr(char *err, size_t errlen, int code, unsigned line, const char *fmt, ...)
{
	if (err && errlen) {
		int n = snprintf(err, errlen, "line %u: ", line);
		if (n >= 0 && (size_t)n < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return code;
}

static int valid_name(const char *s)
{
	return validate_module_name(s, MODULES_NAME_LEN - 1) == 0;
}

/* "/lib/modules/<...>.ko": printable, no "//", no "." or ".." components. */
static int valid_path(const char *s)
{
	size_t n = strlen(s);
	if (n >= MODULES_PATH_LEN || strncmp(s, "/lib/modules/", 13) != 0 || n < 17 ||
	    strcmp(s + n - 3, ".ko") != 0)
		return 0;
	for (const char *c = s; *c; c++) {
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f || *c == ',')
			return 0;
		if (*c == '/' && (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
				  (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return 0;
	}
	return 1;
}

static long find_mod(const struct modlist *l, const char *name)
{
	for (size_t i = 0; i < l->nmods; i++)
		if (strcmp(l->mods[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Splits line (modified in place) at single spaces. Returns the field count,
 * or -1 on an empty field or more than max fields. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	for (char *p = line;;) {
		char *sp = strchr(p, ' ');
		if (n == max)
			return -1;
		f[n++] = p;
		if (sp)
			*sp = '\0';
		if (!*p)
			return -1;
		if (!sp)
			return n;
		p = sp + 1;
	}
}

static int parse_module(struct modlist *l, char **f, unsigned ln, char *err, size_t errlen)
{
	if (l->nmods >= MODULES_MAX)
		return perr(err, errlen, -E2BIG, ln, "more than %d modules", MODULES_MAX);
	if (!valid_name(f[1]))
		return perr(err, errlen, -EINVAL, ln, "invalid module name");
	if (find_mod(l, f[1]) >= 0)
		return perr(err, errlen, -EINVAL, ln, "module %s listed twice", f[1]);
	if (!valid_path(f[2]))
		return perr(err, errlen, -EINVAL, ln, "module %s: path must be /lib/modules/.../*.ko",
			    f[1]);
	struct modentry *m = &l->mods[l->nmods];
	memset(m, 0, sizeof(*m));
	if (strcmp(f[4], "core") == 0)
		m->kind = MODULES_CORE;
	else if (strcmp(f[4], "nic") == 0)
		m->kind = MODULES_NIC;
	else if (strcmp(f[4], "dep") == 0)
		m->kind = MODULES_DEP;
	else
		return perr(err, errlen, -EINVAL, ln, "module %s: kind must be core, nic or dep", f[1]);
	if (strcmp(f[3], "-") != 0) {
		for (char *p = f[3];;) {
			char *comma = strchr(p, ',');
			if (comma)
				*comma = '\0';
			long d = find_mod(l, p);
			if (d < 0)
				return perr(err, errlen, -EINVAL, ln,
					    "module %s: dependency \"%.63s\" is not listed before it",
					    f[1], p);
			for (size_t k = 0; k < m->ndeps; k++)
				if (m->deps[k] == d)
					return perr(err, errlen, -EINVAL, ln,
						    "module %s: dependency %s listed twice", f[1], p);
			if (m->ndeps >= MODULES_MAX_DEPS)
				return perr(err, errlen, -E2BIG, ln,
					    "module %s: more than %d dependencies", f[1],
					    MODULES_MAX_DEPS);
			m->deps[m->ndeps++] = (uint16_t)d;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	memcpy(m->name, f[1], strlen(f[1]) + 1);
	memcpy(m->path, f[2], strlen(f[2]) + 1);
	l->nmods++;
	return 0;
}

static int parse_alias(struct modlist *l, char **f, unsigned ln, char *err, size_t errlen)
{
	if (l->naliases >= MODULES_MAX_ALIASES)
		return perr(err, errlen, -E2BIG, ln, "more than %d aliases", MODULES_MAX_ALIASES);
	size_t n = strlen(f[1]);
	if (n >= MODULES_PATTERN_LEN)
		return perr(err, errlen, -EINVAL, ln, "alias pattern too long");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)f[1][i] >= 0x7f)
			return perr(err, errlen, -EINVAL, ln, "alias pattern not printable");
	long m = find_mod(l, f[2]);
	if (m < 0)
		return perr(err, errlen, -EINVAL, ln, "alias for unlisted module \"%.63s\"", f[2]);
	struct modalias *a = &l->aliases[l->naliases++];
	memcpy(a->pattern, f[1], n + 1);
	a->mod = (uint16_t)m;
	return 0;
}

int modules_parse(const char *text, struct modlist *out, char *err, size_t errlen)
{
	char line[MODULES_LINE_LEN];
	unsigned ln = 0;
	out->nmods = out->naliases = 0;
	if (err && errlen)
		err[0] = '\0';
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		ln++;
		if (len >= sizeof(line))
			return perr(err, errlen, -E2BIG, ln, "line longer than %d characters",
				    MODULES_LINE_LEN - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl ? nl + 1 : p + len;
		if (line[0] == '#')
			continue;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
				return perr(err, errlen, -EINVAL, ln, "control character");
		char *f[6];
		int nf = split(line, f, 6);
		int r;
		if (nf < 0)
			return perr(err, errlen, -EINVAL, ln, "empty field or too many fields");
		if (strcmp(f[0], "module") == 0) {
			if (nf != 5)
				return perr(err, errlen, -EINVAL, ln,
					    "module needs: name path deps kind");
			r = parse_module(out, f, ln, err, errlen);
		} else if (strcmp(f[0], "alias") == 0) {
			if (nf != 3)
				return perr(err, errlen, -EINVAL, ln, "alias needs: pattern name");
			r = parse_alias(out, f, ln, err, errlen);
		} else {
			return perr(err, errlen, -EINVAL, ln, "unknown record \"%.20s\"", f[0]);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static double cpu_secs(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int modules_finit(const struct modentry *m, void *ctx)
{
	struct modules_cost *cost = ctx;
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	double t0 = cost ? cpu_secs() : 0;
	int r = (int)syscall(SYS_finit_module, fd, "", 0) == 0 ? 0 : -errno;
	if (cost) {
		cost->cpu_secs += cpu_secs() - t0;
		if (r == 0)
			cost->loaded++;
	}
	close(fd);
	return r;
}

static int load_rec(struct modlist *l, size_t idx, modules_loader fn, void *ctx, const char *user)
{
	struct modentry *m = &l->mods[idx];
	if (m->state == MODULES_LOADED)
		return 0;
	if (m->state == MODULES_FAILED)
		return m->error;
	int count = 0;
	for (size_t d = 0; d < m->ndeps; d++) {
		/* Dependencies are earlier entries (modules_parse checks), so
		 * the recursion ends. */
		int r = load_rec(l, m->deps[d], fn, ctx, m->name);
		if (r < 0) {
			log_error("module %s: not loaded, its dependency %s failed", m->name,
				  l->mods[m->deps[d]].name);
			m->state = MODULES_FAILED;
			m->error = r;
			return r;
		}
		count += r;
	}
	int r = fn(m, ctx);
	if (r == 0 || r == -EEXIST) {
		m->state = MODULES_LOADED;
		if (user)
			log_info("module %s loaded%s (for %s)", m->name,
				 r ? " already" : "", user);
		else
			log_info("module %s loaded%s", m->name, r ? " already" : "");
		return count + 1;
	}
	if (r > 0)
		r = -EIO; /* a loader must return 0 or -errno */
	m->state = MODULES_FAILED;
	m->error = r;
	log_error("module %s (%s): %s", m->name, m->path, strerror(-r));
	return r;
}

int modules_load_one(struct modlist *l, size_t idx, modules_loader fn, void *ctx)
{
	if (idx >= l->nmods)
		return -EINVAL;
	return load_rec(l, idx, fn, ctx, NULL);
}

int modules_match(struct modlist *l, const char *modalias, modules_loader fn, void *ctx)
{
	int count = 0;
	for (size_t a = 0; a < l->naliases; a++) {
		size_t mi = l->aliases[a].mod;
		if (l->mods[mi].state != MODULES_PENDING)
			continue;
		if (fnmatch(l->aliases[a].pattern, modalias, 0) != 0)
			continue;
		log_info("device %s matches %s", modalias, l->mods[mi].name);
		int r = modules_load_one(l, mi, fn, ctx);
		if (r > 0)
			count += r;
	}
	return count;
}

/* Reads dir/name into buf without the trailing newline; 0 or -1. */
static int read_modalias(int dirfd, const char *dev, char *buf, size_t size)
{
	char path[512];
	if ((size_t)snprintf(path, sizeof(path), "%s/modalias", dev) >= sizeof(path))
		return -1;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -1;
}

static int coldplug_pass(struct modlist *l, const char *sys_bus, modules_loader fn, void *ctx)
{
	DIR *bd = opendir(sys_bus);
	if (!bd)
		return -errno;
	int count = 0;
	struct dirent *be;
	while ((be = readdir(bd))) {
		if (be->d_name[0] == '.')
			continue;
		char path[512];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/devices", sys_bus, be->d_name) >=
		    sizeof(path))
			continue;
		DIR *dd = opendir(path);
		if (!dd)
			continue;
		struct dirent *de;
		while ((de = readdir(dd))) {
			char alias[512];
			if (de->d_name[0] == '.')
				continue;
			if (read_modalias(dirfd(dd), de->d_name, alias, sizeof(alias)) == 0)
				count += modules_match(l, alias, fn, ctx);
		}
		closedir(dd);
	}
	closedir(bd);
	return count;
}

int modules_coldplug(struct modlist *l, const char *sys_bus, modules_loader fn, void *ctx)
{
	int total = 0;
	for (int pass = 0; pass < MODULES_MAX_PASSES; pass++) {
		int r = coldplug_pass(l, sys_bus, fn, ctx);
		if (r < 0)
			return r;
		total += r;
		if (r == 0)
			break;
	}
	return total;
}

int modules_read(const char *conf_path, struct modlist *list)
{
	static char text[MODULES_CONF_MAX + 1];
	char err[160];
	int fd = open(conf_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		log_error("modules: cannot open %s: %s", conf_path, strerror(e));
		return -e;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, text + len, sizeof(text) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			log_error("modules: cannot read %s: %s", conf_path, strerror(e));
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(text)) {
			close(fd);
			log_error("modules: %s is larger than %d bytes", conf_path, MODULES_CONF_MAX);
			return -E2BIG;
		}
	}
	close(fd);
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		log_error("modules: %s contains a NUL byte", conf_path);
		return -EINVAL;
	}
	int r = modules_parse(text, list, err, sizeof(err));
	if (r < 0)
		log_error("modules: %s: %s", conf_path, err);
	return r;
}

int modules_load_core(struct modlist *list, struct modules_cost *cost)
{
	int ret = 0;
	for (size_t i = 0; i < list->nmods; i++) {
		if (list->mods[i].kind != MODULES_CORE)
			continue;
		int r = modules_load_one(list, i, modules_finit, cost);
		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}

int modules_load_devices(struct modlist *list, struct modules_cost *cost)
{
	int r = modules_coldplug(list, "/sys/bus", modules_finit, cost);
	if (r < 0)
		log_error("modules: cannot scan /sys/bus: %s", strerror(-r));
	return r;
}
