/* Kernel command line parsing. Every value that becomes a path, a mount
 * option or a host name is checked here against a strict character set. */
#include "cmdline.h"
#include "validate.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmdline_defaults(struct boot_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->roots, sizeof(c->roots), "/roots");
	snprintf(c->clients, sizeof(c->clients), "/clients");
	snprintf(c->statedir, sizeof(c->statedir), "/state");
	snprintf(c->nfsvers, sizeof(c->nfsvers), "4.1");
	snprintf(c->init, sizeof(c->init), "/sbin/init");
	c->timeout = 300;
	c->events_port = 514;
	c->state = STATE_IMAGE;
	c->onfail = ONFAIL_REBOOT;
}

static int copy_val(char *dst, size_t cap, const char *val)
{
	size_t n = strlen(val);
	if (n >= cap)
		return -EINVAL;
	memcpy(dst, val, n + 1);
	return 0;
}

static int is_digit_str(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int add_server(struct boot_config *c, const char *val)
{
	if (validate_ipv4(val, NULL, NULL) < 0)
		return -EINVAL;
	for (int i = 0; i < c->n_servers; i++)
		if (!strcmp(c->servers[i], val))
			return 0;
	if (c->n_servers >= CMDLINE_MAX_SERVERS)
		return -EINVAL;
	snprintf(c->servers[c->n_servers++], sizeof(c->servers[0]), "%s", val);
	return 0;
}

static int parse_servers(struct boot_config *c, const char *val)
{
	char buf[128];
	if (copy_val(buf, sizeof(buf), val) < 0 || !*buf)
		return -EINVAL;
	char *save = NULL;
	for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save))
		if (add_server(c, s) < 0)
			return -EINVAL;
	return 0;
}

/* hopeless.events=IP[:PORT] or off: where boot events go. */
static int parse_events(struct boot_config *c, const char *val)
{
	if (!strcmp(val, "off")) {
		c->events_off = 1;
		return 0;
	}
	char ip[16];
	const char *colon = strchr(val, ':');
	size_t n = colon ? (size_t)(colon - val) : strlen(val);
	if (n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, val, n);
	ip[n] = '\0';
	if (validate_ipv4(ip, NULL, NULL) < 0)
		return -EINVAL;
	int port = 514;
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (!is_digit_str(colon + 1) || *end || v < 1 || v > 65535)
			return -EINVAL;
		port = (int)v;
	}
	memcpy(c->events_ip, ip, n + 1);
	c->events_port = port;
	c->events_off = 0;
	return 0;
}

static int parse_word(struct boot_config *c, const char *key, const char *val)
{
	if (!strcmp(key, "hopeless.server")) {
		/* The primary server goes first, whatever order the words come in. */
		struct boot_config tmp = *c;
		tmp.n_servers = 0;
		if (add_server(&tmp, val) < 0)
			return -EINVAL;
		for (int i = 0; i < c->n_servers; i++)
			if (add_server(&tmp, c->servers[i]) < 0)
				return -EINVAL;
		memcpy(c->servers, tmp.servers, sizeof(c->servers));
		c->n_servers = tmp.n_servers;
		c->set_mask |= CMDLINE_SET_SERVER;
		return 0;
	}
	if (!strcmp(key, "hopeless.servers")) {
		c->set_mask |= CMDLINE_SET_SERVER;
		return parse_servers(c, val);
	}
	if (!strcmp(key, "hopeless.roots") || !strcmp(key, "hopeless.clients") ||
	    !strcmp(key, "hopeless.statedir")) {
		if (validate_export_path(val, NULL) < 0)
			return -EINVAL;
		char *dst = key[9] == 'r' ? c->roots : key[9] == 'c' ? c->clients : c->statedir;
		if (key[9] == 'r')
			c->set_mask |= CMDLINE_SET_ROOTS;
		return copy_val(dst, 256, val);
	}
	if (!strcmp(key, "hopeless.state")) {
		if (!strcmp(val, "image"))
			c->state = STATE_IMAGE;
		else if (!strcmp(val, "tmpfs"))
			c->state = STATE_TMPFS;
		else if (!strcmp(val, "rbd"))
			c->state = STATE_RBD;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "hopeless.nfsvers")) {
		if (strcmp(val, "3") && strcmp(val, "4") && strcmp(val, "4.0") && strcmp(val, "4.1") &&
		    strcmp(val, "4.2"))
			return -EINVAL;
		return copy_val(c->nfsvers, sizeof(c->nfsvers), val);
	}
	if (!strcmp(key, "hopeless.hostname")) {
		if (validate_hostname(val, NULL) < 0)
			return -EINVAL;
		c->set_mask |= CMDLINE_SET_HOSTNAME;
		return copy_val(c->hostname, sizeof(c->hostname), val);
	}
	if (!strcmp(key, "hopeless.onfail")) {
		if (!strcmp(val, "reboot"))
			c->onfail = ONFAIL_REBOOT;
		else if (!strcmp(val, "shell"))
			c->onfail = ONFAIL_SHELL;
		else if (!strcmp(val, "halt"))
			c->onfail = ONFAIL_HALT;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "hopeless.timeout")) {
		char *end;
		long v = strtol(val, &end, 10);
		if (!*val || *end || v < 1 || v > 86400)
			return -EINVAL;
		c->timeout = (int)v;
		return 0;
	}
	if (!strcmp(key, "hopeless.init")) {
		if (validate_export_path(val, NULL) < 0)
			return -EINVAL;
		return copy_val(c->init, sizeof(c->init), val);
	}
	if (!strcmp(key, "hopeless.arp")) {
		if (!strcmp(val, "off"))
			c->arp_off = 1;
		else if (!strcmp(val, "on"))
			c->arp_off = 0;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "hopeless.events"))
		return parse_events(c, val);
	if (!strcmp(key, "hopeless.debug")) {
		c->debug = 1;
		return 0;
	}
	if (!strcmp(key, "BOOTIF"))
		return copy_val(c->bootif, sizeof(c->bootif), val);
	if (!strcmp(key, "ip"))
		return copy_val(c->ip, sizeof(c->ip), val);
	if (!strncmp(key, "hopeless.", 9))
		return -EINVAL; /* a typo in our own namespace must not pass silently */
	return 0;
}

int cmdline_parse(const char *text, struct boot_config *c, char *err, unsigned errlen)
{
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		/* One word, with the kernel's double-quote rule. */
		char word[512];
		size_t n = 0;
		int quoted = 0, too_long = 0;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			if (*p == '"')
				quoted = !quoted;
			else if (n + 1 < sizeof(word))
				word[n++] = *p;
			else
				too_long = 1;
			p++;
		}
		word[n] = '\0';
		char *eq = strchr(word, '=');
		const char *val = "";
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		}
		int interesting = !strncmp(word, "hopeless.", 9) || !strcmp(word, "BOOTIF") || !strcmp(word, "ip");
		if (!interesting)
			continue;
		if (too_long || parse_word(c, word, val) < 0) {
			snprintf(err, errlen, "bad value in %s=%.64s%s", word, val, strlen(val) > 64 ? "..." : "");
			return -EINVAL;
		}
	}
	return 0;
}
