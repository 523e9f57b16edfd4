/* The modules step, run beside the network: the device modules (the NIC)
 * load in the init itself, because DHCP needs them; the core modules (the
 * NFS client, overlayfs, loop), which nothing needs before the first mount,
 * load in a child process meanwhile. The kernel's module loading is most of
 * the init's time (nfsv4.ko alone takes 0.7 s under TCG) and it is CPU work,
 * while the network step mostly waits (DHCP round trips, the ARP probe's
 * 0.5 s): done one after the other, the waits added to the loading; side by
 * side the loading fills them. */
#ifndef HOPELESS_INIT_MODLOAD_H
#define HOPELESS_INIT_MODLOAD_H
#include "modules.h"
#include <sys/types.h>

struct modload {
	pid_t child;            /* loading the core modules; 0 once reaped */
	int fd;                 /* its report; -1 once read */
	struct modules_cost devices; /* the NIC modules, loaded here */
	struct modules_cost core;    /* reported by the child */
	double core_done;       /* clock_secs() when the child finished */
	int core_result;        /* 0 or the first core failure */
};

/* Reads conf_path, starts the child on the core modules, loads the device
 * modules here. Returns 0, or a negative errno when the list is unusable or
 * the child cannot start (then nothing is loading). */
int modload_start(struct modload *ml, const char *conf_path);

/* Waits for the child (once; later calls return the same result). Returns
 * 0, or a negative errno when a core module failed. */
int modload_finish(struct modload *ml);
#endif
