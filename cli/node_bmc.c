/* hopeless node set NODESET --bmc ... / --no-bmc: a node's BMC address
 * and credentials in bmc/<host>.conf (see lib/bmc.h). Every node and value
 * is checked before any file is written; a failed write puts back what
 * was there. The password comes from a file or stdin, never from the
 * command line (where ps would show it). */
#include "bmc.h"
#include "node.h"
#include "nodeset.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void strip_eol(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* The password: the first line of --bmc-password-file FILE or of stdin. */
static int read_password(const struct set_opts *o, char *pw, size_t cap, const char *w)
{
	_cleanup_sb_ struct strbuf sb = STRBUF_INIT;
	const char *why = NULL;
	int r;
	if (o->bmc_pw_file && o->bmc_pw_stdin)
		return cli_error(w, "--bmc-password-file and --bmc-password-stdin: give one");
	if (o->bmc_pw_file)
		r = read_file_regular(o->bmc_pw_file, &sb);
	else
		r = read_fd(dup(0), &sb);
	if (r < 0)
		return cli_error(w, "%s: %s", o->bmc_pw_file ? o->bmc_pw_file : "stdin", strerror(-r));
	const char *s = sb_str(&sb);
	size_t n = strcspn(s, "\r\n");
	if (n >= cap || n == 0 || bmc_check_password((snprintf(pw, cap, "%.*s", (int)n, s), pw), &why) < 0) {
		explicit_bzero(pw, cap);
		if (sb.buf)
			explicit_bzero(sb.buf, sb.len);
		return cli_error(w, "the BMC password (first line of %s): %s", o->bmc_pw_file ? o->bmc_pw_file : "stdin",
				 n == 0 ? "empty" : "want 1 to 20 printable characters, no space");
	}
	explicit_bzero(sb.buf, sb.len);
	strip_eol(pw);
	return 0;
}

/* --bmc ADDR[:PORT] for n nodes: "A.B.C.D+" gives consecutive addresses. */
static int fill_addresses(const char *spec, struct nodeset_entry *e, size_t n, unsigned *port, const char *w)
{
	char host[80], err[256];
	const char *why = NULL;
	const char *colon = strchr(spec, ':');
	size_t hl = colon ? (size_t)(colon - spec) : strlen(spec);
	if (hl == 0 || hl >= sizeof(host))
		return cli_error(w, "--bmc %s: want IPv4-ADDRESS[+][:PORT] or HOSTNAME[:PORT]", spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	struct bmc_conf probe;
	char check[96];
	snprintf(check, sizeof(check), "%s%s", hl && host[hl - 1] == '+' ? "0.0.0.0" : host, colon ? colon : "");
	if (bmc_parse_address(check, &probe, &why) < 0)
		return cli_error(w, "--bmc %s: %s", spec, why);
	*port = probe.port;
	if (host[hl - 1] == '+') {
		if (nodeset_fill_ips(host, e, n, err, sizeof(err)) < 0)
			return cli_error(w, "--bmc %s: %s", spec, err);
		return 0;
	}
	if (n > 1)
		return cli_error(w, "--bmc %s: one address for %zu nodes (give A.B.C.D+ for consecutive addresses)",
				 spec, n);
	if (bmc_parse_address(host, &probe, &why) < 0)
		return cli_error(w, "--bmc %s: %s", spec, why);
	e[0].ip[0] = '\0';
	return 0;
}

/* Each node's next BMC settings from its current ones and the options. */
static int next_confs(struct tree *t, const struct set_opts *o, struct nodeset_entry *e, size_t n,
		      struct bmc_conf *old, int *had, struct bmc_conf *nx, const char *pw, const char *w)
{
	char err[512];
	unsigned port = BMC_PORT_DEFAULT;
	if (o->bmc && fill_addresses(o->bmc, e, n, &port, w))
		return 1;
	for (size_t i = 0; i < n; i++) {
		struct tree_node d;
		if (tree_node_load(t, e[i].hostname, &d, err, sizeof(err)) < 0)
			return cli_error(w, "%s", err);
		int r = bmc_load(t, d.hostname, &old[i], err, sizeof(err));
		/* --no-bmc removes even a damaged file (nothing to put back then). */
		if (r < 0 && r != -ENOENT && !o->no_bmc)
			return cli_error(w, "%s", err);
		had[i] = r == 0;
		nx[i] = old[i];
		if (!had[i]) {
			memset(&nx[i], 0, sizeof(nx[i]));
			nx[i].cipher = BMC_CIPHER_DEFAULT;
		}
		if (o->bmc) {
			const char *a = e[i].ip[0] ? e[i].ip : o->bmc;
			snprintf(nx[i].address, sizeof(nx[i].address), "%.*s", (int)strcspn(a, ":"), a);
			nx[i].port = port;
		}
		if (o->bmc_user)
			snprintf(nx[i].user, sizeof(nx[i].user), "%s", o->bmc_user);
		if (pw[0])
			snprintf(nx[i].password, sizeof(nx[i].password), "%s", pw);
		if (!o->no_bmc && (!nx[i].address[0] || !nx[i].user[0] || !nx[i].password[0]))
			return cli_error(w, "%s has no BMC yet: give --bmc ADDRESS, --bmc-user USER and "
				"--bmc-password-file FILE (or --bmc-password-stdin) together", d.hostname);
	}
	return 0;
}

static int write_all(struct tree *t, struct nodeset_entry *e, size_t n, const struct bmc_conf *old,
		     const int *had, const struct bmc_conf *nx, int remove, const char *w)
{
	for (size_t i = 0; i < n; i++) {
		int r = remove ? bmc_remove(t, e[i].hostname) : bmc_save(t, e[i].hostname, &nx[i]);
		if (r == 0)
			continue;
		while (i-- > 0) /* put back what was there */
			had[i] ? bmc_save(t, e[i].hostname, &old[i]) : bmc_remove(t, e[i].hostname);
		return cli_error(w, "%s: cannot write its BMC settings: %s; no node changed", e[i].hostname,
				 strerror(-r));
	}
	return 0;
}

static void report(const struct nodeset_entry *e, size_t n, const struct bmc_conf *nx, int remove)
{
	for (size_t i = 0; i < n; i++) {
		if (n > 16 && i != 0 && i != n - 1)
			continue;
		if (remove)
			printf("hopeless: node %s: BMC settings removed\n", e[i].hostname);
		else
			printf("hopeless: node %s: BMC %s:%u, user %s (bmc/%s.conf, root only)\n", e[i].hostname,
			       nx[i].address, nx[i].port, nx[i].user, e[i].hostname);
	}
	if (n > 16)
		printf("hopeless: %zu nodes updated\n", n);
}

int node_bmc_set(struct tree *t, const char *spec, const struct set_opts *o)
{
	const char *w = "node set";
	const char *why = NULL;
	char err[256], pw[BMC_PASSWORD_MAX + 2] = "";
	unsigned cipher = 0;
	if (o->no_bmc && (o->bmc || o->bmc_user || o->bmc_pw_file || o->bmc_pw_stdin || o->bmc_cipher))
		return cli_error(w, "--no-bmc goes alone (it removes the node's BMC settings)");
	if (o->bmc_cipher && bmc_parse_cipher(o->bmc_cipher, &cipher) < 0)
		return cli_error(w, "--bmc-cipher %s: want a cipher suite number from 0 to 17 (3 and 17 are common)",
				 o->bmc_cipher);
	if (o->bmc_user && bmc_check_user(o->bmc_user, &why) < 0)
		return cli_error(w, "--bmc-user %s: %s", o->bmc_user, why);
	struct nodeset_entry *e = NULL;
	size_t n = 0;
	if (nodeset_expand(spec, &e, &n, err, sizeof(err)) < 0)
		return cli_error(w, "%s: %s", spec, err);
	if ((o->bmc_pw_file || o->bmc_pw_stdin) && read_password(o, pw, sizeof(pw), w)) {
		free(e);
		return 1;
	}
	struct bmc_conf *old = calloc(n, sizeof(*old)), *nx = calloc(n, sizeof(*nx));
	int *had = calloc(n, sizeof(*had));
	int rc = old && nx && had ? 0 : cli_error(w, "out of memory");
	if (rc == 0)
		rc = next_confs(t, o, e, n, old, had, nx, pw, w);
	for (size_t i = 0; rc == 0 && o->bmc_cipher && i < n; i++)
		nx[i].cipher = cipher;
	if (rc == 0)
		rc = write_all(t, e, n, old, had, nx, o->no_bmc, w);
	if (rc == 0)
		report(e, n, nx, o->no_bmc);
	explicit_bzero(pw, sizeof(pw));
	if (old)
		explicit_bzero(old, n * sizeof(*old));
	if (nx)
		explicit_bzero(nx, n * sizeof(*nx));
	free(old);
	free(nx);
	free(had);
	free(e);
	return rc;
}

void node_show_bmc(const struct tree *t, const char *host)
{
	struct bmc_conf c;
	char err[512];
	int r = bmc_load(t, host, &c, err, sizeof(err));
	if (r == -ENOENT)
		printf("bmc: none (hopeless node set %s --bmc ...)\n", host);
	else if (r < 0)
		printf("bmc: %s\n", r == -EACCES ? "bmc/ is readable by root only" : err);
	else
		printf("bmc: %s:%u, user %s, cipher suite %u (%s/bmc/%s.conf)\n", c.address, c.port, c.user, c.cipher,
		       t->dir, host);
	explicit_bzero(&c, sizeof(c));
}
