/* The account databases (/etc/passwd, group, shadow, gshadow): parsing,
 * merging the head node's regular users into a root's system accounts,
 * formatting. Functions return 0 or a negative errno; parse errors name the
 * file and the line in err. */
#ifndef HOPELESS_PASSWD_H
#define HOPELESS_PASSWD_H
#include "util.h"
#include <stddef.h>

enum pw_kind { PW_PASSWD, PW_GROUP, PW_SHADOW, PW_GSHADOW };

/* Regular accounts: what `users sync` copies from the head node. */
#define PW_REGULAR_MIN 1000
#define PW_REGULAR_MAX 59999

struct pw_ent {
	char *line;   /* malloc'ed copy, split in place at ':' */
	char *f[9];   /* fields, pointing into line */
	int nf;
	long id;      /* uid (passwd) or gid (group); -1 for shadow files */
};

struct pw_db {
	enum pw_kind kind;
	struct pw_ent *e;
	size_t n, cap;
};

struct pw_set {
	struct pw_db passwd, group, shadow, gshadow;
};

/* Parse one file. Blank lines are skipped; anything else that is not a
 * well-formed entry is an error "<file> line N: why". */
int pw_parse(enum pw_kind kind, const char *text, struct pw_db *db, char *err, size_t errlen);
void pw_free(struct pw_db *db);
void pw_set_init(struct pw_set *s);
void pw_set_free(struct pw_set *s);
int pw_is_regular(long id);
/* out = base (the root's files) with head's regular users and groups added
 * or replaced, their shadow entries copied, and their memberships of the
 * base's system groups merged. A head user whose name is a system account
 * in base is refused (-EEXIST, named in err). */
int pw_merge(const struct pw_set *base, const struct pw_set *head, struct pw_set *out, char *err,
	     size_t errlen);
int pw_format(const struct pw_db *db, struct strbuf *sb);
/* File name of a kind: "passwd", "group", "shadow", "gshadow". */
const char *pw_file_name(enum pw_kind kind);
/* Entry by name, or NULL. */
const struct pw_ent *pw_find(const struct pw_db *db, const char *name);
#endif
