/* Which version of its root and overlay a node runs (the last "union" boot
 * event it sent: the init names the versions it stacked there) and which it
 * will get at its next boot (its pointer files, resolved against the tree
 * now). */
#include "node.h"
#include "syslog.h"
#include "validate.h"
#include "version.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct running {
	char ip[16];
	size_t seq; /* order in the log: the last event of an address counts */
	char root[96], overlay[96];
};

/* Every union event as read, then (running_index) one per address, sorted
 * by address for bsearch: 10,000 nodes are never compared pairwise. */
struct running_set {
	struct running *r;
	size_t n, cap;
};

static struct running *running_append(struct running_set *s, const char *ip)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct running *nr = realloc(s->r, cap * sizeof(*nr));
		if (!nr)
			return NULL;
		s->r = nr;
		s->cap = cap;
	}
	struct running *x = &s->r[s->n];
	memset(x, 0, sizeof(*x));
	snprintf(x->ip, sizeof(x->ip), "%s", ip);
	x->seq = s->n++;
	return x;
}

static int cmp_running(const void *a, const void *b)
{
	const struct running *x = a, *y = b;
	int c = strcmp(x->ip, y->ip);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorted by address, the last event of each address kept. */
static void running_index(struct running_set *s)
{
	if (!s->n)
		return;
	qsort(s->r, s->n, sizeof(*s->r), cmp_running);
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (k && !strcmp(s->r[k - 1].ip, s->r[i].ip))
			k--;
		s->r[k++] = s->r[i];
	}
	s->n = k;
}

static const struct running *running_find(const struct running_set *s, const char *ip)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->r[mid].ip, ip);
		if (c == 0)
			return &s->r[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One events-log line: a union event of hopeless-init updates its sender. */
static int running_line(struct running_set *s, char *line, struct syslog_msg *m)
{
	double when;
	char src[16], ip[16] = "", root[96], ovl[96];
	const char *msg;
	if (syslog_log_line_split(line, &when, src, &msg) < 0 || syslog_parse((const uint8_t *)msg, strlen(msg), m) < 0)
		return 0;
	if (strcmp(m->app_name, "hopeless-init") || strcmp(m->msgid, "union"))
		return 0;
	if (version_parse_union_event(m->msg, root, sizeof(root), ovl, sizeof(ovl)) < 0)
		return 0;
	/* The address it came from; without one (a plain syslog file), the
	 * address the node reports. */
	if (src[0])
		snprintf(ip, sizeof(ip), "%s", src);
	else if (syslog_sd_get(m, SYSLOG_HOPELESS_SDID, "ip", ip, sizeof(ip)) < 0 ||
		 validate_ipv4(ip, NULL, NULL) < 0)
		return 0;
	struct running *x = running_append(s, ip);
	if (!x)
		return -ENOMEM;
	snprintf(x->root, sizeof(x->root), "%s", root);
	snprintf(x->overlay, sizeof(x->overlay), "%s", ovl);
	return 0;
}

static int running_load_file(const struct tree *t, const char *rel, struct running_set *s)
{
	struct strbuf sb = STRBUF_INIT;
	int r = tfs_read(t, rel, &sb);
	if (r < 0) {
		sb_free(&sb);
		return r == -ENOENT ? 0 : r;
	}
	struct syslog_msg *m = malloc(sizeof(*m));
	r = m ? 0 : -ENOMEM;
	for (char *p = sb.buf, *nl; r == 0 && p && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		r = running_line(s, p, m);
	}
	free(m);
	sb_free(&sb);
	return r;
}

/* Every node's last union event: the rotated log first, then the live one. */
static int running_load(const struct tree *t, struct running_set *s)
{
	memset(s, 0, sizeof(*s));
	int r = running_load_file(t, "log/events.log.1", s);
	if (r == 0)
		r = running_load_file(t, "log/events.log", s);
	if (r < 0)
		free(s->r), memset(s, 0, sizeof(*s));
	else
		running_index(s);
	return r;
}

/* "debian@7" -> 7 when its name is name, else 0. */
static int ref_version(const char *ref, const char *name)
{
	char n[64];
	int v = 0;
	const char *why;
	if (!ref[0] || validate_layer_ref(ref, n, sizeof(n), &v, &why) < 0 || strcmp(n, name))
		return 0;
	return v;
}

/* Name, pin and next-boot version of one pointer. */
static void pointer_versions(const struct tree *t, struct version_memo *memo, const char *layer, int pin, char *name,
			     size_t len, int *pinned, int *next)
{
	int c;
	snprintf(name, len, "%s", layer);
	*pinned = pin > 0;
	*next = 0;
	if (!layer[0])
		return;
	if (pin)
		*next = version_exists(t, layer, pin) ? pin : 0;
	else if ((c = version_current_memo(memo, t, layer)) > 0)
		*next = c;
}

static void fill_one(const struct tree *t, struct version_memo *memo, const struct tree_node *n,
		     const struct running_set *s, struct node_versions *v)
{
	memset(v, 0, sizeof(*v));
	pointer_versions(t, memo, n->root, n->root_pin, v->root, sizeof(v->root), &v->root_pinned, &v->root_next);
	pointer_versions(t, memo, n->overlay, n->overlay_pin, v->overlay, sizeof(v->overlay), &v->overlay_pinned,
			 &v->overlay_next);
	const struct running *x = running_find(s, n->ip);
	if (x) {
		v->root_booted = ref_version(x->root, v->root);
		v->overlay_booted = ref_version(x->overlay, v->overlay);
	}
}

int node_versions_get(const struct tree *t, const struct tree_node *n, struct node_versions *v)
{
	return node_versions_all(t, n, 1, v);
}

int node_versions_all(const struct tree *t, const struct tree_node *nodes, size_t count, struct node_versions *out)
{
	struct running_set s;
	int r = running_load(t, &s);
	if (r < 0)
		return r;
	struct version_memo memo = {0};
	for (size_t i = 0; i < count; i++)
		fill_one(t, &memo, &nodes[i], &s, &out[i]);
	free(s.r);
	return 0;
}
