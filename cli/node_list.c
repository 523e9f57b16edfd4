/* hopeless node list / show: what the tree says of each node. */
#include "node.h"
#include "heads.h"
#include "gen.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void json_str(const char *key, const char *s, int last)
{
	printf("\"%s\": ", key);
	json_print_str(stdout, s);
	if (!last)
		fputs(", ", stdout);
}

/* "debian@7,compute@3" as booted ("-": no boot seen), and as the next boot
 * would get them, a pinned version marked '*'. */
static void versions_text(const struct node_versions *v, char *run, size_t rl, char *next, size_t nl)
{
	if (v->root_booted || v->overlay_booted)
		snprintf(run, rl, "%s@%d,%s@%d", v->root, v->root_booted, v->overlay, v->overlay_booted);
	else
		snprintf(run, rl, "-");
	snprintf(next, nl, "%s@%d%s,%s@%d%s", v->root, v->root_next, v->root_pinned ? "*" : "", v->overlay,
		 v->overlay_next, v->overlay_pinned ? "*" : "");
}

int node_list(struct tree *t, int json)
{
	struct tree_node *nodes;
	size_t n;
	char err[512];
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return cli_error("node list", "%s", err);
	if (json)
		printf("[");
	else
		printf("%-20s %-15s %-17s %-12s %-12s %-6s %-8s %-15s %-28s %-28s %s\n", "HOSTNAME", "IP", "MAC", "ROOT",
		       "OVERLAY", "STATE", "BOOT", "SERVER", "RUNNING", "NEXT-BOOT", "REGISTERED");
	struct node_versions *nv = calloc(n ? n : 1, sizeof(*nv));
	struct head *heads = NULL;
	size_t nh = 0;
	if (!nv || node_versions_all(t, nodes, n, nv) < 0) {
		free(nv);
		free(nodes);
		return cli_error("node list", "cannot read the boot events (log/events.log)");
	}
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		nh = 0; /* the server column falls back to the cluster's; config reports the file */
	for (size_t i = 0; i < n; i++) {
		const struct tree_node *d = &nodes[i];
		char server[sizeof(d->server)];
		node_server_of(t, heads, nh, d, server, sizeof(server));
		char run[160], next[160], reg[48];
		versions_text(&nv[i], run, sizeof(run), next, sizeof(next));
		/* One word, so the column splits like the others: discovered@TIME. */
		if (d->registered[0])
			snprintf(reg, sizeof(reg), "discovered@%s", d->registered + 11);
		else
			snprintf(reg, sizeof(reg), "manual");
		if (!json) {
			printf("%-20s %-15s %-17s %-12s %-12s %-6s %-8s %-15s %-28s %-28s %s\n", d->hostname, d->ip,
			       d->mac, d->root, d->overlay, d->state, d->boot, server, run, next, reg);
			continue;
		}
		printf("%s\n  {", i ? "," : "");
		json_str("hostname", d->hostname, 0);
		json_str("ip", d->ip, 0);
		json_str("mac", d->mac, 0);
		json_str("root", d->root, 0);
		json_str("overlay", d->overlay, 0);
		json_str("state", d->state, 0);
		json_str("boot", d->boot, 0);
		json_str("server", server, 0);
		json_str("running", strcmp(run, "-") ? run : "", 0);
		json_str("next_boot", next, 0);
		json_str("registered", d->registered[0] ? "discovered" : "manual", 0);
		json_str("registered_at", d->registered[0] ? d->registered + 11 : "", 0);
		json_str("append", d->append, 1);
		printf("}");
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	free(heads);
	free(nv);
	free(nodes);
	return 0;
}

static void human(uint64_t bytes, char *out, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* Its RBD image, whether a client holds its lock, and its backups. */
static void show_rbd(struct tree *t, const struct tree_node *d)
{
	printf("image: RBD %s/hopeless-state-%s (key client.hopeless-node-%s)\n", t->conf.ceph_rbd_pool, d->hostname,
	       d->hostname);
	int u = state_rbd_in_use(t, d);
	if (u == 1 || u == 0)
		printf("image state: %s\n", u ? "locked (in use: rbd lock ls)" : "not locked");
	else
		printf("image state: missing (hopeless node set %s --state rbd makes it)\n", d->hostname);
	struct strbuf b = STRBUF_INIT;
	if (u >= 0 && state_rbd_backups(t, d, &b) == 0 && b.len)
		printf("backups: %s (snapshots; hopeless node reset %s --from BACKUP restores one)\n", sb_str(&b),
		       d->hostname);
	else if (u >= 0)
		printf("backups: none\n");
	sb_free(&b);
}

/* A state image node's backups: backups/<ip>/rw.img.<stamp> files. */
static void show_image_backups(struct tree *t, const struct tree_node *d)
{
	char rel[PATH_MAX], **v = NULL;
	size_t n = 0;
	tfs_fmt(rel, sizeof(rel), "backups/%s", d->ip);
	if (tree_list_names(t, rel, &v, &n) < 0)
		return;
	printf("backups: %s", n ? "" : "none");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", v[i]);
	if (n)
		printf(" (in %s/%s)", t->dir, rel);
	printf("\n");
	tree_names_free(v, n);
}

int node_show(struct tree *t, const char *host)
{
	struct tree_node d;
	char err[512], p[PATH_MAX];
	if (tree_node_load(t, host, &d, err, sizeof(err)) < 0)
		return cli_error("node show", "%s", err);
	printf("hostname: %s\nip: %s\nmac: %s\nroot: %s\noverlay: %s\nstate: %s\nboot: %s\n", d.hostname, d.ip,
	       d.mac, d.root, d.overlay, d.state, d.boot);
	struct head *heads = NULL;
	size_t nh = 0;
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		nh = 0;
	char server[sizeof(d.server)];
	node_server_of(t, heads, nh, &d, server, sizeof(server));
	free(heads);
	printf("server: %s%s\nappend: %s\n", server,
	       d.server[0] ? "" : nh ? " (its heads by hash; hopeless head list)" : " (the cluster's)", d.append);
	printf("registered: %s\n", d.registered[0] ? d.registered : "manual");
	struct strbuf sb = STRBUF_INIT;
	/* the command line its boot files carry (hopeless config) */
	snprintf(d.server, sizeof(d.server), "%s", server);
	if (gen_cmdline(t, &d, &sb) == 0)
		printf("cmdline: %s\n", sb_str(&sb));
	sb_free(&sb);
	printf("conf: %s/nodes/%s.conf\n", t->dir, d.hostname);
	node_show_bmc(t, d.hostname);
	printf("host overlay: %s/clients/%s\n", t->dir, d.ip);
	static const char *const keys[] = {"ed25519", "ecdsa", "rsa"};
	printf("ssh host keys:");
	for (size_t i = 0; i < 3; i++) {
		tfs_fmt(p, sizeof(p), "clients/%s/etc/ssh/ssh_host_%s_key", d.ip, keys[i]);
		if (tfs_exists(t, p))
			printf(" %s", keys[i]);
	}
	printf("\n");
	tfs_fmt(p, sizeof(p), "state/%s", d.ip);
	printf("state dir: %s/%s%s\n", t->dir, p, tfs_exists(t, p) ? "" : " (missing)");
	tfs_fmt(p, sizeof(p), "state/%s/rw.img", d.ip);
	struct stat st;
	if (!strcmp(d.state, "rbd")) {
		show_rbd(t, &d);
		if (tfs_exists(t, p))
			printf("image file: %s/%s (kept from state image; unused with state rbd)\n", t->dir, p);
	} else if (tfs_stat(t, p, &st) == 0 && S_ISREG(st.st_mode)) {
		char size[32], used[32];
		const char *why = "";
		human((uint64_t)st.st_size, size, sizeof(size));
		human((uint64_t)st.st_blocks * 512, used, sizeof(used));
		printf("image: %s/%s\nimage size: %s\nimage usage: %s (allocated on the head node)\n", t->dir, p,
		       size, used);
		int use = state_image_in_use(t, d.ip, &why);
		printf("image state: %s\n", use == 1 ? "in use" : use == 0 ? "clean" : why);
	} else if (tfs_exists(t, p)) {
		printf("image: %s/%s is not a regular file (hopeless check reports it)\n", t->dir, p);
	} else {
		printf("image: none%s\n", strcmp(d.state, "image") ? " (state tmpfs)"
								 : " (missing: hopeless node reset creates it)");
	}
	if (strcmp(d.state, "rbd"))
		show_image_backups(t, &d);
	return 0;
}

