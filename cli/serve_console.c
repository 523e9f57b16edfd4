/* hopeless serve: the console recorders. One supervisor process, started
 * by serve like its other services, keeps one recorder (console_record,
 * cmd_console.c) running for every registered node with a BMC: it looks
 * at bmc/ every few seconds, so a node set --bmc needs no restart, stops
 * the recorder of a node whose BMC settings are gone, and restarts one
 * that died. A recorder reconnects by itself when its session drops (a
 * node powered off, a BMC rebooted), so this loop only follows the tree. */
#include "cli.h"
#include "console.h"
#include "validate.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESCAN_SECONDS 5

struct recorder {
	char host[64];
	pid_t pid;
	int wanted;
};

static volatile sig_atomic_t sup_stop;
static void on_term(int sig) { (void)sig; sup_stop = 1; }

static pid_t start_recorder(struct tree *t, const char *host)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	_exit(console_record(t, host));
}

/* Mark the recorders still wanted and start the missing ones. */
static void rescan(struct tree *t, struct recorder **recs, size_t *n)
{
	char **names = NULL;
	size_t count = 0;
	if (tree_list_names(t, "bmc", &names, &count) < 0)
		count = 0;
	for (size_t i = 0; i < *n; i++)
		(*recs)[i].wanted = 0;
	for (size_t k = 0; k < count; k++) {
		size_t len = strlen(names[k]);
		char host[64], rel[PATH_MAX];
		if (len <= 5 || len - 5 >= sizeof(host) || strcmp(names[k] + len - 5, ".conf"))
			continue;
		snprintf(host, sizeof(host), "%.*s", (int)(len - 5), names[k]);
		/* Only registered nodes: bmc/ is root's, but a name is still checked. */
		if (validate_hostname(host, NULL) < 0 || tfs_fmt(rel, sizeof(rel), "nodes/%s.conf", host) < 0 ||
		    !tfs_exists(t, rel))
			continue;
		size_t i = 0;
		while (i < *n && strcmp((*recs)[i].host, host))
			i++;
		if (i == *n) {
			struct recorder *r = realloc(*recs, (*n + 1) * sizeof(**recs));
			if (!r)
				break;
			*recs = r;
			memset(&r[i], 0, sizeof(r[i]));
			snprintf(r[i].host, sizeof(r[i].host), "%s", host);
			(*n)++;
		}
		(*recs)[i].wanted = 1;
		if ((*recs)[i].pid <= 0)
			(*recs)[i].pid = start_recorder(t, host);
	}
	tree_names_free(names, count);
	for (size_t i = 0; i < *n; i++)
		if (!(*recs)[i].wanted && (*recs)[i].pid > 0)
			kill((*recs)[i].pid, SIGTERM);
}

static void reap(struct recorder *recs, size_t n)
{
	pid_t pid;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (size_t i = 0; i < n; i++)
			if (recs[i].pid == pid)
				recs[i].pid = 0;
}

static void supervise(struct tree *t)
{
	struct recorder *recs = NULL;
	size_t n = 0;
	while (!sup_stop) {
		reap(recs, n);
		rescan(t, &recs, &n);
		for (int i = 0; i < RESCAN_SECONDS * 4 && !sup_stop; i++) {
			struct timespec d = {0, 250 * 1000 * 1000};
			nanosleep(&d, NULL);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (recs[i].pid > 0)
			kill(recs[i].pid, SIGTERM);
	/* Recorders end their sessions cleanly within a few seconds. */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	free(recs);
}

pid_t serve_console_start(struct tree *t, const sigset_t *orig)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigprocmask(SIG_SETMASK, orig, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	supervise(t);
	_exit(0);
}
