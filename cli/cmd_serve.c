/* hopeless serve: run a small cluster's services from the tree: dnsmasq
 * (DHCP + TFTP), nfs-ganesha (NFS) and the boot-event receiver, a UDP
 * syslog socket that keeps what the nodes' init reports in
 * <tree>/log/events.log for `hopeless status`.
 *
 * The receiver is ours rather than rsyslog's: it needs no configuration on
 * the head node, runs inside the lab's namespace like the other services,
 * accepts only strict RFC 5424 (a datagram from anyone on the cluster
 * network cannot forge extra lines or terminal escapes), and writes the
 * one format `hopeless status` reads. Sites that already collect syslog can
 * point the nodes there with hopeless.events= and read that file with
 * `hopeless status --log FILE` instead.
 *
 * Events are attributed by source address, never by the HOSTNAME a
 * datagram claims: datagrams from addresses that are not a registered
 * node's are dropped unparsed (and counted), and an event claiming another
 * name is kept as its source's (and counted). See docs/status.md for what
 * IP-based trust does not cover. */
#include "cli.h"
#include "serve_discover.h"
#include "heads.h"
#include "mkdir.h"
#include "syslog.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One generation of rotation: events.log moves to events.log.1 past this. */
#define EVENTS_LOG_CAP (16L << 20)

struct service {
	const char *name;
	pid_t pid;
};

/* A registered node: events from its address are its events. */
struct reg_node {
	uint32_t ip; /* network order */
	char name[64];
};

struct receiver {
	int fd;
	int log_fd;
	char log_path[PATH_MAX];
	const struct tree *t;
	struct reg_node *reg; /* sorted by ip */
	size_t nreg;
	struct timespec nodes_mtime; /* of nodes/ when reg was loaded */
	ino_t nodes_ino;
	int nodes_racy; /* nodes/ changed within a timestamp tick of the load */
	long accepted, rejected, dropped, mismatched;
};

static int parse_listen(const char *s, struct sockaddr_in *a)
{
	char ip[16];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	if (n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	long port = 514;
	if (colon) {
		char *end;
		if (!colon[1] || colon[1] < '0' || colon[1] > '9')
			return -EINVAL;
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (validate_ipv4(ip, &a->sin_addr.s_addr, NULL) < 0)
		return -EINVAL;
	return 0;
}

static int open_log(struct receiver *rx)
{
	if (rx->log_fd >= 0)
		close(rx->log_fd);
	rx->log_fd = open(rx->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	return rx->log_fd < 0 ? -errno : 0;
}

static void rotate_if_big(struct receiver *rx, size_t add)
{
	struct stat st;
	if (fstat(rx->log_fd, &st) != 0 || st.st_size + (off_t)add <= EVENTS_LOG_CAP)
		return;
	char old[PATH_MAX + 2];
	snprintf(old, sizeof(old), "%s.1", rx->log_path);
	if (rename(rx->log_path, old) == 0)
		open_log(rx);
}

static int cmp_reg(const void *a, const void *b)
{
	uint32_t x = ((const struct reg_node *)a)->ip, y = ((const struct reg_node *)b)->ip;
	return x < y ? -1 : x > y;
}

/* (Re)load the registered nodes' addresses. On failure the previous list
 * stays; err says why. */
static int load_nodes(struct receiver *rx, char *err, size_t errlen)
{
	struct tree_node *nodes;
	size_t n;
	int r = tree_nodes_load(rx->t, &nodes, &n, err, errlen);
	if (r < 0)
		return r;
	struct reg_node *reg = calloc(n ? n : 1, sizeof(*reg));
	if (!reg) {
		free(nodes);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		validate_ipv4(nodes[i].ip, &reg[i].ip, NULL);
		snprintf(reg[i].name, sizeof(reg[i].name), "%s", nodes[i].hostname);
	}
	free(nodes);
	qsort(reg, n, sizeof(*reg), cmp_reg);
	free(rx->reg);
	rx->reg = reg;
	rx->nreg = n;
	return 0;
}

/* Reload when nodes/ changed since the last load (node add, node set and
 * node remove rename files there, which sets its mtime), or when forced
 * (SIGHUP). Directory timestamps are coarse: a change in the same tick as
 * the load leaves the mtime equal, so a load that saw a "fresh" mtime is
 * repeated once the tick has surely passed. 0 when nothing changed or the
 * reload worked; else the error, with err set, and the previous list kept. */
static int refresh_nodes(struct receiver *rx, int force, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;
	memset(&st, 0, sizeof(st));
	if (tree_path(rx->t, dir, sizeof(dir), "nodes") == 0)
		stat(dir, &st);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int changed = st.st_ino != rx->nodes_ino || st.st_mtim.tv_sec != rx->nodes_mtime.tv_sec ||
		      st.st_mtim.tv_nsec != rx->nodes_mtime.tv_nsec;
	if (!force && !changed && !(rx->nodes_racy && now.tv_sec > st.st_mtim.tv_sec + 1))
		return 0;
	/* Remembered even on failure: the next change retries, not every datagram. */
	rx->nodes_mtime = st.st_mtim;
	rx->nodes_ino = st.st_ino;
	rx->nodes_racy = now.tv_sec <= st.st_mtim.tv_sec + 1;
	return load_nodes(rx, err, errlen);
}

static void refresh_or_say(struct receiver *rx, int force)
{
	char err[512];
	if (refresh_nodes(rx, force, err, sizeof(err)) < 0)
		fprintf(stderr, "hopeless: serve: cannot reload the nodes: %s (keeping the previous %zu)\n", err,
			rx->nreg);
}

static const struct reg_node *registered(const struct receiver *rx, uint32_t ip)
{
	struct reg_node key = {.ip = ip};
	return rx->nreg ? bsearch(&key, rx->reg, rx->nreg, sizeof(key), cmp_reg) : NULL;
}

/* Throttled: a noisy sender must not flood our own output either. */
static int worth_saying(long count)
{
	return count <= 20 || count % 1000 == 0;
}

/* One datagram: accepted ones become one line "<received> <source> <msg>",
 * written with a single write on an O_APPEND descriptor, so a line is
 * never split or interleaved. */
static void receive_one(struct receiver *rx)
{
	uint8_t buf[SYSLOG_MAX_LEN + 1];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(rx->fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return;
	char src[16];
	inet_ntop(AF_INET, &from.sin_addr, src, sizeof(src));
	/* Attribution is by source address: only registered nodes' addresses
	 * are heard at all, whatever HOSTNAME a datagram claims. */
	refresh_or_say(rx, 0);
	const struct reg_node *node = registered(rx, from.sin_addr.s_addr);
	if (!node) {
		if (worth_saying(++rx->dropped))
			fprintf(stderr, "hopeless: serve: dropped a datagram from %s: not a registered node's address "
				"(%ld so far)\n", src, rx->dropped);
		return;
	}
	struct syslog_msg *m = malloc(sizeof(*m));
	if (!m)
		return;
	int r = (size_t)n > SYSLOG_MAX_LEN ? -EMSGSIZE : syslog_parse(buf, (size_t)n, m);
	if (r == 0 && !syslog_hostname_is(m->hostname, node->name, src) && worth_saying(++rx->mismatched))
		fprintf(stderr, "hopeless: serve: an event from %s (node %s) claims host name '%s'; kept as %s's "
			"(%ld so far)\n", src, node->name, m->hostname, node->name, rx->mismatched);
	free(m);
	if (r < 0) {
		if (worth_saying(++rx->rejected))
			fprintf(stderr, "hopeless: serve: rejected a %s datagram from %s (%ld so far)\n",
				r == -EMSGSIZE ? "oversized" : "malformed", src, rx->rejected);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char when[40];
	if (syslog_timestamp((double)ts.tv_sec + (double)ts.tv_nsec / 1e9, when, sizeof(when)) < 0)
		return;
	char line[SYSLOG_MAX_LEN + 80];
	int hl = snprintf(line, sizeof(line), "%s %s ", when, src);
	memcpy(line + hl, buf, (size_t)n);
	line[hl + n] = '\n';
	size_t len = (size_t)hl + (size_t)n + 1;
	rotate_if_big(rx, len);
	if (write(rx->log_fd, line, len) != (ssize_t)len)
		fprintf(stderr, "hopeless: serve: %s: %s\n", rx->log_path, strerror(errno));
	else
		rx->accepted++;
}

static pid_t spawn(char *const argv[], const sigset_t *orig)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* Services go down with us even if we are killed with SIGKILL. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigprocmask(SIG_SETMASK, orig, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "hopeless: serve: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void stop_services(struct service *svc, int n)
{
	for (int i = 0; i < n; i++)
		if (svc[i].pid > 0)
			kill(svc[i].pid, SIGTERM);
	for (int tries = 0; tries < 50; tries++) {
		int left = 0;
		for (int i = 0; i < n; i++) {
			if (svc[i].pid <= 0)
				continue;
			if (waitpid(svc[i].pid, NULL, WNOHANG) == svc[i].pid)
				svc[i].pid = 0;
			else
				left++;
		}
		if (!left)
			return;
		struct timespec d = {0, 100 * 1000 * 1000};
		nanosleep(&d, NULL);
	}
	for (int i = 0; i < n; i++)
		if (svc[i].pid > 0) {
			fprintf(stderr, "hopeless: serve: %s (pid %d) ignored SIGTERM; killing it\n", svc[i].name,
				(int)svc[i].pid);
			kill(svc[i].pid, SIGKILL);
			waitpid(svc[i].pid, NULL, 0);
			svc[i].pid = 0;
		}
}

/* nginx's workers run as nobody: every directory down to tftp/ must be
 * searchable by others. 0, or -EACCES with the first one that is not in
 * blocker (said before nginx starts and answers every request with 403). */
static int others_can_reach(const char *dir, char *blocker, size_t len)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *slash = p;; slash = strchr(slash + 1, '/')) {
		char keep = slash ? *slash : 0;
		if (slash)
			*slash = '\0';
		struct stat st;
		if (p[0] && stat(p, &st) == 0 && S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH)) {
			snprintf(blocker, len, "%s (mode %04o)", p, (unsigned)(st.st_mode & 07777));
			return -EACCES;
		}
		if (!slash)
			return 0;
		*slash = keep;
	}
}

/* nginx for the boot files over HTTP (etc/nginx.conf), when the tree
 * serves HTTP: in the foreground as our child, its temporary directories
 * in run/nginx, its startup errors in log/nginx-error.log. */
static pid_t start_nginx(const char *conf_dir, const char *run_dir, const char *log_dir, const sigset_t *orig)
{
	char conf[PATH_MAX + 32], elog[PATH_MAX + 32], tmp[PATH_MAX + 16];
	snprintf(conf, sizeof(conf), "%s/nginx.conf", conf_dir);
	snprintf(elog, sizeof(elog), "%s/nginx-error.log", log_dir);
	snprintf(tmp, sizeof(tmp), "%s/nginx", run_dir);
	if (mkdir_p(tmp, 0700) < 0)
		return -1;
	char *argv[] = {"nginx", "-c", conf, "-e", elog, "-g", "daemon off;", NULL};
	return spawn(argv, orig);
}

/* dnsmasq and nfs-ganesha from the tree's configs, and nginx when
 * http_port is set: 0, or 1 when one could not be started (said on stderr). */
static int start_services(struct service svc[3], const struct tree *t, const char *run_dir, const char *log_dir,
			  char *conf_dns, char *conf_nfs, const sigset_t *orig)
{
	char a_pid[PATH_MAX + 32], a_lease[PATH_MAX + 32], a_log[PATH_MAX + 32];
	snprintf(a_pid, sizeof(a_pid), "--pid-file=%s/dnsmasq.pid", run_dir);
	snprintf(a_lease, sizeof(a_lease), "--dhcp-leasefile=%s/dnsmasq.leases", run_dir);
	snprintf(a_log, sizeof(a_log), "--log-facility=%s/dnsmasq.log", log_dir);
	/* --user=root as in the lab: the lease file and log live in the tree. */
	char *dns[] = {"dnsmasq", "--keep-in-foreground", "-C", conf_dns, a_pid, a_lease, a_log,
		       "--log-dhcp", "--user=root", NULL};
	svc[0].pid = spawn(dns, orig);
	char g_pid[PATH_MAX + 32], g_log[PATH_MAX + 32];
	snprintf(g_pid, sizeof(g_pid), "%s/ganesha.pid", run_dir);
	snprintf(g_log, sizeof(g_log), "%s/ganesha.log", log_dir);
	char *nfs[] = {"ganesha.nfsd", "-F", "-f", conf_nfs, "-L", g_log, "-p", g_pid, "-N", "NIV_EVENT", NULL};
	svc[1].pid = spawn(nfs, orig);
	if (t->conf.http_port) {
		char conf_dir[PATH_MAX];
		tree_path(t, conf_dir, sizeof(conf_dir), "etc");
		svc[2].pid = start_nginx(conf_dir, run_dir, log_dir, orig);
	}
	int status = 0;
	for (int i = 0; i < 3; i++)
		if (svc[i].pid < 0)
			status = cli_error("serve", "cannot start %s: %s", svc[i].name, strerror(errno));
	return status;
}

/* Receive events and handle signals until SIGTERM/SIGINT (0) or a service
 * dies or poll fails (1). */
static int serve_loop(struct receiver *rx, int sfd, struct service *svc, int nsvc, const char *log_dir,
		      struct discoverer *dz)
{
	int status = 0;
	while (status == 0) {
		/* The third is discovery's socket (-1, ignored, without a window);
		 * waking once a second lets discovery follow its window file. */
		struct pollfd pfd[3] = {{.fd = rx->fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN},
					{.fd = sdisc_fd(dz), .events = POLLIN}};
		int np = poll(pfd, 3, 1000);
		if (np >= 0 && (pfd[2].revents & POLLIN))
			sdisc_receive(dz);
		if (np >= 0)
			sdisc_tick(dz);
		if (np < 0) {
			if (errno == EINTR)
				continue;
			status = cli_error("serve", "poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN)
			receive_one(rx);
		if (!(pfd[1].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			open_log(rx); /* after an outside rotation */
			refresh_or_say(rx, 1);
		} else if (si.ssi_signo == SIGCHLD) {
			for (int i = 0; i < nsvc; i++) {
				int ws;
				if (svc[i].pid > 0 && waitpid(svc[i].pid, &ws, WNOHANG) == svc[i].pid) {
					svc[i].pid = 0;
					status = cli_error("serve", "%s exited (%s %d); stopping the other services (see %s)",
							   svc[i].name, WIFSIGNALED(ws) ? "signal" : "status",
							   WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws), log_dir);
				}
			}
		} else {
			break; /* SIGTERM, SIGINT */
		}
	}
	return status;
}

/* The socket bound to addr, events.log open, the nodes loaded: 0, or 1
 * after saying what failed. */
static int open_receiver(struct receiver *rx, const struct sockaddr_in *addr, const char *listen,
			 const char *log_dir, const char *log_name)
{
	snprintf(rx->log_path, sizeof(rx->log_path), "%s/%s", log_dir, log_name);
	rx->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx->fd < 0 || bind(rx->fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0)
		return cli_error("serve", "cannot listen on %s/udp: %s", listen, strerror(errno));
	int r = open_log(rx);
	if (r < 0)
		return cli_error("serve", "%s: %s", rx->log_path, strerror(-r));
	char err[512];
	if (refresh_nodes(rx, 1, err, sizeof(err)) < 0)
		return cli_error("serve", "%s", err);
	return 0;
}

/* Into the background: the parent gets the child's pid (or -1), the child
 * 0, in a new session with its output in log/serve.log. */
static pid_t detach(const char *log_dir)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	setsid();
	char out[PATH_MAX + 16];
	snprintf(out, sizeof(out), "%s/serve.log", log_dir);
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int lf = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (nul >= 0)
		dup2(nul, 0);
	if (lf >= 0) {
		dup2(lf, 1);
		dup2(lf, 2);
	}
	return 0;
}

/* SIGTERM, SIGINT, SIGCHLD and SIGHUP blocked and readable from the
 * returned signalfd; the previous mask (for the services) in *orig. */
static int signal_fd(sigset_t *orig)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	/* A shell starts background jobs with SIGINT ignored, and an ignored
	 * signal is discarded even while blocked: restore the default so the
	 * signalfd sees it. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_BLOCK, &mask, orig);
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

/* What one receiver calls its files and where it listens: the tree's
 * server, log/events.log and run/serve.pid; or with --head NAME that
 * head's address, log/events-NAME.log and run/serve-NAME.pid (the heads
 * share the tree: one file per writer, and hopeless status reads them
 * all). */
struct serve_names {
	char listen[64], events[96], pid[96];
};

static int serve_names(const struct tree *t, const char *head, struct serve_names *sn)
{
	snprintf(sn->listen, sizeof(sn->listen), "%s:514", t->conf.server);
	snprintf(sn->events, sizeof(sn->events), "events.log");
	snprintf(sn->pid, sizeof(sn->pid), "serve.pid");
	if (!head)
		return 0;
	struct head *heads;
	size_t nh;
	char err[512];
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error("serve", "%s", err);
	const struct head *h = heads_find(heads, nh, head);
	if (h) {
		snprintf(sn->listen, sizeof(sn->listen), "%s:514", h->ip);
		snprintf(sn->events, sizeof(sn->events), "events-%s.log", h->name);
		snprintf(sn->pid, sizeof(sn->pid), "serve-%s.pid", h->name);
	}
	free(heads);
	return h ? 0 : cli_error("serve", "--head %s: no such head (see hopeless head list)", head);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hopeless serve [--events-only] [--no-consoles] [--foreground] [--listen ADDR[:PORT]]\n"
		   "       hopeless serve --events-only --head NAME [--foreground] [--listen ADDR[:PORT]]\n"
		   "Runs dnsmasq (-C etc/dnsmasq.conf), nfs-ganesha (-f etc/ganesha.conf) and, unless\n"
		   "http_port = 0, nginx (-c etc/nginx.conf: the boot files over HTTP) from the\n"
		   "tree, and the boot-event receiver: UDP syslog (RFC 5424) on the tree's server\n"
		   "address, port 514, appending accepted events to log/events.log. Only the\n"
		   "registered nodes' addresses are heard (others are counted and dropped; the\n"
		   "list follows nodes/ and SIGHUP); an event is its source's, whatever host name\n"
		   "it claims. Pid files in run/, service logs in log/. SIGTERM or SIGINT stops\n"
		   "everything it started. While a discovery window is open (hopeless node discover),\n"
		   "unknown MACs that PXE-boot on the tree's interface become nodes (also with\n"
		   "--events-only).\n"
		   "  --events-only   only the event receiver (DHCP, NFS and HTTP run elsewhere)\n"
		   "  --no-consoles   do not record the nodes' consoles (default: one recorder per\n"
		   "                  node with a BMC, into log/console/NODE.log)\n"
		   "  --foreground    stay attached to the terminal (default: detach, pid in run/serve.pid)\n"
		   "  --listen A:P    receive events on address A, port P instead\n"
		   "  --head NAME     on head NAME (with --events-only): receive on its address into\n"
		   "                  log/events-NAME.log, pid in run/serve-NAME.pid, no consoles\n");
}

int cmd_serve(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	int events_only = 0, foreground = 0, consoles = 1;
	const char *listen = NULL, *head = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--events-only"))
			events_only = 1;
		else if (!strcmp(argv[i], "--foreground"))
			foreground = 1;
		else if (!strcmp(argv[i], "--no-consoles"))
			consoles = 0;
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen = argv[++i];
		else if (!strncmp(argv[i], "--listen=", 9))
			listen = argv[i] + 9;
		else if (!strcmp(argv[i], "--head") && i + 1 < argc)
			head = argv[++i];
		else
			return cli_error("serve", "unexpected argument '%s' (see hopeless serve --help)", argv[i]);
	}
	if (head && !events_only)
		return cli_error("serve", "--head runs a head's event receiver only: add --events-only (the head's "
					  "dnsmasq, nfs-ganesha and nginx run from etc/heads/%s/, docs/scale-out.md)", head);
	struct tree t;
	if (cli_open_tree(&t, ctx, "serve", 0) < 0)
		return 1;
	struct serve_names sn = {.listen = ""};
	if (serve_names(&t, head, &sn)) {
		tree_close(&t);
		return 1;
	}
	if (head)
		consoles = 0; /* the main serve records them, once */
	if (!listen)
		listen = sn.listen;
	struct sockaddr_in addr;
	if (parse_listen(listen, &addr) < 0) {
		tree_close(&t);
		return cli_error("serve", "--listen %s: want IPv4-ADDRESS[:PORT]", listen);
	}
	char run_dir[PATH_MAX], log_dir[PATH_MAX], conf_dns[PATH_MAX], conf_nfs[PATH_MAX];
	tree_path(&t, run_dir, sizeof(run_dir), "run");
	tree_path(&t, log_dir, sizeof(log_dir), "log");
	tree_path(&t, conf_dns, sizeof(conf_dns), "etc/dnsmasq.conf");
	tree_path(&t, conf_nfs, sizeof(conf_nfs), "etc/ganesha.conf");
	if (!events_only && (access(conf_dns, R_OK) != 0 || access(conf_nfs, R_OK) != 0)) {
		tree_close(&t);
		return cli_error("serve", "%s or %s missing (run hopeless config first)", conf_dns, conf_nfs);
	}
	char tftp[PATH_MAX], blocker[PATH_MAX + 16];
	tree_path(&t, tftp, sizeof(tftp), "tftp");
	if (!events_only && t.conf.http_port && others_can_reach(tftp, blocker, sizeof(blocker)) < 0) {
		tree_close(&t);
		return cli_error("serve", "nginx's workers (user nobody) cannot reach %s: %s is not searchable by "
			"others (chmod o+x it, or set http_port = 0 in hopeless.conf)", tftp, blocker);
	}
	int r = mkdir_p(run_dir, 0755);
	if (r == 0)
		r = mkdir_p(log_dir, 0750);
	if (r < 0) {
		tree_close(&t);
		return cli_error("serve", "cannot create %s and %s: %s", run_dir, log_dir, strerror(-r));
	}

	struct receiver rx = {.fd = -1, .log_fd = -1, .t = &t};
	if (open_receiver(&rx, &addr, listen, log_dir, sn.events) != 0) {
		free(rx.reg);
		tree_close(&t);
		return 1;
	}
	if (!foreground) {
		pid_t pid = detach(log_dir);
		if (pid != 0) {
			if (pid > 0)
				printf("hopeless: serve: running as pid %d; events in %s; stop with kill %d\n", (int)pid,
				       rx.log_path, (int)pid);
			return pid > 0 ? 0 : cli_error("serve", "fork: %s", strerror(errno));
		}
	}
	char pidfile[PATH_MAX + 16];
	snprintf(pidfile, sizeof(pidfile), "%s/%s", run_dir, sn.pid);
	char pidtxt[32];
	int pl = snprintf(pidtxt, sizeof(pidtxt), "%d\n", (int)getpid());
	write_file_atomic(pidfile, pidtxt, (size_t)pl, 0644);

	sigset_t orig;
	int sfd = signal_fd(&orig);

	struct service svc[4] = {{"dnsmasq", 0}, {"nfs-ganesha", 0}, {"nginx", 0}, {"console recorders", 0}};
	int nsvc = events_only ? 0 : 3, status = 0;
	if (!events_only)
		status = start_services(svc, &t, run_dir, log_dir, conf_dns, conf_nfs, &orig);
	if (consoles) /* the recorders of log/console/ (serve_console.c) */
		svc[nsvc++] = (struct service){"console recorders", serve_console_start(&t, &orig)};
	printf("hopeless: serve: receiving boot events on %s/udp into %s%s%s%s\n", listen, rx.log_path,
	       events_only ? " (events only)" : "; dnsmasq and nfs-ganesha started",
	       events_only || !t.conf.http_port ? "" : "; nginx serves tftp/ over HTTP",
	       consoles ? "; recording consoles in log/console/" : "");
	fflush(stdout);

	struct discoverer dz;
	sdisc_init(&dz, &t);
	if (status == 0)
		status = serve_loop(&rx, sfd, svc, nsvc, log_dir, &dz);
	sdisc_stop(&dz);
	stop_services(svc, nsvc);
	printf("hopeless: serve: stopped; %ld event(s) accepted, %ld datagram(s) rejected, %ld dropped from "
	       "unregistered addresses, %ld claiming another host name\n", rx.accepted, rx.rejected, rx.dropped,
	       rx.mismatched);
	unlink(pidfile);
	close(rx.fd);
	close(rx.log_fd);
	if (sfd >= 0)
		close(sfd);
	free(rx.reg);
	tree_close(&t);
	return status;
}
