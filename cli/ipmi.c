/* ipmitool as hopeless runs it (see ipmi.h). */
#include "ipmi.h"
#include "util.h"
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int ipmi_available(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n && n + sizeof("/ipmitool") < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/ipmitool", (int)n, path);
			if (access(buf, X_OK) == 0)
				return 0;
		}
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

static void child_fd(int fd, int target, int flags)
{
	if (fd < 0)
		fd = open("/dev/null", flags);
	if (fd >= 0 && fd != target)
		dup2(fd, target);
}

pid_t ipmi_spawn(const struct bmc_conf *c, const char *const *cmd, int verbose, int in_fd, int out_fd, int err_fd)
{
	char port[8], cipher[8];
	snprintf(port, sizeof(port), "%u", c->port);
	snprintf(cipher, sizeof(cipher), "%u", c->cipher);
	/* -N 1 -R 1: a BMC that does not answer is reported in a few seconds. */
	const char *argv[40] = {"ipmitool", "-I", "lanplus", "-C", cipher, "-H", c->address, "-p", port,
				"-U", c->user, "-E", "-N", "1", "-R", "1"};
	size_t n = 16;
	if (verbose)
		argv[n++] = "-v";
	for (size_t i = 0; cmd[i] && n < 39; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	child_fd(in_fd, 0, O_RDONLY);
	child_fd(out_fd, 1, O_WRONLY);
	child_fd(err_fd, 2, O_WRONLY);
	setenv("IPMI_PASSWORD", c->password, 1);
	execvp("ipmitool", (char *const *)argv);
	fprintf(stderr, "hopeless: cannot run ipmitool: %s\n", strerror(errno));
	_exit(127);
}

int ipmi_run(const struct bmc_conf *c, const char *const *cmd, int verbose, struct strbuf *out)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = ipmi_spawn(c, cmd, verbose, -1, p[1], p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return (int)pid;
	}
	struct strbuf tmp = STRBUF_INIT;
	read_fd(p[0], out ? out : &tmp);
	sb_free(&tmp);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* The last line of text holding needle (or any non-empty line when needle
 * is NULL), printable characters only, without a leading "Error: ". */
static void last_line(const char *text, const char *needle, char *out, size_t outlen)
{
	out[0] = '\0';
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		int blank = strspn(p, " \t\r") >= n;
		if (!blank && (!needle || memmem(p, n, needle, strlen(needle)))) {
			size_t j = 0;
			const char *s = p;
			if (n >= 7 && !strncmp(s, "Error: ", 7))
				s += 7, n -= 7;
			for (size_t i = 0; i < n && j + 1 < outlen && j < 200; i++)
				if (s[i] >= ' ' && s[i] <= '~')
					out[j++] = s[i];
			out[j] = '\0';
		}
		p += n + (p[n] == '\n');
	}
}

void ipmi_explain(const struct bmc_conf *c, const char *host, const char *text, int status, char *out,
		  size_t outlen)
{
	char line[256];
	if (status == 127 && strstr(text, "cannot run ipmitool")) {
		snprintf(out, outlen, "cannot run ipmitool (install the ipmitool package)");
	} else if (strstr(text, "RAKP 2 HMAC is invalid") || strstr(text, "unauthorized name") ||
		   strstr(text, "invalid password") || strstr(text, "RAKP 4 message has invalid integrity")) {
		snprintf(out, outlen,
			 "BMC %s:%u refused the login of user '%s' (wrong user name or password): check %s's "
			 "credentials (hopeless node set %s --bmc-user USER --bmc-password-file FILE)",
			 c->address, c->port, c->user, host, host);
	} else if (strstr(text, "Get Auth Capabilities error") || strstr(text, "No response from remote controller") ||
		   strstr(text, "no response from RAKP")) {
		snprintf(out, outlen,
			 "no answer from BMC %s:%u: check the address and port (hopeless node set %s --bmc ADDR[:PORT]) "
			 "and that the BMC is reachable from this host", c->address, c->port, host);
	} else if (strstr(text, "Unable to establish IPMI v2")) {
		snprintf(out, outlen, "no IPMI v2.0 session with BMC %s:%u (is lanplus enabled, cipher suite %u allowed?)",
			 c->address, c->port, c->cipher);
	} else if (status >= 128) {
		snprintf(out, outlen, "ipmitool for BMC %s:%u was stopped (signal %d)", c->address, c->port,
			 status - 128);
	} else {
		last_line(text, "rror", line, sizeof(line));
		if (!line[0])
			last_line(text, NULL, line, sizeof(line));
		snprintf(out, outlen, "BMC %s:%u: %s", c->address, c->port, line[0] ? line : "ipmitool failed");
	}
}
