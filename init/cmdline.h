/* The kernel command line, parsed into the values hopeless-init needs. */
#ifndef HOPELESS_INIT_CMDLINE_H
#define HOPELESS_INIT_CMDLINE_H
#include <stdint.h>

#define CMDLINE_MAX_SERVERS 4

enum onfail_action { ONFAIL_REBOOT = 0, ONFAIL_SHELL, ONFAIL_HALT };
enum state_mode { STATE_IMAGE = 0, STATE_TMPFS, STATE_RBD };

struct boot_config {
	char servers[CMDLINE_MAX_SERVERS][16]; /* hopeless.server= then hopeless.servers= */
	int n_servers;
	char roots[256];    /* prefix of the root and overlay exports, <roots>/<name> (default /roots) */
	char clients[256];  /* export prefix of host overlays (default /clients) */
	char statedir[256]; /* export prefix of state dirs (default /state) */
	enum state_mode state;
	char nfsvers[8];    /* 4.1 default */
	char hostname[64];
	enum onfail_action onfail;
	int timeout;        /* seconds before giving up (default 300) */
	char bootif[32];    /* BOOTIF= as given */
	char ip[256];       /* ip= as given */
	char init[128];     /* the root's init (default /sbin/init) */
	int debug;
	/* boot events (init/event.c): hopeless.events=IP[:PORT] or off; an empty
	 * events_ip means the first NFS server */
	int events_off;
	int arp_off;        /* hopeless.arp=off: no address conflict probe */
	char events_ip[16];
	int events_port;    /* 514 by default */
	/* which values came from the command line (they win over DHCP) */
	unsigned set_mask;
};
#define CMDLINE_SET_SERVER 1u
#define CMDLINE_SET_HOSTNAME 2u
#define CMDLINE_SET_ROOTS 4u

void cmdline_defaults(struct boot_config *c);
/* Parse the text of /proc/cmdline. Unknown words are ignored (they belong to
 * the kernel or the root's init); a malformed hopeless.* value is an error:
 * returns -EINVAL and names the word in err. */
int cmdline_parse(const char *text, struct boot_config *c, char *err, unsigned errlen);
#endif
