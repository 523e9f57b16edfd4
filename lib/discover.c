/* Discovery of new nodes: the window file (see discover.h; the
 * DHCPDISCOVER parser is discover_frame.c). */
#include "discover.h"
#include "nodeset.h"
#include "validate.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ the window */

void discover_time_fmt(long long epoch, char out[32])
{
	time_t t = (time_t)epoch;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "-");
}

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int discover_time_parse(const char *s, long long *epoch)
{
	/* 2026-12-02T14:30:05Z: the one spelling discover_time_fmt writes. */
	if (strlen(s) != 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
	    s[16] != ':' || !digits(s + 17, 2) || s[19] != 'Z')
		return -EINVAL;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 59)
		return -EINVAL;
	time_t t = timegm(&tm);
	char back[32];
	discover_time_fmt((long long)t, back);
	if (strcmp(back, s)) /* 2026-02-30 normalises to March: refused */
		return -EINVAL;
	*epoch = (long long)t;
	return 0;
}

int discover_registered_ok(const char *s)
{
	long long t;
	if (strncmp(s, "discovered ", 11) || discover_time_parse(s + 11, &t) < 0)
		return -EINVAL;
	return 0;
}

int discover_parse_duration(const char *s, long long *secs)
{
	char *end;
	if (!s || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || v <= 0 || v > DISCOVER_MAX_SECS)
		return -EINVAL;
	long long unit = 1;
	if (*end == 'm')
		unit = 60;
	else if (*end == 'h')
		unit = 3600;
	else if (*end == 'd')
		unit = 86400;
	else if (*end && *end != 's')
		return -EINVAL;
	if (*end && end[1])
		return -EINVAL;
	if (v > DISCOVER_MAX_SECS / unit)
		return -EINVAL;
	*secs = v * unit;
	return 0;
}

static int put(char *dst, size_t cap, const char *key, const char *val, char *err, size_t errlen)
{
	if (strlen(val) >= cap) {
		snprintf(err, errlen, "%s: value too long", key);
		return -EINVAL;
	}
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

static int window_time(long long *dst, const char *key, const char *val, char *err, size_t errlen)
{
	if (discover_time_parse(val, dst) < 0) {
		snprintf(err, errlen, "%s: want a time such as 2026-12-02T14:30:05Z", key);
		return -EINVAL;
	}
	return 0;
}

static int window_kv(struct discover_window *w, const char *k, const char *v, char *err, size_t errlen)
{
	if (!strcmp(k, "nodes"))
		return put(w->nodes, sizeof(w->nodes), k, v, err, errlen);
	if (!strcmp(k, "ip"))
		return put(w->ip, sizeof(w->ip), k, v, err, errlen);
	if (!strcmp(k, "root"))
		return put(w->root, sizeof(w->root), k, v, err, errlen);
	if (!strcmp(k, "overlay"))
		return put(w->overlay, sizeof(w->overlay), k, v, err, errlen);
	if (!strcmp(k, "state"))
		return put(w->state, sizeof(w->state), k, v, err, errlen);
	if (!strcmp(k, "boot"))
		return put(w->boot, sizeof(w->boot), k, v, err, errlen);
	if (!strcmp(k, "closed_by"))
		return put(w->closed_by, sizeof(w->closed_by), k, v, err, errlen);
	if (!strcmp(k, "opened"))
		return window_time(&w->opened, k, v, err, errlen);
	if (!strcmp(k, "until"))
		return window_time(&w->until, k, v, err, errlen);
	if (!strcmp(k, "closed"))
		return window_time(&w->closed, k, v, err, errlen);
	snprintf(err, errlen, "unknown key '%s'", k);
	return -EINVAL;
}

/* Every value as the file must hold it: the file is the administrator's,
 * but serve acts on it, so a damaged one is refused, never half-used. */
static int window_check(const struct discover_window *w, char *err, size_t errlen)
{
	struct nodeset_entry *e = NULL;
	size_t n = 0;
	char e2[128];
	const char *why = "";
	char name[96];
	int pin;
	if (nodeset_expand(w->nodes, &e, &n, e2, sizeof(e2)) < 0) {
		snprintf(err, errlen, "nodes: %s", w->nodes[0] ? e2 : "missing");
		return -EINVAL;
	}
	free(e);
	if (validate_ipv4(w->ip, NULL, &why) < 0)
		snprintf(err, errlen, "ip: %s", why);
	else if (validate_layer_ref(w->root, name, sizeof(name), &pin, &why) < 0)
		snprintf(err, errlen, "root: %s", why);
	else if (validate_layer_ref(w->overlay, name, sizeof(name), &pin, &why) < 0)
		snprintf(err, errlen, "overlay: %s", why);
	else if (strcmp(w->state, "image") && strcmp(w->state, "tmpfs"))
		snprintf(err, errlen, "state: want image or tmpfs");
	else if (strcmp(w->boot, "ipxe") && strcmp(w->boot, "pxelinux"))
		snprintf(err, errlen, "boot: want ipxe or pxelinux");
	else if (!w->opened || !w->until || w->until <= w->opened)
		snprintf(err, errlen, "opened and until: missing, or until not after opened");
	else if (w->closed && strcmp(w->closed_by, "hand") && strcmp(w->closed_by, "full"))
		snprintf(err, errlen, "closed_by: want hand or full");
	else
		return 0;
	return -EINVAL;
}

int discover_window_parse(const char *text, struct discover_window *w, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	char *copy = strdup(text), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int r = 0, lineno = 0;
	for (char *line = strtok_r(copy, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *s = str_trim(line), *eq = strchr(s, '='), e2[160];
		if (!*s || *s == '#')
			continue;
		for (const char *p = s; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				eq = NULL;
		if (!eq) {
			snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		if ((r = window_kv(w, str_trim(s), str_trim(eq + 1), e2, sizeof(e2))) < 0)
			snprintf(err, errlen, "line %d: %s", lineno, e2);
	}
	free(copy);
	return r < 0 ? r : window_check(w, err, errlen);
}

int discover_window_format(const struct discover_window *w, struct strbuf *sb)
{
	char o[32], u[32], c[32];
	discover_time_fmt(w->opened, o);
	discover_time_fmt(w->until, u);
	int r = sb_printf(sb,
			  "# hopeless discovery window (hopeless node discover; hopeless serve reads it)\n"
			  "nodes = %s\nip = %s\nroot = %s\noverlay = %s\nstate = %s\nboot = %s\n"
			  "opened = %s\nuntil = %s\n",
			  w->nodes, w->ip, w->root, w->overlay, w->state, w->boot, o, u);
	if (r == 0 && w->closed) {
		discover_time_fmt(w->closed, c);
		r = sb_printf(sb, "closed = %s\nclosed_by = %s\n", c, w->closed_by);
	}
	return r;
}

const char *discover_window_state(const struct discover_window *w, long long now)
{
	if (w->closed)
		return strcmp(w->closed_by, "full") ? "closed" : "full";
	return now >= w->until ? "expired" : "open";
}
