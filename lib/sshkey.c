/* SSH host keys in OpenSSH's formats, made with libcrypto. The layout is
 * OpenSSH's PROTOCOL.key and sshkey.c (sshkey_private_serialize_opt):
 *   "openssh-key-v1\0" string "none" string "none" string "" uint32 1
 *   string public-blob string private-section
 * and the private section is uint32 check, uint32 check (the same random
 * value), the key's private serialisation, string comment, then 1,2,3...
 * up to a multiple of 8 (the block size of cipher "none"). */
#include "sshkey.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

static int put_u32(struct strbuf *b, uint32_t v)
{
	char x[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
	return sb_addn(b, x, 4);
}

static int put_str(struct strbuf *b, const void *s, size_t n)
{
	int r = put_u32(b, (uint32_t)n);
	return r < 0 ? r : sb_addn(b, s, n);
}

static int put_cstr(struct strbuf *b, const char *s)
{
	return put_str(b, s, strlen(s));
}

/* SSH mpint of a non-negative big-endian number: no leading zero bytes,
 * one 0x00 in front when the top bit is set. */
static int put_mpint(struct strbuf *b, const unsigned char *v, size_t n)
{
	while (n && !*v)
		v++, n--;
	int pad = n && (*v & 0x80);
	int r = put_u32(b, (uint32_t)(n + pad));
	if (r == 0 && pad)
		r = sb_addn(b, "", 1);
	return r < 0 ? r : sb_addn(b, (const char *)v, n);
}

/* The key's public blob and the private fields that follow the key type
 * in the private section (PROTOCOL.key, sshkey.c). */
struct rawkey {
	const char *name; /* "ssh-ed25519", "ecdsa-sha2-nistp256" */
	unsigned char pk[65];
	size_t pklen;
	unsigned char sk[32];
};

static int raw_ed25519(struct rawkey *k)
{
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	size_t pl = 32, sl = 32;
	int ok = p && EVP_PKEY_get_raw_public_key(p, k->pk, &pl) == 1 &&
		 EVP_PKEY_get_raw_private_key(p, k->sk, &sl) == 1 && pl == 32 && sl == 32;
	EVP_PKEY_free(p);
	k->name = "ssh-ed25519";
	k->pklen = 32;
	return ok ? 0 : -EIO;
}

static int raw_ecdsa(struct rawkey *k)
{
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIGNUM *d = NULL;
	size_t pl = 0;
	int ok = p && EVP_PKEY_get_octet_string_param(p, OSSL_PKEY_PARAM_PUB_KEY, k->pk, sizeof(k->pk), &pl) == 1 &&
		 pl == 65 && k->pk[0] == 4 && EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
		 BN_bn2binpad(d, k->sk, 32) == 32;
	BN_clear_free(d);
	EVP_PKEY_free(p);
	k->name = "ecdsa-sha2-nistp256";
	k->pklen = 65;
	return ok ? 0 : -EIO;
}

static int is_ecdsa(const struct rawkey *k)
{
	return k->pklen == 65;
}

static int public_blob(const struct rawkey *k, struct strbuf *b)
{
	int r = put_cstr(b, k->name);
	if (r == 0 && is_ecdsa(k))
		r = put_cstr(b, "nistp256");
	return r < 0 ? r : put_str(b, k->pk, k->pklen);
}

static int private_section(const struct rawkey *k, const char *comment, struct strbuf *b)
{
	uint32_t check;
	if (RAND_bytes((unsigned char *)&check, sizeof(check)) != 1)
		return -EIO;
	int r = put_u32(b, check);
	if (r == 0)
		r = put_u32(b, check);
	if (r == 0)
		r = public_blob(k, b); /* the type and public fields, as in the blob */
	if (r == 0 && is_ecdsa(k))
		r = put_mpint(b, k->sk, 32);
	if (r == 0 && !is_ecdsa(k)) {
		/* ed25519's "private key" is the 32-byte seed then the public key. */
		unsigned char sk64[64];
		memcpy(sk64, k->sk, 32);
		memcpy(sk64 + 32, k->pk, 32);
		r = put_str(b, sk64, 64);
		OPENSSL_cleanse(sk64, sizeof(sk64));
	}
	if (r == 0)
		r = put_cstr(b, comment);
	for (char pad = 1; r == 0 && b->len % 8; pad++)
		r = sb_addn(b, &pad, 1);
	return r;
}

/* Base64 of data; wrap > 0 breaks lines every wrap characters. */
static int put_base64(struct strbuf *out, const struct strbuf *data, int wrap)
{
	size_t n = 4 * ((data->len + 2) / 3);
	char *e = OPENSSL_malloc(n + 1);
	if (!e)
		return -ENOMEM;
	EVP_EncodeBlock((unsigned char *)e, (const unsigned char *)data->buf, (int)data->len);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i += wrap ? (size_t)wrap : n) {
		size_t m = wrap && n - i > (size_t)wrap ? (size_t)wrap : n - i;
		r = sb_addn(out, e + i, m);
		if (r == 0 && wrap)
			r = sb_add(out, "\n");
	}
	OPENSSL_free(e);
	return r;
}

static int serialise(const struct rawkey *k, const char *comment, struct strbuf *priv, struct strbuf *pub)
{
	struct strbuf blob = STRBUF_INIT, sec = STRBUF_INIT, file = STRBUF_INIT;
	int r = public_blob(k, &blob);
	if (r == 0)
		r = private_section(k, comment, &sec);
	if (r == 0)
		r = sb_addn(&file, "openssh-key-v1", 15); /* with its NUL */
	if (r == 0)
		r = put_cstr(&file, "none");
	if (r == 0)
		r = put_cstr(&file, "none");
	if (r == 0)
		r = put_cstr(&file, "");
	if (r == 0)
		r = put_u32(&file, 1);
	if (r == 0)
		r = put_str(&file, blob.buf, blob.len);
	if (r == 0)
		r = put_str(&file, sec.buf, sec.len);
	if (r == 0)
		r = sb_add(priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	if (r == 0)
		r = put_base64(priv, &file, 70);
	if (r == 0)
		r = sb_add(priv, "-----END OPENSSH PRIVATE KEY-----\n");
	if (r == 0 && (r = sb_printf(pub, "%s ", k->name)) == 0 && (r = put_base64(pub, &blob, 0)) == 0)
		r = sb_printf(pub, " %s\n", comment);
	if (sec.buf)
		OPENSSL_cleanse(sec.buf, sec.len);
	if (file.buf)
		OPENSSL_cleanse(file.buf, file.len);
	sb_free(&blob);
	sb_free(&sec);
	sb_free(&file);
	return r;
}

int sshkey_generate(const char *type, const char *comment, struct strbuf *priv, struct strbuf *pub)
{
	struct rawkey k;
	int r;
	if (!strcmp(type, "ed25519"))
		r = raw_ed25519(&k);
	else if (!strcmp(type, "ecdsa"))
		r = raw_ecdsa(&k);
	else
		return -EINVAL;
	if (r == 0)
		r = serialise(&k, comment, priv, pub);
	OPENSSL_cleanse(k.sk, sizeof(k.sk));
	return r;
}

static int write_new(int dfd, const char *name, const struct strbuf *data, mode_t mode)
{
	unlinkat(dfd, name, 0); /* a template may carry keys */
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	int r = fchmod(fd, mode) == 0 ? 0 : -errno; /* whatever the umask */
	if (r == 0 && write(fd, data->buf, data->len) != (ssize_t)data->len)
		r = -EIO;
	if (close(fd) != 0 && r == 0)
		r = -errno;
	return r;
}

int sshkey_write_host_key(int dfd, const char *type, const char *comment)
{
	char name[48], pubname[56];
	struct strbuf priv = STRBUF_INIT, pub = STRBUF_INIT;
	snprintf(name, sizeof(name), "ssh_host_%s_key", type);
	snprintf(pubname, sizeof(pubname), "%s.pub", name);
	int r = sshkey_generate(type, comment, &priv, &pub);
	if (r == 0)
		r = write_new(dfd, name, &priv, 0600);
	if (r == 0)
		r = write_new(dfd, pubname, &pub, 0644);
	if (priv.buf)
		OPENSSL_cleanse(priv.buf, priv.len);
	sb_free(&priv);
	sb_free(&pub);
	return r;
}
