/* The local rpcbind's NFS registrations, saved before a head takeover and
 * put back after its release (hopeless head takeover/release,
 * docs/scale-out.md "Failover").
 *
 * Why: nfs-ganesha registers NFS, MOUNT, NLM and RQUOTA with the machine's
 * rpcbind when it starts (by program and version, not by address) and
 * unregisters them when it stops. The dead head's ganesha, run beside the
 * survivor's own, takes over the survivor's registrations (same ports, so
 * harmless); but when it stops at the release it removes them, and new
 * NFSv3 mounts of the survivor fail until its own ganesha restarts. So the
 * survivor's registrations are saved before and restored after, through
 * libtirpc (the library the rpcbind protocol is made with), not by
 * restarting anything.
 *
 * The saved form is text, one registration a line:
 *   PROGRAM VERSION NETID UNIVERSAL-ADDRESS OWNER */
#ifndef HOPELESS_RPCBIND_H
#define HOPELESS_RPCBIND_H
#include "util.h"
#include <stdint.h>

struct rpcbind_reg {
	uint32_t prog, vers;
	char netid[16];
	char uaddr[64];
	char owner[32];
};

/* 1 for the programs an NFS server registers (nfs, mountd, nlockmgr,
 * rquotad), 0 for everything else (left alone). */
int rpcbind_is_nfs_prog(uint32_t prog);
/* Parse one saved line: 0, or -EINVAL for a malformed one. */
int rpcbind_parse_line(const char *line, struct rpcbind_reg *e);
/* Append e as a saved line to sb. */
int rpcbind_format(const struct rpcbind_reg *e, struct strbuf *sb);

/* The local rpcbind's current NFS registrations, as saved lines, into sb:
 * 0, or negative errno (-ECONNREFUSED when no rpcbind answers). */
int rpcbind_save(struct strbuf *sb);
/* Register again every saved line that the local rpcbind no longer has (by
 * program, version and netid); *restored counts them. 0 or negative errno
 * (the first registration rpcbind refused). */
int rpcbind_restore(const char *saved, int *restored);
#endif
