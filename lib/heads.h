/* The NFS heads of a cluster (issue 11, docs/scale-out.md): several
 * interchangeable nfs-ganesha heads in front of one Ceph cluster.
 *
 *   heads/<name>.conf   one head: "ip = A.B.C.D" (hopeless head add)
 *
 * A tree without heads/ (or with none in it) is the single-head tree it
 * always was. With heads, every node gets a primary head and up to
 * HEADS_PER_NODE - 1 fallbacks by rendezvous (highest random weight)
 * hashing of its host name and the head names, unless its server = list
 * (node set --server or --head NAME,...) names them. */
#ifndef HOPELESS_HEADS_H
#define HOPELESS_HEADS_H
#include "tree.h"
#include <stddef.h>
#include <stdint.h>

/* hopeless.servers= takes at most 4 addresses in all (docs/boot.md), and
 * four dotted quads with their commas fill a node's server = field. */
#define HEADS_PER_NODE 4

struct head {
	char name[64]; /* also its ganesha node id in the shared grace database */
	char ip[16];
};

/* A head name: a host name label set ([A-Za-z0-9-], dots between labels),
 * since it names a file, a ganesha node id and a RADOS object key. */
int head_name_ok(const char *name, const char **why);
int head_parse(const char *text, struct head *h, char *err, size_t errlen);
int head_format(const struct head *h, struct strbuf *sb);
/* Every heads/<name>.conf, sorted by name; *out malloc'ed (NULL, 0 when
 * there are none). */
int heads_load(const struct tree *t, struct head **out, size_t *count, char *err, size_t errlen);
/* The head named name, or NULL. */
const struct head *heads_find(const struct head *heads, size_t n, const char *name);

/* The weight of head for node: FNV-1a 64 of "node\0head" through a 64-bit
 * finaliser (splitmix64's). Stable across versions and machines. */
uint64_t heads_weight(const char *node, const char *head);
/* The node's heads, best first: indexes into heads of the (up to
 * HEADS_PER_NODE) highest weights; ties by name. Returns how many. */
size_t heads_assign(const char *node, const struct head *heads, size_t n, size_t out[HEADS_PER_NODE]);
/* "IP,IP,..." of the node's assigned heads (primary first). */
int heads_server_list(const char *node, const struct head *heads, size_t n, char *out, size_t len);
/* "NAME[,NAME...]" (node set --head) as "IP[,IP...]"; -EINVAL with the
 * reason in err for an unknown or repeated name or more than
 * HEADS_PER_NODE of them. */
int heads_resolve(const char *spec, const struct head *heads, size_t n, char *out, size_t len, char *err,
		  size_t errlen);
#endif
