/* hopeless node discover: open, close and show the discovery window.
 *
 * The window is <tree>/discover.conf (lib/discover.c), written atomically
 * under the tree lock. `hopeless serve` reads it: while it is open, a
 * DHCPDISCOVER from a MAC no node has makes that MAC the next free node of
 * the window (serve_discover.c), registered through node add's own code
 * (node_add_entries). Which names and addresses are free is decided here,
 * for both. */
#include "node.h"
#include "discover.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int discover_load(const struct tree *t, struct discover_window *w, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	int r = tfs_read(t, DISCOVER_FILE, &sb);
	if (r == -ENOENT) {
		sb_free(&sb);
		return r;
	}
	char e2[200];
	if (r < 0)
		snprintf(err, errlen, "%s/%s: %s", t->dir, DISCOVER_FILE, strerror(-r));
	else if ((r = discover_window_parse(sb_str(&sb), w, e2, sizeof(e2))) < 0)
		snprintf(err, errlen, "%s/%s: %s", t->dir, DISCOVER_FILE, e2);
	sb_free(&sb);
	return r;
}

int discover_save(struct tree *t, const struct discover_window *w)
{
	struct strbuf sb = STRBUF_INIT;
	int r = discover_window_format(w, &sb);
	if (r == 0)
		r = tfs_write_file(t, DISCOVER_FILE, sb.buf, sb.len, 0644);
	sb_free(&sb);
	return r;
}

/* The window's names and addresses in order, and for each whether it is
 * free: no node has the name or the address, and no clients/<ip> or
 * state/<ip> is left there. */
int discover_slots(const struct tree *t, const struct discover_window *w, struct discover_slots *s, char *err,
		   size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (nodeset_expand(w->nodes, &s->e, &s->n, err, errlen) < 0)
		return -EINVAL;
	/* w->ip is the first address: fill_ips wants "A+" for a range. */
	char first[20];
	snprintf(first, sizeof(first), "%s+", w->ip);
	if (nodeset_fill_ips(first, s->e, s->n, err, errlen) < 0) {
		discover_slots_free(s);
		return -EINVAL;
	}
	int r = tree_nodes_load(t, &s->nodes, &s->nnodes, err, errlen);
	s->free = calloc(s->n ? s->n : 1, 1);
	const char **names = calloc(s->nnodes + 1, sizeof(*names)), **ips = calloc(s->nnodes + 1, sizeof(*ips));
	if (r == 0 && (!s->free || !names || !ips)) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < s->nnodes; i++)
		names[i] = s->nodes[i].hostname, ips[i] = s->nodes[i].ip;
	if (r == 0) {
		qsort(names, s->nnodes, sizeof(*names), cmp_str);
		qsort(ips, s->nnodes, sizeof(*ips), cmp_str);
	}
	for (size_t i = 0; r == 0 && i < s->n; i++) {
		const char *h = s->e[i].hostname, *a = s->e[i].ip;
		char c[PATH_MAX], st[PATH_MAX];
		tfs_fmt(c, sizeof(c), "clients/%s", a);
		tfs_fmt(st, sizeof(st), "state/%s", a);
		s->free[i] = !bsearch(&h, names, s->nnodes, sizeof(*names), cmp_str) &&
			     !bsearch(&a, ips, s->nnodes, sizeof(*ips), cmp_str) && !tfs_exists(t, c) && !tfs_exists(t, st);
		s->nfree += s->free[i];
	}
	free(names);
	free(ips);
	if (r < 0)
		discover_slots_free(s);
	return r;
}

void discover_slots_free(struct discover_slots *s)
{
	free(s->e);
	free(s->free);
	free(s->nodes);
	memset(s, 0, sizeof(*s));
}

/* The nodes of the window's range that discovery registered. */
static size_t discovered(const struct discover_slots *s, char *list, size_t len)
{
	size_t k = 0, used = 0;
	list[0] = '\0';
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct tree_node *d = &s->nodes[i];
		if (strncmp(d->registered, "discovered ", 11))
			continue;
		for (size_t j = 0; j < s->n; j++)
			if (!strcmp(s->e[j].hostname, d->hostname)) {
				k++;
				int m = snprintf(list + used, len - used, "%s%s", used ? " " : "", d->hostname);
				if (m > 0 && used + (size_t)m < len)
					used += (size_t)m;
				break;
			}
	}
	return k;
}

static int window_status(struct tree *t)
{
	struct discover_window w;
	char err[512];
	int r = discover_load(t, &w, err, sizeof(err));
	if (r == -ENOENT) {
		printf("window: none (discovery is off; open one with hopeless node discover)\n");
		return 0;
	}
	if (r < 0)
		return cli_error("node discover", "%s", err);
	struct discover_slots s;
	if (discover_slots(t, &w, &s, err, sizeof(err)) < 0)
		return cli_error("node discover", "%s", err);
	long long now = (long long)time(NULL);
	const char *state = discover_window_state(&w, now);
	if (!strcmp(state, "open") && !s.nfree)
		state = "full";
	char o[32], u[32], c[32], list[512];
	discover_time_fmt(w.opened, o);
	discover_time_fmt(w.until, u);
	printf("window: %s\nnodes: %s (%zu)\naddresses: %s .. %s\nroot: %s\noverlay: %s\nstate: %s\nboot: %s\n",
	       state, w.nodes, s.n, s.e[0].ip, s.e[s.n - 1].ip, w.root, w.overlay, w.state, w.boot);
	printf("opened: %s\nuntil: %s\n", o, u);
	if (w.closed) {
		discover_time_fmt(w.closed, c);
		printf("closed: %s (%s)\n", c, strcmp(w.closed_by, "full") ? "by hand" : "the range was full");
	}
	size_t k = discovered(&s, list, sizeof(list));
	printf("registered: %zu%s%s%s\n", k, k ? " (" : "", list, k ? ")" : "");
	printf("free: %zu\n", s.nfree);
	for (size_t i = 0; i < s.n && !strcmp(state, "open"); i++)
		if (s.free[i]) {
			printf("next: %s %s\n", s.e[i].hostname, s.e[i].ip);
			break;
		}
	discover_slots_free(&s);
	return 0;
}

static int window_close(struct tree *t)
{
	const char *w = "node discover";
	struct discover_window win;
	char err[512];
	int r = discover_load(t, &win, err, sizeof(err));
	if (r == -ENOENT)
		return cli_error(w, "--close: no discovery window is open (none was opened)");
	if (r < 0)
		return cli_error(w, "%s", err);
	long long now = (long long)time(NULL);
	const char *state = discover_window_state(&win, now);
	if (strcmp(state, "open")) {
		char when[32];
		discover_time_fmt(win.closed ? win.closed : win.until, when);
		return cli_error(w, "--close: no discovery window is open (the last one %s at %s)",
				 !strcmp(state, "expired") ? "expired" : !strcmp(state, "full") ? "filled up" : "was closed",
				 when);
	}
	win.closed = now;
	snprintf(win.closed_by, sizeof(win.closed_by), "hand");
	if ((r = discover_save(t, &win)) < 0)
		return cli_error(w, "%s/%s: %s", t->dir, DISCOVER_FILE, strerror(-r));
	printf("hopeless: node discover: window closed; unknown MACs get nothing again\n");
	return 0;
}

/* serve's pid when it runs for this tree (it polls the window anyway; the
 * note only tells the administrator when nothing would register). */
static int serve_running(struct tree *t)
{
	char line[32];
	if (tfs_read_line(t, "run/serve.pid", line, sizeof(line)) < 0)
		return 0;
	long pid = strtol(line, NULL, 10);
	return pid > 1 && kill((pid_t)pid, 0) == 0;
}

/* Refuse a window over one that is still open. */
static int check_no_open(struct tree *t, const char *w)
{
	struct discover_window old;
	char err[512];
	int r = discover_load(t, &old, err, sizeof(err));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cli_error(w, "%s (remove it, or fix it and close the window)", err);
	if (strcmp(discover_window_state(&old, (long long)time(NULL)), "open"))
		return 0;
	char u[32];
	discover_time_fmt(old.until, u);
	return cli_error(w, "a discovery window is open (%s until %s); close it first: hopeless node discover --close",
			 old.nodes, u);
}

static int fill_window(struct discover_window *win, const char *spec, const char *ip, const struct set_opts *s,
		       const char *w)
{
	memset(win, 0, sizeof(*win));
	if (node_copy_arg(win->nodes, sizeof(win->nodes), spec, w, "NODESET") ||
	    node_copy_arg(win->root, sizeof(win->root), s->root ? s->root : "", w, "--root") ||
	    node_copy_arg(win->overlay, sizeof(win->overlay), s->overlay ? s->overlay : "", w, "--overlay") ||
	    node_copy_arg(win->state, sizeof(win->state), s->state ? s->state : "image", w, "--state") ||
	    node_copy_arg(win->boot, sizeof(win->boot), s->boot ? s->boot : "ipxe", w, "--boot"))
		return 1;
	snprintf(win->ip, sizeof(win->ip), "%s", ip);
	return 0;
}

/* The prototype node of the window: what every node it registers gets. */
int discover_proto(const struct discover_window *win, struct tree_node *proto, const char *w)
{
	memset(proto, 0, sizeof(*proto));
	if ((win->root[0] &&
	     node_layer_arg(proto->root, sizeof(proto->root), &proto->root_pin, win->root, w, "--root")) ||
	    (win->overlay[0] &&
	     node_layer_arg(proto->overlay, sizeof(proto->overlay), &proto->overlay_pin, win->overlay, w, "--overlay")))
		return 1;
	snprintf(proto->state, sizeof(proto->state), "%s", win->state);
	snprintf(proto->boot, sizeof(proto->boot), "%s", win->boot);
	return 0;
}

static int window_open(struct tree *t, const char *spec, const struct add_opts *a, const struct set_opts *s,
		       const char *dur)
{
	const char *w = "node discover";
	long long secs = DISCOVER_DEFAULT_SECS;
	if (dur && discover_parse_duration(dur, &secs) < 0)
		return cli_error(w, "--for %s: want a duration such as 90s, 30m, 2h or 1d (at most 7d)", dur);
	if (!a->ip)
		return cli_error(w, "(no --ip): missing addresses (give --ip A.B.C.D+ for consecutive addresses)");
	struct nodeset_entry *e = NULL;
	size_t n = 0;
	char err[256];
	if (nodeset_expand(spec, &e, &n, err, sizeof(err)) < 0)
		return cli_error(w, "%s", err);
	int rc = 0;
	if (nodeset_fill_ips(a->ip, e, n, err, sizeof(err)) < 0)
		rc = cli_error(w, "%s", err);
	struct discover_window win;
	struct tree_node proto;
	/* Every name and address of the window must be free now: discovery
	 * never takes over a node, an address or a leftover directory. */
	if (!rc)
		rc = node_check_batch(t, e, n, 0, w);
	if (!rc)
		rc = fill_window(&win, spec, e[0].ip, s, w) || discover_proto(&win, &proto, w) ||
		     node_check_settings(t, &proto, w);
	if (!rc)
		rc = check_no_open(t, w);
	if (!rc) {
		win.opened = (long long)time(NULL);
		win.until = win.opened + secs;
		int r = discover_save(t, &win);
		if (r < 0)
			rc = cli_error(w, "%s/%s: %s", t->dir, DISCOVER_FILE, strerror(-r));
	}
	if (!rc) {
		char u[32];
		discover_time_fmt(win.until, u);
		printf("hopeless: node discover: window open until %s: unknown MACs that PXE-boot become %s .. %s "
		       "(%s .. %s, root %s, overlay %s, state %s)%s\n",
		       u, e[0].hostname, e[n - 1].hostname, e[0].ip, e[n - 1].ip, win.root, win.overlay, win.state,
		       serve_running(t) ? "" : "; hopeless serve is not running: nothing registers until it runs");
	}
	free(e);
	return rc;
}

int node_discover(struct tree *t, const char *spec, const struct add_opts *a, const struct set_opts *s,
		  const struct discover_opts *d)
{
	const char *w = "node discover";
	if (a->mac || a->mac_file || a->csv || a->tmpl || a->ssh_rsa || s->append || s->server)
		return cli_error(w, "option not accepted here (see hopeless node discover --help)");
	int settings = spec || a->ip || s->root || s->overlay || s->state || s->boot || d->dur;
	if (d->close + d->status > 1 || ((d->close || d->status) && settings))
		return cli_error(w, "--close and --status take nothing else (see hopeless node discover --help)");
	if (d->status)
		return window_status(t);
	if (d->close)
		return window_close(t);
	if (!spec)
		return cli_error(w, "missing NODESET, e.g. n[101-164] (see hopeless node discover --help)");
	return window_open(t, spec, a, s, d->dur);
}
