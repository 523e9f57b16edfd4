/* Account files: strict parsing with line numbers, and the merge of the
 * head node's regular users into a root's system accounts. */
#include "harness.h"
#include "passwd.h"
#include <errno.h>

static const char *ROOT_PASSWD = "root:x:0:0:root:/root:/bin/bash\n"
				 "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
				 "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n"
				 "debian:x:1000:1000:image user:/home/debian:/bin/sh\n"
				 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char *ROOT_GROUP = "root:x:0:\nsudo:x:27:\naudio:x:29:pulse\nshadow:x:42:\n"
				"debian:x:1000:\nnogroup:x:65534:\n";
static const char *ROOT_SHADOW = "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
				 "sshd:!:19000::::::\ndebian:!:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n";
static const char *ROOT_GSHADOW = "root:*::\nsudo:*::\naudio:*::pulse\nshadow:*::\ndebian:!::\nnogroup:*::\n";

static const char *HEAD_PASSWD = "root:x:0:0:root:/root:/bin/bash\n"
				 "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
				 "bob:x:1001:1001:Bob:/home/bob:/bin/zsh\n"
				 "carol:x:1002:100::/home/carol:/bin/bash\n"
				 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
				 "svc:x:60001:60001::/:/usr/sbin/nologin\n";
static const char *HEAD_GROUP = "root:x:0:\nsudo:x:27:alice,ghost\naudio:x:29:bob,pulse\n"
				"alice:x:1000:\nbob:x:1001:\nlab:x:2000:alice,bob\nnogroup:x:65534:\n";
static const char *HEAD_SHADOW = "root:$y$secret:19000:0:99999:7:::\nalice:$y$alicehash:19500:0:99999:7:::\n"
				 "bob:$y$bobhash:19500:0:99999:7:::\n";
static const char *HEAD_GSHADOW = "sudo:*::alice\nalice:!::\nbob:!::\nlab:!:alice:alice,bob\n";

static int load(struct pw_set *s, const char *p, const char *g, const char *sh, const char *gs)
{
	char err[256];
	pw_set_init(s);
	return pw_parse(PW_PASSWD, p, &s->passwd, err, sizeof(err)) | pw_parse(PW_GROUP, g, &s->group, err, sizeof(err)) |
	       pw_parse(PW_SHADOW, sh, &s->shadow, err, sizeof(err)) |
	       pw_parse(PW_GSHADOW, gs, &s->gshadow, err, sizeof(err));
}

static const char *fmt(const struct pw_db *db)
{
	static char buf[4096];
	struct strbuf sb = STRBUF_INIT;
	pw_format(db, &sb);
	snprintf(buf, sizeof(buf), "%s", sb_str(&sb));
	sb_free(&sb);
	return buf;
}

TEST(passwd_parse_ok)
{
	struct pw_db db;
	char err[256];
	CHECK_INT(pw_parse(PW_PASSWD, ROOT_PASSWD, &db, err, sizeof(err)), 0);
	CHECK_INT(db.n, 5);
	CHECK_INT(pw_find(&db, "debian")->id, 1000);
	CHECK_STR(pw_find(&db, "sshd")->f[6], "/usr/sbin/nologin");
	CHECK(pw_find(&db, "alice") == NULL);
	pw_free(&db);
	/* no trailing newline, blank lines skipped, empty member list */
	CHECK_INT(pw_parse(PW_GROUP, "a:x:1:\n\nb:x:2:a,c", &db, err, sizeof(err)), 0);
	CHECK_INT(db.n, 2);
	CHECK_STR(fmt(&db), "a:x:1:\nb:x:2:a,c\n");
	pw_free(&db);
}

TEST(passwd_parse_rejects_with_line_numbers)
{
	struct {
		enum pw_kind k;
		const char *text, *err;
	} bad[] = {
		{PW_PASSWD, "root:x:0:0:root:/root:/bin/sh\nbroken:x:1:1\n", "passwd line 2: wrong number of fields"},
		{PW_PASSWD, "a:x:0:0::/:/bin/sh:extra\n", "passwd line 1: wrong number of fields"},
		{PW_PASSWD, "\n\nu:x:12a:0::/:/bin/sh\n", "passwd line 3: uid and gid must be numbers"},
		{PW_PASSWD, "u:x:-1:0::/:/bin/sh\n", "passwd line 1: uid and gid must be numbers"},
		{PW_PASSWD, "u:x:99999999999:0::/:/bin/sh\n", "passwd line 1: uid and gid must be numbers"},
		{PW_PASSWD, ":x:1:1::/:/bin/sh\n", "passwd line 1: bad name"},
		{PW_PASSWD, "+nis::::::\n", "passwd line 1: bad name"},
		{PW_PASSWD, "a b:x:1:1::/:/bin/sh\n", "passwd line 1: bad name"},
		{PW_PASSWD, "u:x:1:1::/:/bin/sh\r\n", "passwd line 1: control character"},
		{PW_GROUP, "g:x:1:a,,b\n", "group line 1: bad member list"},
		{PW_GROUP, "g:x:one:\n", "group line 1: gid must be a number"},
		{PW_SHADOW, "u:*:19000:0:99999:7::\n", "shadow line 1: wrong number of fields"},
		{PW_SHADOW, "u:*:soon:0:99999:7:::\n", "shadow line 1: date and age fields must be numbers or empty"},
		{PW_GSHADOW, "g:*:a b:\n", "gshadow line 1: bad administrator or member list"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pw_db db;
		char err[256] = "";
		CHECK_INT(pw_parse(bad[i].k, bad[i].text, &db, err, sizeof(err)), -EINVAL);
		CHECK_STR(err, bad[i].err);
		CHECK(db.e == NULL);
	}
}

TEST(passwd_merge)
{
	struct pw_set base, head, out;
	char err[256] = "";
	CHECK_INT(load(&base, ROOT_PASSWD, ROOT_GROUP, ROOT_SHADOW, ROOT_GSHADOW), 0);
	CHECK_INT(load(&head, HEAD_PASSWD, HEAD_GROUP, HEAD_SHADOW, HEAD_GSHADOW), 0);
	CHECK_INT(pw_merge(&base, &head, &out, err, sizeof(err)), 0);
	/* system accounts of the root kept (root's own hash, not the head's);
	 * the root's uid-1000 user gives way to the head's alice; svc (>= 60000)
	 * and nobody not copied; carol's primary group 100 is the root's. */
	CHECK_STR(fmt(&out.passwd), "root:x:0:0:root:/root:/bin/bash\n"
				    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
				    "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n"
				    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
				    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
				    "bob:x:1001:1001:Bob:/home/bob:/bin/zsh\n"
				    "carol:x:1002:100::/home/carol:/bin/bash\n");
	/* memberships of system groups merged (ghost is no synced user) */
	CHECK_STR(fmt(&out.group), "root:x:0:\nsudo:x:27:alice\naudio:x:29:pulse,bob\nshadow:x:42:\n"
				   "nogroup:x:65534:\nalice:x:1000:\nbob:x:1001:\nlab:x:2000:alice,bob\n");
	CHECK_STR(fmt(&out.shadow), "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
				    "sshd:!:19000::::::\nnobody:*:19000:0:99999:7:::\n"
				    "alice:$y$alicehash:19500:0:99999:7:::\nbob:$y$bobhash:19500:0:99999:7:::\n"
				    "carol:!:::::::\n");
	CHECK_STR(fmt(&out.gshadow), "root:*::\nsudo:*::alice\naudio:*::pulse\nshadow:*::\nnogroup:*::\n"
				     "alice:!::\nbob:!::\nlab:!:alice:alice,bob\n");
	pw_set_free(&out);
	/* merging again into the result changes nothing */
	struct pw_set again;
	CHECK_INT(pw_merge(&base, &head, &again, err, sizeof(err)), 0);
	CHECK_INT(again.passwd.n, 7);
	pw_set_free(&again);
	pw_set_free(&base);
	pw_set_free(&head);
}

TEST(passwd_merge_refuses_system_name)
{
	struct pw_set base, head, out;
	char err[256] = "";
	CHECK_INT(load(&base, ROOT_PASSWD, ROOT_GROUP, "", ""), 0);
	CHECK_INT(load(&head, "sshd:x:1005:1005::/home/sshd:/bin/sh\n", "", "", ""), 0);
	CHECK_INT(pw_merge(&base, &head, &out, err, sizeof(err)), -EEXIST);
	CHECK_STR(err, "user sshd is a system account in the root (id 100); not replaced");
	pw_set_free(&base);
	pw_set_free(&head);
}
