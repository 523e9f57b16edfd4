/* The cluster tree: the single source of truth on the head node.
 *
 *   hopeless.conf          cluster settings (server address, network, ...)
 *   meta/<name>            "root" or "overlay": what roots/<name> is
 *   roots/<name>/          root file systems and cluster-wide overlays
 *   clients/<ip>/          host-specific overlay: hopeless.root, hopeless.overlay, etc/hostname
 *   state/<ip>/rw.img      the node's writable layer (state=image)
 *   clients/<ip>/hopeless.rbd  where its RBD image is and its cephx key (state=rbd)
 *   nodes/<hostname>.conf  the node's registration: ip, mac, state, boot, append
 *   tftp/                  boot files served by TFTP (generated)
 *   etc/                   generated service configs (dnsmasq, ganesha, exports)
 */
#ifndef HOPELESS_TREE_H
#define HOPELESS_TREE_H
#include "util.h"
#include "treefs.h"
#include <limits.h>
#include <stddef.h>

#define TREE_DEFAULT_DIR "/srv/hopeless"

struct tree_conf {
	char server[16];      /* head node address on the cluster network */
	char netmask[16];
	char interface[16];   /* interface dnsmasq serves */
	char nfs_server[16];  /* ganesha | kernel */
	char nfs_version[8];  /* 4.1, 4.2, 4, 3 */
	char image_size[16];  /* default size of a node's rw.img, e.g. 1G */
	char image_mmp[4];    /* yes | no: ext4 multi-mount protection on new images */
	char append[512];     /* kernel arguments for every node */
	char domain[64];      /* DNS domain of the nodes (@DOMAIN@ in host templates) */
	/* Owner of every node's rw.img and the id a node's root is squashed to
	 * on its state export: a node can write its image and nothing else
	 * under state/<ip>/ (root-owned, 0755). */
	unsigned state_uid;
	/* Versions of each root and overlay that root gc / overlay gc keep
	 * besides those in use: the newest keep_versions. */
	int keep_versions;
	/* TCP port the head node's web server (nginx, run by hopeless serve)
	 * serves tftp/ on; iPXE and GRUB fetch scripts, kernels and initramfs
	 * images over HTTP from it. 0: no HTTP, everything over TFTP. */
	int http_port;
	/* The Ceph side of a tree with heads (heads/, hopeless head add): what
	 * each head's nfs-ganesha uses for FSAL_CEPH and its rados_cluster
	 * recovery back end. hopeless.conf names them only when they differ
	 * from the defaults below. */
	char ceph_conf[128];           /* the heads' ceph.conf */
	char ceph_user[64];            /* cephx id of the heads, without "client." */
	char ceph_fs[64];              /* the CephFS file system holding the tree */
	char ceph_grace_pool[64];      /* RADOS pool of the shared grace database */
	char ceph_grace_namespace[64]; /* its namespace */
	char ceph_path[128];           /* the tree's directory inside that CephFS */
	/* Nodes with state rbd (RBD images): the monitors the nodes' kernels
	 * map their images from ("IP:PORT,IP:PORT", empty: none set), the pool
	 * of the images, and the cephx id `hopeless node` runs rbd and ceph as
	 * (with ceph_conf) to make images and keys. */
	char ceph_mons[192];
	char ceph_rbd_pool[64];
	char ceph_admin[64];
};
#define TREE_CEPH_CONF_DEFAULT "/etc/ceph/ceph.conf"
#define TREE_CEPH_USER_DEFAULT "ganesha"
#define TREE_CEPH_FS_DEFAULT "cephfs"
#define TREE_CEPH_GRACE_POOL_DEFAULT "nfs-ganesha"
#define TREE_CEPH_GRACE_NAMESPACE_DEFAULT "grace"
#define TREE_CEPH_PATH_DEFAULT "/"
#define TREE_CEPH_RBD_POOL_DEFAULT "rbd"
#define TREE_CEPH_ADMIN_DEFAULT "admin"

#define TREE_KEEP_VERSIONS_DEFAULT 3
#define TREE_HTTP_PORT_DEFAULT 80
#define TREE_STATE_UID_DEFAULT 64055

struct tree_node {
	char hostname[64];
	char ip[16];
	char mac[18];
	char state[8];    /* image | tmpfs | rbd */
	char boot[12];    /* ipxe | pxelinux | grub (tree_boot_method_ok) */
	char append[256]; /* extra kernel arguments for this node */
	char server[64];  /* NFS server(s) of this node, "A" or "A,B" (empty: the cluster's) */
	char root[64];    /* layer name, from clients/<ip>/hopeless.root */
	char overlay[64]; /* layer name, from clients/<ip>/hopeless.overlay */
	int root_pin;     /* N of "root@N" in the pointer file, 0: the current version */
	int overlay_pin;
	/* How the node came: "" by hand (node add), or "discovered <time>"
	 * (node discover; see discover.h). */
	char registered[40];
};

struct tree {
	char dir[PATH_MAX]; /* for messages and generated configs; files are reached through fd */
	int fd;             /* the tree's directory: every access resolves beneath it (treefs.h) */
	int lock_fd;
	struct tree_conf conf;
	/* Set by config when heads are declared: every head serves the boot
	 * files, so their URLs name the head that answered the node's DHCP
	 * (iPXE's ${next-server}) instead of conf.server (gen_boot_url). */
	int boot_from_next_server;
};

/* Calls fn(key, value) for each "key = value" line; comments and blank lines
 * are skipped. On error err holds "line N: <what fn said>". */
typedef int (*tree_kv_fn)(void *ctx, const char *key, const char *val, char *err, size_t errlen);
int tree_parse_kv(const char *text, tree_kv_fn fn, void *ctx, char *err, size_t errlen);
void tree_conf_defaults(struct tree_conf *c);
/* Parse "key = value" lines; on error fills err with "line N: ..." */
int tree_conf_parse(const char *text, struct tree_conf *c, char *err, size_t errlen);
int tree_conf_format(const struct tree_conf *c, struct strbuf *sb);
/* 1 when boot is a boot method hopeless knows: ipxe, pxelinux or grub. */
int tree_boot_method_ok(const char *boot);
int tree_node_parse(const char *text, struct tree_node *n, char *err, size_t errlen);
int tree_node_format(const struct tree_node *n, struct strbuf *sb);

/* Resolve the tree directory: explicit dir, else $HOPELESS_DIR, else default. */
const char *tree_resolve_dir(const char *explicit_dir);
/* Open an existing tree (reads hopeless.conf). -ENOENT if it is not a tree. */
int tree_open(struct tree *t, const char *dir, char *err, size_t errlen);
/* Take the tree lock (blocking flock on <dir>/.lock). */
int tree_lock(struct tree *t);
void tree_close(struct tree *t);
/* snprintf "<tree dir>/<fmt...>" into out; -ENAMETOOLONG if it does not fit.
 * For messages and generated configs only: files are opened with treefs. */
int tree_path(const struct tree *t, char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A pointer file's text: "name", or "name@N" when pin > 0. */
int tree_layer_ref(char *out, size_t outlen, const char *name, int pin);
/* "root", "overlay" or NULL when the name is unknown. */
const char *tree_layer_kind(const struct tree *t, const char *name);
int tree_node_load(const struct tree *t, const char *hostname, struct tree_node *n,
		   char *err, size_t errlen);
/* All nodes, sorted by IP address. *out is malloc'ed; caller frees. */
int tree_nodes_load(const struct tree *t, struct tree_node **out, size_t *count,
		    char *err, size_t errlen);
/* Names listed in a directory of the tree (e.g. "meta"), sorted; caller
 * frees with tree_names_free. */
int tree_list_names(const struct tree *t, const char *sub, char ***names, size_t *count);
void tree_names_free(char **names, size_t count);
#endif
