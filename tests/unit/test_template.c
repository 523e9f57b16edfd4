/* Host templates: the substitution engine and the tree copy. */
#include "harness.h"
#include "template.h"
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct template_vars V = {"node007", "10.0.0.17", "52:54:00:00:00:07", "lab.example"};

static void subst(const char *in, struct strbuf *out)
{
	sb_reset(out);
	template_subst(in, strlen(in), &V, out);
}

TEST(template_substitutes_the_four_keys)
{
	struct strbuf sb = STRBUF_INIT;
	subst("@HOSTNAME@\n", &sb);
	CHECK_STR(sb_str(&sb), "node007\n");
	subst("@HOSTNAME@.@DOMAIN@ @IP@ @MAC@", &sb);
	CHECK_STR(sb_str(&sb), "node007.lab.example 10.0.0.17 52:54:00:00:00:07");
	subst("no keys at all", &sb);
	CHECK_STR(sb_str(&sb), "no keys at all");
	subst("", &sb);
	CHECK_STR(sb_str(&sb), "");
	sb_free(&sb);
}

TEST(template_keeps_unknown_and_stray_ats)
{
	struct strbuf sb = STRBUF_INIT;
	subst("mail root@localhost and @USER@ stay", &sb);
	CHECK_STR(sb_str(&sb), "mail root@localhost and @USER@ stay");
	subst("@@HOSTNAME@@", &sb);
	CHECK_STR(sb_str(&sb), "@node007@");
	subst("a@b@HOSTNAME@", &sb);
	CHECK_STR(sb_str(&sb), "a@bnode007");
	subst("trailing @HOSTNAME", &sb);
	CHECK_STR(sb_str(&sb), "trailing @HOSTNAME");
	subst("@hostname@ is case sensitive", &sb);
	CHECK_STR(sb_str(&sb), "@hostname@ is case sensitive");
	struct template_vars empty = {NULL, NULL, NULL, NULL};
	sb_reset(&sb);
	template_subst("[@IP@]", 6, &empty, &sb);
	CHECK_STR(sb_str(&sb), "[]");
	sb_free(&sb);
}

TEST(template_binary_detection)
{
	CHECK(template_is_binary("a\0b", 3));
	CHECK(!template_is_binary("plain @IP@ text\n", 16));
}

TEST(template_copy_tree)
{
	char dir[] = "/tmp/hopeless-ut-tmpl.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char src[300], dst[300], p[400];
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	snprintf(p, sizeof(p), "%s/etc/ssh", src);
	CHECK_INT(mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/hostname", src);
	CHECK_INT(write_file_atomic(p, "@HOSTNAME@\n", 11, 0644), 0);
	snprintf(p, sizeof(p), "%s/etc/secret", src);
	CHECK_INT(write_file_atomic(p, "ip=@IP@", 7, 0600), 0);
	snprintf(p, sizeof(p), "%s/etc/blob", src);
	CHECK_INT(write_file_atomic(p, "@IP@\0@IP@", 9, 0666), 0);
	snprintf(p, sizeof(p), "%s/etc/link", src);
	CHECK_INT(symlink("hostname", p), 0);
	snprintf(p, sizeof(p), "%s/@HOSTNAME@", src);
	CHECK_INT(write_file_atomic(p, "x", 1, 0644), 0);

	CHECK_INT(template_copy(src, dst, &V), 0);
	struct strbuf sb = STRBUF_INIT;
	snprintf(p, sizeof(p), "%s/etc/hostname", dst);
	CHECK_INT(read_file(p, &sb), 0);
	CHECK_STR(sb_str(&sb), "node007\n");
	struct stat st;
	snprintf(p, sizeof(p), "%s/etc/secret", dst);
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	sb_reset(&sb);
	CHECK_INT(read_file(p, &sb), 0);
	CHECK_STR(sb_str(&sb), "ip=10.0.0.17");
	snprintf(p, sizeof(p), "%s/etc/blob", dst);
	sb_reset(&sb);
	CHECK_INT(read_file(p, &sb), 0);
	CHECK_INT(sb.len, 9);
	CHECK(sb.len == 9 && !memcmp(sb.buf, "@IP@\0@IP@", 9));
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0664); /* never world-writable */
	char target[64] = "";
	snprintf(p, sizeof(p), "%s/etc/link", dst);
	CHECK(readlink(p, target, sizeof(target) - 1) > 0);
	CHECK_STR(target, "hostname");
	snprintf(p, sizeof(p), "%s/@HOSTNAME@", dst);
	CHECK(path_exists(p)); /* names are not substituted */
	snprintf(p, sizeof(p), "%s/etc/ssh", dst);
	CHECK(is_dir(p));
	/* the destination must not exist yet */
	CHECK(template_copy(src, dst, &V) < 0);
	sb_free(&sb);
	remove_tree(dir);
}

TEST(template_copy_refuses_special_files)
{
	char dir[] = "/tmp/hopeless-ut-tmpl.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char src[300], dst[300], p[400];
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	CHECK_INT(mkdir(src, 0755), 0);
	snprintf(p, sizeof(p), "%s/fifo", src);
	CHECK_INT(mkfifo(p, 0644), 0);
	CHECK(template_copy(src, dst, &V) < 0);
	remove_tree(dir);
}
