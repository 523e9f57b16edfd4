/* hopeless console NODE [--log [--raw] | --record]: the node's serial
 * console through its BMC (ipmitool sol activate), the log kept of it, or
 * the recorder that keeps that log (see console.h). */
#include "console.h"
#include "ipmi.h"
#include "validate.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct conlog {
	const struct tree *t;
	char rel[PATH_MAX], rel1[PATH_MAX];
	int fd;
};

static volatile sig_atomic_t stop_flag, yield_flag;
static void on_stop(int sig) { (void)sig; stop_flag = 1; }
static void on_yield(int sig) { (void)sig; yield_flag = 1; }

static int conlog_open(struct conlog *l, const struct tree *t, const char *host)
{
	l->t = t;
	l->fd = -1;
	int r = tfs_mkdir_p(t, "log/console", 0750);
	if (r == 0)
		r = tfs_fmt(l->rel, sizeof(l->rel), "log/console/%s.log", host);
	if (r == 0)
		r = tfs_fmt(l->rel1, sizeof(l->rel1), "log/console/%s.log.1", host);
	if (r == 0)
		r = l->fd = tfs_open(t, l->rel, O_WRONLY | O_APPEND | O_CREAT, 0640);
	return r < 0 ? r : 0;
}

/* Append; past the cap the log becomes .log.1 and a new one starts. */
static void conlog_write(struct conlog *l, const char *buf, size_t n)
{
	struct stat st;
	if (l->fd >= 0 && fstat(l->fd, &st) == 0 && st.st_size + (off_t)n > CONSOLE_LOG_CAP &&
	    tfs_rename(l->t, l->rel, l->rel1, 0) == 0) {
		close(l->fd);
		l->fd = tfs_open(l->t, l->rel, O_WRONLY | O_APPEND | O_CREAT, 0640);
	}
	if (l->fd >= 0 && write(l->fd, buf, n) < 0)
		return;
}

static void conlog_note(struct conlog *l, const char *what)
{
	char line[256], when[32];
	time_t now = time(NULL);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	int n = snprintf(line, sizeof(line), "\r\n[hopeless console %s: %s]\r\n", when, what);
	conlog_write(l, line, (size_t)n);
}

/* run/console/<host>.lock and .pid (run/console is 0700). */
static int run_file(const struct tree *t, const char *host, const char *ext, int flags)
{
	char rel[PATH_MAX];
	int r = tfs_mkdir_p(t, "run/console", 0700);
	if (r == 0)
		r = tfs_fmt(rel, sizeof(rel), "run/console/%s.%s", host, ext);
	return r < 0 ? r : tfs_open(t, rel, flags, 0600);
}

/* End an ipmitool sol session the way it expects: "~." (a fresh line is
 * assumed since nothing else was typed), then SIGTERM after 3 s. */
static void end_session(pid_t pid, int in_fd, int *asked)
{
	if (*asked == 0 && in_fd >= 0 && write(in_fd, "~.", 2) < 0)
		kill(pid, SIGTERM);
	if (*asked == 0)
		*asked = 1;
	else if (++*asked > 12)
		kill(pid, SIGTERM);
}

/* Copy the session's output to the log (and to stdout when tee) until it
 * ends; stop_flag/yield_flag end it. Returns ipmitool's exit status. */
static int pump(pid_t pid, int out_fd, int in_fd, struct conlog *l, int tee, size_t *got)
{
	char buf[4096];
	int asked = 0;
	for (;;) {
		if (stop_flag || yield_flag)
			end_session(pid, in_fd, &asked);
		struct pollfd p = {.fd = out_fd, .events = POLLIN};
		int r = poll(&p, 1, 250);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		ssize_t n = read(out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*got += (size_t)n;
		conlog_write(l, buf, (size_t)n);
		if (tee && write(1, buf, (size_t)n) < 0)
			tee = 0;
	}
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Clear a stale session, then run one: 0 when it ran, else 1 with why. */
static int one_session(const struct bmc_conf *c, const char *host, struct conlog *l, int interactive,
		       size_t *got, char *why, size_t whylen)
{
	static const char *const deact[] = {"sol", "deactivate", NULL}, *const act[] = {"sol", "activate", NULL};
	_cleanup_sb_ struct strbuf out = STRBUF_INIT;
	int st = ipmi_run(c, deact, 1, &out);
	/* "already de-activated" is a failure to ipmitool, and fine here. */
	if (st != 0 && !strstr(sb_str(&out), "de-activated")) {
		ipmi_explain(c, host, sb_str(&out), st, why, whylen);
		return 1;
	}
	int po[2], pi[2] = {-1, -1};
	if (pipe2(po, O_CLOEXEC) < 0 || (!interactive && pipe2(pi, O_CLOEXEC) < 0))
		return snprintf(why, whylen, "pipe: %s", strerror(errno)), 1;
	pid_t pid = ipmi_spawn(c, act, 0, interactive ? 0 : pi[0], po[1], interactive ? 2 : -1);
	close(po[1]);
	if (pi[0] >= 0)
		close(pi[0]);
	if (pid < 0) {
		close(po[0]);
		if (pi[1] >= 0)
			close(pi[1]);
		return snprintf(why, whylen, "cannot run ipmitool: %s", strerror((int)-pid)), 1;
	}
	st = pump(pid, po[0], pi[1], l, interactive, got);
	close(po[0]);
	if (pi[1] >= 0)
		close(pi[1]);
	snprintf(why, whylen, "ipmitool exited with status %d", st);
	return 0;
}

static int sleep_unless_stopped(int seconds)
{
	for (int i = 0; i < seconds * 4 && !stop_flag; i++) {
		struct timespec d = {0, 250 * 1000 * 1000};
		nanosleep(&d, NULL);
	}
	return stop_flag;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigaction(sig, &sa, NULL);
}

/* One round of the recorder: the lock, the BMC, a session. 1 when the
 * session lasted (backoff starts over), 0 otherwise. */
static int record_round(struct tree *t, const char *host, int lock_fd, struct conlog *l, char *last_err,
			size_t errlen)
{
	char err[512], why[512];
	struct bmc_conf c;
	while (flock(lock_fd, LOCK_SH) < 0)
		if (errno != EINTR || stop_flag)
			return 0;
	int r = bmc_load(t, host, &c, err, sizeof(err));
	size_t got = 0;
	time_t start = time(NULL);
	if (r < 0)
		snprintf(why, sizeof(why), "%s", r == -ENOENT ? "no BMC set" : err);
	else
		r = one_session(&c, host, l, 0, &got, why, sizeof(why)) ? -EIO : 0;
	explicit_bzero(&c, sizeof(c));
	flock(lock_fd, LOCK_UN);
	if (got)
		conlog_note(l, stop_flag    ? "recorder stopped"
			       : yield_flag ? "recorder paused for an interactive console"
					    : "SOL session ended; reconnecting");
	/* A failure is said once (to serve's log), not at every retry. */
	if (r < 0 && strcmp(why, last_err))
		fprintf(stderr, "hopeless: console: %s: %s; retrying\n", host, why);
	snprintf(last_err, errlen, "%s", r < 0 ? why : "");
	return time(NULL) - start > 60;
}

int console_record(struct tree *t, const char *host)
{
	struct conlog l;
	int r = conlog_open(&l, t, host);
	if (r < 0)
		return cli_error("console", "%s: cannot open its log: %s", host, strerror(-r));
	_cleanup_fd_ int lock_fd = run_file(t, host, "lock", O_RDWR | O_CREAT);
	_cleanup_fd_ int pid_fd = run_file(t, host, "pid", O_WRONLY | O_CREAT | O_TRUNC);
	if (lock_fd < 0 || pid_fd < 0)
		return cli_error("console", "%s: cannot create run/console/%s.lock: %s", host, host,
				 strerror(-(lock_fd < 0 ? lock_fd : pid_fd)));
	dprintf(pid_fd, "%d\n", (int)getpid());
	handle(SIGTERM, on_stop);
	handle(SIGINT, on_stop);
	handle(SIGUSR1, on_yield);
	signal(SIGPIPE, SIG_IGN);
	char last_err[512] = "";
	int backoff = 1;
	while (!stop_flag) {
		int lasted = record_round(t, host, lock_fd, &l, last_err, sizeof(last_err));
		if (yield_flag) {
			yield_flag = 0;
			sleep_unless_stopped(1); /* the interactive console takes the lock meanwhile */
			continue;
		}
		backoff = lasted ? 1 : backoff * 2 > 10 ? 10 : backoff * 2;
		sleep_unless_stopped(backoff);
	}
	char rel[PATH_MAX];
	if (tfs_fmt(rel, sizeof(rel), "run/console/%s.pid", host) == 0)
		tfs_unlink(t, rel); /* nobody signals a pid that may be reused */
	close(l.fd);
	return 0;
}

/* Take the console from the recorder, if one runs; 0 with the lock held. */
static int take_lock(struct tree *t, const char *host, int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	char rel[PATH_MAX], pid[32] = "";
	tfs_fmt(rel, sizeof(rel), "run/console/%s.pid", host);
	long p = tfs_read_line(t, rel, pid, sizeof(pid)) == 0 ? strtol(pid, NULL, 10) : 0;
	if (p > 1)
		kill((pid_t)p, SIGUSR1);
	fprintf(stderr, "hopeless: console: %s: pausing its recorder (pid %ld) while you are attached\n", host, p);
	alarm(15);
	int r = flock(fd, LOCK_EX);
	alarm(0);
	return r < 0 ? cli_error("console", "%s: its recorder did not let go of the console (run/console/%s.lock)",
				 host, host) : 0;
}

static int console_attach(struct tree *t, const char *host)
{
	char err[512], why[512];
	struct bmc_conf c;
	int r = bmc_load(t, host, &c, err, sizeof(err));
	if (r == -ENOENT)
		return cli_error("console", "%s has no BMC (hopeless node set %s --bmc ADDR --bmc-user USER "
				 "--bmc-password-file FILE)", host, host);
	if (r < 0)
		return cli_error("console", "%s", r == -EACCES ? "the BMC credentials are root's alone" : err);
	if (ipmi_available() < 0)
		return cli_error("console", "ipmitool not found in PATH (install the ipmitool package)");
	struct conlog l;
	_cleanup_fd_ int fd = run_file(t, host, "lock", O_RDWR | O_CREAT);
	if (fd < 0 || conlog_open(&l, t, host) < 0)
		return cli_error("console", "%s: cannot open run/console/%s.lock or its log", host, host);
	handle(SIGALRM, on_stop);
	if (take_lock(t, host, fd))
		return 1;
	fprintf(stderr, "hopeless: console %s: BMC %s:%u; ~. ends the session, ~? lists the others\n", host,
		c.address, c.port);
	size_t got = 0;
	signal(SIGPIPE, SIG_IGN);
	int failed = one_session(&c, host, &l, 1, &got, why, sizeof(why));
	explicit_bzero(&c, sizeof(c));
	close(l.fd);
	return failed ? cli_error("console", "%s: %s", host, why) : 0;
}

/* The kept log, .log.1 first; control characters shown as '?' unless raw
 * (the node writes it: its escape sequences must not reach the terminal). */
static int console_show_log(struct tree *t, const char *host, int raw)
{
	char rel[PATH_MAX];
	int shown = 0;
	for (int i = 0; i < 2; i++) {
		tfs_fmt(rel, sizeof(rel), i == 0 ? "log/console/%s.log.1" : "log/console/%s.log", host);
		_cleanup_sb_ struct strbuf sb = STRBUF_INIT;
		if (tfs_read(t, rel, &sb) < 0)
			continue;
		shown = 1;
		for (size_t k = 0; k < sb.len; k++) {
			unsigned char ch = (unsigned char)sb.buf[k];
			if (!raw && ch == '\r')
				continue;
			if (!raw && ch != '\n' && ch != '\t' && (ch < ' ' || ch == 0x7f))
				ch = '?';
			putchar(ch);
		}
	}
	if (!shown)
		return cli_error("console", "%s: no console log yet (log/console/%s.log; hopeless serve records the "
				 "console of every node with a BMC)", host, host);
	return 0;
}

static const char usage_text[] =
	"usage: hopeless console NODE            attach to the node's serial console (serial over LAN)\n"
	"       hopeless console NODE --log [--raw]   print its kept console log\n"
	"       hopeless console NODE --record   keep its console log (hopeless serve runs this)\n"
	"The console goes through the node's BMC (hopeless node set NODE --bmc ...); ~. ends\n"
	"the session. The log is log/console/NODE.log (and .log.1), written by the recorder\n"
	"and by interactive sessions; --log shows control characters as '?' unless --raw.\n";

int cmd_console(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_wants_help(argc, argv))
		return fputs(usage_text, stdout), 0;
	const char *host = NULL;
	int log = 0, raw = 0, record = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--log"))
			log = 1;
		else if (!strcmp(argv[i], "--raw"))
			raw = 1;
		else if (!strcmp(argv[i], "--record"))
			record = 1;
		else if (argv[i][0] == '-')
			return cli_error("console", "%s: unknown option (see hopeless console --help)", argv[i]);
		else if (!host)
			host = argv[i];
		else
			return cli_error("console", "%s: unexpected argument (see hopeless console --help)", argv[i]);
	}
	if (!host)
		return cli_error("console", "which node? (see hopeless console --help)");
	if (log + record > 1 || (raw && !log))
		return cli_error("console", "--log [--raw] and --record go alone (see hopeless console --help)");
	struct tree t;
	if (cli_open_tree(&t, ctx, "console", 0) < 0)
		return 1;
	struct tree_node d;
	char err[512];
	int rc;
	if (tree_node_load(&t, host, &d, err, sizeof(err)) < 0)
		rc = cli_error("console", "%s", err);
	else if (log)
		rc = console_show_log(&t, d.hostname, raw);
	else if (record)
		rc = console_record(&t, d.hostname);
	else
		rc = console_attach(&t, d.hostname);
	tree_close(&t);
	return rc;
}
