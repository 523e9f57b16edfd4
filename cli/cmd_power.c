/* hopeless power on|off|cycle|reset|status NODESET: chassis power through
 * each node's BMC (ipmitool, IPMI v2.0 over LAN). Many nodes are handled
 * in parallel, at most --fanout ipmitool processes at a time, each killed
 * after --timeout seconds; one line per node, in the order of the node
 * set: "node1: on", "node1: power cycle issued" on stdout, "node3: error:
 * ..." on stderr. The exit status is 1 when any node failed. */
#include "cli.h"
#include "ipmi.h"
#include "nodeset.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FANOUT_DEFAULT 32
#define TIMEOUT_DEFAULT 30

struct job {
	char host[64];
	struct bmc_conf bmc;
	pid_t pid;
	int fd;           /* ipmitool's stdout and stderr; -1 once read to its end */
	double deadline;  /* monotonic seconds */
	int timed_out, done, status;
	struct strbuf out;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const *action_cmd(const char *action)
{
	static const char *const on[] = {"chassis", "power", "on", NULL}, *const off[] = {"chassis", "power", "off", NULL},
				 *const cycle[] = {"chassis", "power", "cycle", NULL},
				 *const reset[] = {"chassis", "power", "reset", NULL},
				 *const status[] = {"chassis", "power", "status", NULL};
	return !strcmp(action, "on")	    ? on
	       : !strcmp(action, "off")	    ? off
	       : !strcmp(action, "cycle")  ? cycle
	       : !strcmp(action, "reset")  ? reset
	       : !strcmp(action, "status") ? status
					   : NULL;
}

static int job_start(struct job *j, const char *action, int timeout)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* -v: its extra lines tell a refused login from a silent BMC. */
	pid_t pid = ipmi_spawn(&j->bmc, action_cmd(action), 1, -1, p[1], p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return (int)pid;
	}
	j->pid = pid;
	j->fd = p[0];
	j->deadline = now() + timeout;
	return 0;
}

/* Read what is there; at EOF reap the process. */
static void job_read(struct job *j)
{
	char buf[4096];
	ssize_t n = read(j->fd, buf, sizeof(buf));
	if (n > 0) {
		if (j->out.len < 65536)
			sb_addn(&j->out, buf, (size_t)n);
		return;
	}
	if (n < 0 && errno == EINTR)
		return;
	close(j->fd);
	j->fd = -1;
	int ws;
	while (waitpid(j->pid, &ws, 0) < 0 && errno == EINTR)
		;
	j->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	j->done = 1;
}

/* The node's line; 0 when it succeeded. */
static int job_report(const struct job *j, const char *action)
{
	const char *o = sb_str(&j->out);
	char why[512];
	if (j->status == 0 && !strcmp(action, "status")) {
		if (strstr(o, "Chassis Power is on"))
			return printf("%s: on\n", j->host), 0;
		if (strstr(o, "Chassis Power is off"))
			return printf("%s: off\n", j->host), 0;
	} else if (j->status == 0 && strstr(o, "Chassis Power Control:")) {
		return printf("%s: power %s issued\n", j->host, action), 0;
	}
	if (j->timed_out)
		snprintf(why, sizeof(why), "no answer from BMC %s:%u within the timeout (--timeout)", j->bmc.address,
			 j->bmc.port);
	else
		ipmi_explain(&j->bmc, j->host, o, j->status ? j->status : 1, why, sizeof(why));
	fflush(stdout);
	fprintf(stderr, "%s: error: %s\n", j->host, why);
	return 1;
}

/* Kill what ran past its deadline; its pipe then reaches EOF. */
static void reap_late(struct job *jobs, size_t lo, size_t hi)
{
	double t = now();
	for (size_t i = lo; i < hi; i++)
		if (jobs[i].fd >= 0 && !jobs[i].timed_out && t > jobs[i].deadline) {
			jobs[i].timed_out = 1;
			kill(jobs[i].pid, SIGKILL);
		}
}

/* Run every job, at most fanout at a time; print in order as they end. */
static int run_jobs(struct job *jobs, size_t n, const char *action, int fanout, int timeout)
{
	size_t next = 0, printed = 0, running = 0;
	int failed = 0;
	struct pollfd *pfd = calloc((size_t)fanout, sizeof(*pfd));
	size_t *idx = calloc((size_t)fanout, sizeof(*idx));
	if (!pfd || !idx) {
		free(pfd);
		free(idx);
		return cli_error("power", "out of memory");
	}
	while (printed < n) {
		while (running < (size_t)fanout && next < n) {
			int r = job_start(&jobs[next], action, timeout);
			if (r < 0) {
				jobs[next].done = 1;
				jobs[next].status = 127;
				sb_add(&jobs[next].out, "cannot run ipmitool");
			} else {
				running++;
			}
			next++;
		}
		size_t np = 0;
		for (size_t i = printed; i < next && np < (size_t)fanout; i++)
			if (jobs[i].fd >= 0) {
				pfd[np] = (struct pollfd){.fd = jobs[i].fd, .events = POLLIN};
				idx[np++] = i;
			}
		if (np && poll(pfd, np, 250) > 0)
			for (size_t k = 0; k < np; k++)
				if (pfd[k].revents) {
					job_read(&jobs[idx[k]]);
					running -= jobs[idx[k]].done;
				}
		reap_late(jobs, printed, next);
		while (printed < n && jobs[printed].done) {
			failed |= job_report(&jobs[printed], action);
			explicit_bzero(&jobs[printed].bmc, sizeof(jobs[printed].bmc));
			printed++;
		}
	}
	free(pfd);
	free(idx);
	return failed;
}

/* Every node registered and with a BMC, or one line saying which is not. */
static int load_jobs(struct tree *t, const char *spec, struct job **out, size_t *count)
{
	char err[512];
	struct nodeset_entry *e = NULL;
	size_t n = 0;
	if (nodeset_expand(spec, &e, &n, err, sizeof(err)) < 0)
		return cli_error("power", "%s", err);
	struct job *jobs = calloc(n, sizeof(*jobs));
	int rc = jobs ? 0 : cli_error("power", "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct tree_node d;
		if (tree_node_load(t, e[i].hostname, &d, err, sizeof(err)) < 0) {
			rc = cli_error("power", "%s", err);
			break;
		}
		snprintf(jobs[i].host, sizeof(jobs[i].host), "%s", d.hostname);
		jobs[i].fd = -1;
		int r = bmc_load(t, d.hostname, &jobs[i].bmc, err, sizeof(err));
		if (r == -ENOENT)
			rc = cli_error("power", "%s has no BMC (hopeless node set %s --bmc ADDR --bmc-user USER "
				       "--bmc-password-file FILE)", d.hostname, d.hostname);
		else if (r == -EACCES)
			rc = cli_error("power", "%s: cannot read its BMC credentials: %s (they are root's alone)",
				       d.hostname, strerror(-r));
		else if (r < 0)
			rc = cli_error("power", "%s", err);
	}
	free(e);
	if (rc) {
		if (jobs)
			explicit_bzero(jobs, n * sizeof(*jobs));
		free(jobs);
		return rc;
	}
	*out = jobs;
	*count = n;
	return 0;
}

static const char usage_text[] =
	"usage: hopeless power on|off|cycle|reset|status NODESET [--fanout N] [--timeout S]\n"
	"Chassis power of each node through its BMC (ipmitool, IPMI v2.0 over LAN; set\n"
	"the BMC with hopeless node set NODE --bmc ...). One line per node, in order;\n"
	"exits 1 when any node failed.\n"
	"  --fanout N    at most N BMCs at a time (default 32)\n"
	"  --timeout S   give up on a BMC after S seconds (default 30)\n";

static int num_arg(const char *opt, const char *v, int lo, int hi, int *out)
{
	char *end;
	long x = strtol(v, &end, 10);
	if (!*v || *end || x < lo || x > hi)
		return cli_error("power", "%s %s: want a number from %d to %d", opt, v, lo, hi);
	*out = (int)x;
	return 0;
}

static int parse_args(int argc, char **argv, const char **action, const char **spec, int *fanout, int *timeout)
{
	*action = *spec = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fanout") || !strcmp(argv[i], "--timeout")) {
			if (i + 1 >= argc)
				return cli_error("power", "%s: needs a value", argv[i]);
			if (argv[i][2] == 'f' ? num_arg("--fanout", argv[i + 1], 1, 1024, fanout)
					      : num_arg("--timeout", argv[i + 1], 1, 3600, timeout))
				return 1;
			i++;
		} else if (argv[i][0] == '-') {
			return cli_error("power", "%s: unknown option (see hopeless power --help)", argv[i]);
		} else if (!*action) {
			*action = argv[i];
		} else if (!*spec) {
			*spec = argv[i];
		} else {
			return cli_error("power", "%s: unexpected argument (see hopeless power --help)", argv[i]);
		}
	}
	if (!*action || !*spec)
		return cli_error("power", "want an action and a node set (see hopeless power --help)");
	if (!action_cmd(*action))
		return cli_error("power", "%s: want on, off, cycle, reset or status", *action);
	return 0;
}

int cmd_power(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return 0;
	}
	const char *action, *spec;
	int fanout = FANOUT_DEFAULT, timeout = TIMEOUT_DEFAULT;
	if (parse_args(argc, argv, &action, &spec, &fanout, &timeout))
		return 1;
	struct tree t;
	if (cli_open_tree(&t, ctx, "power", 0) < 0)
		return 1;
	struct job *jobs = NULL;
	size_t n = 0;
	int rc = load_jobs(&t, spec, &jobs, &n);
	tree_close(&t);
	if (rc)
		return rc;
	if (ipmi_available() < 0)
		rc = cli_error("power", "ipmitool not found in PATH (install the ipmitool package)");
	else
		rc = run_jobs(jobs, n, action, fanout, timeout);
	for (size_t i = 0; i < n; i++)
		sb_free(&jobs[i].out);
	explicit_bzero(jobs, n * sizeof(*jobs));
	free(jobs);
	return rc;
}
