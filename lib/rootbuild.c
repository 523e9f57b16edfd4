/* Command lines for the tools that build roots. Nothing here runs anything:
 * cmd_root.c runs what these functions build, the unit tests inspect it. */
#include "rootbuild.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *rootbuild_tool(enum rootbuild_kind kind)
{
	switch (kind) {
	case ROOTBUILD_TAR: return "tar";
	case ROOTBUILD_MMDEBSTRAP: return "mmdebstrap";
	case ROOTBUILD_DEBOOTSTRAP: return "debootstrap";
	case ROOTBUILD_DNF: return "dnf";
	}
	return NULL;
}

static int add(struct rootbuild_argv *a, const char *fmt, const char *val)
{
	if (a->n >= ROOTBUILD_MAX_ARGS)
		return -E2BIG;
	char *s;
	if (asprintf(&s, fmt, val) < 0)
		return -ENOMEM;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

/* Values go to tools as single arguments, never through a shell; still,
 * refuse what no suite, URL or package name contains. */
static int plain(const char *s)
{
	if (!s || !*s || s[0] == '-')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* "a,b c" -> one argument per package (dnf wants them separately). */
static int add_packages(struct rootbuild_argv *a, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int r = 0, any = 0;
	for (char *p = strtok_r(copy, ", \t", &save); p && !r; p = strtok_r(NULL, ", \t", &save)) {
		r = p[0] == '-' ? -EINVAL : add(a, "%s", p);
		any = 1;
	}
	free(copy);
	return r ? r : (any ? 0 : -EINVAL);
}

/* debootstrap and mmdebstrap take "--include=a,b": normalise spaces to commas. */
static int add_include_csv(struct rootbuild_argv *a, const char *list)
{
	char *copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (char *p = copy; *p; p++)
		if (*p == ' ' || *p == '\t')
			*p = ',';
	int r = add(a, "--include=%s", copy);
	free(copy);
	return r;
}

static int build_tar(const struct rootbuild_opts *o, struct rootbuild_argv *a)
{
	/* -x with -f lets GNU tar detect gzip, xz, zstd, bzip2 by itself.
	 * Numeric owners: the head node's names must not remap the root's ids. */
	int r = add(a, "%s", "tar");
	if (!r) r = add(a, "%s", "--numeric-owner");
	if (!r) r = add(a, "%s", "--xattrs");
	if (!r) r = add(a, "%s", "--xattrs-include=*");
	if (!r) r = add(a, "%s", "--acls");
	if (!r) r = add(a, "%s", "-xpf");
	if (!r) r = add(a, "%s", o->source);
	if (!r) r = add(a, "%s", "-C");
	if (!r) r = add(a, "%s", o->target);
	return r;
}

static int build_debian(const struct rootbuild_opts *o, struct rootbuild_argv *a)
{
	int r = add(a, "%s", rootbuild_tool(o->kind));
	if (!r && o->variant)
		r = plain(o->variant) ? add(a, "--variant=%s", o->variant) : -EINVAL;
	if (!r && o->include)
		r = plain(o->include) ? add_include_csv(a, o->include) : -EINVAL;
	if (!r)
		r = add(a, "%s", o->source);
	if (!r)
		r = add(a, "%s", o->target);
	if (!r && o->mirror)
		r = plain(o->mirror) ? add(a, "%s", o->mirror) : -EINVAL;
	return r;
}

static int build_dnf(const struct rootbuild_opts *o, struct rootbuild_argv *a)
{
	if (!o->include || !plain(o->include))
		return -EINVAL;
	int r = add(a, "%s", "dnf");
	if (!r) r = add(a, "%s", "-y");
	if (!r) r = add(a, "--installroot=%s", o->target);
	if (!r) r = add(a, "--releasever=%s", o->source);
	/* Weak dependencies make a node root grow by hundreds of MB. */
	if (!r) r = add(a, "%s", "--setopt=install_weak_deps=False");
	if (!r && o->repo) {
		if (!plain(o->repo))
			return -EINVAL;
		/* Only this repository: the head node's own repos are not the
		 * target distribution's. */
		r = add(a, "--repofrompath=hopeless,%s", o->repo);
		if (!r) r = add(a, "%s", "--repo=hopeless");
	}
	if (!r) r = add(a, "%s", "install");
	if (!r) r = add_packages(a, o->include);
	return r;
}

int rootbuild_argv(const struct rootbuild_opts *o, struct rootbuild_argv *out)
{
	memset(out, 0, sizeof(*out));
	if (!plain(o->source) || !o->target || o->target[0] != '/')
		return -EINVAL;
	switch (o->kind) {
	case ROOTBUILD_TAR: return build_tar(o, out);
	case ROOTBUILD_MMDEBSTRAP:
	case ROOTBUILD_DEBOOTSTRAP: return build_debian(o, out);
	case ROOTBUILD_DNF: return build_dnf(o, out);
	}
	return -EINVAL;
}

void rootbuild_argv_free(struct rootbuild_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
	a->v[0] = NULL;
}

int rootbuild_find_tool(const char *name, char *out, size_t outlen)
{
	const char *env = getenv("PATH");
	char path[4096];
	snprintf(path, sizeof(path), "%s:/usr/local/sbin:/usr/sbin:/sbin", env ? env : "/usr/bin:/bin");
	char *save = NULL;
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (snprintf(out, outlen, "%s/%s", d, name) >= (int)outlen)
			continue;
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}
