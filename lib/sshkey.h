/* SSH host keys made in-process with libcrypto, written in OpenSSH's own
 * formats (PROTOCOL.key: unencrypted "openssh-key-v1"; the public key as
 * "TYPE BASE64 comment"). One ssh-keygen process per key made `node add` of
 * 10,000 nodes take minutes. */
#ifndef HOPELESS_SSHKEY_H
#define HOPELESS_SSHKEY_H
#include "util.h"

/* type: "ed25519" or "ecdsa" (nistp256, ssh-keygen's default). priv gets
 * the private key file, pub the .pub line (both appended). Returns 0,
 * -EINVAL for another type, -EIO when libcrypto failed. */
int sshkey_generate(const char *type, const char *comment, struct strbuf *priv, struct strbuf *pub);
/* Writes ssh_host_<type>_key (0600) and its .pub (0644) into the directory
 * dfd, new files (O_EXCL, O_NOFOLLOW), replacing whatever had those names. */
int sshkey_write_host_key(int dfd, const char *type, const char *comment);
#endif
