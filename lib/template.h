/* Host templates: <tree>/templates/<name>/ is a directory tree copied into a
 * node's host overlay (clients/<ip>/) when the node is created. In the
 * contents of text files @HOSTNAME@, @IP@, @MAC@ and @DOMAIN@ become the
 * node's values; names are never substituted, binary files (any NUL byte)
 * are copied as they are, modes and symbolic links are kept. */
#ifndef HOPELESS_TEMPLATE_H
#define HOPELESS_TEMPLATE_H
#include "util.h"

struct template_vars {
	const char *hostname;
	const char *ip;
	const char *mac;
	const char *domain;
};

/* Append in[0..len) to out with the variables substituted. Unknown
 * @WORD@ sequences are kept as they are. */
int template_subst(const char *in, size_t len, const struct template_vars *v, struct strbuf *out);
/* True when the data looks binary (holds a NUL byte). */
int template_is_binary(const char *data, size_t len);
/* Copy the tree src into dst (created; must not exist), substituting when
 * v != NULL. Regular files, directories and symbolic links only; anything
 * else is -EINVAL. The world-write bit is dropped. Files are not fsync'ed:
 * the caller builds dst under a temporary name and syncs before renaming it
 * into place. */
int template_copy(const char *src, const char *dst, const struct template_vars *v);
#endif
