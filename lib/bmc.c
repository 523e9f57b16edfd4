/* A node's BMC settings in bmc/<hostname>.conf (see bmc.h). */
#include "bmc.h"
#include "check.h"
#include "tree.h"
#include "validate.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

static int parse_port(const char *s, unsigned *port)
{
	if (!*s || strlen(s) > 5 || s[0] == '0')
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	long v = strtol(s, NULL, 10);
	if (v < 1 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

int bmc_parse_address(const char *s, struct bmc_conf *c, const char **why)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	if (n == 0 || n >= sizeof(c->address))
		return set_why(why, "want IPv4-ADDRESS[:PORT] or HOSTNAME[:PORT]");
	char host[sizeof(c->address)];
	memcpy(host, s, n);
	host[n] = '\0';
	unsigned port = BMC_PORT_DEFAULT;
	if (colon && parse_port(colon + 1, &port) < 0)
		return set_why(why, "the port must be a number from 1 to 65535");
	/* Anything made of digits and dots is meant as an address: check it as one. */
	if (strspn(host, "0123456789.") == n) {
		if (validate_ipv4(host, NULL, why) < 0)
			return -EINVAL;
	} else if (validate_hostname(host, why) < 0) {
		return -EINVAL;
	}
	memcpy(c->address, host, n + 1);
	c->port = port;
	return 0;
}

/* Printable ASCII without space: a value stays one word on one line. */
static int word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p > '~')
			return 0;
	return 1;
}

int bmc_check_user(const char *s, const char **why)
{
	return word_ok(s, BMC_USER_MAX) ? 0 : set_why(why, "want 1 to 16 printable characters, no space");
}

int bmc_check_password(const char *s, const char **why)
{
	return word_ok(s, BMC_PASSWORD_MAX) ? 0 : set_why(why, "want 1 to 20 printable characters, no space");
}

int bmc_parse_cipher(const char *s, unsigned *out)
{
	if (!strcmp(s, "0"))
		return *out = 0, 0;
	unsigned v;
	if (parse_port(s, &v) < 0 || v > 17)
		return -EINVAL;
	*out = v;
	return 0;
}

/* One "key = value" line into c; seen has a bit per key. */
static int parse_line(const char *key, const char *val, struct bmc_conf *c, unsigned *seen, const char **why)
{
	static const char *const keys[] = {"address", "port", "user", "password", "cipher"};
	size_t k = 0;
	while (k < 5 && strcmp(key, keys[k]))
		k++;
	if (k == 5)
		return set_why(why, "unknown key");
	if (*seen & (1u << k))
		return set_why(why, "key given twice");
	*seen |= 1u << k;
	switch (k) {
	case 0: {
		unsigned port = c->port;
		int r = bmc_parse_address(val, c, why);
		c->port = port;
		return r < 0 || strchr(val, ':') ? set_why(why, "bad address") : 0;
	}
	case 1: return parse_port(val, &c->port) < 0 ? set_why(why, "bad port") : 0;
	case 2: return bmc_check_user(val, why) < 0 ? -EINVAL : (snprintf(c->user, sizeof(c->user), "%s", val), 0);
	case 3:
		return bmc_check_password(val, why) < 0 ? -EINVAL
							: (snprintf(c->password, sizeof(c->password), "%s", val), 0);
	default:
		return bmc_parse_cipher(val, &c->cipher) < 0 ? set_why(why, "bad cipher suite (0 to 17)") : 0;
	}
}

int bmc_conf_parse(const char *text, struct bmc_conf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->port = BMC_PORT_DEFAULT;
	c->cipher = BMC_CIPHER_DEFAULT;
	unsigned seen = 0;
	int lineno = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[256];
		lineno++;
		if (n >= sizeof(line))
			return snprintf(err, errlen, "line %d: too long", lineno), -EINVAL;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl ? 1 : 0);
		if (!line[0] || line[0] == '#')
			continue;
		char *eq = strstr(line, " = ");
		if (!eq)
			return snprintf(err, errlen, "line %d: want 'key = value'", lineno), -EINVAL;
		*eq = '\0';
		const char *why = "bad value";
		if (parse_line(line, eq + 3, c, &seen, &why) < 0)
			return snprintf(err, errlen, "line %d (%s): %s", lineno, line, why), -EINVAL;
	}
	if ((seen & 0xd) != 0xd)
		return snprintf(err, errlen, "address, user and password are all needed"), -EINVAL;
	return 0;
}

int bmc_conf_format(const struct bmc_conf *c, const char *host, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	int r = sb_printf(&sb,
			  "# BMC of %s (hopeless node set --bmc ...): root only, never exported\n"
			  "address = %s\nport = %u\nuser = %s\npassword = %s\ncipher = %u\n",
			  host, c->address, c->port, c->user, c->password, c->cipher);
	if (r < 0) {
		sb_free(&sb);
		return r;
	}
	*out = sb.buf;
	return 0;
}

int bmc_conf_rel(char *out, size_t outlen, const char *host)
{
	if (validate_hostname(host, NULL) < 0)
		return -EINVAL;
	return tfs_fmt(out, outlen, BMC_DIR "/%s.conf", host);
}

int bmc_load(const struct tree *t, const char *host, struct bmc_conf *c, char *err, size_t errlen)
{
	char rel[PATH_MAX];
	int r = bmc_conf_rel(rel, sizeof(rel), host);
	if (r < 0)
		return snprintf(err, errlen, "%s: not a host name", host), r;
	_cleanup_sb_ struct strbuf sb = STRBUF_INIT;
	r = tfs_read(t, rel, &sb);
	if (r < 0) {
		snprintf(err, errlen, "%s/%s: %s", t->dir, rel, strerror(-r));
		return r;
	}
	char why[200];
	r = bmc_conf_parse(sb_str(&sb), c, why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "%s/%s: %s", t->dir, rel, why);
	return r;
}

int bmc_save(const struct tree *t, const char *host, const struct bmc_conf *c)
{
	char rel[PATH_MAX];
	int r = bmc_conf_rel(rel, sizeof(rel), host);
	if (r < 0)
		return r;
	if (!tfs_is_dir(t, BMC_DIR)) {
		r = tfs_mkdir(t, BMC_DIR, 0700);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	/* Whatever made it, the directory is root's alone. */
	if ((r = tfs_chmod(t, BMC_DIR, 0700)) < 0)
		return r;
	char *text = NULL;
	if ((r = bmc_conf_format(c, host, &text)) < 0)
		return r;
	r = tfs_write(t, rel, text, strlen(text), 0600, (uid_t)-1, (gid_t)-1, 0);
	/* The password does not linger in freed memory. */
	explicit_bzero(text, strlen(text));
	free(text);
	return r;
}

int bmc_remove(const struct tree *t, const char *host)
{
	char rel[PATH_MAX];
	int r = bmc_conf_rel(rel, sizeof(rel), host);
	if (r < 0)
		return r;
	r = tfs_unlink(t, rel);
	return r == -ENOENT ? 0 : r;
}

/* One bmc/<name> entry: a registered node's regular 0600 file that parses. */
static int check_entry(const struct tree *t, const char *name, const struct tree_node *nodes, size_t n,
		       struct check_report *rep)
{
	char rel[PATH_MAX], host[64], err[256];
	struct stat st;
	tfs_fmt(rel, sizeof(rel), BMC_DIR "/%s", name);
	size_t len = strlen(name);
	if (len <= 5 || len - 5 >= sizeof(host) || strcmp(name + len - 5, ".conf"))
		return check_add(rep, rel, "not a node's BMC file (bmc/<host>.conf): remove it");
	snprintf(host, sizeof(host), "%.*s", (int)(len - 5), name);
	if (tfs_stat(t, rel, &st) < 0 || !S_ISREG(st.st_mode))
		return check_add(rep, rel, "not a regular file");
	if ((st.st_mode & 07777) != 0600 || st.st_uid != 0)
		return check_add(rep, rel, "mode %03o, owner %u: the BMC password must be root's alone (chmod 600)",
				 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	size_t i = 0;
	while (i < n && strcmp(nodes[i].hostname, host))
		i++;
	if (i == n)
		return check_add(rep, rel, "orphan: no node %s (hopeless node rm removes it; remove it by hand)", host);
	struct bmc_conf c;
	int r = bmc_load(t, host, &c, err, sizeof(err));
	explicit_bzero(&c, sizeof(c));
	return r < 0 ? check_add(rep, rel, "%s", err) : 0;
}

int check_bmc(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep)
{
	struct stat st;
	if (tfs_stat(t, BMC_DIR, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return check_add(rep, BMC_DIR, "not a directory");
	if ((st.st_mode & 07777) != 0700 || st.st_uid != 0)
		check_add(rep, BMC_DIR, "mode %03o, owner %u: BMC credentials must be root's alone (chmod 700)",
			  (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	char **names = NULL;
	size_t count = 0;
	int r = tree_list_names(t, BMC_DIR, &names, &count);
	for (size_t k = 0; r == 0 && k < count; k++)
		r = check_entry(t, names[k], nodes, n, rep) < 0 ? -ENOMEM : 0;
	tree_names_free(names, count);
	return r < 0 && r != -ENOMEM ? 0 : r;
}
