/* hopeless node: the command line of the node subcommands (options,
 * usage, dispatch). What each does lives in node_<sub>.c; see node.h. */
#include "node.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* ---- the command ---- */

static const char usage_add[] =
	"usage: hopeless node add HOST --ip IP --mac MAC --root ROOT --overlay OVERLAY [OPTIONS]\n"
	"       hopeless node add PREFIX[NNN-MMM]SUFFIX --ip IP+ --mac-file FILE --root ROOT --overlay OVERLAY [OPTIONS]\n"
	"       hopeless node add --macs CSV --root ROOT --overlay OVERLAY [OPTIONS]\n"
	"  --ip IP+          consecutive addresses from IP, one per node of a range\n"
	"  --mac-file FILE   one MAC per line, in the order of the range\n"
	"  --macs CSV        lines 'hostname,mac,ip'\n"
	"  --state image|tmpfs|rbd writable layer (default image; rbd: an RBD image on Ceph)\n"
	"  --boot ipxe|pxelinux|grub  (default ipxe; grub: shim + signed GRUB under UEFI Secure Boot)\n"
	"  --append ARGS     extra kernel arguments\n"
	"  --server IP[,IP]  NFS server(s) of the node (default: the cluster's)\n"
	"  --template NAME   host template from <tree>/templates/NAME (default 'default')\n"
	"  --ssh-rsa         also make an RSA host key (slow)\n"
	"All nodes are checked first; any failure adds none.\n";
static const char usage_list[] = "usage: hopeless node list [--json]\n";
static const char usage_show[] = "usage: hopeless node show HOST\n";
static const char usage_set[] =
	"usage: hopeless node set NODESET [--root R[@N]] [--overlay O[@N]] [--state image|tmpfs|rbd] [--append ARGS]\n"
	"                              [--server IP[,IP]] [--head NAME[,NAME]|auto] [--boot ipxe|pxelinux|grub]\n"
	"       hopeless node set NODESET [--bmc ADDR[+][:PORT]] [--bmc-user USER]\n"
	"                              [--bmc-password-file FILE | --bmc-password-stdin] [--bmc-cipher N]\n"
	"       hopeless node set NODESET --no-bmc\n"
	"Switching to image creates the image if missing; switching to tmpfs keeps it.\n"
	"--head: the node's NFS heads (hopeless head list), primary first, kept as their\n"
	"addresses in its server list; auto: the heads hopeless config picks by hash.\n"
	"The BMC (for hopeless power and console) is kept in bmc/<host>.conf, root only;\n"
	"A.B.C.D+ gives consecutive addresses; the password is the first line of FILE;\n"
	"--bmc-cipher: the lanplus cipher suite, 0 to 17 (default 3).\n";
static const char usage_rm[] = "usage: hopeless node rm HOST [--purge [--no-backup]] [--force]\n"
			       "Keeps state/<ip> unless --purge; a purge keeps the image as\n"
			       "backups/<ip>/rw.img.<YYYYmmddTHHMMSS> unless --no-backup.\n"
			       "An image in use (the node is up) is not purged without --force.\n";
static const char usage_reset[] = "usage: hopeless node reset HOST [--no-backup] [--force]\n"
				  "       hopeless node reset HOST --from BACKUP [--no-backup]   (state rbd)\n"
				  "A fresh rw.img; the old one is kept as backups/<ip>/rw.img.<YYYYmmddTHHMMSS>\n"
				  "unless --no-backup. An image in use (the node is up) is not reset without --force.\n"
				  "State rbd: the RBD image rolls back to its pristine snapshot (or --from to a backup\n"
				  "snapshot, node show lists them); its content is kept first as the snapshot\n"
				  "backup-<YYYYmmddTHHMMSS> unless --no-backup. A locked image (the node is up) is refused.\n";
static const char usage_inspect[] =
	"usage: hopeless node inspect HOST PATH\n"
	"Prints PATH as the node last wrote it (from its state image, without mounting it),\n"
	"else from its host overlay, cluster overlay or root; the layer is named on stderr.\n";

static const char usage_diff[] =
	"usage: hopeless node diff HOST [--json]\n"
	"Lists, read offline from its state image, what the node's writable layer adds (A),\n"
	"changes (M: which layer it shadows, what differs), deletes (D) and hides (O), and\n"
	"flags (!) what changes below its own copies between the versions it booted and\n"
	"the ones it boots next.\n";
static const char usage_capture[] =
	"usage: hopeless node capture HOST --into OVERLAY [--paths PATH...] [--force]\n"
	"Publishes the node's changes (or only PATHs and what is below them) as the next\n"
	"version of OVERLAY. ssh host keys, machine-id and hostname are left out unless\n"
	"named with --paths. A node that is up is captured only from a reflink snapshot;\n"
	"--force: the node is down, but its image still carries the in-use mark (a\n"
	"shutdown that could not unmount it): capture from a plain copy.\n";

static const char usage_discover[] =
	"usage: hopeless node discover NODESET --ip IP+ --root ROOT --overlay OVERLAY [--state image|tmpfs]\n"
	"                              [--boot ipxe|pxelinux] [--for DURATION]\n"
	"       hopeless node discover --close | --status\n"
	"Opens a discovery window: while it is open, hopeless serve makes each unknown MAC\n"
	"that PXE-boots on the cluster interface the next free node of NODESET (names and\n"
	"addresses in order), registered like node add, and regenerates the configs so the\n"
	"machine boots. It ends after DURATION (90s, 30m, 2h, 1d; default 1h, at most 7d),\n"
	"when every name is taken, or with --close. Any machine on the segment can become\n"
	"a node while it is open.\n";

static void node_usage(FILE *f)
{
	fprintf(f, "%s%s%s%s%s%s%s%s%s%s", usage_add, usage_list, usage_show, usage_set, usage_rm, usage_reset,
		usage_inspect, usage_diff, usage_capture, usage_discover);
}

enum { OPT_IP = 1, OPT_MAC, OPT_MACFILE, OPT_MACS, OPT_ROOT, OPT_OVERLAY, OPT_STATE, OPT_BOOT, OPT_APPEND, OPT_SERVER,
       OPT_TEMPLATE, OPT_RSA, OPT_JSON, OPT_PURGE, OPT_NOBACKUP, OPT_FORCE, OPT_INTO, OPT_PATHS, OPT_FOR,
       OPT_CLOSE, OPT_STATUS, OPT_BMC, OPT_BMC_USER, OPT_BMC_PWFILE, OPT_BMC_PWSTDIN, OPT_BMC_CIPHER,
       OPT_NO_BMC, OPT_HEAD, OPT_FROM };

struct parsed {
	struct add_opts add;
	struct set_opts set;
	struct discover_opts disc;
	int json, purge, no_backup, force, paths;
	const char *into, *from;
	const char *const *pos; /* the positional arguments (capture: HOST then the --paths) */
	int npos;
};

static int parse_sub(int argc, char **argv, const char *w, struct parsed *p)
{
	static const struct option opts[] = {
		{"ip", required_argument, NULL, OPT_IP},          {"mac", required_argument, NULL, OPT_MAC},
		{"mac-file", required_argument, NULL, OPT_MACFILE}, {"macs", required_argument, NULL, OPT_MACS},
		{"root", required_argument, NULL, OPT_ROOT},      {"overlay", required_argument, NULL, OPT_OVERLAY},
		{"state", required_argument, NULL, OPT_STATE},    {"boot", required_argument, NULL, OPT_BOOT},
		{"append", required_argument, NULL, OPT_APPEND},  {"server", required_argument, NULL, OPT_SERVER},
		{"template", required_argument, NULL, OPT_TEMPLATE}, {"ssh-rsa", no_argument, NULL, OPT_RSA},
		{"json", no_argument, NULL, OPT_JSON},            {"purge", no_argument, NULL, OPT_PURGE},
		{"no-backup", no_argument, NULL, OPT_NOBACKUP},   {"force", no_argument, NULL, OPT_FORCE},
		{"into", required_argument, NULL, OPT_INTO},      {"paths", no_argument, NULL, OPT_PATHS},
		{"from", required_argument, NULL, OPT_FROM},
		{"for", required_argument, NULL, OPT_FOR},        {"close", no_argument, NULL, OPT_CLOSE},
		{"status", no_argument, NULL, OPT_STATUS},
		{"bmc", required_argument, NULL, OPT_BMC},        {"bmc-user", required_argument, NULL, OPT_BMC_USER},
		{"bmc-password-file", required_argument, NULL, OPT_BMC_PWFILE},
		{"bmc-password-stdin", no_argument, NULL, OPT_BMC_PWSTDIN}, {"no-bmc", no_argument, NULL, OPT_NO_BMC},
		{"bmc-cipher", required_argument, NULL, OPT_BMC_CIPHER},
		{"head", required_argument, NULL, OPT_HEAD},
		{0}};
	memset(p, 0, sizeof(*p));
	opterr = 0;
	optind = 0;
	int o;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case OPT_IP: p->add.ip = optarg; break;
		case OPT_MAC: p->add.mac = optarg; break;
		case OPT_MACFILE: p->add.mac_file = optarg; break;
		case OPT_MACS: p->add.csv = optarg; break;
		case OPT_TEMPLATE: p->add.tmpl = optarg; break;
		case OPT_RSA: p->add.ssh_rsa = 1; break;
		case OPT_ROOT: p->set.root = optarg; break;
		case OPT_OVERLAY: p->set.overlay = optarg; break;
		case OPT_STATE: p->set.state = optarg; break;
		case OPT_BOOT: p->set.boot = optarg; break;
		case OPT_APPEND: p->set.append = optarg; break;
		case OPT_SERVER: p->set.server = optarg; break;
		case OPT_HEAD: p->set.head = optarg; break;
		case OPT_JSON: p->json = 1; break;
		case OPT_PURGE: p->purge = 1; break;
		case OPT_NOBACKUP: p->no_backup = 1; break;
		case OPT_FORCE: p->force = 1; break;
		case OPT_INTO: p->into = optarg; break;
		case OPT_FROM: p->from = optarg; break;
		case OPT_PATHS: p->paths = 1; break;
		case OPT_FOR: p->disc.dur = optarg; break;
		case OPT_CLOSE: p->disc.close = 1; break;
		case OPT_STATUS: p->disc.status = 1; break;
		case OPT_BMC: p->set.bmc = optarg; break;
		case OPT_BMC_USER: p->set.bmc_user = optarg; break;
		case OPT_BMC_PWFILE: p->set.bmc_pw_file = optarg; break;
		case OPT_BMC_PWSTDIN: p->set.bmc_pw_stdin = 1; break;
		case OPT_NO_BMC: p->set.no_bmc = 1; break;
		case OPT_BMC_CIPHER: p->set.bmc_cipher = optarg; break;
		case ':': return cli_error(w, "%s: needs a value", argv[optind - 1]);
		default: return cli_error(w, "%s: unknown option (see hopeless %s --help)", argv[optind - 1], w);
		}
	}
	/* getopt has moved the positional arguments to the end. */
	p->pos = (const char *const *)argv + optind;
	p->npos = argc - optind;
	return 0;
}

/* Which options each subcommand accepts, so a stray one is an error, not
 * silently ignored. */
static int only(const struct parsed *p, const char *w, int add, int set, int json, int purge, int nobackup,
		int force)
{
	const struct add_opts *a = &p->add;
	const struct set_opts *s = &p->set;
	if (!add && (a->ip || a->mac || a->mac_file || a->csv || a->tmpl || a->ssh_rsa))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if (!set && (s->root || s->overlay || s->state || s->boot || s->append || s->server || SET_OPTS_BMC(s)))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if (s->head && strcmp(w, "node set"))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if ((!json && p->json) || (!purge && p->purge) || (!nobackup && p->no_backup) || (!force && p->force))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if (strcmp(w, "node reset") && p->from)
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if (strcmp(w, "node capture") && (p->into || p->paths))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	if (strcmp(w, "node discover") && (p->disc.dur || p->disc.close || p->disc.status))
		return cli_error(w, "option not accepted here (see hopeless %s --help)", w);
	return 0;
}

static int want_args(const struct parsed *p, const char *w, int lo, int hi)
{
	if (p->npos < lo)
		return cli_error(w, "missing argument (see hopeless %s --help)", w);
	if (p->npos > hi)
		return cli_error(w, "%s: unexpected argument (see hopeless %s --help)", p->pos[hi], w);
	return 0;
}

static int node_rm_checked(struct tree *t, const struct parsed *p)
{
	if (p->no_backup && !p->purge)
		return cli_error("node rm", "--no-backup goes with --purge (without it the state is kept)");
	return node_rm(t, p->pos[0], p->purge, !p->no_backup, p->force);
}

static int dispatch(struct tree *t, const char *sub, struct parsed *p)
{
	char w[32];
	snprintf(w, sizeof(w), "node %s", sub);
	if (!strcmp(sub, "add")) {
		if (only(p, w, 1, 1, 0, 0, 0, 0) || want_args(p, w, 0, 1))
			return 1;
		if (SET_OPTS_BMC(&p->set))
			return cli_error(w, "BMC options go to node set, once the node is added");
		struct tree_node proto;
		memset(&proto, 0, sizeof(proto));
		const struct set_opts *s = &p->set;
		snprintf(proto.state, sizeof(proto.state), "image");
		snprintf(proto.boot, sizeof(proto.boot), "ipxe");
		if ((s->root && node_layer_arg(proto.root, sizeof(proto.root), &proto.root_pin, s->root, w, "--root")) ||
		    (s->overlay &&
		     node_layer_arg(proto.overlay, sizeof(proto.overlay), &proto.overlay_pin, s->overlay, w, "--overlay")) ||
		    (s->state && node_copy_arg(proto.state, sizeof(proto.state), s->state, w, "--state")) ||
		    (s->boot && node_copy_arg(proto.boot, sizeof(proto.boot), s->boot, w, "--boot")) ||
		    (s->append && node_copy_arg(proto.append, sizeof(proto.append), s->append, w, "--append")) ||
		    (s->server && node_copy_arg(proto.server, sizeof(proto.server), s->server, w, "--server")))
			return 1;
		return node_add(t, p->npos ? p->pos[0] : NULL, &p->add, &proto);
	}
	if (!strcmp(sub, "list"))
		return only(p, w, 0, 0, 1, 0, 0, 0) || want_args(p, w, 0, 0) ? 1 : node_list(t, p->json);
	if (!strcmp(sub, "show"))
		return only(p, w, 0, 0, 0, 0, 0, 0) || want_args(p, w, 1, 1) ? 1 : node_show(t, p->pos[0]);
	if (!strcmp(sub, "set"))
		return only(p, w, 0, 1, 0, 0, 0, 0) || want_args(p, w, 1, 1) ? 1 : node_set(t, p->pos[0], &p->set);
	if (!strcmp(sub, "rm"))
		return only(p, w, 0, 0, 0, 1, 1, 1) || want_args(p, w, 1, 1) ? 1 : node_rm_checked(t, p);
	if (!strcmp(sub, "reset"))
		return only(p, w, 0, 0, 0, 0, 1, 1) || want_args(p, w, 1, 1)
			       ? 1
			       : node_reset(t, p->pos[0], !p->no_backup, p->from, p->force);
	if (!strcmp(sub, "inspect"))
		return only(p, w, 0, 0, 0, 0, 0, 0) || want_args(p, w, 2, 2)
			       ? 1
			       : node_inspect(t, p->pos[0], p->pos[1]);
	if (!strcmp(sub, "diff"))
		return only(p, w, 0, 0, 1, 0, 0, 0) || want_args(p, w, 1, 1) ? 1 : node_diff(t, p->pos[0], p->json);
	if (!strcmp(sub, "capture")) {
		if (only(p, w, 0, 0, 0, 0, 0, 1) || want_args(p, w, 1, p->paths ? 1 << 20 : 1))
			return 1;
		if (p->paths && p->npos < 2)
			return cli_error(w, "--paths needs at least one PATH (see hopeless node capture --help)");
		return node_capture(t, p->pos[0], p->into, p->pos + 1, (size_t)p->npos - 1, p->force);
	}
	if (!strcmp(sub, "discover")) {
		/* node_discover checks which of add's and set's options it takes. */
		if (only(p, w, 1, 1, 0, 0, 0, 0) || want_args(p, w, 0, 1))
			return 1;
		if (SET_OPTS_BMC(&p->set))
			return cli_error(w, "BMC options go to node set, once the node is registered");
		return node_discover(t, p->npos ? p->pos[0] : NULL, &p->add, &p->set, &p->disc);
	}
	return cli_error("node", "%s: unknown subcommand (see hopeless node --help)", sub);
}

static const char *sub_usage(const char *sub)
{
	static const struct {
		const char *name, *usage;
	} u[] = {{"add", usage_add},     {"list", usage_list},   {"show", usage_show},      {"set", usage_set},
		 {"rm", usage_rm},       {"reset", usage_reset}, {"inspect", usage_inspect},
		 {"diff", usage_diff},   {"capture", usage_capture}, {"discover", usage_discover}};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (!strcmp(sub, u[i].name))
			return u[i].usage;
	return NULL;
}

int cmd_node(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		node_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (cli_wants_help(argc - 1, argv + 1)) {
		const char *u = sub_usage(sub);
		if (!u)
			return cli_error("node", "%s: unknown subcommand (see hopeless node --help)", sub);
		fputs(u, stdout);
		return 0;
	}
	char w[32];
	snprintf(w, sizeof(w), "node %s", sub);
	struct parsed p;
	if (parse_sub(argc - 1, argv + 1, w, &p))
		return 1;
	struct tree t;
	/* list, show, inspect and diff only read (diff's private copy of an
	 * image in use lives in .work/ under a name of its own); the rest,
	 * capture included, change the tree. */
	int writes = strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "inspect") && strcmp(sub, "diff") &&
		     !(!strcmp(sub, "discover") && p.disc.status);
	if (cli_open_tree(&t, ctx, "node", writes) < 0)
		return 1;
	int rc = dispatch(&t, sub, &p);
	tree_close(&t);
	return rc;
}
