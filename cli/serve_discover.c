/* hopeless serve: discovery of new nodes.
 *
 * While the window of `hopeless node discover` is open (discover.conf),
 * serve listens on the cluster interface with a packet socket filtered in
 * the kernel to IPv4/UDP port 67, and parses each frame strictly
 * (discover_parse_frame: a frame is hostile). A DHCPDISCOVER from a MAC no
 * node has is queued; once per wake-up the queue is registered under the
 * tree lock (taken without waiting: a long command holding it delays
 * discovery, never the event receiver): each MAC, in the order first heard,
 * gets the next free name and address of the window, through node add's own
 * code (host layer, state image, host keys), then the configs are
 * regenerated and dnsmasq and nfs-ganesha told to reload (config_generate,
 * through the pid files in <tree>/run). dnsmasq answered nothing to the first DISCOVER
 * (a static range answers registered MACs only); the client's next
 * retransmission, a few seconds later, gets its address and boots.
 *
 * One process decides, under the lock, from the tree as it is: two
 * machines at once get two distinct names; a MAC heard again, or already a
 * node's, is not registered twice; a full range closes the window. No
 * window, no socket: unknown MACs get nothing. Rate limits: at most
 * SDISC_FRAMES_PER_SEC frames parsed a second, SDISC_BATCH registrations a
 * round, SDISC_PENDING MACs waiting (the rest retransmit). */
#include "serve_discover.h"
#include "discover.h"
#include "node.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static long long now_s(void)
{
	return (long long)time(NULL);
}

static uint64_t mac_u64(const uint8_t m[6])
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | m[i];
	return v;
}

static void mac_text(uint64_t v, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(v >> 40) & 255, (unsigned)(v >> 32) & 255,
		 (unsigned)(v >> 24) & 255, (unsigned)(v >> 16) & 255, (unsigned)(v >> 8) & 255, (unsigned)v & 255);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void sdisc_init(struct discoverer *d, struct tree *t)
{
	memset(d, 0, sizeof(*d));
	d->t = t;
	d->fd = -1;
}

int sdisc_fd(const struct discoverer *d)
{
	return d->fd;
}

/* IPv4, UDP, not a fragment, destination port 67: in the kernel, so no
 * other traffic of the segment wakes serve. */
static void attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),             /* 0 ethertype */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 7),  /* 1 -> 9 */
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 9),         /* 2 protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 5),      /* 3 -> 9 */
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 14 + 6),         /* 4 fragment */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 3, 0), /* 5 -> 9 */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),            /* 6 X = IHL * 4 */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 14 + 2),         /* 7 destination port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 67, 1, 0),      /* 8 -> 10 */
		BPF_STMT(BPF_RET | BPF_K, 0),                       /* 9 drop */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),             /* 10 keep */
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	/* Without it every frame is parsed (and refused) in user space. */
	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_socket(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);
	if (!idx)
		return -errno;
	/* Protocol 0 until bound: nothing is queued before the filter. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	attach_filter(fd);
	int one = 1;
	(void)setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* The nodes' MACs, reloaded when nodes/ changed (node add, set and rm
 * rename files there). */
static void refresh_known(struct discoverer *d)
{
	struct stat st;
	if (tfs_stat(d->t, "nodes", &st) < 0)
		memset(&st, 0, sizeof(st));
	if (d->known && st.st_ino == d->nodes_ino && st.st_mtim.tv_sec == d->nodes_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == d->nodes_mtime.tv_nsec && now_s() > st.st_mtim.tv_sec + 1)
		return;
	struct tree_node *nodes;
	size_t n;
	char err[512];
	if (tree_nodes_load(d->t, &nodes, &n, err, sizeof(err)) < 0)
		return; /* the registration step reloads under the lock and says why */
	uint64_t *k = calloc(n ? n : 1, sizeof(*k));
	for (size_t i = 0; k && i < n; i++) {
		uint8_t m[6] = {0};
		validate_mac(nodes[i].mac, m, NULL);
		k[i] = mac_u64(m);
	}
	free(nodes);
	if (!k)
		return;
	qsort(k, n, sizeof(*k), cmp_u64);
	free(d->known);
	d->known = k;
	d->nknown = n;
	d->nodes_ino = st.st_ino;
	d->nodes_mtime = st.st_mtim;
}

static void queue_mac(struct discoverer *d, uint64_t mac)
{
	if (d->nknown && bsearch(&mac, d->known, d->nknown, sizeof(mac), cmp_u64))
		return; /* a node's: dnsmasq answers it */
	for (size_t i = 0; i < d->npending; i++)
		if (d->pending[i] == mac)
			return;
	if (d->npending < SDISC_PENDING)
		d->pending[d->npending++] = mac;
}

/* One frame: its length, 0 to skip it, -EAGAIN when nothing is left. */
static ssize_t read_frame(int fd, uint8_t *buf, size_t cap, int *csum_ready)
{
	struct sockaddr_ll from;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = &cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;
	if ((mh.msg_flags & MSG_TRUNC) || from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	*csum_ready = 1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
			struct tpacket_auxdata aux;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				*csum_ready = 0; /* a local sender left it to the NIC */
		}
	return n;
}

void sdisc_receive(struct discoverer *d)
{
	if (d->fd < 0)
		return;
	refresh_known(d);
	for (int i = 0; i < 64; i++) {
		uint8_t buf[1600];
		int csum_ready = 1;
		ssize_t n = read_frame(d->fd, buf, sizeof(buf), &csum_ready);
		if (n < 0)
			return;
		if (n == 0)
			continue;
		long long s = now_s();
		if (s != d->sec)
			d->sec = s, d->frames_in_sec = 0;
		if (++d->frames_in_sec > SDISC_FRAMES_PER_SEC) {
			d->limited++;
			continue;
		}
		struct discover_request req;
		int r = discover_parse_frame(buf, (size_t)n, csum_ready, &req);
		if (r == -EBADMSG && (++d->malformed <= 20 || d->malformed % 1000 == 0))
			fprintf(stderr, "hopeless: serve: discovery: dropped a malformed DHCP frame (%ld so far)\n",
				d->malformed);
		if (r < 0)
			continue;
		d->heard++;
		queue_mac(d, mac_u64(req.mac));
	}
}

static int try_lock(struct tree *t)
{
	int fd = tfs_open(t, ".lock", O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	t->lock_fd = fd;
	return 0;
}

static void unlock(struct tree *t)
{
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	t->lock_fd = -1;
}

static void mark_full(struct discoverer *d, struct discover_window *w)
{
	w->closed = now_s();
	snprintf(w->closed_by, sizeof(w->closed_by), "full");
	int r = discover_save(d->t, w);
	if (r < 0)
		fprintf(stderr, "hopeless: serve: discovery: %s/%s: %s\n", d->t->dir, DISCOVER_FILE, strerror(-r));
	else
		printf("hopeless: serve: discovery: every name of %s is taken; the window is closed\n", w->nodes);
}

/* Pending MACs that are still nobody's, up to the free slots and
 * SDISC_BATCH, as entries in slot order: e[k] gets the k-th free slot.
 * Consumed pending MACs are dropped from the queue. */
static size_t assign(struct discoverer *d, const struct discover_slots *s, struct nodeset_entry *e)
{
	size_t k = 0, slot = 0, keep = 0;
	for (size_t i = 0; i < d->npending; i++) {
		uint64_t mac = d->pending[i];
		char txt[18];
		mac_text(mac, txt);
		int known = 0;
		for (size_t j = 0; j < s->nnodes && !known; j++)
			known = !strcmp(s->nodes[j].mac, txt);
		if (known)
			continue;
		while (slot < s->n && !s->free[slot])
			slot++;
		if (k == SDISC_BATCH || slot == s->n) {
			d->pending[keep++] = mac;
			continue;
		}
		e[k] = s->e[slot++];
		snprintf(e[k].mac, sizeof(e[k].mac), "%s", txt);
		k++;
	}
	d->npending = keep;
	return k;
}

/* Under the lock: the window as the file says now, the free slots, node
 * add's code for the batch, then the configs. */
static void register_locked(struct discoverer *d)
{
	struct discover_window w;
	struct discover_slots s;
	char err[512];
	int r = discover_load(d->t, &w, err, sizeof(err));
	if (r < 0 || strcmp(discover_window_state(&w, now_s()), "open")) {
		d->npending = 0; /* closed meanwhile: nothing registers */
		return;
	}
	if (discover_slots(d->t, &w, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "hopeless: serve: discovery: %s\n", err);
		d->retry_at = now_s() + 10;
		return;
	}
	struct nodeset_entry e[SDISC_BATCH];
	size_t k = assign(d, &s, e);
	struct tree_node proto;
	char when[32];
	if (k && discover_proto(&w, &proto, "serve: discovery") == 0) {
		discover_time_fmt(now_s(), when);
		snprintf(proto.registered, sizeof(proto.registered), "discovered %s", when);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (node_add_entries(d->t, e, k, NULL, 0, &proto, "serve: discovery") == 0) {
			d->registered += (long)k;
			s.nfree -= k;
			config_generate(d->t, 0);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			for (size_t i = 0; i < k; i++)
				printf("hopeless: serve: discovery: %s is now node %s (%s); registered with %zu other(s) "
				       "and configs reloaded in %.2f s\n",
				       e[i].mac, e[i].hostname, e[i].ip, k - 1, took);
		} else {
			d->retry_at = now_s() + 10; /* the machines retransmit meanwhile */
		}
	}
	if (!s.nfree) {
		mark_full(d, &w);
		d->npending = 0;
	}
	discover_slots_free(&s);
}

static void register_pending(struct discoverer *d)
{
	if (!d->npending || now_s() < d->retry_at)
		return;
	if (try_lock(d->t) < 0)
		return; /* a command holds the tree: next round */
	register_locked(d);
	unlock(d->t);
	fflush(stdout);
}

/* Reread the window when its file changed (or its time ran out). */
static void follow_window(struct discoverer *d)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	int have = tfs_stat(d->t, DISCOVER_FILE, &st) == 0;
	int changed = st.st_ino != d->win_ino || st.st_size != d->win_size ||
		      st.st_mtim.tv_sec != d->win_mtime.tv_sec || st.st_mtim.tv_nsec != d->win_mtime.tv_nsec;
	if (!changed && !(d->win_open && now_s() >= d->win_until))
		return;
	d->win_ino = st.st_ino;
	d->win_size = st.st_size;
	d->win_mtime = st.st_mtim;
	struct discover_window w;
	char err[512];
	int open = 0;
	if (have && discover_load(d->t, &w, err, sizeof(err)) == 0)
		open = !strcmp(discover_window_state(&w, now_s()), "open");
	else if (have)
		fprintf(stderr, "hopeless: serve: discovery: %s; no window\n", err);
	d->win_open = open;
	d->win_until = open ? w.until : 0;
	if (open && d->fd < 0) {
		int fd = open_socket(d->t->conf.interface);
		if (fd < 0) {
			fprintf(stderr, "hopeless: serve: discovery: cannot listen on %s: %s\n", d->t->conf.interface,
				strerror(-fd));
			return;
		}
		d->fd = fd;
		char u[32];
		discover_time_fmt(w.until, u);
		printf("hopeless: serve: discovery window open until %s: unknown MACs PXE-booting on %s become %s\n",
		       u, d->t->conf.interface, w.nodes);
	} else if (!open && d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
		d->npending = 0;
		printf("hopeless: serve: discovery window %s; unknown MACs get nothing\n",
		       have ? "ended" : "removed");
	}
	fflush(stdout);
}

void sdisc_tick(struct discoverer *d)
{
	follow_window(d);
	if (d->fd >= 0)
		register_pending(d);
}

void sdisc_stop(struct discoverer *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->heard || d->malformed || d->limited || d->registered)
		printf("hopeless: serve: discovery: %ld DHCPDISCOVER(s) heard, %ld node(s) registered, %ld malformed "
		       "frame(s), %ld over the rate limit\n",
		       d->heard, d->registered, d->malformed, d->limited);
	free(d->known);
	d->known = NULL;
}
