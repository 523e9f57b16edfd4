/* Host ranges, address runs, MAC lists and CSV node lists. */
#include "nodeset.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return -EINVAL;
}

int nodeset_is_range(const char *spec)
{
	return strchr(spec, '[') != NULL;
}

/* Digits only, at most 6 of them (NODESET_MAX fits); *width gets how many. */
static int parse_bound(const char *s, size_t n, unsigned long *v, int *width)
{
	if (n == 0 || n > 6)
		return -EINVAL;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	*width = (int)n;
	return 0;
}

int nodeset_expand(const char *spec, struct nodeset_entry **out, size_t *count, char *err,
		   size_t errlen)
{
	*out = NULL;
	*count = 0;
	const char *open = strchr(spec, '[');
	const char *close = open ? strchr(open, ']') : NULL;
	const char *dash = open ? memchr(open, '-', close ? (size_t)(close - open) : 0) : NULL;
	if (!open) {
		if (strlen(spec) >= sizeof((*out)->hostname))
			return fail(err, errlen, "%.70s: host name longer than 63 characters", spec);
		if (!(*out = calloc(1, sizeof(**out))))
			return -ENOMEM;
		memcpy((*out)->hostname, spec, strlen(spec) + 1);
		*count = 1;
		return 0;
	}
	if (!close || !dash || strchr(close + 1, '[') || strchr(close + 1, ']'))
		return fail(err, errlen, "%.70s: want one range like node[001-128]", spec);
	unsigned long lo, hi;
	int wlo, whi;
	if (parse_bound(open + 1, (size_t)(dash - open - 1), &lo, &wlo) < 0 ||
	    parse_bound(dash + 1, (size_t)(close - dash - 1), &hi, &whi) < 0)
		return fail(err, errlen, "%.70s: range bounds must be numbers of at most 6 digits", spec);
	if (hi < lo)
		return fail(err, errlen, "%.70s: range ends before it starts", spec);
	if (hi - lo + 1 > NODESET_MAX)
		return fail(err, errlen, "%.70s: more than 100000 nodes in one range", spec);
	size_t plen = (size_t)(open - spec), slen = strlen(close + 1);
	size_t n = hi - lo + 1;
	struct nodeset_entry *v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(v[i].hostname, sizeof(v[i].hostname), "%.*s%0*zu%s", (int)plen, spec,
				 wlo, (size_t)(lo + i), close + 1);
		if (w < 0 || (size_t)w >= sizeof(v[i].hostname) || plen + slen > 63) {
			free(v);
			return fail(err, errlen, "%.70s: host names longer than 63 characters", spec);
		}
	}
	*out = v;
	*count = n;
	return 0;
}

int nodeset_fill_ips(const char *spec, struct nodeset_entry *e, size_t count, char *err,
		     size_t errlen)
{
	char base[16];
	size_t n = strlen(spec);
	int run = n > 0 && spec[n - 1] == '+';
	if (run)
		n--;
	if (n >= sizeof(base))
		return fail(err, errlen, "%.70s: not an IPv4 address", spec);
	memcpy(base, spec, n);
	base[n] = '\0';
	uint32_t a;
	const char *why;
	if (validate_ipv4(base, &a, &why) < 0)
		return fail(err, errlen, "%.70s: not an IPv4 address (give A.B.C.D, or A.B.C.D+ for a range)", spec);
	if (!run && count > 1)
		return fail(err, errlen, "%s: one address for many nodes (write A.B.C.D+ for consecutive addresses)",
			    spec);
	uint64_t first = ntohl(a);
	if (first + count - 1 > 0xffffffffu)
		return fail(err, errlen, "%s: the address range runs past 255.255.255.255", spec);
	for (size_t i = 0; i < count; i++) {
		struct in_addr in = {htonl((uint32_t)(first + i))};
		inet_ntop(AF_INET, &in, e[i].ip, sizeof(e[i].ip));
	}
	return 0;
}

/* Next meaningful line of text: comments, blanks and surrounding spaces
 * dropped. Returns NULL at the end; *lineno counts lines. */
static char *next_line(char **cursor, int *lineno)
{
	while (*cursor && **cursor) {
		char *line = *cursor;
		char *nl = strchr(line, '\n');
		if (nl) {
			*nl = '\0';
			*cursor = nl + 1;
		} else {
			*cursor = line + strlen(line);
		}
		(*lineno)++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (*line)
			return line;
	}
	return NULL;
}

/* One spelling everywhere: lower case, colons. */
static int canon_mac(const char *s, char out[18], const char **why)
{
	uint8_t m[6];
	if (validate_mac(s, m, why) < 0)
		return -EINVAL;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

int nodeset_fill_macs(const char *text, struct nodeset_entry *e, size_t count, char *err,
		      size_t errlen)
{
	char *copy = strdup(text), *cur = copy, *line;
	if (!copy)
		return -ENOMEM;
	int lineno = 0, r = 0;
	size_t k = 0;
	const char *why;
	while (r == 0 && (line = next_line(&cur, &lineno))) {
		if (k == count) {
			snprintf(err, errlen, "line %d: more MAC addresses than nodes (%zu)", lineno, count);
			r = -EINVAL;
		} else if (canon_mac(line, e[k].mac, &why) < 0) {
			snprintf(err, errlen, "line %d: %.40s: %s", lineno, line, why);
			r = -EINVAL;
		} else {
			k++;
		}
	}
	if (r == 0 && k != count) {
		snprintf(err, errlen, "%zu MAC address(es) for %zu node(s): give one per node, in order", k, count);
		r = -EINVAL;
	}
	free(copy);
	return r;
}

static int csv_line(char *line, struct nodeset_entry *e, char *err, size_t errlen, int lineno)
{
	char *f[3];
	int nf = 0;
	for (char *p = line; nf < 3; nf++) {
		f[nf] = p;
		char *comma = strchr(p, ',');
		if (!comma) {
			nf++;
			break;
		}
		*comma = '\0';
		p = comma + 1;
		if (nf == 2) {
			snprintf(err, errlen, "line %d: more than 3 fields (want hostname,mac,ip)", lineno);
			return -EINVAL;
		}
	}
	if (nf != 3) {
		snprintf(err, errlen, "line %d: want hostname,mac,ip", lineno);
		return -EINVAL;
	}
	for (int i = 0; i < 3; i++) {
		while (*f[i] == ' ' || *f[i] == '\t')
			f[i]++;
		size_t n = strlen(f[i]);
		while (n > 0 && (f[i][n - 1] == ' ' || f[i][n - 1] == '\t'))
			f[i][--n] = '\0';
	}
	const char *why;
	if (validate_hostname(f[0], &why) < 0) {
		snprintf(err, errlen, "line %d: %.64s: %s", lineno, f[0], why);
		return -EINVAL;
	}
	if (canon_mac(f[1], e->mac, &why) < 0) {
		snprintf(err, errlen, "line %d: %.40s: %s", lineno, f[1], why);
		return -EINVAL;
	}
	if (validate_ipv4(f[2], NULL, &why) < 0) {
		snprintf(err, errlen, "line %d: %.40s: %s", lineno, f[2], why);
		return -EINVAL;
	}
	snprintf(e->hostname, sizeof(e->hostname), "%s", f[0]);
	snprintf(e->ip, sizeof(e->ip), "%s", f[2]);
	return 0;
}

int nodeset_parse_csv(const char *text, struct nodeset_entry **out, size_t *count, char *err,
		      size_t errlen)
{
	*out = NULL;
	*count = 0;
	char *copy = strdup(text), *cur = copy, *line;
	if (!copy)
		return -ENOMEM;
	struct nodeset_entry *v = NULL;
	size_t n = 0, cap = 0;
	int lineno = 0, r = 0;
	while (r == 0 && (line = next_line(&cur, &lineno))) {
		if (n == NODESET_MAX) {
			snprintf(err, errlen, "line %d: more than %d nodes in one file", lineno, NODESET_MAX);
			r = -EINVAL;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct nodeset_entry *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		r = csv_line(line, &v[n], err, errlen, lineno);
		if (r == 0)
			n++;
	}
	free(copy);
	if (r == 0 && n == 0) {
		snprintf(err, errlen, "no nodes in the file (want lines hostname,mac,ip)");
		r = -EINVAL;
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*count = n;
	return 0;
}
