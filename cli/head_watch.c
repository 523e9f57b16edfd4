/* hopeless head watch: the detection that runs head takeover (docs/
 * scale-out.md "Failover"). Runs on every head, in the foreground (a
 * systemd unit, or the lab), until SIGTERM or SIGINT.
 *
 * Every --interval seconds it opens a TCP connection to port 2049 of every
 * other head. A head that misses --misses probes in a row is down; of the
 * heads this watcher sees up, the one that weighs most for the down head
 * (rendezvous hashing, heads_weight(DEAD, HEAD), the same on every head)
 * is its successor, and only the successor takes it over, so the survivors
 * spread several dead heads over themselves and do not race for one. The
 * takeover itself refuses a head whose address still answers ARP (a head
 * whose ganesha hangs or is starting, a partition seen from here only), so
 * a false alarm costs a refused takeover and a log line, never two servers
 * on one address. Watchers with different views can both try; the first
 * holds the address and the second's ARP probe sees it.
 *
 * A head taken over here is not probed (its address answers here). A head
 * released here (head release) is left alone until it answers again: its
 * own services are coming back, and a takeover in between would take its
 * address from under it.
 *
 * It also reloads this head's services when hopeless config (run on any
 * head) changed their files: config can signal only the services of the
 * machine it runs on, and the heads share the tree. Each round it looks at
 * etc/dnsmasq-hosts.conf and etc/heads/SELF/{dnsmasq,ganesha,nginx}.conf;
 * a change sends SIGHUP to the process in run/<service>-SELF.pid (dnsmasq
 * rereads its hosts, ganesha its exports, nginx its configuration), or for
 * dnsmasq.conf, which dnsmasq never rereads, says to restart it. */
#include "cli.h"
#include "clock.h"
#include "head.h"
#include "heads.h"
#include "validate.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WATCHED 256

/* What the watcher knows of one head, kept across reloads of heads/. */
struct watched {
	char name[64];
	int misses;  /* probes missed in a row */
	int noted;   /* the current down state was logged */
};

/* The files whose change reloads a service here (see the top). */
enum { F_HOSTS, F_DNSMASQ, F_GANESHA, F_NGINX, F_COUNT };

struct watch {
	struct watched w[MAX_WATCHED];
	size_t n;
	double interval, wait;
	int misses;
	struct stat seen[F_COUNT]; /* st_ino 0: not there (or not looked yet) */
	int looked;
};

static struct watched *watched_get(struct watch *wt, const char *name)
{
	for (size_t i = 0; i < wt->n; i++)
		if (!strcmp(wt->w[i].name, name))
			return &wt->w[i];
	if (wt->n == MAX_WATCHED)
		return NULL;
	struct watched *w = &wt->w[wt->n++];
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	return w;
}

/* The successor of dead among the heads this watcher sees up (itself
 * included): the heaviest by heads_weight(dead, head); NULL if none. */
static const struct head *successor(const struct watch *wt, const struct head *heads, size_t nh,
				    const struct head *dead, const struct head *self)
{
	const struct head *best = NULL;
	uint64_t best_w = 0;
	for (size_t i = 0; i < nh; i++) {
		const struct head *h = &heads[i];
		if (h == dead)
			continue;
		int up = h == self;
		for (size_t k = 0; k < wt->n && !up; k++)
			if (!strcmp(wt->w[k].name, h->name))
				up = wt->w[k].misses == 0;
		uint64_t w = heads_weight(dead->name, h->name);
		if (up && (!best || w > best_w || (w == best_w && strcmp(h->name, best->name) < 0)))
			best = h, best_w = w;
	}
	return best;
}

/* This machine's own head: the one whose address is here and is not a
 * takeover's. */
static const struct head *own_head(const struct head *heads, size_t nh)
{
	for (size_t i = 0; i < nh; i++)
		if (!head_taken_over_here(heads[i].name) && head_address_here(&heads[i]))
			return &heads[i];
	return NULL;
}

/* One probe of head h and what follows from it. */
static void check_head(struct tree *t, struct watch *wt, const struct head *heads, size_t nh, const struct head *h,
		       const struct head *self)
{
	struct watched *w = watched_get(wt, h->name);
	if (!w || head_taken_over_here(h->name)) {
		if (w)
			w->misses = 0, w->noted = 0;
		return;
	}
	int timeout_ms = (int)(wt->interval * 1000 * 0.8);
	uint32_t ip;
	if (validate_ipv4(h->ip, &ip, NULL) == 0 && head_tcp_accepts(ip, 2049, timeout_ms < 100 ? 100 : timeout_ms)) {
		if (w->noted)
			printf("hopeless: head watch: %s (%s) answers again\n", h->name, h->ip);
		head_released_here(h->name, 1);
		w->misses = 0, w->noted = 0;
		return;
	}
	if (++w->misses < wt->misses || w->noted)
		return;
	const struct head *succ = successor(wt, heads, nh, h, self);
	if (head_released_here(h->name, 0)) {
		printf("hopeless: head watch: %s (%s) released here: waiting for it to answer again\n", h->name, h->ip);
		w->noted = 1;
	} else if (succ != self) {
		printf("hopeless: head watch: %s (%s) missed %d probes; its successor is %s, not this head (%s)\n",
		       h->name, h->ip, w->misses, succ ? succ->name : "none", self->name);
		w->noted = 1;
	} else {
		printf("hopeless: head watch: %s (%s) missed %d probes %.1f s apart: taking over\n", h->name, h->ip,
		       w->misses, wt->interval);
		fflush(stdout);
		/* A refusal (its address answers ARP) is logged by the takeover;
		 * try again after another round of misses. */
		if (head_takeover(t, h->name, 0, wt->wait) != 0)
			w->misses = 0;
	}
}

/* 1 when the file at rel is not the one seen last (another inode, size or
 * modification time: config replaces files by rename); records it. */
static int file_changed(const struct tree *t, const char *rel, struct stat *seen)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	tfs_stat(t, rel, &st);
	int changed = st.st_ino != seen->st_ino || st.st_size != seen->st_size ||
		      st.st_mtim.tv_sec != seen->st_mtim.tv_sec || st.st_mtim.tv_nsec != seen->st_mtim.tv_nsec;
	*seen = st;
	return changed;
}

/* This head's service svc, if it runs: the pid in run/<svc>-<self>.pid
 * when that process is comm; else 0. */
static pid_t own_service_pid(const struct tree *t, const char *svc, const char *self, const char *comm)
{
	char name[96];
	snprintf(name, sizeof(name), "%s-%s", svc, self);
	return cli_service_pid(t, name, comm);
}

/* SIGHUP to this head's service, if it runs. */
static void reload(const struct tree *t, const char *svc, const char *self, const char *comm, const char *what)
{
	pid_t pid = own_service_pid(t, svc, self, comm);
	if (!pid)
		return;
	if (kill(pid, SIGHUP) == 0)
		printf("hopeless: head watch: %s (pid %ld) %s\n", svc, (long)pid, what);
	else
		fprintf(stderr, "hopeless: head watch: %s (pid %ld): %s\n", svc, (long)pid, strerror(errno));
}

/* One look at this head's files; the first only records them. */
static void check_files(const struct tree *t, struct watch *wt, const char *self)
{
	char rel[F_COUNT][PATH_MAX];
	snprintf(rel[F_HOSTS], PATH_MAX, "etc/dnsmasq-hosts.conf");
	snprintf(rel[F_DNSMASQ], PATH_MAX, "etc/heads/%s/dnsmasq.conf", self);
	snprintf(rel[F_GANESHA], PATH_MAX, "etc/heads/%s/ganesha.conf", self);
	snprintf(rel[F_NGINX], PATH_MAX, "etc/heads/%s/nginx.conf", self);
	int ch[F_COUNT];
	for (int i = 0; i < F_COUNT; i++)
		ch[i] = file_changed(t, rel[i], &wt->seen[i]) && wt->looked;
	wt->looked = 1;
	if (ch[F_DNSMASQ]) {
		pid_t pid = own_service_pid(t, "dnsmasq", self, "dnsmasq");
		if (pid)
			printf("hopeless: head watch: %s changed: restart dnsmasq (pid %ld) to apply it\n", rel[F_DNSMASQ],
			       (long)pid);
	}
	if (ch[F_HOSTS])
		reload(t, "dnsmasq", self, "dnsmasq", "reloaded its node list");
	if (ch[F_GANESHA])
		reload(t, "ganesha", self, "ganesha.nfsd", "reloaded its exports");
	if (ch[F_NGINX])
		reload(t, "nginx", self, "nginx", "reloaded its configuration");
}

/* Sleep until the next round, or return 1 on SIGTERM/SIGINT. */
static int wait_round(const sigset_t *stop, double secs)
{
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	int sig = sigtimedwait(stop, NULL, &ts);
	return sig == SIGTERM || sig == SIGINT;
}

int head_watch(struct tree *t, double interval, int misses, double wait)
{
	const char *w = "head watch";
	struct head *heads;
	size_t nh;
	char err[512];
	static struct watch wt;
	memset(&wt, 0, sizeof(wt));
	wt.interval = interval, wt.misses = misses, wt.wait = wait;
	if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	const struct head *self = own_head(heads, nh);
	if (!self) {
		free(heads);
		return cli_error(w, "no head's address is on this machine: run it on each head (hopeless head list)");
	}
	printf("hopeless: head watch: %s watching %zu other head(s) every %.1f s, down after %d missed probes\n",
	       self->name, nh - 1, interval, misses);
	check_files(t, &wt, self->name);
	free(heads);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	int noted_err = 0;
	while (!wait_round(&stop, interval)) {
		/* heads/ again each round: a head added or removed is seen. */
		if (heads_load(t, &heads, &nh, err, sizeof(err)) < 0) {
			if (!noted_err++)
				fprintf(stderr, "hopeless: head watch: %s (keeps trying)\n", err);
			continue;
		}
		noted_err = 0;
		self = own_head(heads, nh);
		if (self)
			check_files(t, &wt, self->name);
		for (size_t i = 0; self && i < nh; i++)
			if (&heads[i] != self)
				check_head(t, &wt, heads, nh, &heads[i], self);
		free(heads);
	}
	printf("hopeless: head watch: stopped (takeovers made here stay; head release NAME gives one back)\n");
	return 0;
}
