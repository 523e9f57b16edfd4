/* Validation of names, addresses and paths. Everything a user or a DHCP server
 * hands us passes through here before it becomes a path or a config line. */
#include "validate.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int validate_name(const char *s, const char **why)
{
	if (!s || !*s)
		return fail(why, "empty name");
	size_t n = strlen(s);
	if (n > NAME_MAX_LEN)
		return fail(why, "name longer than 63 characters");
	if (!is_alnum(s[0]))
		return fail(why, "name must start with a letter or digit");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/')
			return fail(why, "name contains '/'");
		if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
			return fail(why, "name may hold only letters, digits, '.', '_' and '-'");
	}
	if (strstr(s, ".."))
		return fail(why, "name contains '..'");
	return 0;
}

int validate_version(const char *s)
{
	if (!s || !*s || *s == '0' || strlen(s) > 6)
		return -1;
	int v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* "name" or "name@N" (N 1..999999, no leading zero): a pointer file's
 * value or a --root/--overlay argument. *version gets N, 0 for none. */
int validate_layer_ref(const char *s, char *name, size_t namelen, int *version, const char **why)
{
	if (!s)
		return fail(why, "empty name");
	const char *at = strchr(s, '@');
	size_t n = at ? (size_t)(at - s) : strlen(s);
	char buf[NAME_MAX_LEN + 2];
	if (n > NAME_MAX_LEN)
		return fail(why, "name longer than 63 characters");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (validate_name(buf, why) < 0)
		return -1;
	int v = 0;
	if (at && (v = validate_version(at + 1)) < 0)
		return fail(why, "want NAME@VERSION with VERSION a number from 1 to 999999");
	if (name) {
		if (n >= namelen)
			return fail(why, "name too long");
		memcpy(name, buf, n + 1);
	}
	if (version)
		*version = v;
	return 0;
}

int validate_hostname(const char *s, const char **why)
{
	if (!s || !*s)
		return fail(why, "empty host name");
	size_t n = strlen(s);
	if (n > NAME_MAX_LEN)
		return fail(why, "host name longer than 63 characters");
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return fail(why, "empty host name label or label ending in '-'");
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return fail(why, "host name may hold only letters, digits, '-' and '.'");
		if (c == '-' && label == 0)
			return fail(why, "host name label starts with '-'");
		label++;
	}
	if (label == 0 || s[n - 1] == '-')
		return fail(why, "host name ends in '.' or '-'");
	return 0;
}

int validate_ipv4(const char *s, uint32_t *out, const char **why)
{
	if (!s || !*s)
		return fail(why, "not an IPv4 address");
	uint8_t b[4];
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		if (*p < '0' || *p > '9')
			return fail(why, "not an IPv4 address");
		unsigned v = 0;
		int digits = 0;
		const char *start = p;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (unsigned)(*p - '0');
			if (++digits > 3 || v > 255)
				return fail(why, "not an IPv4 address (octet over 255)");
			p++;
		}
		if (digits > 1 && *start == '0')
			return fail(why, "not an IPv4 address (leading zero)");
		b[i] = (uint8_t)v;
		if (i < 3) {
			if (*p != '.')
				return fail(why, "not an IPv4 address");
			p++;
		}
	}
	if (*p)
		return fail(why, "not an IPv4 address (trailing characters)");
	if (out)
		memcpy(out, b, 4);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Syntax only: six hex pairs, one separator throughout. */
static int parse_mac(const char *s, uint8_t m[6], const char **why)
{
	if (!s || strlen(s) != 17)
		return fail(why, "not a MAC address (want aa:bb:cc:dd:ee:ff)");
	char sep = s[2];
	if (sep != ':' && sep != '-')
		return fail(why, "not a MAC address (want aa:bb:cc:dd:ee:ff)");
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != sep))
			return fail(why, "not a MAC address (want aa:bb:cc:dd:ee:ff)");
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int validate_mac(const char *s, uint8_t out[6], const char **why)
{
	uint8_t m[6];
	if (parse_mac(s, m, why) < 0)
		return -EINVAL;
	if (m[0] & 1)
		return fail(why, "multicast MAC address");
	if (out)
		memcpy(out, m, 6);
	return 0;
}

/* The reasons of validate_node_ip/_mac that name the value. */
static char node_why[160];

static int failf(const char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(const char **why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(node_why, sizeof(node_why), fmt, ap);
	va_end(ap);
	return fail(why, node_why);
}

int validate_node_mac(const char *mac, const char **why)
{
	uint8_t m[6];
	if (parse_mac(mac, m, why) < 0)
		return -EINVAL;
	static const uint8_t zero[6], bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	if (!memcmp(m, zero, 6))
		return failf(why, "%s is the all-zero MAC address, which no network card has", mac);
	if (!memcmp(m, bcast, 6))
		return failf(why, "%s is the broadcast MAC address", mac);
	if (m[0] & 1)
		return failf(why, "%s is a multicast MAC address (lowest bit of the first octet set)", mac);
	return 0;
}

/* Host byte order, so that ranges compare as numbers. */
static uint32_t host_order(uint32_t net)
{
	const uint8_t *b = (const uint8_t *)&net;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void fmt_ipv4(uint32_t a, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Ranges no node can have, whatever the cluster's subnet. */
static int special_range(const char *ip, uint32_t a, const char **why)
{
	if (a >> 24 == 0)
		return failf(why, "%s is in 0.0.0.0/8 (\"this network\"), which no host can have", ip);
	if (a >> 24 == 127)
		return failf(why, "%s is a loopback address (127.0.0.0/8)", ip);
	if (a >> 16 == (169u << 8 | 254))
		return failf(why, "%s is a link-local address (169.254.0.0/16)", ip);
	if (a >> 28 == 0xe)
		return failf(why, "%s is a multicast address (224.0.0.0/4)", ip);
	if (a == 0xffffffffu)
		return failf(why, "%s is the limited broadcast address", ip);
	if (a >> 28 == 0xf)
		return failf(why, "%s is a reserved address (240.0.0.0/4)", ip);
	return 0;
}

int validate_node_ip(const char *ip, const char *server, const char *netmask, const char **why)
{
	uint32_t a, srv, mask;
	if (validate_ipv4(ip, &a, why) < 0)
		return -EINVAL;
	if (validate_ipv4(server, &srv, NULL) < 0)
		return fail(why, "the cluster's server address (hopeless.conf) is not an IPv4 address");
	if (validate_ipv4(netmask, &mask, NULL) < 0)
		return fail(why, "the cluster's netmask (hopeless.conf) is not an IPv4 address");
	a = host_order(a);
	srv = host_order(srv);
	mask = host_order(mask);
	if ((~mask & (~mask + 1)) != 0)
		return fail(why, "the cluster's netmask (hopeless.conf) is not contiguous");
	if (special_range(ip, a, why) < 0)
		return -EINVAL;
	int prefix = 0;
	for (uint32_t m = mask; m; m <<= 1)
		prefix++;
	char net[16];
	fmt_ipv4(srv & mask, net);
	if ((a & mask) != (srv & mask))
		return failf(why, "%s is outside the cluster subnet %s/%d (server and netmask in hopeless.conf)", ip,
			     net, prefix);
	if (prefix <= 30 && a == (srv & mask))
		return failf(why, "%s is the network address of %s/%d", ip, net, prefix);
	if (prefix <= 30 && a == (srv | ~mask))
		return failf(why, "%s is the broadcast address of %s/%d", ip, net, prefix);
	if (a == srv)
		return failf(why, "%s is the head node's own address (server in hopeless.conf)", ip);
	return 0;
}

int validate_export_path(const char *s, const char **why)
{
	if (!s || s[0] != '/')
		return fail(why, "export path must start with '/'");
	size_t n = strlen(s);
	if (n > 255)
		return fail(why, "export path longer than 255 characters");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!is_alnum(c) && c != '/' && c != '.' && c != '_' && c != '-')
			return fail(why, "export path may hold only letters, digits, '/', '.', '_' and '-'");
		if (c == '/' && s[i + 1] == '/')
			return fail(why, "export path contains '//'");
	}
	if (strstr(s, "/../") || strstr(s, "/./") || (n >= 3 && strcmp(s + n - 3, "/..") == 0) ||
	    (n >= 2 && strcmp(s + n - 2, "/.") == 0))
		return fail(why, "export path contains '.' or '..' components");
	return 0;
}

int validate_module_name(const char *s, size_t maxlen)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > maxlen)
		return -EINVAL;
	for (; *s; s++)
		if (!is_alnum(*s) && *s != '_' && *s != '-')
			return -EINVAL;
	return 0;
}

char *str_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}
