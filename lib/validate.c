/* Validation of names, addresses and paths. Everything a user or a DHCP server
 * hands us passes through here before it becomes a path or a config line. */
#include "validate.h"
#include <errno.h>
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

int validate_mac(const char *s, uint8_t out[6], const char **why)
{
	if (!s || strlen(s) != 17)
		return fail(why, "not a MAC address (want aa:bb:cc:dd:ee:ff)");
	char sep = s[2];
	if (sep != ':' && sep != '-')
		return fail(why, "not a MAC address (want aa:bb:cc:dd:ee:ff)");
	uint8_t m[6];
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != sep))
			return fail(why, "not a MAC address (want aa:bb:cc:dd:ee:ff)");
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (m[0] & 1)
		return fail(why, "multicast MAC address");
	if (out)
		memcpy(out, m, 6);
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
