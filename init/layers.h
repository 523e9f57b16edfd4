/* layers.c: the root and overlay a node boots, and which version of each. */
#ifndef HOPELESS_INIT_LAYERS_H
#define HOPELESS_INIT_LAYERS_H
#include <stddef.h>

struct layer {
	char name[64];
	int pinned;    /* N of "name@N" in the pointer file, 0: the layer's current */
	int version;   /* the version booted, 0: an unversioned (flat) layer */
	char dir[400]; /* what the union stacks: HL_ROOTS/<name>/<N> */
};

/* Parse a pointer file ("debian" or "debian@7"). */
int layer_read_pointer(const char *file, struct layer *l);
/* Mount the layer's export <roots>/<name> read-only at HL_ROOTS/<name>. */
int layer_mount(const char *server, const char *roots, const char *nfsvers, const char *client_ip,
		const struct layer *l);
/* After layer_mount: the pinned version, else the one "current" names
 * (read once, now); fills version and dir. */
int layer_choose_version(struct layer *l);
/* "debian@7" (or "debian" for a flat layer). */
int layer_describe(const struct layer *l, char *out, size_t len);
/* HL_RUN/versions: "root=debian@7\noverlay=compute@3\n", for the running
 * system and its administrator. */
int layers_write_versions(const struct layer *root, const struct layer *overlay);
#endif
