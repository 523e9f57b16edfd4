/* hopeless head: declare the NFS heads of a cluster (issue 11,
 * docs/scale-out.md). A head is heads/<name>.conf ("name =", "ip ="),
 * written atomically under the tree lock like nodes/<host>.conf; hopeless
 * config writes etc/heads/<name>/ganesha.conf for it and spreads the nodes
 * over the heads (lib/heads.h). */
#include "cli.h"
#include "head.h"
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
	"       hopeless head takeover DEAD [--force] [--wait SECS]\n"
	"       hopeless head release DEAD\n"
	"       hopeless head watch [--interval SECS] [--misses N] [--wait SECS]\n"
	"A head serves the tree from Ceph (nfs-ganesha FSAL_CEPH; ceph_* settings in\n"
	"hopeless.conf). hopeless config gives every node a primary head and up to\n"
	"three fallbacks by stable hash; node set --head NAME[,NAME...] or --server\n"
	"names them for one node, --head auto goes back to the hash. head rm refuses a\n"
	"head a node names explicitly unless --force.\n"
	"head takeover, run on a surviving head, moves the dead head's address here and\n"
	"serves its nodes with a second nfs-ganesha from etc/heads/DEAD/ganesha.conf;\n"
	"refused while the address still answers ARP unless --force; waits up to --wait\n"
	"seconds (default 120, 0: do not wait) for it to listen. head release undoes it.\n"
	"head watch, run on every head, probes the others' NFS port every --interval\n"
	"seconds (default 1) and takes over a head that missed --misses (default 3) in a\n"
	"row when this head is its successor (stable hash).\n";

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

struct head_args {
	const char *name, *ip;
	int force, have_wait, have_watch_opt, misses;
	double wait, interval;
};

/* A number within [lo, hi] for option opt: 0, or -1 after the error. */
static int number_arg(const char *w, const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	*out = strtod(v, &end);
	if (end == v || *end || !(*out >= lo && *out <= hi))
		return cli_error(w, "%s %s: not a number from %g to %g", opt, v, lo, hi), -1;
	return 0;
}

/* NAME [--ip IP] [--force] [--wait SECS] [--interval SECS] [--misses N],
 * in any order. */
static int parse_args(int argc, char **argv, const char *w, struct head_args *a)
{
	memset(a, 0, sizeof(*a));
	a->wait = 120, a->interval = 1, a->misses = 3;
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		double v;
		if (!strcmp(o, "--ip") || !strcmp(o, "--wait") || !strcmp(o, "--interval") || !strcmp(o, "--misses")) {
			if (i + 1 >= argc)
				return cli_error(w, "%s: needs a value", o);
			const char *val = argv[++i];
			if (!strcmp(o, "--ip"))
				a->ip = val;
			else if (!strcmp(o, "--wait")) {
				if (number_arg(w, o, val, 0, 3600, &a->wait) < 0)
					return 1;
				a->have_wait = 1;
			} else if (!strcmp(o, "--interval")) {
				if (number_arg(w, o, val, 0.1, 60, &a->interval) < 0)
					return 1;
				a->have_watch_opt = 1;
			} else {
				if (number_arg(w, o, val, 1, 100, &v) < 0)
					return 1;
				if (v != (int)v)
					return cli_error(w, "--misses %s: not a whole number", val);
				a->misses = (int)v;
				a->have_watch_opt = 1;
			}
		} else if (!strcmp(o, "--force"))
			a->force = 1;
		else if (o[0] == '-')
			return cli_error(w, "%s: unknown option (see hopeless head --help)", o);
		else if (a->name)
			return cli_error(w, "%s: unexpected argument (see hopeless head --help)", o);
		else
			a->name = o;
	}
	return 0;
}

static int dispatch(struct tree *t, const char *sub, const struct head_args *a)
{
	if (!strcmp(sub, "add"))
		return head_add(t, a->name, a->ip);
	if (!strcmp(sub, "rm"))
		return head_rm(t, a->name, a->force);
	if (!strcmp(sub, "takeover"))
		return head_takeover(t, a->name, a->force, a->wait);
	if (!strcmp(sub, "release"))
		return head_release(t, a->name);
	if (!strcmp(sub, "watch"))
		return head_watch(t, a->interval, a->misses, a->wait);
	return head_list(t);
}

/* The options each subcommand takes: the first one it does not, or NULL. */
static const char *misplaced(const char *sub, const struct head_args *a)
{
	if (a->ip && strcmp(sub, "add"))
		return "--ip";
	if (a->force && strcmp(sub, "rm") && strcmp(sub, "takeover"))
		return "--force";
	if (a->have_wait && strcmp(sub, "takeover") && strcmp(sub, "watch"))
		return "--wait";
	if (a->have_watch_opt && strcmp(sub, "watch"))
		return "--interval/--misses";
	return NULL;
}

int cmd_head(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	static const char *const subs[] = {"add", "list", "rm", "takeover", "release", "watch"};
	const char *sub = argv[1], *bad;
	char w[32];
	size_t k = 0;
	while (k < sizeof(subs) / sizeof(subs[0]) && strcmp(sub, subs[k]))
		k++;
	if (k == sizeof(subs) / sizeof(subs[0]))
		return cli_error("head", "%s: unknown subcommand (see hopeless head --help)", sub);
	snprintf(w, sizeof(w), "head %s", sub);
	struct head_args a;
	if (parse_args(argc, argv, w, &a))
		return 1;
	int nameless = !strcmp(sub, "list") || !strcmp(sub, "watch");
	if (nameless && a.name)
		return cli_error(w, "%s: unexpected argument (see hopeless head --help)", a.name);
	if (!strcmp(sub, "list") && (a.ip || a.force || a.have_wait))
		return cli_error(w, "takes no options (see hopeless head --help)");
	if (!nameless && !a.name)
		return cli_error(w, "missing NAME (see hopeless head --help)");
	if ((bad = misplaced(sub, &a)))
		return cli_error(w, "%s: not accepted here (see hopeless head --help)", bad);
	/* add and rm change the tree; takeover, release and watch only read it. */
	struct tree t;
	if (cli_open_tree(&t, ctx, "head", !strcmp(sub, "add") || !strcmp(sub, "rm")) < 0)
		return 1;
	int rc = dispatch(&t, sub, &a);
	tree_close(&t);
	return rc;
}
