/* The saved form of rpcbind registrations (lib/rpcbind.h): what a head
 * takeover writes and its release reads back. */
#include "harness.h"
#include "rpcbind.h"
#include <errno.h>

TEST(rpcbind_line_round_trip)
{
	struct rpcbind_reg e = {.prog = 100003, .vers = 3, .netid = "tcp", .uaddr = "0.0.0.0.8.1", .owner = "superuser"};
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(rpcbind_format(&e, &sb), 0);
	CHECK_STR(sb_str(&sb), "100003 3 tcp 0.0.0.0.8.1 superuser\n");
	sb.buf[sb.len - 1] = '\0';
	struct rpcbind_reg back;
	CHECK_INT(rpcbind_parse_line(sb.buf, &back), 0);
	CHECK_INT(back.prog, 100003);
	CHECK_INT(back.vers, 3);
	CHECK_STR(back.netid, "tcp");
	CHECK_STR(back.uaddr, "0.0.0.0.8.1");
	CHECK_STR(back.owner, "superuser");
	sb_free(&sb);
}

TEST(rpcbind_line_rejects)
{
	struct rpcbind_reg e;
	CHECK_INT(rpcbind_parse_line("100003 3 tcp6 ::.8.1 superuser", &e), 0);
	CHECK_STR(e.uaddr, "::.8.1");
	CHECK_INT(rpcbind_parse_line("", &e), -EINVAL);
	CHECK_INT(rpcbind_parse_line("100003 3 tcp 0.0.0.0.8.1", &e), -EINVAL);            /* no owner */
	CHECK_INT(rpcbind_parse_line("100003 3 tcp 0.0.0.0.8.1 root extra", &e), -EINVAL); /* one field too many */
	CHECK_INT(rpcbind_parse_line("nfs 3 tcp 0.0.0.0.8.1 root", &e), -EINVAL);
	CHECK_INT(rpcbind_parse_line("4294967296 3 tcp 0.0.0.0.8.1 root", &e), -EINVAL); /* over 32 bits */
	CHECK_INT(rpcbind_parse_line("100003 3 averyveryverylongnetid 0.0.0.0.8.1 root", &e), -EINVAL);
}

TEST(rpcbind_nfs_programs)
{
	CHECK(rpcbind_is_nfs_prog(100003)); /* nfs */
	CHECK(rpcbind_is_nfs_prog(100005)); /* mountd */
	CHECK(rpcbind_is_nfs_prog(100021)); /* nlockmgr */
	CHECK(rpcbind_is_nfs_prog(100011)); /* rquotad */
	CHECK(!rpcbind_is_nfs_prog(100000)); /* rpcbind itself */
	CHECK(!rpcbind_is_nfs_prog(100024)); /* status: rpc.statd's, not ganesha's */
}
