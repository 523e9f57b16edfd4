/* A node's BMC: where it answers and the credentials hopeless logs in with.
 *
 * Kept in bmc/<hostname>.conf: the directory 0700, each file 0600, both
 * root's, written atomically under the tree lock. bmc/ is never exported
 * (the NFS server exports roots/, clients/ and state/ only) and never
 * printed: node show names the address and the user, never the password.
 *
 *   address = 10.1.0.5       IPv4 address or host name of the BMC
 *   port = 623               its RMCP+ UDP port
 *   user = admin             IPMI user (1-16 characters)
 *   password = secret        IPMI password (1-20 printable, no space)
 *   cipher = 3               lanplus cipher suite (ipmitool -C)
 */
#ifndef HOPELESS_BMC_H
#define HOPELESS_BMC_H
#include <stddef.h>

struct tree;

#define BMC_DIR "bmc"
#define BMC_USER_MAX 16
#define BMC_PASSWORD_MAX 20
#define BMC_PORT_DEFAULT 623
#define BMC_CIPHER_DEFAULT 3

struct bmc_conf {
	char address[64];
	unsigned port;
	char user[BMC_USER_MAX + 1];
	char password[BMC_PASSWORD_MAX + 1];
	unsigned cipher;
};

/* "IP", "HOST", "IP:PORT": address and port (623 when absent). */
int bmc_parse_address(const char *s, struct bmc_conf *c, const char **why);
int bmc_check_user(const char *s, const char **why);
int bmc_check_password(const char *s, const char **why);
/* A lanplus cipher suite number, 0 to 17. */
int bmc_parse_cipher(const char *s, unsigned *out);
/* Parse a bmc/<node>.conf text: every key once, every value checked. */
int bmc_conf_parse(const char *text, struct bmc_conf *c, char *err, size_t errlen);
/* The file's text, for bmc_conf_parse. */
int bmc_conf_format(const struct bmc_conf *c, const char *host, char **out);
/* bmc/<host>.conf as a tree-relative path. */
int bmc_conf_rel(char *out, size_t outlen, const char *host);
/* Load a node's BMC: -ENOENT when it has none, -EACCES when not root;
 * -EINVAL with err set when the file is damaged. */
int bmc_load(const struct tree *t, const char *host, struct bmc_conf *c, char *err, size_t errlen);
/* Write bmc/<host>.conf (0600; bmc/ made 0700 if missing), atomically.
 * The caller holds the tree lock. */
int bmc_save(const struct tree *t, const char *host, const struct bmc_conf *c);
/* Remove bmc/<host>.conf; absent is fine. */
int bmc_remove(const struct tree *t, const char *host);
/* hopeless check: bmc/ is root's 0700, each file a registered node's,
 * 0600, root's, and parses. */
struct tree_node;
struct check_report;
int check_bmc(const struct tree *t, const struct tree_node *nodes, size_t n, struct check_report *rep);
#endif
