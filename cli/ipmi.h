/* Talking to a node's BMC with ipmitool (IPMI v2.0 over LAN, lanplus).
 * The password goes to ipmitool in its environment (-E, IPMI_PASSWORD of
 * the child only), never on a command line that ps would show. */
#ifndef HOPELESS_IPMI_H
#define HOPELESS_IPMI_H
#include "bmc.h"
#include "util.h"
#include <sys/types.h>

/* ipmitool in PATH: 0, or -ENOENT. */
int ipmi_available(void);
/* Start ipmitool for c with the arguments cmd (NULL-terminated, e.g.
 * {"chassis", "power", "status", NULL}); its stdin, stdout and stderr are
 * in_fd, out_fd, err_fd (-1: /dev/null). verbose adds -v, whose extra
 * lines on stderr tell a wrong password from a BMC that does not answer.
 * Returns the pid or a negative errno. */
pid_t ipmi_spawn(const struct bmc_conf *c, const char *const *cmd, int verbose, int in_fd, int out_fd, int err_fd);
/* Run and wait; out (may be NULL) gets stdout and stderr. Returns the
 * exit status (128+N for a signal) or a negative errno. */
int ipmi_run(const struct bmc_conf *c, const char *const *cmd, int verbose, struct strbuf *out);
/* One line saying why an ipmitool run failed, from what it printed:
 * a refused login names the user and the file to fix, a BMC that does
 * not answer its address, anything else the last error line (printable
 * characters only). host: the node. */
void ipmi_explain(const struct bmc_conf *c, const char *host, const char *text, int status, char *out,
		  size_t outlen);
#endif
