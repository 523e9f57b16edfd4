/* Generators for every service configuration. Each writes into a strbuf and
 * touches no disk, so the tests compare buffers; `hopeless config` writes
 * them atomically. */
#ifndef HOPELESS_GEN_H
#define HOPELESS_GEN_H
#include "tree.h"

/* Every generator refuses (-EINVAL) a value it cannot write safely into its
 * format (a newline, quote, brace, "${", a space in the tree path...); the
 * reason is then in gen_error(). */
const char *gen_error(void);
/* The tree directory: absolute, letters, digits and '._/+-' only. */
int gen_check_tree_dir(const char *dir);
/* Kernel arguments: printable ASCII without $ " ' \ | & { } `. */
int gen_check_append(const char *what, const char *s);
/* Past this many nodes using one root or overlay, that layer is exported to
 * the cluster subnet instead of a client list (docs/config.md: measured). */
#define GEN_EXPORT_CLIENTS_MAX 1024
/* MAC "52:54:00:12:34:56" -> "52-54-00-12-34-56" (pxelinux and iPXE names). */
void gen_mac_hyphen(const char *mac, char out[18]);
/* The settings every generator relies on (tree path, server, netmask, ...). */
int gen_check_conf(const struct tree *t);
/* Where a loader that can use HTTP (iPXE, GRUB) fetches path (absolute, in
 * tftp/): "http://SERVER[:PORT]/path" when the tree serves HTTP (http_port),
 * else path itself (TFTP from the DHCP next-server). */
int gen_boot_url(const struct tree *t, const char *path, struct strbuf *sb);
/* nginx.conf for hopeless serve: tftp/ read-only over HTTP on server:http_port. */
int gen_nginx(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
/* The kernel command line of a node (everything it needs to find its layers). */
int gen_cmdline(const struct tree *t, const struct tree_node *n, struct strbuf *sb);
/* dnsmasq: the main config (read once at start) and the node list it names
 * with dhcp-hostsfile= (reread on SIGHUP). */
int gen_dnsmasq(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
int gen_dnsmasq_hosts(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
/* ISC dhcpd.conf: known hosts only, boot file by client type and boot method. */
int gen_dhcpd(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
int gen_kea(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
int gen_pxelinux_default(struct strbuf *sb);
int gen_pxelinux_node(const struct tree *t, const struct tree_node *n, struct strbuf *sb);
int gen_ipxe_boot(const struct tree *t, struct strbuf *sb);
int gen_ipxe_node(const struct tree *t, const struct tree_node *n, struct strbuf *sb);
/* gen_grub.c: GRUB (boot method grub): tftp/grub/grub.cfg, which every
 * grub machine reads and which sources the node's grub.cfg-01-<mac>, and
 * that per-node file. gen_grub_files_from: "(tftp,SERVER)", where GRUB
 * loads kernels and initramfs images from. */
void gen_grub_files_from(const struct tree *t, char *out, size_t len);
int gen_grub_default(struct strbuf *sb);
int gen_grub_node(const struct tree *t, const struct tree_node *n, struct strbuf *sb);
int gen_ganesha(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
int gen_exports(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
/* /etc/hosts: "ip hostname.domain hostname" lines, or "ip hostname" without a domain. */
int gen_hosts_domain(const struct tree_node *nodes, size_t n, const char *domain, struct strbuf *sb);
int gen_hosts(const struct tree *t, const struct tree_node *nodes, size_t n, struct strbuf *sb);
#endif
