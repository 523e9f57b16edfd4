/* Building a root file system: the command lines of the tools that do the
 * work (tar, mmdebstrap, debootstrap, dnf), built here so they can be tested
 * without running anything. Functions return 0 or a negative errno. */
#ifndef HOPELESS_ROOTBUILD_H
#define HOPELESS_ROOTBUILD_H
#include <stddef.h>

enum rootbuild_kind {
	ROOTBUILD_TAR,         /* source: an archive, any compression tar knows */
	ROOTBUILD_MMDEBSTRAP,  /* source: a Debian suite */
	ROOTBUILD_DEBOOTSTRAP, /* source: a Debian suite (fallback) */
	ROOTBUILD_DNF,         /* source: a release version */
};

struct rootbuild_opts {
	enum rootbuild_kind kind;
	const char *source;  /* archive, suite or release */
	const char *target;  /* directory to fill (exists, empty) */
	const char *mirror;  /* Debian mirror URL (debootstrap kinds), or NULL */
	const char *include; /* packages, separated by ',' or spaces, or NULL */
	const char *variant; /* debootstrap/mmdebstrap variant, or NULL */
	const char *repo;    /* dnf repository URL, or NULL */
};

#define ROOTBUILD_MAX_ARGS 64
struct rootbuild_argv {
	char *v[ROOTBUILD_MAX_ARGS + 1]; /* NULL-terminated, each malloc'ed */
	size_t n;
};

/* Fill out->v with the command line for o. -EINVAL when o is incomplete
 * (dnf without packages, a value with a newline...), -E2BIG when too many
 * packages. Free with rootbuild_argv_free (also after an error). */
int rootbuild_argv(const struct rootbuild_opts *o, struct rootbuild_argv *out);
void rootbuild_argv_free(struct rootbuild_argv *a);
/* Find an executable in $PATH and in the sbin directories (debootstrap
 * lives in /usr/sbin, which a user's PATH may lack). 0 and the full path in
 * out, or -ENOENT. */
int rootbuild_find_tool(const char *name, char *out, size_t outlen);
/* The tool name of a kind: "tar", "mmdebstrap", "debootstrap", "dnf". */
const char *rootbuild_tool(enum rootbuild_kind kind);
#endif
