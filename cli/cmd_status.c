/* hopeless status: where every node is in its boot, from the boot events
 * its init sent (log/events.log written by `hopeless serve`, or any file of
 * RFC 5424 lines given with --log, e.g. one rsyslog writes). */
#include "cli.h"
#include "syslog.h"
#include "validate.h"
#include "version.h"
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_UNKNOWN 256

struct node_status {
	char hostname[SYSLOG_HOSTNAME_MAX + 1];
	char ip[16];
	uint32_t addr; /* ip in host order, registered nodes only */
	int registered;
	char phase[SYSLOG_MSGID_MAX + 1]; /* "" when never seen */
	double when;                      /* seconds since the epoch, 0 unknown */
	char source[16];
	char error[256];
	double error_when;
	char running[160]; /* "debian@7,compute@3": the versions of its last union */
	char next[160];    /* what its next boot gets, '*' marking a pin */
};

struct status {
	struct node_status *n;
	size_t count, registered;
	long lines, skipped, mismatched;
};

static uint32_t ip_key(const char *ip)
{
	uint32_t a = 0;
	validate_ipv4(ip, &a, NULL);
	return ntohl(a);
}

static int cmp_addr(const void *a, const void *b)
{
	uint32_t x = ((const struct node_status *)a)->addr, y = ((const struct node_status *)b)->addr;
	return x < y ? -1 : x > y;
}

/* An unregistered sender's entry, found or made; key is its address (or,
 * without one, the name it claims). */
static struct node_status *unknown_node(struct status *s, const char *key, const char *name, const char *ip)
{
	for (size_t i = s->registered; i < s->count; i++)
		if (!strcmp(s->n[i].hostname, key) || (ip[0] && !strcmp(s->n[i].ip, ip)))
			return &s->n[i];
	if (s->count >= s->registered + MAX_UNKNOWN)
		return NULL;
	struct node_status *u = &s->n[s->count++];
	memset(u, 0, sizeof(*u));
	snprintf(u->hostname, sizeof(u->hostname), "%s", name);
	snprintf(u->ip, sizeof(u->ip), "%s", ip);
	return u;
}

/* A line with its source address (as hopeless serve writes them): the node
 * registered at that address, whatever HOSTNAME the message claims. The
 * registered nodes are sorted by address (tree_nodes_load). */
static struct node_status *node_by_source(struct status *s, const struct syslog_msg *m, const char *src)
{
	uint32_t key = ip_key(src);
	size_t lo = 0, hi = s->registered;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->n[mid].addr < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->registered && s->n[lo].addr == key && !strcmp(s->n[lo].ip, src)) {
		if (!syslog_hostname_is(m->hostname, s->n[lo].hostname, src))
			s->mismatched++;
		return &s->n[lo];
	}
	return unknown_node(s, src, strcmp(m->hostname, "-") ? m->hostname : src, src);
}

/* A bare RFC 5424 line (no source address, e.g. rsyslog's file): only the
 * HOSTNAME it claims, then the ip= it reports, can say whose it is. */
static struct node_status *node_by_claim(struct status *s, const struct syslog_msg *m)
{
	char ip[32] = "";
	syslog_sd_get(m, SYSLOG_HOPELESS_SDID, "ip", ip, sizeof(ip));
	for (size_t i = 0; i < s->registered; i++)
		if (!strcasecmp(s->n[i].hostname, m->hostname) || !strcmp(s->n[i].ip, m->hostname))
			return &s->n[i];
	/* "-" before the node knew its name: the address it reports */
	for (size_t i = 0; i < s->registered; i++)
		if (ip[0] && !strcmp(s->n[i].ip, ip))
			return &s->n[i];
	const char *key = strcmp(m->hostname, "-") ? m->hostname : ip[0] ? ip : "-";
	return unknown_node(s, key, key, validate_ipv4(ip, NULL, NULL) == 0 ? ip : "");
}

/* One log line: "<received> <source> <RFC 5424>" as hopeless serve writes
 * it, or a bare RFC 5424 message (rsyslog's RSYSLOG_SyslogProtocol23Format). */
static void apply_line(struct status *s, char *line, struct syslog_msg *m)
{
	double when = 0;
	char src[16];
	const char *msg;
	if (syslog_log_line_split(line, &when, src, &msg) < 0) {
		s->skipped++;
		return;
	}
	if (syslog_parse((const uint8_t *)msg, strlen(msg), m) < 0) {
		s->skipped++;
		return;
	}
	if (strcmp(m->app_name, "hopeless-init"))
		return; /* other programs' lines in a shared syslog file */
	if (when == 0 && strcmp(m->timestamp, "-"))
		syslog_time_parse(m->timestamp, &when);
	struct node_status *n = src[0] ? node_by_source(s, m, src) : node_by_claim(s, m);
	if (!n)
		return;
	/* Several logs (one per head's receiver) are read one after the
	 * other: an event older than what is known of the node is history. */
	if (when && n->when && when < n->when)
		return;
	snprintf(n->phase, sizeof(n->phase), "%s", m->msgid);
	n->when = when;
	snprintf(n->source, sizeof(n->source), "%s", src);
	char root[96], ovl[96];
	if (!strcmp(m->msgid, "union") &&
	    version_parse_union_event(m->msg, root, sizeof(root), ovl, sizeof(ovl)) == 0)
		snprintf(n->running, sizeof(n->running), "%s,%s", root, ovl);
	if (!strcmp(m->msgid, "failure") || !strcmp(m->msgid, "retry")) {
		snprintf(n->error, sizeof(n->error), "%s", m->msg[0] ? m->msg : m->msgid);
		n->error_when = when;
	}
}

static int read_log(struct status *s, const char *path, int must_exist)
{
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(path, &sb);
	if (r < 0) {
		sb_free(&sb);
		return r == -ENOENT && !must_exist ? 0 : r;
	}
	struct syslog_msg *m = malloc(sizeof(*m));
	if (!m) {
		sb_free(&sb);
		return -ENOMEM;
	}
	char *p = sb.buf;
	while (p && *p) {
		char *nl = strchr(p, '\n');
		if (!nl)
			break; /* a line still being written */
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		s->lines++;
		apply_line(s, p, m);
		p = nl + 1;
	}
	free(m);
	sb_free(&sb);
	return 0;
}

static void fmt_age(double age, char *out, size_t cap)
{
	if (age < 0)
		age = 0;
	if (age < 120)
		snprintf(out, cap, "%.0fs ago", age);
	else if (age < 7200)
		snprintf(out, cap, "%.0fm ago", age / 60);
	else if (age < 172800)
		snprintf(out, cap, "%.0fh ago", age / 3600);
	else
		snprintf(out, cap, "%.0fd ago", age / 86400);
}

static void fmt_time(double when, char *out, size_t cap)
{
	time_t t = (time_t)when;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}


static void json_opt(const char *key, const char *v, int last)
{
	printf("\"%s\": ", key);
	if (v && *v)
		json_print_str(stdout, v);
	else
		printf("null");
	printf(last ? "" : ", ");
}

static void print_json(const struct status *s, const char *log, double now)
{
	printf("{\"log\": ");
	json_print_str(stdout, log);
	printf(", \"nodes\": [");
	for (size_t i = 0; i < s->count; i++) {
		const struct node_status *n = &s->n[i];
		char ts[40] = "", ets[40] = "";
		if (n->when > 0)
			syslog_timestamp(n->when, ts, sizeof(ts));
		if (n->error_when > 0)
			syslog_timestamp(n->error_when, ets, sizeof(ets));
		printf("%s\n  {", i ? "," : "");
		json_opt("hostname", n->hostname, 0);
		json_opt("ip", n->ip, 0);
		printf("\"registered\": %s, ", n->registered ? "true" : "false");
		json_opt("phase", n->phase, 0);
		json_opt("running", n->running, 0);
		json_opt("next_boot", n->next, 0);
		json_opt("time", ts, 0);
		if (n->when > 0)
			printf("\"age_seconds\": %.0f, ", now - n->when);
		else
			printf("\"age_seconds\": null, ");
		json_opt("source", n->source, 0);
		json_opt("last_error", n->error, 0);
		json_opt("last_error_time", ets, 1);
		printf("}");
	}
	printf("\n], \"claim_mismatches\": %ld}\n", s->mismatched);
}

/* The versions a registered node gets at its next boot, as the tree says now. */
static void next_boot(const struct tree *t, struct version_memo *memo, const struct tree_node *d, char *out,
		      size_t len)
{
	int rv = d->root_pin ? d->root_pin : version_current_memo(memo, t, d->root);
	int ov = d->overlay_pin ? d->overlay_pin : version_current_memo(memo, t, d->overlay);
	snprintf(out, len, "%s@%d%s,%s@%d%s", d->root, rv > 0 ? rv : 0, d->root_pin ? "*" : "", d->overlay,
		 ov > 0 ? ov : 0, d->overlay_pin ? "*" : "");
}

static void print_table(const struct status *s, double now)
{
	printf("%-16s %-15s %-11s %-19s %-9s %-26s %-26s %s\n", "NODE", "IP", "PHASE", "WHEN", "AGE", "RUNNING",
	       "NEXT-BOOT", "LAST ERROR");
	for (size_t i = 0; i < s->count; i++) {
		const struct node_status *n = &s->n[i];
		char host[80];
		snprintf(host, sizeof(host), "%s", n->hostname);
		if (!n->phase[0]) {
			printf("%-16s %-15s %-11s %-19s %-9s %-26s %s\n", host, n->ip, "never seen", "-", "-", "-",
			       n->next[0] ? n->next : "-");
			continue;
		}
		char when[32] = "-", age[32] = "-";
		if (n->when > 0) {
			fmt_time(n->when, when, sizeof(when));
			fmt_age(now - n->when, age, sizeof(age));
		}
		printf("%-16s %-15s %-11s %-19s %-9s %-26s %-26s %s%s\n", host, n->ip[0] ? n->ip : "-", n->phase, when,
		       age, n->running[0] ? n->running : "-", n->next[0] ? n->next : "-", n->error[0] ? n->error : "-",
		       n->registered ? "" : "  (host not registered)");
	}
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now_epoch(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Load the tree's nodes and replay the log(s); prints errors itself. */
/* log/NAME.1, then log/NAME (a missing file is no error). */
static int read_log_pair(const struct tree *t, struct status *s, const char *name)
{
	char p[PATH_MAX];
	tree_path(t, p, sizeof(p), "log/%s.1", name);
	int r = read_log(s, p, 0);
	tree_path(t, p, sizeof(p), "log/%s", name);
	return r ? r : read_log(s, p, 0);
}

/* Every head receiver's log/events-<head>.log (hopeless serve --head) and
 * log/events.log, each with its rotated .1. */
static int read_tree_logs(const struct tree *t, struct status *s)
{
	char **names = NULL;
	size_t cnt = 0;
	if (tree_list_names(t, "log", &names, &cnt) < 0)
		cnt = 0;
	int r = 0;
	for (size_t i = 0; i < cnt && r == 0; i++) {
		size_t len = strlen(names[i]);
		if (!strncmp(names[i], "events-", 7) && len >= 12 && !strcmp(names[i] + len - 4, ".log"))
			r = read_log_pair(t, s, names[i]);
	}
	tree_names_free(names, cnt);
	return r ? r : read_log_pair(t, s, "events.log");
}

static int collect(struct tree *t, const char *log, struct status *s)
{
	struct tree_node *nodes;
	size_t n;
	char err[512];
	if (tree_nodes_load(t, &nodes, &n, err, sizeof(err)) < 0)
		return cli_error("status", "%s", err), -EINVAL;
	memset(s, 0, sizeof(*s));
	s->n = calloc(n + MAX_UNKNOWN, sizeof(*s->n));
	if (!s->n) {
		free(nodes);
		return cli_error("status", "out of memory"), -ENOMEM;
	}
	struct version_memo memo = {0};
	for (size_t i = 0; i < n; i++) {
		snprintf(s->n[i].hostname, sizeof(s->n[i].hostname), "%s", nodes[i].hostname);
		snprintf(s->n[i].ip, sizeof(s->n[i].ip), "%s", nodes[i].ip);
		s->n[i].addr = ip_key(nodes[i].ip);
		s->n[i].registered = 1;
		next_boot(t, &memo, &nodes[i], s->n[i].next, sizeof(s->n[i].next));
	}
	s->count = s->registered = n;
	free(nodes);
	for (size_t i = 1; i < n; i++)
		if (s->n[i - 1].addr > s->n[i].addr) { /* node_by_source needs them sorted */
			qsort(s->n, n, sizeof(*s->n), cmp_addr);
			break;
		}
	int r;
	if (log) {
		r = read_log(s, log, 1);
	} else
		r = read_tree_logs(t, s);
	if (r < 0) {
		free(s->n);
		s->n = NULL;
		return cli_error("status", "%s: %s", log ? log : "log/events.log", strerror(-r)), r;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hopeless status [--watch] [--log FILE] [--json]\n"
		   "Shows every registered node's last boot phase (modules, dhcp, mounted, union,\n"
		   "switchroot, retry, failure), when it was reported, and the last error, from the\n"
		   "boot events in log/events.log (see hopeless serve). Nodes that never reported\n"
		   "are \"never seen\"; events from unregistered hosts are listed as such. A line\n"
		   "with a source address (as serve writes them) is that address's node's, whatever\n"
		   "host name it claims; a bare RFC 5424 line can only be matched by its name.\n"
		   "  --watch      follow the log and reprint when it grows, until interrupted\n"
		   "  --log FILE   read FILE instead: RFC 5424 lines, e.g. written by rsyslog with\n"
		   "               template RSYSLOG_SyslogProtocol23Format\n"
		   "  --json       one JSON document instead of the table\n");
}

int cmd_status(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	int watch = 0, json = 0;
	const char *log = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--watch"))
			watch = 1;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			log = argv[++i];
		else if (!strncmp(argv[i], "--log=", 6))
			log = argv[i] + 6;
		else
			return cli_error("status", "unexpected argument '%s' (see hopeless status --help)", argv[i]);
	}
	struct tree t;
	if (cli_open_tree(&t, ctx, "status", 0) < 0)
		return 1;
	char shown[PATH_MAX];
	if (log)
		snprintf(shown, sizeof(shown), "%s", log);
	else
		tree_path(&t, shown, sizeof(shown), "log/events.log");
	if (watch) {
		struct sigaction sa = {.sa_handler = on_sigint};
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	int tty = isatty(1);
	struct stat last = {0};
	double last_print = 0;
	int first = 1, rc = 0;
	while (!interrupted) {
		struct stat st = {0};
		stat(shown, &st);
		double now = now_epoch();
		int changed = st.st_size != last.st_size || st.st_ino != last.st_ino ||
			      st.st_mtim.tv_nsec != last.st_mtim.tv_nsec || st.st_mtim.tv_sec != last.st_mtim.tv_sec;
		/* Reprint when the log changed, and now and then for the ages. */
		if (first || changed || (tty && now - last_print >= 5)) {
			struct status s;
			if (collect(&t, log, &s) < 0) {
				rc = 1;
				break;
			}
			if (watch && tty)
				printf("\033[H\033[J");
			else if (watch && !first)
				printf("\n");
			if (json)
				print_json(&s, shown, now);
			else
				print_table(&s, now);
			if (s.skipped && !json)
				fprintf(stderr, "hopeless: status: %ld line(s) of %s not understood\n", s.skipped, shown);
			if (s.mismatched && !json)
				fprintf(stderr, "hopeless: status: %ld event(s) claimed a host name other than their "
					"source's; counted for the source's node\n", s.mismatched);
			fflush(stdout);
			free(s.n);
			last = st;
			last_print = now;
			first = 0;
		}
		if (!watch)
			break;
		struct timespec d = {0, 500 * 1000 * 1000};
		nanosleep(&d, NULL);
	}
	tree_close(&t);
	return rc;
}
