/* The lint rules of `hopeless check`, each a function over a loaded tree.
 * A rule appends one line per problem, "<where>: <problem>", to the report
 * and prints nothing; the command adds its prefix. Rules return 0, or a
 * negative errno when they could not look (a problem in itself, which the
 * command reports). */
#ifndef HOPELESS_CHECK_H
#define HOPELESS_CHECK_H
#include "tree.h"

struct check_report {
	struct strbuf lines; /* "<where>: <problem>\n" per problem */
	size_t count;
};

/* Append one problem. */
int check_add(struct check_report *rep, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void check_report_free(struct check_report *rep);

/* hopeless.root / hopeless.overlay naming nothing, or the wrong kind;
 * meta/<name> without roots/<name> and the reverse. */
int check_layers(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
/* Two nodes with one IP or one MAC (any spelling). O(n log n). */
int check_duplicates(const struct tree_node *nodes, size_t n, struct check_report *rep);
/* Node addresses no node can have (validate_node_ip, validate_node_mac):
 * one problem per bad ip and per bad MAC, naming the node and why. */
int check_node_addresses(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
/* Per root in use: a kernel with its modules, a built initramfs, and an
 * initramfs at least as new as that kernel (same bytes in tftp/). */
int check_kernels(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
/* state=image nodes: rw.img present, a regular file, used by one node only. */
int check_state_images(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
/* state/<ip> and clients/<ip> with no node. */
int check_orphans(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
/* Files in host and cluster overlays that shadow nothing below while their
 * name is one or two edits from a name that is there: likely typos. */
int check_shadows(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
/* heads/: a head file that does not parse, a head address that is a node's
 * or another head's, heads with nfs_server = kernel. */
int check_heads(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
/* World-writable files and non-sticky directories; private keys, shadow
 * files and state images readable beyond what they should be. */
int check_permissions(const struct tree *t, struct check_report *rep);

/* Every rule above, in order. */
int check_tree(const struct tree *t, struct check_report *rep, char *err, size_t errlen);

/* Optimal string alignment distance (edits, with transpositions), capped:
 * returns at most cap + 1. */
int check_edit_distance(const char *a, const char *b, int cap);
#endif
