/* Module resolution with libkmod against a root tree's own module directory
 * and modprobe.d. See modres.h for the load-list format. */
#include "modres.h"
#include "validate.h"
#include <errno.h>
#include <libkmod.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct node {
	char *name, *disk_path, *archive_path;
	size_t *deps; /* indices into the node table */
	size_t ndeps;
	char **aliases;
	size_t naliases;
	enum modres_kind kind;
	size_t order; /* position in the load order */
};

struct ctx {
	struct kmod_ctx *kmod;
	const char *kver;
	char moddir[PATH_MAX];
	struct node *nodes;
	size_t nnodes;
	struct modres_skip *skipped;
	size_t nskipped;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, int code, const char *fmt, ...)
{
	if (c->err && c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *modres_kind_name(enum modres_kind k)
{
	return k == MODRES_CORE ? "core" : k == MODRES_NIC ? "nic" : "dep";
}

static void quiet_log(void *data, int priority, const char *file, int line,
		      const char *fn, const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

/* Module names as the caller writes them: letters, digits, '_' and '-'. */
static int valid_name(const char *s)
{
	return validate_module_name(s, MODRES_MAX_NAME) == 0;
}

static int valid_kver(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._+~-", *s)))
			return 0;
	return 1;
}

/* No whitespace, no ',' (the deps separator), nothing unprintable. */
static int valid_token(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == ',')
			return 0;
	return 1;
}

static long find_node(const struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (strcmp(c->nodes[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_aliases(struct ctx *c, struct kmod_module *m, struct node *nd)
{
	struct kmod_list *info = NULL, *it;
	int r = kmod_module_get_info(m, &info);
	if (r < 0)
		return fail(c, r, "cannot read modinfo of %s: %s", nd->name, strerror(-r));
	r = 0;
	kmod_list_foreach(it, info) {
		const char *key = kmod_module_info_get_key(it);
		const char *val = kmod_module_info_get_value(it);
		if (!key || !val || strcmp(key, "alias") != 0)
			continue;
		if (!valid_token(val, MODRES_MAX_PATTERN)) {
			r = fail(c, -EINVAL, "module %s has an unusable alias \"%.40s\"", nd->name, val);
			break;
		}
		char **na = realloc(nd->aliases, (nd->naliases + 1) * sizeof(*na));
		if (!na || !(na[nd->naliases] = strdup(val))) {
			if (na)
				nd->aliases = na;
			r = fail(c, -ENOMEM, "out of memory");
			break;
		}
		nd->aliases = na;
		nd->naliases++;
	}
	kmod_module_info_free_list(info);
	/* Sorted, without duplicates. */
	if (nd->naliases > 1)
		qsort(nd->aliases, nd->naliases, sizeof(*nd->aliases), cmp_str);
	size_t k = 0;
	for (size_t a = 0; a < nd->naliases; a++) {
		if (k && strcmp(nd->aliases[a], nd->aliases[k - 1]) == 0)
			free(nd->aliases[a]);
		else
			nd->aliases[k++] = nd->aliases[a];
	}
	nd->naliases = k;
	return r;
}

/* Adds module m (and, recursively, its dependencies) with the given kind,
 * or upgrades the kind of a module already present. *idx gets its index. */
static int add_module(struct ctx *c, struct kmod_module *m, enum modres_kind kind, size_t *idx)
{
	const char *name = kmod_module_get_name(m);
	long found = find_node(c, name);
	if (found >= 0) {
		struct node *nd = &c->nodes[found];
		if (kind < nd->kind)
			nd->kind = kind; /* core < nic < dep */
		*idx = (size_t)found;
		if (kind == MODRES_NIC && !nd->naliases)
			return collect_aliases(c, m, nd);
		return 0;
	}
	const char *path = kmod_module_get_path(m);
	if (!path)
		return fail(c, -ENOENT, "module %s has no file in %s", name, c->moddir);
	if (!valid_token(name, MODRES_MAX_NAME))
		return fail(c, -EINVAL, "unusable module name \"%.40s\"", name);
	if (has_suffix(path, ".ko.xz") || has_suffix(path, ".ko.zst") || has_suffix(path, ".ko.gz"))
		return fail(c, -ENOTSUP,
			    "module %s is compressed (%s); hopeless-init loads plain .ko files "
			    "only: install the kernel with uncompressed modules", name, path);
	size_t dl = strlen(c->moddir);
	if (strncmp(path, c->moddir, dl) != 0 || path[dl] != '/' || !has_suffix(path, ".ko"))
		return fail(c, -EINVAL, "module %s: path %s is not a .ko under %s", name, path,
			    c->moddir);
	if (c->nnodes >= MODRES_MAX_MODULES)
		return fail(c, -E2BIG, "more than %d modules", MODRES_MAX_MODULES);
	struct node *nn = realloc(c->nodes, (c->nnodes + 1) * sizeof(*nn));
	if (!nn)
		return fail(c, -ENOMEM, "out of memory");
	c->nodes = nn;
	size_t me = c->nnodes++;
	struct node *nd = &c->nodes[me];
	memset(nd, 0, sizeof(*nd));
	nd->kind = kind;
	nd->name = strdup(name);
	nd->disk_path = strdup(path);
	if (asprintf(&nd->archive_path, "/lib/modules/%s%s", c->kver, path + dl) < 0)
		nd->archive_path = NULL;
	if (!nd->name || !nd->disk_path || !nd->archive_path)
		return fail(c, -ENOMEM, "out of memory");
	if (!valid_token(nd->archive_path, MODRES_MAX_PATH))
		return fail(c, -EINVAL, "module %s: unusable path %s", name, nd->archive_path);
	*idx = me;
	int r = 0;
	if (kind == MODRES_NIC)
		r = collect_aliases(c, m, &c->nodes[me]);
	struct kmod_list *deps = kmod_module_get_dependencies(m), *it;
	enum modres_kind dkind = kind == MODRES_CORE ? MODRES_CORE : MODRES_DEP;
	kmod_list_foreach(it, deps) {
		if (r < 0)
			break;
		struct kmod_module *dm = kmod_module_get_module(it);
		size_t di;
		r = add_module(c, dm, dkind, &di);
		kmod_module_unref(dm);
		if (r < 0)
			break;
		nd = &c->nodes[me]; /* the table may have moved */
		size_t *nds = realloc(nd->deps, (nd->ndeps + 1) * sizeof(*nds));
		if (!nds) {
			r = fail(c, -ENOMEM, "out of memory");
			break;
		}
		nd->deps = nds;
		int dup = di == me;
		for (size_t k = 0; k < nd->ndeps && !dup; k++)
			dup = nd->deps[k] == di;
		if (!dup)
			nd->deps[nd->ndeps++] = di;
	}
	kmod_module_unref_list(deps);
	return r;
}

static int add_skip(struct ctx *c, const char *name, int builtin)
{
	for (size_t i = 0; i < c->nskipped; i++)
		if (strcmp(c->skipped[i].name, name) == 0)
			return 0;
	struct modres_skip *ns = realloc(c->skipped, (c->nskipped + 1) * sizeof(*ns));
	if (!ns)
		return fail(c, -ENOMEM, "out of memory");
	c->skipped = ns;
	if (!(ns[c->nskipped].name = strdup(name)))
		return fail(c, -ENOMEM, "out of memory");
	ns[c->nskipped++].builtin = builtin;
	return 0;
}

static int add_names(struct ctx *c, const char *const *names, enum modres_kind kind)
{
	for (; names && *names; names++) {
		if (!valid_name(*names))
			return fail(c, -EINVAL, "invalid module name \"%.40s\"", *names);
		struct kmod_list *list = NULL, *it;
		int r = kmod_module_new_from_lookup(c->kmod, *names, &list);
		if (r < 0)
			return fail(c, r, "module lookup of %s failed: %s", *names, strerror(-r));
		int with_file = 0, builtin = 0;
		kmod_list_foreach(it, list) {
			struct kmod_module *m = kmod_module_get_module(it);
			size_t idx;
			if (!kmod_module_get_path(m)) {
				builtin = 1; /* in modules.builtin: no file */
			} else if (r >= 0) {
				with_file = 1;
				r = add_module(c, m, kind, &idx);
			}
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
		if (r < 0)
			return r;
		if (!with_file && (r = add_skip(c, *names, builtin)) < 0)
			return r;
	}
	return 0;
}

/* Kahn's algorithm; among the ready modules core ones go first, then by name. */
static int topo_order(struct ctx *c, size_t *order)
{
	size_t n = c->nnodes;
	size_t *pending = calloc(n ? n : 1, sizeof(*pending));
	char *done = calloc(n ? n : 1, 1);
	if (!pending || !done) {
		free(pending);
		free(done);
		return fail(c, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		pending[i] = c->nodes[i].ndeps;
	for (size_t k = 0; k < n; k++) {
		long best = -1;
		for (size_t i = 0; i < n; i++) {
			if (done[i] || pending[i])
				continue;
			const struct node *a = &c->nodes[i];
			if (best < 0) {
				best = (long)i;
				continue;
			}
			const struct node *b = &c->nodes[best];
			int ra = a->kind != MODRES_CORE, rb = b->kind != MODRES_CORE;
			if (ra < rb || (ra == rb && strcmp(a->name, b->name) < 0))
				best = (long)i;
		}
		if (best < 0) {
			free(pending);
			free(done);
			return fail(c, -ELOOP, "dependency cycle among the modules");
		}
		done[best] = 1;
		order[k] = (size_t)best;
		c->nodes[best].order = k;
		for (size_t i = 0; i < n; i++)
			for (size_t d = 0; d < c->nodes[i].ndeps; d++)
				if (c->nodes[i].deps[d] == (size_t)best)
					pending[i]--;
	}
	free(pending);
	free(done);
	return 0;
}

struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (int tries = 0; tries < 2 && !b->oom; tries++) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t nc = b->cap ? b->cap : 4096;
		while (nc - b->len <= (size_t)n)
			nc *= 2;
		char *ns = realloc(b->s, nc);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
}

static int cmp_depidx(const void *a, const void *b, void *arg)
{
	const struct node *nodes = arg;
	size_t x = nodes[*(const size_t *)a].order, y = nodes[*(const size_t *)b].order;
	return (x > y) - (x < y);
}

static int write_conf(struct ctx *c, const size_t *order, struct sbuf *b)
{
	size_t naliases = 0;
	sb_printf(b, "# hopeless module load list for %s\n", c->kver);
	for (size_t i = 0; i < c->nskipped; i++)
		sb_printf(b, "# skipped %s: %s\n", c->skipped[i].name,
			  c->skipped[i].builtin ? "built into the kernel" : "not in this kernel");
	for (size_t k = 0; k < c->nnodes; k++) {
		struct node *nd = &c->nodes[order[k]];
		if (nd->ndeps > MODRES_MAX_DEPS)
			return fail(c, -E2BIG, "module %s has more than %d dependencies", nd->name,
				    MODRES_MAX_DEPS);
		if (nd->ndeps > 1)
			qsort_r(nd->deps, nd->ndeps, sizeof(*nd->deps), cmp_depidx, c->nodes);
		size_t start = b->len;
		sb_printf(b, "module %s %s ", nd->name, nd->archive_path);
		for (size_t d = 0; d < nd->ndeps; d++)
			sb_printf(b, "%s%s", d ? "," : "", c->nodes[nd->deps[d]].name);
		sb_printf(b, "%s %s\n", nd->ndeps ? "" : "-", modres_kind_name(nd->kind));
		if (!b->oom && b->len - start - 1 > MODRES_MAX_LINE)
			return fail(c, -E2BIG, "load-list line of %s is too long", nd->name);
		if (nd->kind != MODRES_NIC)
			continue;
		for (size_t a = 0; a < nd->naliases; a++) {
			sb_printf(b, "alias %s %s\n", nd->aliases[a], nd->name);
			if (++naliases > MODRES_MAX_ALIASES)
				return fail(c, -E2BIG, "more than %d aliases", MODRES_MAX_ALIASES);
		}
	}
	if (b->oom)
		return fail(c, -ENOMEM, "out of memory");
	return 0;
}

static void free_nodes(struct ctx *c)
{
	for (size_t i = 0; i < c->nnodes; i++) {
		struct node *nd = &c->nodes[i];
		free(nd->name);
		free(nd->disk_path);
		free(nd->archive_path);
		free(nd->deps);
		for (size_t a = 0; a < nd->naliases; a++)
			free(nd->aliases[a]);
		free(nd->aliases);
	}
	free(c->nodes);
	for (size_t i = 0; i < c->nskipped; i++)
		free(c->skipped[i].name);
	free(c->skipped);
}

/* Moves the nodes, in load order, into the public result. */
static int export(struct ctx *c, const size_t *order, struct modres_result *out)
{
	out->mods = calloc(c->nnodes ? c->nnodes : 1, sizeof(*out->mods));
	if (!out->mods)
		return fail(c, -ENOMEM, "out of memory");
	for (size_t k = 0; k < c->nnodes; k++) {
		struct node *nd = &c->nodes[order[k]];
		struct modres_module *m = &out->mods[out->nmods++];
		m->name = nd->name;
		m->disk_path = nd->disk_path;
		m->archive_path = nd->archive_path;
		m->kind = nd->kind;
		nd->name = nd->disk_path = nd->archive_path = NULL;
		if (nd->kind == MODRES_NIC) {
			m->aliases = nd->aliases;
			m->naliases = nd->naliases;
			nd->aliases = NULL;
			nd->naliases = 0;
		}
		m->deps = calloc(nd->ndeps ? nd->ndeps : 1, sizeof(*m->deps));
		if (!m->deps)
			return fail(c, -ENOMEM, "out of memory");
	}
	/* Dependency names, once every module has its final name pointer. */
	for (size_t k = 0; k < c->nnodes; k++) {
		struct node *nd = &c->nodes[order[k]];
		for (size_t d = 0; d < nd->ndeps; d++) {
			const char *dn = out->mods[c->nodes[nd->deps[d]].order].name;
			if (!(out->mods[k].deps[d] = strdup(dn)))
				return fail(c, -ENOMEM, "out of memory");
			out->mods[k].ndeps++;
		}
	}
	out->skipped = c->skipped;
	out->nskipped = c->nskipped;
	c->skipped = NULL;
	c->nskipped = 0;
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int modres_resolve(const char *root, const char *kver, const char *const *core,
		   const char *const *nic, struct modres_result *out, char *err,
		   size_t errlen)
{
	struct ctx c = {.kver = kver, .err = err, .errlen = errlen};
	char rootreal[PATH_MAX], tmp[PATH_MAX + 64], cfgdirs[2][PATH_MAX];
	const char *cfg[3] = {NULL, NULL, NULL};
	size_t ncfg = 0, *order = NULL;
	struct sbuf conf = {0};
	int r;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!kver || !valid_kver(kver))
		return fail(&c, -EINVAL, "invalid kernel version \"%.64s\"", kver ? kver : "");
	if (!root || !realpath(root, rootreal))
		return fail(&c, -ENOENT, "root %s: %s", root ? root : "(null)", strerror(errno));
	size_t rl = strlen(rootreal);
	if (strcmp(rootreal, "/") == 0)
		rl = 0; /* a root of "/" is allowed: everything is inside it */
	snprintf(tmp, sizeof(tmp), "%s/lib/modules/%s", rootreal, kver);
	if (!realpath(tmp, c.moddir))
		return fail(&c, -ENOENT, "no module directory %s", tmp);
	if (strncmp(c.moddir, rootreal, rl) != 0 || c.moddir[rl] != '/')
		return fail(&c, -EINVAL, "module directory %s resolves outside the root %s",
			    tmp, rootreal);
	snprintf(tmp, sizeof(tmp), "%s/modules.dep.bin", c.moddir);
	if (access(tmp, R_OK) != 0)
		return fail(&c, -ENOENT, "no %s: run depmod -b %s %s", tmp, rootreal, kver);
	static const char *const cfgrel[2] = {"etc/modprobe.d", "lib/modprobe.d"};
	for (int i = 0; i < 2; i++) {
		snprintf(tmp, sizeof(tmp), "%s/%s", rootreal, cfgrel[i]);
		if (!is_dir(tmp) || !realpath(tmp, cfgdirs[ncfg]))
			continue;
		if (strncmp(cfgdirs[ncfg], rootreal, rl) != 0 || cfgdirs[ncfg][rl] != '/')
			return fail(&c, -EINVAL, "%s resolves outside the root %s", tmp, rootreal);
		cfg[ncfg] = cfgdirs[ncfg];
		ncfg++;
	}
	c.kmod = kmod_new(c.moddir, cfg); /* cfg is never NULL: no host config */
	if (!c.kmod)
		return fail(&c, -ENOMEM, "kmod_new(%s) failed", c.moddir);
	kmod_set_log_fn(c.kmod, quiet_log, NULL);
	/* Only a speed-up: lookups open the indexes they need on their own
	 * (this fails when an optional index such as modules.builtin.bin is
	 * missing). */
	(void)kmod_load_resources(c.kmod);
	r = add_names(&c, core, MODRES_CORE);
	if (r >= 0)
		r = add_names(&c, nic, MODRES_NIC);
	if (r < 0)
		goto out;
	order = calloc(c.nnodes ? c.nnodes : 1, sizeof(*order));
	if (!order) {
		r = fail(&c, -ENOMEM, "out of memory");
		goto out;
	}
	if ((r = topo_order(&c, order)) < 0 || (r = write_conf(&c, order, &conf)) < 0)
		goto out;
	if ((r = export(&c, order, out)) < 0)
		goto out;
	out->conf = conf.s;
	out->conflen = conf.len;
	conf.s = NULL;
	r = 0;
out:
	free(order);
	free(conf.s);
	free_nodes(&c);
	kmod_unref(c.kmod);
	if (r < 0)
		modres_free(out);
	return r;
}

void modres_free(struct modres_result *r)
{
	for (size_t i = 0; i < r->nmods; i++) {
		struct modres_module *m = &r->mods[i];
		free(m->name);
		free(m->disk_path);
		free(m->archive_path);
		for (size_t d = 0; d < m->ndeps; d++)
			free(m->deps[d]);
		free(m->deps);
		for (size_t a = 0; a < m->naliases; a++)
			free(m->aliases[a]);
		free(m->aliases);
	}
	free(r->mods);
	for (size_t i = 0; i < r->nskipped; i++)
		free(r->skipped[i].name);
	free(r->skipped);
	free(r->conf);
	memset(r, 0, sizeof(*r));
}
