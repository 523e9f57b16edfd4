/* hopeless lab: a virtual cluster on this machine. The orchestration of
 * external programs (ip, dnsmasq, ganesha.nfsd, qemu) lives in lab.sh, where
 * starting, watching and killing processes by PID reads plainly; everything
 * it boots is made with this very command (init, root, overlay, node,
 * initramfs, config), so the lab exercises the real tree and configs. */
#include "cli.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_lab(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)ctx;
	char script[PATH_MAX], self[PATH_MAX];
	if (cli_find_helper("lab.sh", script, sizeof(script)) < 0)
		return cli_error("lab", "cannot find lab.sh beside hopeless");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return cli_error("lab", "/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	setenv("HOPELESS", self, 1);
	char **args = calloc((size_t)argc + 2, sizeof(char *));
	if (!args)
		return cli_error("lab", "out of memory");
	args[0] = "/bin/bash";
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	execv(args[0], args);
	int e = errno;
	free(args);
	return cli_error("lab", "cannot run %s: %s", script, strerror(e));
}
