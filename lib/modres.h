/* Kernel module resolution for the initramfs, done with libkmod against a
 * root tree's own /lib/modules/<kver> and modprobe.d, never the head node's.
 *
 * "core" modules are always loaded by the init; "nic" modules are loaded when
 * a device's modalias matches one of their aliases; "dep" modules are
 * dependencies of nic modules only. Names built into the kernel, or absent
 * from it, are skipped and reported. The result is the load list written to
 * /lib/hopeless/modules.conf in the initramfs:
 *
 *   # hopeless module load list for <kver>
 *   module <name> <path-in-archive> <deps comma separated or -> <core|nic|dep>
 *   alias <pattern> <name>
 *
 * Modules appear in load order (every dependency before its users; core
 * modules first, ties broken by name); the aliases of a nic module follow its
 * module line. The limits below match those of init/modules.h. */
#ifndef HOPELESS_MODRES_H
#define HOPELESS_MODRES_H
#include <stddef.h>

#define MODRES_MAX_MODULES 512
#define MODRES_MAX_ALIASES 2048
#define MODRES_MAX_NAME 63     /* module name length */
#define MODRES_MAX_PATH 255    /* path in the archive */
#define MODRES_MAX_PATTERN 127 /* alias pattern length */
#define MODRES_MAX_DEPS 64     /* dependencies of one module */
#define MODRES_MAX_LINE 4095   /* one line of the load list, without '\n' */

enum modres_kind { MODRES_CORE, MODRES_NIC, MODRES_DEP };

struct modres_module {
	char *name;
	char *disk_path;    /* absolute, inside the root */
	char *archive_path; /* /lib/modules/<kver>/kernel/... */
	char **deps;        /* names, in load order */
	size_t ndeps;
	char **aliases;     /* nic modules only, sorted */
	size_t naliases;
	enum modres_kind kind;
};

struct modres_skip {
	char *name;
	int builtin; /* 1: built into the kernel, 0: not in this kernel */
};

struct modres_result {
	struct modres_module *mods; /* load order */
	size_t nmods;
	struct modres_skip *skipped; /* in the order requested */
	size_t nskipped;
	char *conf; /* the load list text, NUL-terminated */
	size_t conflen;
};

/* Resolve the core and nic names (NULL-terminated lists; either may be NULL)
 * against <root>/lib/modules/<kver>. Returns 0, or a negative errno with a
 * reason in err: -ENOENT (no module directory or indexes), -ENOTSUP (a
 * compressed module), -EINVAL (a bad name or kver), -E2BIG (limits). */
int modres_resolve(const char *root, const char *kver, const char *const *core,
		   const char *const *nic, struct modres_result *out, char *err,
		   size_t errlen);
void modres_free(struct modres_result *r);
const char *modres_kind_name(enum modres_kind k);
#endif
