/* hopeless-init: the initramfs's /init on every node. It runs the boot steps
 * in order, each logged with its duration, retries with backoff on failure,
 * and never exits (PID 1 exiting panics the kernel): it either execs the
 * root's init or carries out hopeless.onfail=. */
#include "arp.h"
#include "background.h"
#include "cmdline.h"
#include "clock.h"
#include "dhcp.h"
#include "event.h"
#include "layers.h"
#include "log.h"
#include "modload.h"
#include "netif.h"
#include "profile.h"
#include "smallfile.h"
#include "steps.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MODULES_CONF "/lib/hopeless/modules.conf"

struct boot {
	struct boot_config cfg;
	int net_up;
	char client_ip[16];
	char mac[18]; /* of the boot NIC, for boot events */
	char servers[CMDLINE_MAX_SERVERS][16];
	int n_servers;
	struct layer root, overlay;
	struct modload modules;
	int modules_ready;
	double t_start;
};

static void ip_str(uint32_t a, char out[16])
{
	struct in_addr in = {.s_addr = a};
	inet_ntop(AF_INET, &in, out, 16);
}

static void mac_str(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int read_cmdline(struct boot_config *c)
{
	char buf[4096];
	int r = small_file_read("/proc/cmdline", buf, sizeof(buf));
	if (r < 0)
		return r;
	char err[160];
	cmdline_defaults(c);
	if (cmdline_parse(buf, c, err, sizeof(err)) < 0) {
		log_error("cmdline: %s", err);
		return -EINVAL;
	}
	return 0;
}

/* Values DHCP may provide where the command line was silent. */
static void apply_lease(struct boot *b, const struct dhcp_lease *l)
{
	struct boot_config *c = &b->cfg;
	ip_str(l->yiaddr, b->client_ip);
	if (!(c->set_mask & CMDLINE_SET_HOSTNAME) && l->hostname[0])
		snprintf(c->hostname, sizeof(c->hostname), "%s", l->hostname);
	if (!(c->set_mask & CMDLINE_SET_SERVER) && l->next_server) {
		ip_str(l->next_server, c->servers[0]);
		c->n_servers = 1;
	}
	/* root-path "[server:]/path" names the prefix of the layer exports. */
	if (l->root_path[0] && !(c->set_mask & CMDLINE_SET_ROOTS)) {
		const char *colon = strchr(l->root_path, ':');
		const char *path = colon ? colon + 1 : l->root_path;
		if (validate_export_path(path, NULL) == 0)
			snprintf(c->roots, sizeof(c->roots), "%s", path);
		if (colon && !(c->set_mask & CMDLINE_SET_SERVER)) {
			char srv[16];
			size_t n = (size_t)(colon - l->root_path);
			if (n < sizeof(srv)) {
				memcpy(srv, l->root_path, n);
				srv[n] = '\0';
				if (validate_ipv4(srv, NULL, NULL) == 0) {
					snprintf(c->servers[0], sizeof(c->servers[0]), "%s", srv);
					c->n_servers = 1;
				}
			}
		}
	}
}

/* Probe for the address before taking it (RFC 5227): another machine with
 * the node's address would share its exports and, worse, its state image.
 * Then address and default route, through rtnetlink. */
static int configure_address(const struct boot *b, const struct netif *nic, uint32_t ip, int prefix, uint32_t gw,
			     double *arp_secs)
{
	char ipstr[16];
	ip_str(ip, ipstr);
	uint8_t other[6];
	double t0 = clock_secs();
	int r = b->cfg.arp_off ? 0 : arp_probe(nic->ifindex, nic->mac, ip, 2, 0.5, other);
	*arp_secs = clock_secs() - t0;
	if (r < 0)
		log_error("net: ARP probe for %s on %s: %s (continuing without it)", ipstr, nic->name, strerror(-r));
	if (r == 1) {
		char who[18];
		mac_str(other, who);
		if (b->cfg.state != STATE_TMPFS) {
			log_error("net: address %s is in use by %s: another machine has this node's address "
				  "(two nodes with one IP?); not taking it, so the state image is not mounted twice",
				  ipstr, who);
			return -EADDRINUSE;
		}
		log_error("net: warning: address %s is also in use by %s (two nodes with one IP?)", ipstr, who);
	}
	r = netif_add_addr(nic->ifindex, ip, prefix < 0 ? 24 : prefix);
	if (r == 0)
		r = netif_add_default_route(nic->ifindex, gw);
	if (r < 0)
		log_error("net: configuring %s on %s: %s", ipstr, nic->name, strerror(-r));
	return r;
}

static int network_static(struct boot *b, const struct netif_ipconf *ipc, const struct netif *cand, int n)
{
	for (int i = 0; i < n; i++) {
		if (ipc->device[0] && strcmp(ipc->device, cand[i].name))
			continue;
		netif_up(cand[i].ifindex);
		netif_wait_carrier(cand[i].ifindex, 5);
		int prefix = ipc->netmask ? netif_mask_to_prefix(ipc->netmask) : 24;
		double arp;
		int r = configure_address(b, &cand[i], ipc->client, prefix, ipc->gateway, &arp);
		if (r < 0)
			return r;
		ip_str(ipc->client, b->client_ip);
		mac_str(cand[i].mac, b->mac);
		if (ipc->server && !(b->cfg.set_mask & CMDLINE_SET_SERVER)) {
			ip_str(ipc->server, b->cfg.servers[0]);
			b->cfg.n_servers = 1;
		}
		if (ipc->hostname[0] && !(b->cfg.set_mask & CMDLINE_SET_HOSTNAME))
			snprintf(b->cfg.hostname, sizeof(b->cfg.hostname), "%s", ipc->hostname);
		log_info("net: %s static %s/%d", cand[i].name, b->client_ip, prefix);
		return 0;
	}
	log_error("net: ip= names device %s, which does not exist", ipc->device);
	return -ENODEV;
}

static int network_up(struct boot *b)
{
	struct boot_config *c = &b->cfg;
	step_begin("net");
	netif_setup_loopback();
	struct netif all[16], cand[16];
	int n = netif_list(all, 16);
	if (n < 0) {
		log_error("net: listing interfaces: %s", strerror(-n));
		return n;
	}
	uint8_t bootif[6];
	int have_bootif = c->bootif[0] && netif_parse_bootif(c->bootif, bootif) == 0;
	int nc = netif_candidates(all, n, have_bootif ? bootif : NULL, cand, 16);
	if (have_bootif && nc > 0)
		log_info("net: BOOTIF %s selects %s", c->bootif, cand[0].name);
	if (nc <= 0 && have_bootif) {
		log_error("net: no interface has the BOOTIF address %s; trying all", c->bootif);
		nc = netif_candidates(all, n, NULL, cand, 16);
	}
	if (nc <= 0) {
		log_error("net: no Ethernet interface found (is the NIC driver in the initramfs?)");
		return -ENODEV;
	}
	struct netif_ipconf ipc;
	memset(&ipc, 0, sizeof(ipc));
	if (c->ip[0] && netif_parse_ip(c->ip, &ipc) < 0) {
		log_error("net: cannot parse ip=%s", c->ip);
		return -EINVAL;
	}
	if (c->ip[0] && ipc.mode == NETIF_IP_STATIC) {
		int r = network_static(b, &ipc, cand, nc);
		if (r == 0)
			step_end("%s", b->client_ip);
		return r;
	}
	for (int i = 0; i < nc; i++) {
		netif_up(cand[i].ifindex);
		/* Switch ports can be slow; a link without carrier is tried last. */
		if (netif_wait_carrier(cand[i].ifindex, nc > 1 ? 3 : 10) != 1) {
			log_info("net: %s has no link", cand[i].name);
			if (nc > 1)
				continue;
		}
		struct dhcp_client_opts o = {.timeout_secs = 20, .first_retry_secs = 1,
					     .hostname = c->hostname[0] ? c->hostname : NULL};
		struct dhcp_lease l;
		int r = dhcp_client_run(cand[i].ifindex, cand[i].name, cand[i].mac, &o, &l);
		if (r < 0) {
			log_error("net: dhcp on %s: %s", cand[i].name, strerror(-r));
			continue;
		}
		int prefix = l.netmask ? netif_mask_to_prefix(l.netmask) : 24;
		double arp;
		r = configure_address(b, &cand[i], l.yiaddr, prefix, l.router, &arp);
		if (r < 0)
			return r;
		apply_lease(b, &l);
		mac_str(cand[i].mac, b->mac);
		char srv[16];
		ip_str(l.server_id, srv);
		profile_floor("dhcp", l.rtt_secs);
		step_end("%s got %s/%d from %s%s%s (DHCP round trips %.3f s, ARP probe %.3f s)", cand[i].name,
			 b->client_ip, prefix, srv, l.hostname[0] ? ", host name " : "", l.hostname, l.rtt_secs, arp);
		return 0;
	}
	return -ENETUNREACH;
}

static void umount_all(const struct boot *b)
{
	static const char *const mounts[] = {NEWROOT, HL_UPPER, HL_STATE, HL_CLIENT};
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		umount2(mounts[i], MNT_DETACH);
	/* The layers under HL_ROOTS, by the names this attempt read. */
	const char *const layers[] = {b->root.name, b->overlay.name};
	for (size_t i = 0; i < 2; i++) {
		char dir[320];
		if (!layers[i][0])
			continue;
		snprintf(dir, sizeof(dir), HL_ROOTS "/%s", layers[i]);
		umount2(dir, MNT_DETACH);
	}
}

/* The host layer first: its pointer files name the root and the overlay,
 * and the server exports each of those only to the nodes that use it.
 * (Mounting the layers and the upper side by side, in child processes, was
 * measured in the lab and gained nothing: on one CPU a mount is kernel CPU
 * more than waiting for the server.) */
static int mount_layer_exports(struct boot *b, const char *server)
{
	struct boot_config *c = &b->cfg;
	char exp[300];
	snprintf(exp, sizeof(exp), "%s/%s", c->clients, b->client_ip);
	int r = nfs_mount(server, exp, HL_CLIENT, c->nfsvers, b->client_ip, 1);
	if (r == 0 && (r = layer_read_pointer(HL_CLIENT "/hopeless.root", &b->root)) == 0)
		r = layer_read_pointer(HL_CLIENT "/hopeless.overlay", &b->overlay);
	if (r == 0)
		r = layer_mount(server, c->roots, c->nfsvers, b->client_ip, &b->root);
	if (r == 0 && strcmp(b->overlay.name, b->root.name))
		r = layer_mount(server, c->roots, c->nfsvers, b->client_ip, &b->overlay);
	if (r == 0 && (r = layer_choose_version(&b->root)) == 0)
		r = layer_choose_version(&b->overlay);
	return r;
}

static int mount_layers(struct boot *b, const char *server)
{
	struct boot_config *c = &b->cfg;
	step_begin("nfs");
	int r = mount_layer_exports(b, server);
	if (r < 0)
		return r;
	char root[96], ovl[96];
	layer_describe(&b->root, root, sizeof(root));
	layer_describe(&b->overlay, ovl, sizeof(ovl));
	step_end("%s:%s/%s, %s/%s and %s/%s mounted (NFS %s; versions %s, %s)", server, c->roots, b->root.name,
		 c->roots, b->overlay.name, c->clients, b->client_ip, c->nfsvers, root, ovl);
	event_emit("mounted", "%s:%s/%s, %s/%s and %s/%s mounted (NFS %s; versions %s, %s)", server, c->roots,
		   b->root.name, c->roots, b->overlay.name, c->clients, b->client_ip, c->nfsvers, root, ovl);
	log_info("pointers: root %s, overlay %s", root, ovl);
	step_begin("upper");
	if ((r = upper_setup(c, server, b->client_ip)) < 0)
		return r;
	step_end("%s", c->state == STATE_TMPFS ? "tmpfs (stateless)"
		       : c->state == STATE_RBD ? "RBD image (persistent)"
					       : "rw.img on loop (persistent)");
	step_begin("union");
	if ((r = union_mount(b->root.dir, b->overlay.dir)) < 0)
		return r;
	if (layers_write_versions(&b->root, &b->overlay) < 0)
		log_error("layers: cannot write " HL_RUN "/versions");
	/* "roots/NAME@N": hopeless status reads the versions a node runs here. */
	step_end("clients/%s : roots/%s : roots/%s", b->client_ip, ovl, root);
	event_emit("union", "clients/%s : roots/%s : roots/%s", b->client_ip, ovl, root);
	return 0;
}

static void on_failure(const struct boot_config *c, const char *why);

/* Before the first mount: the core modules, loading since /init started. */
static void modules_wait(struct boot *b)
{
	if (b->modules_ready)
		return;
	step_begin("modules");
	int r = modload_finish(&b->modules);
	if (r < 0)
		on_failure(&b->cfg, "could not load the kernel modules the node needs");
	const struct modload *m = &b->modules;
	double kernel = m->devices.cpu_secs + m->core.cpu_secs;
	profile_floor("modules", kernel);
	step_end("done: %d core modules loaded beside the network, %d in all, %.3f s of kernel time",
		 m->core.loaded, m->core.loaded + m->devices.loaded, kernel);
	event_emit("modules", "kernel modules loaded");
	b->modules_ready = 1;
}

static int try_boot(struct boot *b)
{
	struct boot_config *c = &b->cfg;
	int r;
	if (!b->net_up) {
		if ((r = network_up(b)) < 0)
			return r;
		b->net_up = 1;
		if (c->hostname[0]) {
			/* Before the first NFS mount: the NFSv4 client id includes it,
			 * and nodes that all say "(none)" stall each other. */
			if (sethostname(c->hostname, strlen(c->hostname)) != 0)
				log_error("hostname %s: %s", c->hostname, strerror(errno));
		}
		/* Events queued so far (modules, retries) go out now. */
		event_network_up(c, b->client_ip, b->mac);
		event_emit("dhcp", "address %s%s%s", b->client_ip, c->hostname[0] ? ", host name " : "", c->hostname);
	}
	modules_wait(b);
	if (c->n_servers == 0) {
		log_error("no NFS server: give hopeless.server= or have DHCP send next-server");
		return -EDESTADDRREQ;
	}
	for (int i = 0; i < c->n_servers; i++) {
		r = mount_layers(b, c->servers[i]);
		if (r == 0)
			return 0;
		umount_all(b);
		if (i + 1 < c->n_servers)
			log_info("server %s failed; trying next server %s", c->servers[i], c->servers[i + 1]);
	}
	return r;
}

static void on_failure(const struct boot_config *c, const char *why)
{
	log_error("boot failed: %s", why);
	event_emit("failure", "%s", why);
	sync();
	if (c->onfail == ONFAIL_SHELL) {
		if (access("/bin/sh", X_OK) == 0) {
			log_error("onfail=shell: starting a rescue shell; exit it to reboot");
			pid_t pid = fork();
			if (pid == 0) {
				char *const argv[] = {"/bin/sh", NULL};
				execv("/bin/sh", argv);
				_exit(127);
			}
			if (pid > 0)
				while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
					;
		} else {
			log_error("onfail=shell: no shell in this initramfs (build it with --rescue-shell); rebooting");
		}
	}
	if (c->onfail == ONFAIL_HALT) {
		log_error("onfail=halt: powering off");
		reboot(RB_POWER_OFF);
	} else {
		log_error("rebooting");
		reboot(RB_AUTOBOOT);
	}
	for (;;)
		pause(); /* never return: PID 1 must not exit */
}

int main(void)
{
	struct boot b;
	memset(&b, 0, sizeof(b));
	b.t_start = clock_secs();
	early_mounts();
	log_info("starting (pid %d)", (int)getpid());
	if (read_cmdline(&b.cfg) < 0) {
		cmdline_defaults(&b.cfg);
		on_failure(&b.cfg, "unusable kernel command line");
	}
	event_setup(&b.cfg);
	step_begin("nic-modules");
	int r = modload_start(&b.modules, MODULES_CONF);
	if (r < 0)
		on_failure(&b.cfg, "could not load the kernel modules the node needs");
	step_end("%d loaded (%.3f s of kernel time); the core modules load beside the network",
		 b.modules.devices.loaded, b.modules.devices.cpu_secs);

	double deadline = b.t_start + b.cfg.timeout;
	double delay = 2;
	for (int attempt = 1;; attempt++) {
		r = try_boot(&b);
		if (r == 0)
			break;
		umount_all(&b);
		double now = clock_secs();
		if (now + delay > deadline) {
			char why[160];
			snprintf(why, sizeof(why), "no success after %d attempt(s) in %d s (last error: %s)", attempt,
				 b.cfg.timeout, strerror(-r));
			on_failure(&b.cfg, why);
		}
		/* +-20% jitter: a rack of nodes that lost the same server must not
		 * come back at it in lockstep. */
		double wait = delay * (0.8 + 0.4 * (double)(clock_ns() % 1000) / 1000.0);
		log_info("attempt %d failed (%s); retrying in %.1f s", attempt, strerror(-r), wait);
		event_emit("retry", "attempt %d failed: %s", attempt, strerror(-r));
		struct timespec ts = {.tv_sec = (time_t)wait, .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9)};
		nanosleep(&ts, NULL);
		/* Capped at 8 s: a server that comes back is found within
		 * seconds, and a few extra attempts cost nothing. */
		delay = delay * 2 > 8 ? 8 : delay * 2;
	}
	/* systemd and initramfs-tools agree on this file: the root needs no fsck. */
	mkdir_p("/run/initramfs", 0755);
	int fd = open("/run/initramfs/fsck-root", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	log_info("boot: union root ready %.3f s after /init started; switching root", clock_secs() - b.t_start);
	/* Before the switchroot event: that one stays the node's last phase. */
	profile_report(b.t_start);
	event_emit("switchroot", "union root ready; exec %s", b.cfg.init);
	r = switch_root(b.cfg.init, b.t_start);
	on_failure(&b.cfg, "switch root failed");
	return 0;
}
