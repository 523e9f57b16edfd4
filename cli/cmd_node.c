/* hopeless node: register nodes. A node is three plain things in the tree:
 * clients/<ip>/ (its host overlay with the pointer files), state/<ip>/ (its
 * writable layer) and nodes/<hostname>.conf (its registration). */
#include "cli.h"
#include "validate.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	return write_file_atomic(p, text, strlen(text), mode);
}

/* A sparse ext4 image, fully initialised now (lazy init would make the node
 * zero its inode tables over loop and NFS on first boot). */
static int make_state_image(const char *img, const char *size)
{
	char *trunc[] = {"truncate", "-s", (char *)size, (char *)img, NULL};
	char *mkfs[] = {"mkfs.ext4", "-q", "-F", "-L", "hopeless-state", "-E",
			"lazy_itable_init=0,lazy_journal_init=0", (char *)img, NULL};
	if (run_cmd(trunc, 0) != 0)
		return -EIO;
	if (run_cmd(mkfs, 1) != 0)
		return -EIO;
	return chmod(img, 0600) == 0 ? 0 : -errno;
}

static int mac_in_use(struct tree_node *nodes, size_t n, const uint8_t mac[6])
{
	for (size_t i = 0; i < n; i++) {
		uint8_t m[6];
		if (validate_mac(nodes[i].mac, m, NULL) == 0 && !memcmp(m, mac, 6))
			return (int)i;
	}
	return -1;
}

static int node_add(struct tree *t, struct tree_node *nd)
{
	const char *why;
	const char *w = "node add";
	uint8_t mac[6];
	if (validate_hostname(nd->hostname, &why) < 0)
		return cli_error(w, "%s: %s", nd->hostname, why);
	if (!nd->ip[0] || validate_ipv4(nd->ip, NULL, &why) < 0)
		return cli_error(w, "%s: %s (give --ip A.B.C.D)", nd->ip[0] ? nd->ip : "(no --ip)",
				 nd->ip[0] ? why : "missing address");
	if (!nd->mac[0] || validate_mac(nd->mac, mac, &why) < 0)
		return cli_error(w, "%s: %s", nd->mac[0] ? nd->mac : "(no --mac)",
				 nd->mac[0] ? why : "missing MAC address (give --mac aa:bb:cc:dd:ee:ff)");
	/* One spelling everywhere: lower case, colons. */
	snprintf(nd->mac, sizeof(nd->mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	const char *k = nd->root[0] ? tree_layer_kind(t, nd->root) : NULL;
	if (!k || strcmp(k, "root"))
		return cli_error(w, "%s: no such root (see: hopeless root list)", nd->root[0] ? nd->root : "(no --root)");
	k = nd->overlay[0] ? tree_layer_kind(t, nd->overlay) : NULL;
	if (!k || strcmp(k, "overlay"))
		return cli_error(w, "%s: no such overlay (see: hopeless overlay list)",
				 nd->overlay[0] ? nd->overlay : "(no --overlay)");
	if (strcmp(nd->state, "image") && strcmp(nd->state, "tmpfs"))
		return cli_error(w, "--state %s: want image or tmpfs", nd->state);
	if (strcmp(nd->boot, "ipxe") && strcmp(nd->boot, "pxelinux"))
		return cli_error(w, "--boot %s: want ipxe or pxelinux", nd->boot);

	struct tree_node *nodes;
	size_t n;
	char err[512];
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!strcmp(nodes[i].hostname, nd->hostname))
			rc = cli_error(w, "%s: a node of that name exists", nd->hostname);
		else if (!strcmp(nodes[i].ip, nd->ip))
			rc = cli_error(w, "%s: address already used by %s", nd->ip, nodes[i].hostname);
	}
	int dup = rc ? -1 : mac_in_use(nodes, n, mac);
	if (dup >= 0)
		rc = cli_error(w, "%s: MAC already used by %s", nd->mac, nodes[dup].hostname);
	free(nodes);
	if (rc)
		return rc;

	char client[PATH_MAX], client_tmp[PATH_MAX], state[PATH_MAX], state_tmp[PATH_MAX], conf[PATH_MAX];
	tree_path(t, client, sizeof(client), "clients/%s", nd->ip);
	tree_path(t, client_tmp, sizeof(client_tmp), "clients/.%s.tmp", nd->ip);
	tree_path(t, state, sizeof(state), "state/%s", nd->ip);
	tree_path(t, state_tmp, sizeof(state_tmp), "state/.%s.tmp", nd->ip);
	tree_path(t, conf, sizeof(conf), "nodes/%s.conf", nd->hostname);
	if (path_exists(client))
		return cli_error(w, "%s exists without a node entry; move it away first", client);
	if (path_exists(state))
		return cli_error(w, "%s holds the state of an earlier node at %s; move it away or remove it first",
				 state, nd->ip);

	/* Build everything under temporary names, then rename into place; the
	 * node entry is written last and is what makes the node exist. */
	remove_tree(client_tmp);
	remove_tree(state_tmp);
	char line[128], etc[PATH_MAX];
	int r = mkdir_p(client_tmp, 0755);
	snprintf(etc, sizeof(etc), "%s/etc", client_tmp);
	if (r == 0)
		r = mkdir_p(etc, 0755);
	snprintf(line, sizeof(line), "%s\n", nd->root);
	if (r == 0)
		r = write_text(client_tmp, "hopeless.root", line, 0644);
	snprintf(line, sizeof(line), "%s\n", nd->overlay);
	if (r == 0)
		r = write_text(client_tmp, "hopeless.overlay", line, 0644);
	snprintf(line, sizeof(line), "%s\n", nd->hostname);
	if (r == 0)
		r = write_text(client_tmp, "etc/hostname", line, 0644);
	if (r == 0)
		r = mkdir_p(state_tmp, 0700);
	if (r == 0 && !strcmp(nd->state, "image")) {
		char img[PATH_MAX];
		snprintf(img, sizeof(img), "%s/rw.img", state_tmp);
		r = make_state_image(img, t->conf.image_size);
	}
	if (r == 0 && rename(state_tmp, state) != 0)
		r = -errno;
	if (r == 0 && rename(client_tmp, client) != 0) {
		r = -errno;
		rename(state, state_tmp);
	}
	if (r == 0) {
		struct strbuf sb = STRBUF_INIT;
		tree_node_format(nd, &sb);
		r = write_file_atomic(conf, sb.buf, sb.len, 0644);
		sb_free(&sb);
		if (r < 0) {
			rename(client, client_tmp);
			rename(state, state_tmp);
		}
	}
	remove_tree(client_tmp);
	remove_tree(state_tmp);
	if (r < 0)
		return cli_error(w, "%s: %s", nd->hostname, strerror(-r));
	printf("hopeless: node %s added (%s, %s, root %s, overlay %s, state %s)\n", nd->hostname, nd->ip,
	       nd->mac, nd->root, nd->overlay, nd->state);
	return 0;
}

static int node_list(struct tree *t)
{
	struct tree_node *nodes;
	size_t n;
	char err[512];
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return cli_error("node list", "%s", err);
	printf("%-20s %-15s %-17s %-12s %-12s %-6s %s\n", "HOSTNAME", "IP", "MAC", "ROOT", "OVERLAY", "STATE",
	       "BOOT");
	for (size_t i = 0; i < n; i++)
		printf("%-20s %-15s %-17s %-12s %-12s %-6s %s\n", nodes[i].hostname, nodes[i].ip, nodes[i].mac,
		       nodes[i].root, nodes[i].overlay, nodes[i].state, nodes[i].boot);
	free(nodes);
	return 0;
}

static void node_usage(void)
{
	printf("usage: hopeless node add HOSTNAME --ip IP --mac MAC --root ROOT --overlay OVERLAY\n"
	       "                         [--state image|tmpfs] [--boot ipxe|pxelinux] [--append ARGS]\n"
	       "       hopeless node list\n");
}

int cmd_node(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		node_usage();
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	static const struct option opts[] = {
		{"ip", required_argument, NULL, 'i'},      {"mac", required_argument, NULL, 'm'},
		{"root", required_argument, NULL, 'r'},    {"overlay", required_argument, NULL, 'o'},
		{"state", required_argument, NULL, 's'},   {"boot", required_argument, NULL, 'b'},
		{"append", required_argument, NULL, 'a'},  {0}};
	struct tree_node nd;
	memset(&nd, 0, sizeof(nd));
	snprintf(nd.state, sizeof(nd.state), "image");
	snprintf(nd.boot, sizeof(nd.boot), "ipxe");
	int o;
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *dst;
		size_t cap;
		switch (o) {
		case 'i': dst = nd.ip; cap = sizeof(nd.ip); break;
		case 'm': dst = nd.mac; cap = sizeof(nd.mac); break;
		case 'r': dst = nd.root; cap = sizeof(nd.root); break;
		case 'o': dst = nd.overlay; cap = sizeof(nd.overlay); break;
		case 's': dst = nd.state; cap = sizeof(nd.state); break;
		case 'b': dst = nd.boot; cap = sizeof(nd.boot); break;
		case 'a': dst = nd.append; cap = sizeof(nd.append); break;
		default: return 2;
		}
		if (strlen(optarg) >= cap)
			return cli_error("node", "%s: value too long", optarg);
		memcpy(dst, optarg, strlen(optarg) + 1);
	}
	for (const char *p = nd.append; *p; p++)
		if ((unsigned char)*p < 0x20)
			return cli_error("node", "--append: control character in kernel arguments");
	struct tree t;
	if (cli_open_tree(&t, ctx, "node", 1) < 0)
		return 1;
	int rc;
	if (!strcmp(sub, "add") && optind == argc - 1) {
		if (strlen(argv[optind]) >= sizeof(nd.hostname))
			rc = cli_error("node add", "%.70s...: host name longer than 63 characters", argv[optind]);
		else {
			snprintf(nd.hostname, sizeof(nd.hostname), "%s", argv[optind]);
			rc = node_add(&t, &nd);
		}
	} else if (!strcmp(sub, "list") && optind == argc)
		rc = node_list(&t);
	else
		rc = cli_error("node", "unknown or incomplete subcommand (see hopeless node --help)");
	tree_close(&t);
	return rc;
}
