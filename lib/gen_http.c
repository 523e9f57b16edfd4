/* HTTP transport: where loaders fetch boot files from, and the nginx
 * configuration that serves them.
 *
 * TFTP sends one block per round trip and most servers serve one transfer
 * at a time per process; when a rack powers on at once, the kernel and
 * initramfs of every node queue behind each other (bench/tftp-vs-http.sh
 * measures it). The firmware's PXE can only do TFTP, so TFTP keeps the
 * first loader (undionly.kpxe, snponly.efi, pxelinux.0, shim); everything
 * after it that can speak HTTP (iPXE, GRUB) fetches over HTTP from nginx, a
 * server made for many concurrent downloads (sendfile, event loop), which
 * hopeless serve runs with the configuration written here. */
#include "gen.h"
#include "heads.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>


int gen_boot_url(const struct tree *t, const char *path, struct strbuf *sb)
{
	const struct tree_conf *c = &t->conf;
	const char *host = t->boot_from_next_server ? "${next-server}" : c->server;
	if (c->http_port == 0)
		return sb_add(sb, path);
	if (c->http_port == 80)
		return sb_printf(sb, "http://%s%s", host, path);
	return sb_printf(sb, "http://%s:%d%s", host, c->http_port, path);
}

/* The server block: tftp/ read-only, GET and HEAD only, no directory
 * listings, no dot files, and no symbolic link followed anywhere on a path
 * (the tree's content is hostile data; a link planted in tftp/ must not
 * serve a file from outside it). */
static int nginx_server(const struct tree *t, const char *addr, struct strbuf *sb)
{
	return sb_printf(sb,
			 "\tserver {\n"
			 "\t\tlisten %s:%d;\n"
			 "\t\troot %s/tftp;\n"
			 "\t\tdisable_symlinks on;\n"
			 "\t\tautoindex off;\n"
			 "\t\tlocation / {\n"
			 "\t\t\tlimit_except GET { deny all; }\n"
			 "\t\t}\n"
			 "\t\tlocation ~ /\\. {\n"
			 "\t\t\tdeny all;\n"
			 "\t\t}\n"
			 "\t}\n",
			 addr, t->conf.http_port, t->dir);
}

/* The whole file for a server on addr; suffix ("" or "-<head>") keeps the
 * pid file, logs and temporary paths of several heads on one shared tree
 * apart. */
static int nginx_conf(const struct tree *t, const char *addr, const char *suffix, struct strbuf *sb)
{
	int r = gen_check_conf(t);
	if (r < 0)
		return r;
	if (t->conf.http_port == 0)
		return sb_printf(sb, "# nginx.conf: %s\n# http_port = 0: no HTTP, boot files over TFTP only.\n",
				 GENERATED);
	const char *d = t->dir, *x = suffix;
	r = sb_printf(sb,
		      "# nginx.conf: %s\n"
		      "# Boot files over HTTP for iPXE and GRUB: hopeless serve runs\n"
		      "#   nginx -c <this file> -e %s/log/nginx-error%s.log -g 'daemon off;'\n"
		      "# and hopeless config sends it a SIGHUP when this file changes.\n"
		      "worker_processes auto;\n"
		      "# The master opens the logs as root; workers read only world-readable files.\n"
		      "user nobody nogroup;\n"
		      "pid %s/run/nginx%s.pid;\n"
		      "error_log %s/log/nginx-error%s.log warn;\n"
		      "events {\n\tworker_connections 4096;\n}\n"
		      "http {\n"
		      "\tdefault_type application/octet-stream;\n"
		      "\tsendfile on;\n"
		      "\ttcp_nopush on;\n"
		      "\tserver_tokens off;\n"
		      "\t# Every download is logged: which node fetched what, and when.\n"
		      "\taccess_log %s/log/http-access%s.log;\n"
		      "\tclient_body_temp_path %s/run/nginx%s/body;\n"
		      "\tproxy_temp_path %s/run/nginx%s/proxy;\n"
		      "\tfastcgi_temp_path %s/run/nginx%s/fastcgi;\n"
		      "\tuwsgi_temp_path %s/run/nginx%s/uwsgi;\n"
		      "\tscgi_temp_path %s/run/nginx%s/scgi;\n",
		      GENERATED, d, x, d, x, d, x, d, x, d, x, d, x, d, x, d, x, d, x);
	r |= nginx_server(t, addr, sb);
	return r | sb_add(sb, "}\n");
}

int gen_nginx(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb)
{
	(void)nodes;
	(void)n;
	return nginx_conf(t, t->conf.server, "", sb);
}

int gen_nginx_head(const struct tree *t, const struct head *h, struct strbuf *sb)
{
	char suffix[72];
	snprintf(suffix, sizeof(suffix), "-%s", h->name);
	return nginx_conf(t, h->ip, suffix, sb);
}
