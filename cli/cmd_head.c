/* hopeless head: declare the NFS heads of a cluster (issue 11,
 * docs/scale-out.md). A head is heads/<name>.conf ("name =", "ip ="),
 * written atomically under the tree lock like nodes/<host>.conf; hopeless
 * config writes etc/heads/<name>/ganesha.conf for it and spreads the nodes
 * over the heads (lib/heads.h). */
#include "cli.h"
#include "heads.h"
#include "validate.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: hopeless head add NAME --ip IP\n"
	"       hopeless head list\n"
	"       hopeless head rm NAME [--force]\n"
	"A head serves the tree from Ceph (nfs-ganesha FSAL_CEPH; ceph_* settings in\n"
	"hopeless.conf). hopeless config gives every node a primary head and up to\n"
	"three fallbacks by stable hash; node set --head NAME[,NAME...] or --server\n"
	"names them for one node, --head auto goes back to the hash. head rm refuses a\n"
	"head a node names explicitly unless --force.\n";

#define HINT "hopeless: run 'hopeless config' to write the heads' configs and the nodes' boot files\n"

/* The nodes whose own server list names ip: their names, comma-separated,
 * into out (at most a few, then "..."); how many. */
static size_t nodes_naming(const struct tree_node *nodes, size_t n, const char *ip, char *out, size_t len)
{
	size_t k = 0, used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char copy[sizeof(nodes[i].server)], *save = NULL;
		snprintf(copy, sizeof(copy), "%s", nodes[i].server);
		for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
			if (strcmp(a, ip))
				continue;
			if (k < 4 && used < len)
				used += (size_t)snprintf(out + used, len - used, "%s%s", k ? ", " : "", nodes[i].hostname);
			else if (k == 4 && used < len)
				used += (size_t)snprintf(out + used, len - used, ", ...");
			k++;
			break;
		}
	}
	return k;
}

/* Everything head add refuses, one line each. */
static int add_check(struct tree *t, const char *name, const char *ip, const struct head *heads, size_t nh)
{
	const char *w = "head add", *why = NULL;
	char err[512];
	if (head_name_ok(name, &why) < 0)
		return cli_error(w, "%s: not a head name: %s", name, why);
	if (validate_ipv4(ip, NULL, &why) < 0)
		return cli_error(w, "--ip %s: %s", ip, why);
	/* On the cluster network, where the nodes reach it; the main head's own
	 * address (server) is a head's address too. */
	if (strcmp(ip, t->conf.server) && validate_node_ip(ip, t->conf.server, t->conf.netmask, &why) < 0)
		return cli_error(w, "--ip %s: %s", ip, why);
	if (heads_find(heads, nh, name))
		return cli_error(w, "%s: a head of that name exists (hopeless head list)", name);
	for (size_t i = 0; i < nh; i++)
		if (!strcmp(heads[i].ip, ip))
			return cli_error(w, "--ip %s: head %s has that address", ip, heads[i].name);
	struct tree_node *nodes;
	size_t n;
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (!strcmp(nodes[i].ip, ip))
			rc = cli_error(w, "--ip %s: node %s has that address", ip, nodes[i].hostname);
	free(nodes);
	return rc;
}

static int head_add(struct tree *t, const char *name, const char *ip)
{
	struct head *heads;
	size_t nh;
	char err[512], rel[PATH_MAX];
	if (!ip)
		return cli_error("head add", "%s: --ip IP is required (the head's address on the cluster network)",
				 name);
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error("head add", "%s", err);
	int rc = add_check(t, name, ip, heads, nh);
	free(heads);
	if (rc)
		return rc;
	struct head h;
	memset(&h, 0, sizeof(h));
	snprintf(h.name, sizeof(h.name), "%s", name);
	snprintf(h.ip, sizeof(h.ip), "%s", ip);
	struct strbuf sb = STRBUF_INIT;
	int r = tfs_mkdir_p(t, "heads", 0755);
	if (r == 0)
		r = tfs_fmt(rel, sizeof(rel), "heads/%s.conf", name);
	if (r == 0)
		r = head_format(&h, &sb);
	if (r == 0)
		r = tfs_write_file(t, rel, sb.buf, sb.len, 0644);
	sb_free(&sb);
	if (r < 0)
		return cli_error("head add", "%s/heads/%s.conf: %s", t->dir, name, strerror(-r));
	printf("hopeless: head %s added (%s); %zu head(s) in all\n", name, ip, nh + 1);
	fputs(HINT, stdout);
	return 0;
}

/* How many nodes have each head as their primary (explicit lists by
 * address, the rest by hash). */
static void count_primaries(const struct head *heads, size_t nh, const struct tree_node *nodes, size_t n,
			    size_t *hashed, size_t *named)
{
	for (size_t i = 0; i < n; i++) {
		if (nodes[i].server[0]) {
			size_t len = strcspn(nodes[i].server, ",");
			for (size_t k = 0; k < nh; k++)
				if (strlen(heads[k].ip) == len && !strncmp(heads[k].ip, nodes[i].server, len))
					named[k]++;
			continue;
		}
		size_t idx[HEADS_PER_NODE];
		if (heads_assign(nodes[i].hostname, heads, nh, idx) > 0)
			hashed[idx[0]]++;
	}
}

static int head_list(struct tree *t)
{
	struct head *heads;
	struct tree_node *nodes;
	size_t nh, n;
	char err[512];
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error("head list", "%s", err);
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0) {
		free(heads);
		return cli_error("head list", "%s", err);
	}
	size_t *hashed = calloc(nh + 1, sizeof(size_t)), *named = calloc(nh + 1, sizeof(size_t));
	int rc = 0;
	if (!hashed || !named)
		rc = cli_error("head list", "out of memory");
	else if (nh == 0)
		printf("no heads: every node boots from this tree's server %s (hopeless head add NAME --ip IP)\n",
		       t->conf.server);
	else {
		count_primaries(heads, nh, nodes, n, hashed, named);
		printf("%-24s %-15s %8s %8s\n", "HEAD", "IP", "PRIMARY", "NAMED");
		for (size_t i = 0; i < nh; i++)
			printf("%-24s %-15s %8zu %8zu\n", heads[i].name, heads[i].ip, hashed[i] + named[i], named[i]);
	}
	free(hashed);
	free(named);
	free(nodes);
	free(heads);
	return rc;
}

static int head_rm(struct tree *t, const char *name, int force)
{
	const char *w = "head rm";
	struct head *heads;
	struct tree_node *nodes;
	size_t nh, n;
	char err[512], rel[PATH_MAX], who[256];
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	const struct head *h = heads_find(heads, nh, name);
	if (!h) {
		free(heads);
		return cli_error(w, "%s: no such head (see hopeless head list)", name);
	}
	struct head gone = *h;
	free(heads);
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	size_t k = nodes_naming(nodes, n, gone.ip, who, sizeof(who));
	free(nodes);
	if (k && !force)
		return cli_error(w, "%s: %zu node(s) name it as their server (%s); move them first (hopeless node set "
				    "NODE --head auto, or --head/--server another), or --force",
				 name, k, who);
	int r = tfs_fmt(rel, sizeof(rel), "heads/%s.conf", name);
	if (r == 0)
		r = tfs_unlink(t, rel);
	if (r == 0)
		r = tfs_sync(t);
	if (r < 0)
		return cli_error(w, "%s/heads/%s.conf: %s", t->dir, name, strerror(-r));
	if (tfs_fmt(rel, sizeof(rel), "etc/heads/%s", name) == 0)
		tfs_remove_tree(t, rel);
	printf("hopeless: head %s removed (%s)%s\n", name, gone.ip,
	       k ? "; the nodes naming it still list its address" : "");
	fputs(HINT, stdout);
	return 0;
}

/* NAME [--ip IP] [--force], in any order. */
static int parse_args(int argc, char **argv, const char *w, const char **name, const char **ip, int *force)
{
	*name = *ip = NULL;
	*force = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--ip")) {
			if (++i >= argc)
				return cli_error(w, "--ip: needs a value");
			*ip = argv[i];
		} else if (!strcmp(argv[i], "--force"))
			*force = 1;
		else if (argv[i][0] == '-')
			return cli_error(w, "%s: unknown option (see hopeless head --help)", argv[i]);
		else if (*name)
			return cli_error(w, "%s: unexpected argument (see hopeless head --help)", argv[i]);
		else
			*name = argv[i];
	}
	return 0;
}

static int dispatch(struct tree *t, const char *sub, const char *name, const char *ip, int force)
{
	if (!strcmp(sub, "add"))
		return head_add(t, name, ip);
	if (!strcmp(sub, "rm"))
		return head_rm(t, name, force);
	return head_list(t);
}

int cmd_head(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1], *name, *ip;
	char w[32];
	int force;
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "rm"))
		return cli_error("head", "%s: unknown subcommand (see hopeless head --help)", sub);
	snprintf(w, sizeof(w), "head %s", sub);
	if (parse_args(argc, argv, w, &name, &ip, &force))
		return 1;
	if (!strcmp(sub, "list") && (name || ip || force))
		return cli_error(w, "takes no arguments (see hopeless head --help)");
	if (strcmp(sub, "list") && !name)
		return cli_error(w, "missing NAME (see hopeless head --help)");
	if ((strcmp(sub, "add") && ip) || (strcmp(sub, "rm") && force))
		return cli_error(w, "%s: not accepted here (see hopeless head --help)", ip ? "--ip" : "--force");
	struct tree t;
	if (cli_open_tree(&t, ctx, "head", strcmp(sub, "list") != 0) < 0)
		return 1;
	int rc = dispatch(&t, sub, name, ip, force);
	tree_close(&t);
	return rc;
}
