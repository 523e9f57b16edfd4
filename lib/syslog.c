/* RFC 5424 formatting and strict parsing. The parser reads untrusted
 * datagrams from the network: one running cursor with a bounds check before
 * every byte, every field length-checked against the RFC's limit before it
 * is copied, and nothing copied until the whole field is known good. */
#include "syslog.h"
#include "validate.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct cur {
	const uint8_t *p;
	size_t n, i;
};

static int at_end(const struct cur *c) { return c->i >= c->n; }
static int peek(const struct cur *c) { return c->i < c->n ? c->p[c->i] : -1; }
static int is_print(int ch) { return ch >= 33 && ch <= 126; }
static int is_digit(int ch) { return ch >= '0' && ch <= '9'; }

/* One UTF-8 sequence at p (n bytes left): its length, or -1 when it is not
 * the shortest encoding of a scalar value. C0, DEL and C1 controls are
 * refused too: what we accept is printed on terminals and stored as lines. */
static int utf8_char(const uint8_t *p, size_t n)
{
	uint32_t cp;
	int len;
	if (p[0] < 0x80) {
		return p[0] < 0x20 || p[0] == 0x7f ? -1 : 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		len = 2, cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, cp = p[0] & 0x07;
	} else {
		return -1;
	}
	if ((size_t)len > n)
		return -1;
	for (int k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return -1;
	return len;
}

static int utf8_valid(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		int l = utf8_char(p + i, n - i);
		if (l < 0)
			return 0;
		i += (size_t)l;
	}
	return 1;
}

/* 1..max printable US-ASCII octets up to the next SP (or the end). */
static int header_field(struct cur *c, char *out, size_t max)
{
	size_t start = c->i;
	while (!at_end(c) && peek(c) != ' ') {
		if (!is_print(peek(c)) || c->i - start >= max)
			return -EBADMSG;
		c->i++;
	}
	size_t len = c->i - start;
	if (len == 0)
		return -EBADMSG;
	memcpy(out, c->p + start, len);
	out[len] = '\0';
	return 0;
}

static int expect(struct cur *c, int ch)
{
	if (peek(c) != ch)
		return -EBADMSG;
	c->i++;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (no timegm: musl and
 * glibc both have it, but this stays free of the TZ machinery). */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int num(const char *s, int digits, int *out)
{
	int v = 0;
	for (int k = 0; k < digits; k++) {
		if (!is_digit(s[k]))
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	*out = v;
	return 0;
}

int syslog_time_parse(const char *ts, double *epoch)
{
	/* FULL-DATE "T" PARTIAL-TIME [.1*6DIGIT] TIME-OFFSET, upper-case T and Z
	 * (RFC 5424 6.2.3; leap seconds are not allowed). */
	int y, mo, d, h, mi, s;
	size_t n = strlen(ts);
	if (n < 20 || num(ts, 4, &y) || ts[4] != '-' || num(ts + 5, 2, &mo) || ts[7] != '-' ||
	    num(ts + 8, 2, &d) || ts[10] != 'T' || num(ts + 11, 2, &h) || ts[13] != ':' ||
	    num(ts + 14, 2, &mi) || ts[16] != ':' || num(ts + 17, 2, &s))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
		return -EINVAL;
	const char *p = ts + 19;
	double frac = 0, scale = 0.1;
	if (*p == '.') {
		int k = 0;
		for (p++; is_digit(*p); p++, k++) {
			if (k >= 6)
				return -EINVAL;
			frac += (*p - '0') * scale;
			scale /= 10;
		}
		if (k == 0)
			return -EINVAL;
	}
	long off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (num(p + 1, 2, &oh) || p[3] != ':' || num(p + 4, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (epoch)
		*epoch = (double)(days_from_civil(y, mo, d) * 86400L + h * 3600L + mi * 60L + s - off) + frac;
	return 0;
}

int syslog_timestamp(double epoch, char *out, size_t cap)
{
	if (!(epoch >= 0) || epoch > 253402300799.0)
		return -EINVAL;
	time_t t = (time_t)epoch; /* epoch >= 0: truncation is floor */
	int ms = (int)((epoch - (double)t) * 1000.0);
	if (ms > 999)
		ms = 999;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	int n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* SD-NAME: 1..32 printable US-ASCII except '=', SP, ']' and '"'. */
static int sd_name(struct cur *c, size_t *start, size_t *len)
{
	*start = c->i;
	while (!at_end(c)) {
		int ch = peek(c);
		if (!is_print(ch) || ch == '=' || ch == ']' || ch == '"')
			break;
		c->i++;
	}
	*len = c->i - *start;
	return *len >= 1 && *len <= SYSLOG_SDNAME_MAX ? 0 : -EBADMSG;
}

/* An SD-ID is either an IANA-registered name (no '@') or name@<enterprise
 * number>. */
static int sd_id_valid(const uint8_t *p, size_t n)
{
	const uint8_t *at = memchr(p, '@', n);
	if (!at) {
		static const char *const iana[] = {"timeQuality", "origin", "meta"};
		for (size_t k = 0; k < sizeof(iana) / sizeof(iana[0]); k++)
			if (strlen(iana[k]) == n && !memcmp(iana[k], p, n))
				return 1;
		return 0;
	}
	/* the enterprise number, optionally with sub-identifiers: 32473.1.2 */
	size_t before = (size_t)(at - p), after = n - before - 1;
	if (before == 0 || after == 0)
		return 0;
	const uint8_t *e = at + 1;
	for (size_t k = 0; k < after; k++) {
		if (is_digit(e[k]))
			continue;
		if (e[k] != '.' || k == 0 || k + 1 == after || e[k - 1] == '.')
			return 0;
	}
	return 1;
}

/* PARAM-VALUE up to the closing '"' (not consumed). '"', '\' and ']' must be
 * escaped; a backslash before anything else stands for itself. */
static int param_value(struct cur *c)
{
	while (!at_end(c)) {
		int ch = peek(c);
		if (ch == '"')
			return 0;
		if (ch == ']')
			return -EBADMSG;
		if (ch == '\\') {
			c->i++;
			if (at_end(c))
				return -EBADMSG;
			ch = peek(c);
			if (ch == '"' || ch == '\\' || ch == ']') {
				c->i++;
				continue;
			}
			continue; /* the next byte is checked as an ordinary one */
		}
		int l = utf8_char(c->p + c->i, c->n - c->i);
		if (l < 0)
			return -EBADMSG;
		c->i += (size_t)l;
	}
	return -EBADMSG;
}

#define SD_MAX_ELEMENTS 16

/* STRUCTURED-DATA: "-" or one or more SD-ELEMENTs, each SD-ID at most once. */
static int structured_data(struct cur *c)
{
	if (peek(c) == '-') {
		c->i++;
		return 0;
	}
	if (peek(c) != '[')
		return -EBADMSG;
	size_t ids[SD_MAX_ELEMENTS][2];
	int nids = 0;
	while (peek(c) == '[') {
		c->i++;
		size_t s, l;
		if (sd_name(c, &s, &l) < 0 || !sd_id_valid(c->p + s, l))
			return -EBADMSG;
		if (nids >= SD_MAX_ELEMENTS)
			return -EBADMSG;
		for (int k = 0; k < nids; k++)
			if (ids[k][1] == l && !memcmp(c->p + ids[k][0], c->p + s, l))
				return -EBADMSG;
		ids[nids][0] = s, ids[nids][1] = l, nids++;
		while (peek(c) == ' ') {
			c->i++;
			if (sd_name(c, &s, &l) < 0 || expect(c, '=') < 0 || expect(c, '"') < 0 ||
			    param_value(c) < 0 || expect(c, '"') < 0)
				return -EBADMSG;
		}
		if (expect(c, ']') < 0)
			return -EBADMSG;
	}
	return 0;
}

static const uint8_t BOM[3] = {0xef, 0xbb, 0xbf};

int syslog_parse(const uint8_t *data, size_t len, struct syslog_msg *m)
{
	if (len > SYSLOG_MAX_LEN)
		return -EMSGSIZE;
	struct cur c = {data, len, 0};
	memset(m, 0, sizeof(*m));
	/* PRI: "<" 1-3 digits ">" with no leading zero, at most 191. */
	if (expect(&c, '<') < 0)
		return -EBADMSG;
	int pri = 0, digits = 0;
	while (is_digit(peek(&c))) {
		if (digits == 3 || (digits == 1 && pri == 0))
			return -EBADMSG;
		pri = pri * 10 + (peek(&c) - '0');
		digits++;
		c.i++;
	}
	if (digits == 0 || pri > 191 || expect(&c, '>') < 0)
		return -EBADMSG;
	m->pri = pri;
	/* VERSION 1: the only one defined. */
	if (expect(&c, '1') < 0 || expect(&c, ' ') < 0)
		return -EBADMSG;
	if (header_field(&c, m->timestamp, SYSLOG_TIMESTAMP_MAX) < 0 || expect(&c, ' ') < 0 ||
	    (strcmp(m->timestamp, "-") && syslog_time_parse(m->timestamp, NULL) < 0) ||
	    header_field(&c, m->hostname, SYSLOG_HOSTNAME_MAX) < 0 || expect(&c, ' ') < 0 ||
	    header_field(&c, m->app_name, SYSLOG_APPNAME_MAX) < 0 || expect(&c, ' ') < 0 ||
	    header_field(&c, m->procid, SYSLOG_PROCID_MAX) < 0 || expect(&c, ' ') < 0 ||
	    header_field(&c, m->msgid, SYSLOG_MSGID_MAX) < 0 || expect(&c, ' ') < 0)
		return -EBADMSG;
	size_t sd_start = c.i;
	if (structured_data(&c) < 0)
		return -EBADMSG;
	size_t sd_len = c.i - sd_start;
	if (sd_len >= sizeof(m->sd))
		return -EBADMSG;
	memcpy(m->sd, data + sd_start, sd_len);
	m->sd[sd_len] = '\0';
	if (at_end(&c))
		return 0;
	if (expect(&c, ' ') < 0)
		return -EBADMSG;
	const uint8_t *msg = data + c.i;
	size_t mlen = len - c.i;
	if (mlen >= 3 && !memcmp(msg, BOM, 3))
		msg += 3, mlen -= 3;
	if (!utf8_valid(msg, mlen) || mlen >= sizeof(m->msg))
		return -EBADMSG;
	memcpy(m->msg, msg, mlen);
	m->msg[mlen] = '\0';
	return 0;
}

int syslog_sd_get(const struct syslog_msg *m, const char *sd_id, const char *name, char *out, size_t cap)
{
	/* m->sd passed the parser, so the walk below need not re-check syntax
	 * beyond staying inside the string. */
	const char *p = m->sd;
	size_t idl = strlen(sd_id), nl = strlen(name);
	if (cap == 0)
		return -ENOSPC;
	while (*p == '[') {
		p++;
		int want = !strncmp(p, sd_id, idl) && (p[idl] == ' ' || p[idl] == ']');
		p += strcspn(p, " ]");
		while (*p == ' ') {
			p++;
			int hit = want && !strncmp(p, name, nl) && p[nl] == '=';
			p = strchr(p, '"');
			if (!p)
				return -ENOENT;
			p++;
			size_t o = 0;
			while (*p && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == ']'))
					p++;
				if (hit) {
					if (o + 1 >= cap)
						return -ENOSPC;
					out[o++] = *p;
				}
				p++;
			}
			if (*p != '"')
				return -ENOENT;
			p++;
			if (hit) {
				out[o] = '\0';
				return 0;
			}
		}
		if (*p != ']')
			return -ENOENT;
		p++;
	}
	return -ENOENT;
}

static int header_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (!is_print((unsigned char)s[k]))
			return 0;
	return 1;
}

static const char *nil(const char *s) { return s && *s ? s : "-"; }

int syslog_format(char *buf, size_t cap, int pri, const char *timestamp, const char *hostname,
		  const char *app_name, const char *procid, const char *msgid, const char *sd, const char *msg)
{
	timestamp = nil(timestamp), hostname = nil(hostname), app_name = nil(app_name);
	procid = nil(procid), msgid = nil(msgid), sd = nil(sd);
	if (pri < 0 || pri > 191 || !header_ok(timestamp, SYSLOG_TIMESTAMP_MAX) ||
	    (strcmp(timestamp, "-") && syslog_time_parse(timestamp, NULL) < 0) ||
	    !header_ok(hostname, SYSLOG_HOSTNAME_MAX) || !header_ok(app_name, SYSLOG_APPNAME_MAX) ||
	    !header_ok(procid, SYSLOG_PROCID_MAX) || !header_ok(msgid, SYSLOG_MSGID_MAX))
		return -EINVAL;
	struct cur c = {(const uint8_t *)sd, strlen(sd), 0};
	if (structured_data(&c) < 0 || !at_end(&c))
		return -EINVAL;
	if (msg && !utf8_valid((const uint8_t *)msg, strlen(msg)))
		return -EINVAL;
	/* A MSG that itself starts with U+FEFF gets a BOM in front, or the
	 * parser would take its first character for the BOM and drop it. */
	int bom = msg && strlen(msg) >= 3 && !memcmp(msg, BOM, 3);
	int n = snprintf(buf, cap, "<%d>1 %s %s %s %s %s %s%s%s%s", pri, timestamp, hostname, app_name, procid,
			 msgid, sd, msg && *msg ? " " : "", bom ? "\xef\xbb\xbf" : "", msg ? msg : "");
	if (n < 0 || (size_t)n >= cap || n > SYSLOG_MAX_LEN)
		return -ENOSPC;
	return n;
}

int syslog_sd_add(char *sd, size_t cap, const char *sd_id, const char *name, const char *value)
{
	size_t o = strlen(sd);
	int n = o == 0 ? snprintf(sd, cap, "[%s %s=\"", sd_id, name) : snprintf(sd + o, cap - o, " %s=\"", name);
	if (n < 0 || o + (size_t)n >= cap)
		return -ENOSPC;
	o += (size_t)n;
	for (const char *v = value; *v; v++) {
		int esc = *v == '"' || *v == '\\' || *v == ']';
		if (o + (size_t)esc + 2 >= cap)
			return -ENOSPC;
		if (esc)
			sd[o++] = '\\';
		sd[o++] = *v;
	}
	sd[o++] = '"';
	sd[o] = '\0';
	return 0;
}

int syslog_sd_close(char *sd, size_t cap)
{
	size_t o = strlen(sd);
	if (o == 0)
		return 0;
	if (o + 2 > cap)
		return -ENOSPC;
	sd[o] = ']';
	sd[o + 1] = '\0';
	return 0;
}

int syslog_hostname_is(const char *claim, const char *name, const char *ip)
{
	size_t len = strlen(name);
	return !strcmp(claim, "-") || !strcmp(claim, ip) || !strcasecmp(claim, name) ||
	       (len && !strncasecmp(claim, name, len) && claim[len] == '.');
}

int syslog_log_line_split(char *line, double *when, char src[16], const char **msg)
{
	*when = 0;
	src[0] = '\0';
	*msg = line;
	if (line[0] == '<')
		return 0;
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || sp2 - sp1 - 1 >= 16 || sp2 == sp1 + 1)
		return -EBADMSG;
	*sp1 = '\0';
	memcpy(src, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	src[sp2 - sp1 - 1] = '\0';
	if (syslog_time_parse(line, when) < 0 || validate_ipv4(src, NULL, NULL) < 0)
		return -EBADMSG;
	*msg = sp2 + 1;
	return 0;
}
