/* hopeless node: what the node subcommands share. A node is three plain
 * things in the tree: clients/<ip>/ (its host overlay: pointer files, the
 * files of its host template, its ssh host keys), state/<ip>/ (its writable
 * layer: rw.img and nothing else) and nodes/<hostname>.conf (its
 * registration, written last: it is what makes the node exist).
 *
 * One file per subcommand (node_add.c, node_list.c, node_set.c, node_rm.c,
 * node_reset.c, node_inspect.c, node_diff.c, node_capture.c), state images
 * in node_state.c, reading them offline in node_image.c, the command
 * line in cmd_node.c. Every file access goes through treefs.h. */
#ifndef HOPELESS_NODE_H
#define HOPELESS_NODE_H
#include "cli.h"
#include "upperfs.h"
#include "nodeset.h"
#include <stdint.h>
#include <time.h>

#define CONFIG_HINT "hopeless: run 'hopeless config' to update DHCP, NFS exports and boot files\n"

struct add_opts {
	const char *ip, *mac, *mac_file, *csv, *tmpl;
	int ssh_rsa;
};
struct set_opts {
	const char *root, *overlay, *state, *boot, *append, *server;
	const char *head; /* node set --head NAME[,NAME...] | auto (heads.h) */
	/* The BMC (node_bmc.c): address, user, where the password comes from. */
	const char *bmc, *bmc_user, *bmc_pw_file, *bmc_cipher;
	int bmc_pw_stdin, no_bmc;
};
#define SET_OPTS_BMC(o) \
	((o)->bmc || (o)->bmc_user || (o)->bmc_pw_file || (o)->bmc_pw_stdin || (o)->bmc_cipher || (o)->no_bmc)

/* node_common.c */
int node_copy_arg(char *dst, size_t cap, const char *val, const char *w, const char *opt);
/* --root / --overlay: "NAME" or "NAME@VERSION" (prints). */
int node_layer_arg(char *name, size_t cap, int *pin, const char *val, const char *w, const char *opt);
/* <client_rel>/hopeless.root and hopeless.overlay as nd says (NAME[@N]). */
int node_put_pointers(struct tree *t, const char *client_rel, const struct tree_node *nd);
/* Settings shared by add and set, checked the same way by both (prints). */
int node_check_settings(struct tree *t, const struct tree_node *nd, const char *w);
/* An address and a MAC a node can have on this cluster (prints); mac NULL:
 * the address only. */
int node_check_addr(const struct tree *t, const char *ip, const char *mac, const char *w);
/* Refuse (prints, returns 1) an address a head has (heads/, hopeless head). */
int node_check_not_head(const struct tree *t, const char *ip, const char *w);
/* The servers a node boots from: its own list, else with heads its heads
 * by hash (heads.h), else the cluster's server. */
struct head;
void node_server_of(const struct tree *t, const struct head *heads, size_t nh, const struct tree_node *d, char *out,
		    size_t len);
/* clients/<ip>/<name> = value + newline, atomically (no fsync: batches sync). */
int node_put_line(struct tree *t, const char *client_rel, const char *name, const char *value);
int node_write_conf(struct tree *t, const struct tree_node *nd, int sync);

/* node_state.c: state images. Built in .work/ (0700, never exported),
 * owned by state_uid, renamed into state/<ip>/rw.img; backups go to
 * backups/<ip>/ (0700, never exported). */
/* A fresh image at .work/<name>; the caller renames or removes it. */
int state_image_make(struct tree *t, const char *work_name);
/* state/<ip>/ (root, 0755) with a fresh rw.img unless one is there.
 * *created: 0 nothing made, 1 the image, 2 the directory too. */
int state_image_ensure(struct tree *t, const char *ip, int *created);
/* mkfs.ext4 of the tree's settings onto fd (the pristine image). */
int state_image_format(struct tree *t, int fd);
/* fd (new, empty, in .work/) becomes a copy of the pristine image of this
 * size, made once in .work/: a reflink clone where the file system has
 * them, else its data ranges; with a UUID of its own (cli/state_pristine.c). */
int state_image_clone(struct tree *t, int fd, off_t size);
/* Makes the pristine image for the tree's image_size now (when missing),
 * before workers clone it side by side. 0 or -errno. */
int state_image_prepare(struct tree *t);
/* The pristine image of this size, made when missing (state_pristine.c). */
int state_pristine_ready(struct tree *t, off_t size);
/* The same, opened read-only (the caller closes it). */
int state_pristine_open(struct tree *t, off_t size);
/* The tree's image_size in bytes. */
int state_image_size(const struct tree *t, off_t *size);

/* state_rbd.c: state rbd. The node's writable layer is the RBD image
 * <ceph_rbd_pool>/hopeless-state-<hostname>, a clone of the protected
 * snapshot "pristine" of hopeless-pristine-<size>-<mmp|plain> (the pristine
 * ext4 image, imported once), with exclusive-lock; its own cephx key
 * client.hopeless-node-<hostname> may touch only that image. The node
 * learns where it is and its key from clients/<ip>/hopeless.rbd (0600). */
/* The pristine image and its snapshot in the pool, made when missing. */
int state_rbd_prepare(struct tree *t);
/* The node's clone (kept when there), its key and client_rel/hopeless.rbd.
 * *created: bit 1 the image was made, bit 2 the key. */
int state_rbd_ensure(struct tree *t, const struct tree_node *nd, const char *client_rel, int *created);
/* Takes back what state_rbd_ensure made (created as it set it). */
void state_rbd_undo(struct tree *t, const struct tree_node *nd, int created);
/* 1 when a client holds the image's exclusive lock (a running node),
 * 0 when none, -ENOENT when there is no image. */
int state_rbd_in_use(struct tree *t, const struct tree_node *nd);
/* The image back to its snapshot "pristine" (taken when it was cloned), or
 * to the backup snapshot from; first, unless !backup, its content kept as
 * the snapshot backup-<YYYYmmddTHHMMSS> (pool/image@name in bak). -ESRCH:
 * no snapshot from. An image without "pristine" (made before it existed)
 * is renamed aside as hopeless-backup-<hostname>-<stamp> for a fresh clone. */
int state_rbd_reset(struct tree *t, const struct tree_node *nd, int backup, const char *from, char *bak,
		    size_t baklen);
/* 1 when name is a backup snapshot's name (backup-<stamp>[.N]). */
int state_rbd_backup_name_ok(const char *name);
/* The node's backup snapshots, oldest first, space-separated, appended to
 * names; -ENOENT when it has no image. */
int state_rbd_backups(struct tree *t, const struct tree_node *nd, struct strbuf *names);
/* The node's image exported (sparse) to .work/<dst_name>: from a snapshot
 * of its own (removed after) when no client holds its lock, else as it is
 * while the node writes (*live set). -ENOENT when it has no image. */
int state_rbd_export(struct tree *t, const struct tree_node *nd, const char *dst_name, int *live);
/* The node's key goes; its image too when purge (kept, with its backup
 * snapshots, as hopeless-backup-<hostname>-<stamp> when backup). bak gets
 * the kept name. */
int state_rbd_remove(struct tree *t, const struct tree_node *nd, int purge, int backup, char *bak, size_t baklen);
/* Keep state/<ip>/rw.img as backups/<ip>/rw.img.<stamp>: a hard link when
 * link is set (rw.img never goes missing while it is replaced), else a move;
 * bak gets the tree-relative name. -ENOENT when there is no image, -EINVAL
 * when it is not a regular file (never followed, nothing kept). */
int state_image_backup(struct tree *t, const char *ip, char *bak, size_t baklen, int link);
/* 1 when the image looks in use: its ext4 journal needs recovery, which is
 * set while a node has it mounted (and after a node crashed with it);
 * 0 when clean; negative errno when it cannot be read. why says which. */
int state_image_in_use(struct tree *t, const char *ip, const char **why);
/* The same for an image already open. */
int state_image_fd_in_use(int fd, const char **why);
/* Refuse (prints, returns 1) when the node's image is in use and !force. */
int state_refuse_running(struct tree *t, const struct tree_node *d, int force, const char *w);

int node_add(struct tree *t, const char *spec, const struct add_opts *o, const struct tree_node *proto);
/* node add's checks and creation for entries already filled (names,
 * addresses, MACs), all or nothing; prints errors as w, nothing on success.
 * node discover and serve's discovery register nodes through it. */
int node_add_entries(struct tree *t, struct nodeset_entry *e, size_t n, const char *tmpl, int ssh_rsa,
		     const struct tree_node *proto, const char *w);
/* node add's checks of names and addresses (valid, on the cluster network,
 * not used by a node of the tree nor twice in e, no leftover clients/<ip>
 * or state/<ip>); MACs too when macs is set. Prints, returns 1 on refusal. */
int node_check_batch(struct tree *t, struct nodeset_entry *e, size_t n, int macs, const char *w);
/* node_discover.c: the window (open, --close, --status) */
struct discover_opts {
	const char *dur; /* --for */
	int close, status;
};
int node_discover(struct tree *t, const char *spec, const struct add_opts *a, const struct set_opts *s,
		  const struct discover_opts *d);
struct discover_window;
/* <tree>/discover.conf: -ENOENT when there is none; err says the rest. */
int discover_load(const struct tree *t, struct discover_window *w, char *err, size_t errlen);
int discover_save(struct tree *t, const struct discover_window *w);
/* The window's names and addresses in order, which of them are free (no
 * node has the name or the address, no clients/<ip> or state/<ip> left),
 * and the tree's nodes as loaded for that. */
struct discover_slots {
	struct nodeset_entry *e;
	size_t n;
	unsigned char *free;
	size_t nfree;
	struct tree_node *nodes;
	size_t nnodes;
};
int discover_slots(const struct tree *t, const struct discover_window *w, struct discover_slots *s, char *err,
		   size_t errlen);
void discover_slots_free(struct discover_slots *s);
/* What every node the window registers gets (prints on error). */
int discover_proto(const struct discover_window *win, struct tree_node *proto, const char *w);
int node_list(struct tree *t, int json);
int node_show(struct tree *t, const char *host);
int node_set(struct tree *t, const char *host, const struct set_opts *o);
/* node set with BMC options only: bmc/<host>.conf of each node. */
int node_bmc_set(struct tree *t, const char *spec, const struct set_opts *o);
/* The "bmc:" line of node show: address and user, never the password. */
void node_show_bmc(const struct tree *t, const char *host);
int node_rm(struct tree *t, const char *host, int purge, int backup, int force);
int node_reset(struct tree *t, const char *host, int backup, const char *from, int force);
int node_inspect(struct tree *t, const char *host, const char *path);
int node_diff(struct tree *t, const char *host, int json);
int node_capture(struct tree *t, const char *host, const char *overlay, const char *const *paths, size_t npaths,
		 int force);

/* node_image.c: a node's writable layer read offline, without mounting
 * its image: e2fsck checks it, libext2fs reads it (upper_ext2_open). An
 * image in use (the node is up) is read from a private copy in .work/: a
 * reflink (FICLONE: one consistent instant) when the file system has them,
 * else a sparse copy taken while the node writes (not consistent); the copy
 * gets e2fsck -fy (its journal replayed) and is removed by node_image_close.
 * State rbd: always a copy, exported from a snapshot when the image is not
 * locked (consistent), else from the image as the node writes it (in_use;
 * refused with NODE_IMAGE_CONSISTENT). */
#define NODE_IMAGE_CONSISTENT 1 /* in use and no reflink: refuse (-EBUSY) */
struct node_image {
	struct upper_src src;
	int fd;                 /* the image (or copy) read; -1 when closed */
	int node_fd;            /* the node's own image */
	char rel[PATH_MAX];     /* state/<ip>/rw.img */
	char copy[PATH_MAX];    /* .work/<...>: the copy read, "" when none */
	int in_use, reflink;
	int rbd;                /* state rbd: rel names pool/image, copy its export */
	time_t taken;           /* when the copy was taken */
	struct timespec mtime;  /* of the node's image when opened */
	char fstype[16];        /* of the tree, for messages */
};
/* 0 with ni->src ready; -ENOENT when the node has no image or its image
 * no /upper (it never booted from it); else a negative errno. why says it
 * in words either way. */
int node_image_open(struct tree *t, const struct tree_node *d, int flags, struct node_image *ni, char *why,
		    size_t whylen);
/* 1 when the node's image changed or came into use since it was opened
 * without a copy (the node booted meanwhile: what was read may be torn). */
int node_image_changed(const struct node_image *ni);
void node_image_close(struct tree *t, struct node_image *ni);

/* node_versions.c: the versions of its root and overlay a node booted (from
 * its last "union" boot event in log/events.log; 0 when unknown) and the
 * versions it gets at its next boot (its pointer files resolved now: the
 * pinned version, else the layer's current one; 0 when unresolvable). */
struct node_versions {
	char root[64], overlay[64]; /* layer names, without "@N" */
	int root_booted, overlay_booted;
	int root_next, overlay_next;
	int root_pinned, overlay_pinned; /* 1 when the pointer names "@N" */
};
int node_versions_get(const struct tree *t, const struct tree_node *n, struct node_versions *v);
/* The same for count nodes, reading the events log once. */
int node_versions_all(const struct tree *t, const struct tree_node *nodes, size_t count, struct node_versions *out);
#endif
