/* Account databases: strict parsing (an account file with a broken line is
 * not copied anywhere), merging by name, formatting. The merge builds the
 * output text and parses it again, so what it returns is well-formed by
 * construction. */
#include "passwd.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int nfields[] = {[PW_PASSWD] = 7, [PW_GROUP] = 4, [PW_SHADOW] = 9, [PW_GSHADOW] = 4};

const char *pw_file_name(enum pw_kind kind)
{
	static const char *names[] = {"passwd", "group", "shadow", "gshadow"};
	return names[kind];
}

int pw_is_regular(long id)
{
	return id >= PW_REGULAR_MIN && id <= PW_REGULAR_MAX;
}

/* Account names: printable ASCII without ':' ',' or spaces, not starting
 * with '-' or '+' (NIS compat entries are not supported). */
static int valid_account(const char *s)
{
	if (!*s || *s == '-' || *s == '+' || strlen(s) > 32)
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == ',' || *s == ':')
			return 0;
	return 1;
}

static int parse_id(const char *s, long *out)
{
	if (!*s || strlen(s) > 10)
		return -1;
	long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v > 4294967294L)
		return -1;
	*out = v;
	return 0;
}

static int valid_members(const char *s)
{
	if (!*s)
		return 1;
	size_t l = strlen(s);
	if (s[0] == ',' || s[l - 1] == ',' || strstr(s, ",,"))
		return 0;
	char *copy = strdup(s), *save = NULL;
	int ok = copy != NULL;
	for (char *m = copy ? strtok_r(copy, ",", &save) : NULL; m && ok; m = strtok_r(NULL, ",", &save))
		ok = valid_account(m);
	free(copy);
	return ok;
}

static int numeric_or_empty(const char *s)
{
	long v;
	return !*s || parse_id(s, &v) == 0;
}

/* Why an entry is malformed, or NULL. */
static const char *check_entry(enum pw_kind kind, struct pw_ent *e)
{
	if (e->nf != nfields[kind])
		return "wrong number of fields";
	if (!valid_account(e->f[0]))
		return "bad name";
	e->id = -1;
	switch (kind) {
	case PW_PASSWD: {
		long gid;
		if (parse_id(e->f[2], &e->id) < 0 || parse_id(e->f[3], &gid) < 0)
			return "uid and gid must be numbers";
		break;
	}
	case PW_GROUP:
		if (parse_id(e->f[2], &e->id) < 0)
			return "gid must be a number";
		if (!valid_members(e->f[3]))
			return "bad member list";
		break;
	case PW_SHADOW:
		for (int i = 2; i < 8; i++)
			if (!numeric_or_empty(e->f[i]))
				return "date and age fields must be numbers or empty";
		break;
	case PW_GSHADOW:
		if (!valid_members(e->f[2]) || !valid_members(e->f[3]))
			return "bad administrator or member list";
		break;
	}
	return NULL;
}

static int add_entry(struct pw_db *db, const char *line, size_t len, const char **why)
{
	if (db->n == db->cap) {
		size_t cap = db->cap ? db->cap * 2 : 32;
		struct pw_ent *v = realloc(db->e, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		db->e = v;
		db->cap = cap;
	}
	struct pw_ent *e = &db->e[db->n];
	memset(e, 0, sizeof(*e));
	if (!(e->line = strndup(line, len)))
		return -ENOMEM;
	char *p = e->line;
	e->f[e->nf++] = p;
	for (; *p; p++) {
		if (*p != ':')
			continue;
		*p = '\0';
		if (e->nf == 9) {
			e->nf = 10; /* too many: reported below */
			break;
		}
		e->f[e->nf++] = p + 1;
	}
	*why = check_entry(db->kind, e);
	if (*why) {
		free(e->line);
		return -EINVAL;
	}
	db->n++;
	return 0;
}

int pw_parse(enum pw_kind kind, const char *text, struct pw_db *db, char *err, size_t errlen)
{
	memset(db, 0, sizeof(*db));
	db->kind = kind;
	int lineno = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		const char *why = NULL;
		int r = 0;
		if (memchr(p, '\r', len) || memchr(p, '\0', len))
			why = "control character", r = -EINVAL;
		else if (len > 0)
			r = add_entry(db, p, len, &why);
		if (r < 0) {
			snprintf(err, errlen, "%s line %d: %s", pw_file_name(kind), lineno,
				 why ? why : strerror(-r));
			pw_free(db);
			return r;
		}
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

void pw_free(struct pw_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		free(db->e[i].line);
	free(db->e);
	db->e = NULL;
	db->n = db->cap = 0;
}

void pw_set_init(struct pw_set *s)
{
	memset(s, 0, sizeof(*s));
	s->passwd.kind = PW_PASSWD;
	s->group.kind = PW_GROUP;
	s->shadow.kind = PW_SHADOW;
	s->gshadow.kind = PW_GSHADOW;
}

void pw_set_free(struct pw_set *s)
{
	pw_free(&s->passwd);
	pw_free(&s->group);
	pw_free(&s->shadow);
	pw_free(&s->gshadow);
}

const struct pw_ent *pw_find(const struct pw_db *db, const char *name)
{
	for (size_t i = 0; i < db->n; i++)
		if (!strcmp(db->e[i].f[0], name))
			return &db->e[i];
	return NULL;
}

static int emit(struct strbuf *sb, const struct pw_ent *e)
{
	for (int i = 0; i < e->nf; i++)
		if (sb_printf(sb, "%s%s", i ? ":" : "", e->f[i]) < 0)
			return -ENOMEM;
	return sb_add(sb, "\n");
}

/* The head's regular entry named like e, when e is (or gives way to) one. */
static const struct pw_ent *head_regular(const struct pw_db *head, const char *name)
{
	const struct pw_ent *h = pw_find(head, name);
	return h && pw_is_regular(h->id) ? h : NULL;
}

/* A base entry in the regular range whose id the head gives to another
 * name: the head is the authority for regular ids, so it is dropped. */
static int id_taken(const struct pw_db *head, const struct pw_ent *b)
{
	if (!pw_is_regular(b->id))
		return 0;
	for (size_t i = 0; i < head->n; i++)
		if (head->e[i].id == b->id && strcmp(head->e[i].f[0], b->f[0]))
			return 1;
	return 0;
}

/* base,head member lists -> base plus the head's members that are synced
 * regular users, without duplicates. */
static int merge_members(struct strbuf *sb, const char *base, const char *head, const struct pw_db *users)
{
	int r = sb_add(sb, base);
	char *copy = strdup(head), *save = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *m = strtok_r(copy, ",", &save); m && r == 0; m = strtok_r(NULL, ",", &save)) {
		if (!head_regular(users, m))
			continue;
		size_t ml = strlen(m);
		int dup = 0;
		for (const char *p = sb_str(sb); *p && !dup;) {
			const char *c = strchr(p, ',');
			size_t l = c ? (size_t)(c - p) : strlen(p);
			dup = l == ml && !strncmp(p, m, ml);
			p += l + (c ? 1 : 0);
		}
		if (!dup)
			r = sb_printf(sb, "%s%s", sb->len ? "," : "", m);
	}
	free(copy);
	return r;
}

/* Emit a system group from base with members (field mf, and field af for
 * gshadow admins untouched) merged with the head's group of that name. */
static int emit_system_group(struct strbuf *sb, const struct pw_ent *b, const struct pw_db *headdb,
			     const struct pw_db *users, int mf)
{
	const struct pw_ent *h = pw_find(headdb, b->f[0]);
	if (!h)
		return emit(sb, b);
	struct strbuf m = STRBUF_INIT;
	int r = merge_members(&m, b->f[mf], h->f[mf], users);
	struct pw_ent e = *b;
	e.f[mf] = (char *)sb_str(&m);
	if (r == 0)
		r = emit(sb, &e);
	sb_free(&m);
	return r;
}

/* Merge one primary database (passwd or group). dropped collects the base
 * names removed because the head took their id. */
static int merge_primary(const struct pw_db *base, const struct pw_db *head, const struct pw_db *users,
			 struct strbuf *sb, struct strbuf *dropped, char *err, size_t errlen)
{
	int r = 0;
	for (size_t i = 0; i < head->n; i++) {
		const struct pw_ent *b = pw_is_regular(head->e[i].id) ? pw_find(base, head->e[i].f[0]) : NULL;
		if (b && !pw_is_regular(b->id)) {
			snprintf(err, errlen, "%s %s is a system account in the root (id %ld); not replaced",
				 base->kind == PW_PASSWD ? "user" : "group", b->f[0], b->id);
			return -EEXIST;
		}
	}
	for (size_t i = 0; i < base->n && r == 0; i++) {
		const struct pw_ent *b = &base->e[i], *h = head_regular(head, b->f[0]);
		if (h)
			r = emit(sb, h);
		else if (id_taken(head, b))
			r = sb_printf(dropped, ":%s:", b->f[0]);
		else if (base->kind == PW_GROUP)
			r = emit_system_group(sb, b, head, users, 3);
		else
			r = emit(sb, b);
	}
	for (size_t i = 0; i < head->n && r == 0; i++)
		if (pw_is_regular(head->e[i].id) && !pw_find(base, head->e[i].f[0]))
			r = emit(sb, &head->e[i]);
	return r;
}

static int is_dropped(const struct strbuf *dropped, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), ":%s:", name);
	return strstr(sb_str(dropped), key) != NULL;
}

/* Merge a shadow database: entries follow their primary (users/groups). */
static int merge_shadow(const struct pw_db *base, const struct pw_db *head, const struct pw_db *primary_head,
			const struct pw_db *users, const struct strbuf *dropped, struct strbuf *sb)
{
	int r = 0;
	enum pw_kind kind = base->kind;
	for (size_t i = 0; i < base->n && r == 0; i++) {
		const struct pw_ent *b = &base->e[i];
		if (head_regular(primary_head, b->f[0]) || is_dropped(dropped, b->f[0]))
			continue; /* replaced below, or gone with its account */
		if (kind == PW_GSHADOW)
			r = emit_system_group(sb, b, head, users, 3);
		else
			r = emit(sb, b);
	}
	for (size_t i = 0; i < primary_head->n && r == 0; i++) {
		const struct pw_ent *p = &primary_head->e[i];
		if (!pw_is_regular(p->id))
			continue;
		const struct pw_ent *h = pw_find(head, p->f[0]);
		if (h)
			r = emit(sb, h);
		else /* no shadow entry on the head: locked, never a blank password */
			r = sb_printf(sb, kind == PW_SHADOW ? "%s:!:::::::\n" : "%s:!::\n", p->f[0]);
	}
	return r;
}

int pw_merge(const struct pw_set *base, const struct pw_set *head, struct pw_set *out, char *err, size_t errlen)
{
	struct strbuf txt[4] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
	struct strbuf du = STRBUF_INIT, dg = STRBUF_INIT;
	pw_set_init(out);
	int r = merge_primary(&base->passwd, &head->passwd, &head->passwd, &txt[0], &du, err, errlen);
	if (r == 0)
		r = merge_primary(&base->group, &head->group, &head->passwd, &txt[1], &dg, err, errlen);
	if (r == 0)
		r = merge_shadow(&base->shadow, &head->shadow, &head->passwd, &head->passwd, &du, &txt[2]);
	if (r == 0)
		r = merge_shadow(&base->gshadow, &head->gshadow, &head->group, &head->passwd, &dg, &txt[3]);
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	struct pw_db *dbs[4] = {&out->passwd, &out->group, &out->shadow, &out->gshadow};
	for (int k = 0; k < 4 && r == 0; k++)
		r = pw_parse((enum pw_kind)k, sb_str(&txt[k]), dbs[k], err, errlen);
	for (int k = 0; k < 4; k++)
		sb_free(&txt[k]);
	sb_free(&du);
	sb_free(&dg);
	if (r < 0)
		pw_set_free(out);
	return r;
}

int pw_format(const struct pw_db *db, struct strbuf *sb)
{
	for (size_t i = 0; i < db->n; i++)
		if (emit(sb, &db->e[i]) < 0)
			return -ENOMEM;
	return 0;
}
