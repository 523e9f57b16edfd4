/* hopeless head takeover DEAD / head release DEAD: a surviving head serves
 * a dead head's nodes, and gives them back (docs/scale-out.md "Failover").
 *
 * Run on the survivor (the machine holding another head's address):
 *   takeover: refuse if anything still answers ARP for the dead head's
 *   address (a head that is not dead, or a second survivor: two servers on
 *   one address would split the nodes' writes); save this machine's rpcbind
 *   NFS registrations; put the dead head's address on the survivor's
 *   interface and announce it (gratuitous ARP, so the nodes' neighbour
 *   entries move at once); start nfs-ganesha from the dead head's own
 *   etc/heads/DEAD/ganesha.conf (its Bind_addr, its node id in the shared
 *   grace database, so NFSv4 clients could reclaim); wait until it listens.
 *   Any failure undoes what was done.
 *   release: stop that ganesha, remove the address, put back the rpcbind
 *   registrations its stop removed (lib/rpcbind.h says why).
 *
 * What a takeover did is kept on the survivor, not in the tree (the tree is
 * shared by every head; a takeover is this machine's): TAKEOVER_DIR/DEAD.addr
 * (interface, prefix), DEAD.pid (ganesha's pid file), DEAD.rpcbind, and
 * after a release DEAD.released (head watch leaves DEAD alone until it
 * answers again; head_watch.c). /run is
 * the right life time: a reboot of the survivor ends the takeover too. */
#include "cli.h"
#include "arp.h"
#include "clock.h"
#include "heads.h"
#include "mkdir.h"
#include "netif.h"
#include "rpcbind.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TAKEOVER_DIR "/run/hopeless/takeover"
#define NFS_PORT 2049

struct local_if {
	char name[IF_NAMESIZE];
	int ifindex;
	int prefix;
	uint8_t mac[6];
};

/* The interface holding ip (network order) here: 1 and *out (without its
 * MAC: local_if_mac), 0 if no interface has it, negative errno. */
static int find_local_addr(uint32_t ip, struct local_if *out)
{
	struct ifaddrs *all;
	if (getifaddrs(&all) < 0)
		return -errno;
	int found = 0;
	for (struct ifaddrs *a = all; a && !found; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_netmask)
			continue;
		if (((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr != ip)
			continue;
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", a->ifa_name);
		out->ifindex = (int)if_nametoindex(a->ifa_name);
		out->prefix = netif_mask_to_prefix(((struct sockaddr_in *)a->ifa_netmask)->sin_addr.s_addr);
		found = out->ifindex > 0 && out->prefix >= 0;
	}
	freeifaddrs(all);
	return found;
}

/* The interface's MAC, for the ARP probe and announcements (an rtnetlink
 * dump: only for the one interface a takeover uses, not for every
 * address lookup of head watch's rounds). */
static void local_if_mac(struct local_if *lif)
{
	struct netif links[64];
	int n = netif_list(links, 64);
	for (int i = 0; i < n; i++)
		if (links[i].ifindex == lif->ifindex)
			memcpy(lif->mac, links[i].mac, 6);
}

/* The head (other than dead) whose address is on this machine. */
static const struct head *find_survivor(const struct head *heads, size_t nh, const struct head *dead,
					struct local_if *lif)
{
	for (size_t i = 0; i < nh; i++) {
		uint32_t ip;
		if (&heads[i] == dead || validate_ipv4(heads[i].ip, &ip, NULL) < 0)
			continue;
		if (find_local_addr(ip, lif) == 1)
			return &heads[i];
	}
	return NULL;
}

/* TAKEOVER_DIR/<name><suffix>. */
static void state_path(char *out, size_t len, const char *name, const char *suffix)
{
	snprintf(out, len, "%s/%s%s", TAKEOVER_DIR, name, suffix);
}

int head_address_here(const struct head *h)
{
	uint32_t ip;
	struct local_if lif;
	return validate_ipv4(h->ip, &ip, NULL) == 0 && find_local_addr(ip, &lif) == 1;
}

int head_taken_over_here(const char *name)
{
	char path[256];
	state_path(path, sizeof(path), name, ".addr");
	return path_exists(path);
}

int head_released_here(const char *name, int clear)
{
	char path[256];
	state_path(path, sizeof(path), name, ".released");
	int r = path_exists(path);
	if (r && clear)
		unlink(path);
	return r;
}

/* An exclusive lock on TAKEOVER_DIR/.lock: takeover and release of any head
 * on this machine one at a time. The fd, or -1 after the error. */
static int lock_state(const char *w)
{
	int r = mkdir_p(TAKEOVER_DIR, 0700);
	if (r < 0)
		return cli_error(w, "%s: %s (takeovers need root)", TAKEOVER_DIR, strerror(-r)), -1;
	int fd = open(TAKEOVER_DIR "/.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		cli_error(w, "%s/.lock: %s", TAKEOVER_DIR, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The pid in TAKEOVER_DIR/<name>.pid if that process is an nfs-ganesha,
 * else 0 (a stale file, or a recycled pid that must not be signalled). */
static pid_t takeover_pid(const char *name)
{
	char path[256], line[32];
	state_path(path, sizeof(path), name, ".pid");
	if (read_line_file(path, line, sizeof(line)) < 0)
		return 0;
	return pid_running_as(line, "ganesha.nfsd");
}

int head_tcp_accepts(uint32_t ip, int port, int timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = ip};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (!ok && errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int err = 0;
		socklen_t len = sizeof(err);
		ok = poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err;
	}
	close(fd);
	return ok;
}

/* Wait until something accepts TCP on ip:port, at most secs: 0,
 * -ETIMEDOUT, or -ESRCH once the ganesha of name's pid file is gone.
 * Polls every 100 ms; each attempt is one SYN on this host. */
static int wait_listening(uint32_t ip, int port, double secs, const char *name)
{
	double end = clock_secs() + secs;
	char pidfile[256];
	state_path(pidfile, sizeof(pidfile), name, ".pid");
	for (;;) {
		if (head_tcp_accepts(ip, port, 1000))
			return 0;
		/* ganesha writes its pid file once it runs: a file whose
		 * process is gone means it exited. */
		if (path_exists(pidfile) && takeover_pid(name) == 0)
			return -ESRCH;
		if (clock_secs() >= end)
			return -ETIMEDOUT;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* SIGTERM, then SIGKILL after secs: 0 when pid is gone, -ETIMEDOUT. */
static int stop_process(pid_t pid, double secs, double *took)
{
	double t0 = clock_secs();
	kill(pid, SIGTERM);
	while (kill(pid, 0) == 0 && clock_secs() - t0 < secs) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (kill(pid, 0) == 0) {
		kill(pid, SIGKILL);
		for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	*took = clock_secs() - t0;
	return kill(pid, 0) == 0 ? -ETIMEDOUT : 0;
}

/* What a takeover needs to know, resolved before anything changes. */
struct takeover {
	const struct head *dead, *surv;
	uint32_t ip;
	struct local_if lif;
	char conf[PATH_MAX], log[PATH_MAX], pidfile[256], addrfile[256], rpcfile[256];
	double t0, probe; /* when the command started; how long the ARP probe took */
};

/* Everything takeover refuses, one line each; fills *to. 1 when the head
 * is already taken over here (nothing to do), 0 to go on, -1 after the
 * error. */
static int takeover_check(struct tree *t, const char *w, const struct head *heads, size_t nh, const char *name,
			  int force, struct takeover *to)
{
	struct strbuf sb = STRBUF_INIT;
	memset(to, 0, sizeof(*to));
	to->dead = heads_find(heads, nh, name);
	if (!to->dead)
		return cli_error(w, "%s: no such head (see hopeless head list)", name), -1;
	validate_ipv4(to->dead->ip, &to->ip, NULL);
	to->surv = find_survivor(heads, nh, to->dead, &to->lif);
	if (!to->surv)
		return cli_error(w, "no other head's address is on this machine: run it on a surviving head "
				    "(hopeless head list)"), -1;
	state_path(to->pidfile, sizeof(to->pidfile), name, ".pid");
	state_path(to->addrfile, sizeof(to->addrfile), name, ".addr");
	state_path(to->rpcfile, sizeof(to->rpcfile), name, ".rpcbind");
	struct local_if here;
	if (find_local_addr(to->ip, &here) == 1) {
		if (path_exists(to->addrfile) && takeover_pid(name) > 0)
			return 1;
		return cli_error(w, "%s: its address %s is already on this machine (%s) with no takeover of it "
				    "recorded in %s: is this %s itself?", name, to->dead->ip, here.name, TAKEOVER_DIR,
				 name), -1;
	}
	char rel[PATH_MAX];
	int r = tfs_fmt(rel, sizeof(rel), "etc/heads/%s/ganesha.conf", name);
	if (r == 0)
		r = tfs_read(t, rel, &sb);
	sb_free(&sb);
	if (r < 0)
		return cli_error(w, "%s/%s: %s (run hopeless config)", t->dir, rel, strerror(-r)), -1;
	tree_path(t, to->conf, sizeof(to->conf), "%s", rel);
	uint8_t other[6];
	local_if_mac(&to->lif);
	double p0 = clock_secs();
	r = arp_probe(to->lif.ifindex, to->lif.mac, to->ip, 2, 1.0, other);
	to->probe = clock_secs() - p0;
	if (r < 0)
		return cli_error(w, "ARP probe on %s: %s", to->lif.name, strerror(-r)), -1;
	if (r == 1 && !force)
		return cli_error(w, "%s: its address %s still answers ARP (from %02x:%02x:%02x:%02x:%02x:%02x): the "
				    "head is not dead, or another head took it over; stop it there (or fence it) first, "
				    "or --force", name, to->dead->ip, other[0], other[1], other[2], other[3], other[4],
				 other[5]), -1;
	return 0;
}

/* Start the dead head's ganesha (it daemonizes and writes to->pidfile);
 * the ceph.conf of hopeless.conf reaches FSAL_CEPH through CEPH_CONF, as
 * the generated config's RADOS_KV block names it for the grace database. */
static int start_ganesha(const struct tree *t, const struct takeover *to)
{
	int r = tfs_mkdir_p(t, "log", 0755);
	if (r < 0)
		return r;
	if (t->conf.ceph_conf[0])
		setenv("CEPH_CONF", t->conf.ceph_conf, 1);
	char *argv[] = {"ganesha.nfsd", "-f", (char *)to->conf, "-L", (char *)to->log, "-p", (char *)to->pidfile,
			"-N", "NIV_EVENT", NULL};
	struct run_opts o = {.quiet = 1};
	int st = run_prog(argv, &o);
	return st == 0 ? 0 : st < 0 ? st : -ECHILD;
}

/* Undo a takeover that went wrong part-way (or a release): ganesha
 * stopped (SIGKILL after grace seconds: a release lets it finish its
 * requests, a start that failed has none), the address gone, rpcbind as
 * saved, the state files removed. Returns the rpcbind restore's result; counts into *restored. */
static int undo_takeover(const struct takeover *to, const char *name, double grace, double *stop_secs,
			 int *restored)
{
	pid_t pid = takeover_pid(name);
	*stop_secs = 0;
	*restored = 0;
	if (pid > 0)
		stop_process(pid, grace, stop_secs);
	netif_del_addr(to->lif.ifindex, to->ip, to->lif.prefix);
	struct strbuf saved = STRBUF_INIT;
	int r = read_file(to->rpcfile, &saved);
	if (r == 0)
		r = rpcbind_restore(sb_str(&saved), restored);
	sb_free(&saved);
	unlink(to->pidfile);
	unlink(to->addrfile);
	unlink(to->rpcfile);
	return r;
}

/* Steps 3-6 of a checked takeover (docs/scale-out.md, "Failover"). */
static int run_takeover(const struct tree *t, const char *w, const char *name, double wait, struct takeover *to)
{
	struct strbuf sb = STRBUF_INIT;
	double t0 = to->t0, t_addr, t_listen;
	int restored;
	int r = rpcbind_save(&sb);
	if (r == 0)
		r = write_file_atomic(to->rpcfile, sb.buf ? sb.buf : "", sb.len, 0600);
	sb_reset(&sb);
	if (r < 0) {
		sb_free(&sb);
		return cli_error(w, "this machine's rpcbind registrations: %s (is rpcbind running?)", strerror(-r));
	}
	sb_printf(&sb, "interface = %s\nprefix = %d\nip = %s\nsurvivor = %s\n", to->lif.name, to->lif.prefix,
		  to->dead->ip, to->surv->name);
	r = write_file_atomic(to->addrfile, sb.buf, sb.len, 0600);
	sb_free(&sb);
	if (r == 0)
		r = netif_add_addr(to->lif.ifindex, to->ip, to->lif.prefix);
	if (r < 0) {
		undo_takeover(to, name, 5, &t_addr, &restored);
		return cli_error(w, "%s on %s: %s", to->dead->ip, to->lif.name, strerror(-r));
	}
	arp_announce(to->lif.ifindex, to->lif.mac, to->ip);
	t_addr = clock_secs() - t0;
	r = start_ganesha(t, to);
	if (r == 0 && wait > 0)
		r = wait_listening(to->ip, NFS_PORT, wait, name);
	t_listen = clock_secs() - t0;
	if (r < 0) {
		double s;
		undo_takeover(to, name, 5, &s, &restored);
		return cli_error(w, "%s: nfs-ganesha %s (see %s); undone: address removed, rpcbind restored", name,
				 r == -ETIMEDOUT ? "did not listen in time (--wait SECS)" : "did not start", to->log);
	}
	/* RFC 5227 announces twice; the second after the service is there. */
	arp_announce(to->lif.ifindex, to->lif.mac, to->ip);
	head_released_here(name, 1);
	printf("hopeless: head %s (%s) taken over by %s on %s: ARP probe unanswered in %.1f s, address up after "
	       "%.2f s, nfs-ganesha (pid %ld, node id %s) %s after %.1f s; log %s\n",
	       name, to->dead->ip, to->surv->name, to->lif.name, to->probe, t_addr, (long)takeover_pid(name), name,
	       wait > 0 ? "listening" : "started", t_listen, to->log);
	printf("hopeless: give it back with 'hopeless head release %s' on this machine\n", name);
	return 0;
}

int head_takeover(struct tree *t, const char *name, int force, double wait)
{
	const char *w = "head takeover";
	struct head *heads;
	size_t nh;
	char err[512];
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	int lock = lock_state(w);
	if (lock < 0) {
		free(heads);
		return 1;
	}
	struct takeover to;
	double t0 = clock_secs();
	int rc = takeover_check(t, w, heads, nh, name, force, &to);
	to.t0 = t0;
	if (rc == 1) {
		printf("hopeless: head %s is already taken over here (nfs-ganesha pid %ld)\n", name,
		       (long)takeover_pid(name));
		rc = 0;
	} else if (rc == 0) {
		char rel[PATH_MAX];
		tfs_fmt(rel, sizeof(rel), "log/ganesha-%s-on-%s.log", name, to.surv->name);
		tree_path(t, to.log, sizeof(to.log), "%s", rel);
		rc = run_takeover(t, w, name, wait, &to);
	} else
		rc = 1;
	close(lock);
	free(heads);
	return rc;
}

int head_release(struct tree *t, const char *name)
{
	const char *w = "head release";
	struct takeover to;
	char line[128];
	memset(&to, 0, sizeof(to));
	state_path(to.pidfile, sizeof(to.pidfile), name, ".pid");
	state_path(to.addrfile, sizeof(to.addrfile), name, ".addr");
	state_path(to.rpcfile, sizeof(to.rpcfile), name, ".rpcbind");
	const char *why;
	(void)t;
	/* The name becomes a path under TAKEOVER_DIR. */
	if (head_name_ok(name, &why) < 0)
		return cli_error(w, "%s: not a head name: %s", name, why);
	int lock = lock_state(w);
	if (lock < 0)
		return 1;
	struct strbuf sb = STRBUF_INIT;
	int rc = read_file(to.addrfile, &sb);
	char ip[16] = "";
	const char *p = rc == 0 ? sb_str(&sb) : "";
	if (sscanf(p, "interface = %15s\nprefix = %d\nip = %15s", to.lif.name, &to.lif.prefix, ip) != 3 ||
	    validate_ipv4(ip, &to.ip, NULL) < 0 || !(to.lif.ifindex = (int)if_nametoindex(to.lif.name))) {
		sb_free(&sb);
		close(lock);
		return cli_error(w, "%s: not taken over on this machine (nothing usable in %s)", name, to.addrfile);
	}
	sb_free(&sb);
	pid_t pid = takeover_pid(name);
	double secs;
	int restored;
	rc = undo_takeover(&to, name, 30, &secs, &restored);
	/* For head watch: DEAD is coming back, do not take it over again
	 * before it has answered once. */
	char marker[256];
	state_path(marker, sizeof(marker), name, ".released");
	write_file_atomic(marker, "", 0, 0600);
	close(lock);
	snprintf(line, sizeof(line), "%d rpcbind registration(s) restored", restored);
	printf("hopeless: head %s released: nfs-ganesha %s%ld stopped after %.1f s, %s removed from %s, %s\n", name,
	       pid > 0 ? "pid " : "(not running) ", (long)pid, secs, ip, to.lif.name,
	       rc == 0 ? line : "rpcbind registrations NOT restored");
	if (rc < 0)
		return cli_error(w, "rpcbind: %s: restart this head's own nfs-ganesha to register it again",
				 strerror(-rc));
	printf("hopeless: start %s's own services now, on %s\n", name, name);
	return 0;
}
