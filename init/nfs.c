/* NFS mounts with mount(2) and the kernel's text options: no mount.nfs
 * helper exists in the initramfs. The kernel resolves no names, hence addr=. */
#include "clock.h"
#include "log.h"
#include "steps.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

/* What an administrator should look at for the usual mount errors. */
static const char *nfs_hint(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return " (is the NFS server running on that host?)";
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ETIMEDOUT:
		return " (is the server up and on this network? check hopeless.server=)";
	case EACCES:
	case EPERM:
		return " (does the export allow this node's address? hopeless config)";
	case ENOENT:
		return " (does the export exist on the server? hopeless config)";
	case ENODEV:
		return " (is the nfs module in the initramfs?)";
	default:
		return "";
	}
}

int nfs_mount(const char *server, const char *export_path, const char *target, const char *vers,
	      const char *client_ip, int readonly)
{
	char src[320], opts[256];
	snprintf(src, sizeof(src), "%s:%s", server, export_path);
	const char *type;
	if (vers[0] == '4') {
		type = "nfs4";
		/* One fixed client address keeps the NFSv4 client id stable;
		 * soft timeouts would turn a server restart into I/O errors. */
		snprintf(opts, sizeof(opts), "vers=%s,addr=%s,clientaddr=%s,hard,timeo=100,retrans=3", vers,
			 server, client_ip);
	} else {
		type = "nfs";
		/* No lock daemon in the initramfs: locks stay local. */
		snprintf(opts, sizeof(opts), "vers=3,addr=%s,mountaddr=%s,proto=tcp,mountproto=tcp,nolock,hard",
			 server, server);
	}
	int r = mkdir_p(target, 0755);
	if (r < 0)
		return r;
	double t0 = clock_secs();
	if (mount(src, target, type, readonly ? MS_RDONLY : 0, opts) != 0) {
		int e = errno;
		log_error("nfs: mount %s on %s (%s): %s%s", src, target, opts, strerror(e), nfs_hint(e));
		return -e;
	}
	log_info("nfs: %s (%.3f s)", src, clock_secs() - t0);
	return 0;
}
