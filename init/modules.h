/* Kernel module loading in hopeless-init, driven by the load list the head
 * node wrote to /lib/hopeless/modules.conf (lib/modres.h has the format):
 * every "core" module in file order, and a coldplug loop that matches the
 * modalias of every device in /sys/bus against the "alias" records and loads
 * the matching modules (dependencies first), until nothing new loads. The
 * two run at the same time, in two processes (modload.h).
 * Everything lives in fixed-size tables; the limits match lib/modres.h. */
#ifndef HOPELESS_INIT_MODULES_H
#define HOPELESS_INIT_MODULES_H
#include <stddef.h>
#include <stdint.h>

#define MODULES_MAX 512
#define MODULES_MAX_ALIASES 2048
#define MODULES_NAME_LEN 64     /* with the NUL */
#define MODULES_PATH_LEN 256    /* with the NUL */
#define MODULES_PATTERN_LEN 128 /* with the NUL */
#define MODULES_MAX_DEPS 64
#define MODULES_LINE_LEN 4096   /* with the '\n' */
#define MODULES_CONF_MAX (1024 * 1024)
#define MODULES_MAX_PASSES 5

enum modules_kind { MODULES_CORE, MODULES_NIC, MODULES_DEP };
enum modules_state { MODULES_PENDING, MODULES_LOADED, MODULES_FAILED };

struct modentry {
	char name[MODULES_NAME_LEN];
	char path[MODULES_PATH_LEN];
	uint16_t deps[MODULES_MAX_DEPS]; /* indices of earlier entries */
	uint8_t ndeps;
	uint8_t kind;  /* enum modules_kind */
	uint8_t state; /* enum modules_state */
	int error;     /* negative errno once MODULES_FAILED */
};

struct modalias {
	char pattern[MODULES_PATTERN_LEN]; /* fnmatch() pattern */
	uint16_t mod;
};

struct modlist {
	struct modentry mods[MODULES_MAX];
	size_t nmods;
	struct modalias aliases[MODULES_MAX_ALIASES];
	size_t naliases;
};

/* Parse a load list (NUL-terminated text) into *out. Strict: unknown record
 * types, wrong field counts, over-long lines or fields, paths outside
 * /lib/modules/, unknown or later-defined dependencies, duplicate modules and
 * too many records are errors. Returns 0, or -EINVAL / -E2BIG with
 * "line N: reason" in err. */
int modules_parse(const char *text, struct modlist *out, char *err, size_t errlen);

/* Loads one module: returns 0 on success, -EEXIST when it was already in the
 * kernel (counted as success), or another negative errno. */
typedef int (*modules_loader)(const struct modentry *m, void *ctx);

/* What loading cost: the CPU time the kernel spent in finit_module (the
 * calling process's user + system time around each call, so time the
 * scheduler gave to another process does not count) and how many modules
 * loaded. modules_finit() adds to it when its ctx points to one. */
struct modules_cost {
	double cpu_secs;
	int loaded;
};

/* The real loader: open() + finit_module(fd, "", 0); ctx: a struct
 * modules_cost or NULL. */
int modules_finit(const struct modentry *m, void *ctx);

/* Loads module idx after its dependencies (each once, recursively). Returns
 * the number of modules newly loaded, or a negative errno when idx or one of
 * its dependencies failed (now or earlier). */
int modules_load_one(struct modlist *l, size_t idx, modules_loader fn, void *ctx);

/* Loads the pending modules having an alias that matches modalias. Returns
 * the number of modules newly loaded (failures are logged, not returned). */
int modules_match(struct modlist *l, const char *modalias, modules_loader fn, void *ctx);

/* Coldplug: reads every <sys_bus>/<bus>/devices/<dev>/modalias, matches it,
 * and rescans until a pass loads nothing new (at most MODULES_MAX_PASSES
 * passes). Returns the number of modules loaded, or -errno when sys_bus
 * cannot be read. */
int modules_coldplug(struct modlist *l, const char *sys_bus, modules_loader fn, void *ctx);

/* Reads and parses conf_path into *list. Returns 0, or a negative errno
 * with the reason logged. */
int modules_read(const char *conf_path, struct modlist *list);

/* Loads every core module in file order (the NFS client, overlayfs, loop:
 * what the mounts need). Logs each; returns 0 or the first core failure. */
int modules_load_core(struct modlist *list, struct modules_cost *cost);

/* Loads what the devices need (coldplug from /sys/bus: the NIC drivers).
 * Returns the number loaded, or a negative errno when /sys/bus is
 * unreadable (logged). */
int modules_load_devices(struct modlist *list, struct modules_cost *cost);
#endif
