/* State rbd in hopeless-init: hopeless.rbd parsing and the line written to
 * the rbd driver's add_single_major. */
#include "rbd.h"
#include "cmdline.h"
#include "tree.h"
#include "util.h"
#include "harness.h"
#include <errno.h>
#include <string.h>

static const char *good = "# written by hopeless node\n"
			  "mons = 10.0.0.5:6789,10.0.0.6:6789\npool = rbd\nimage = hopeless-state-n001\n"
			  "user = hopeless-node-n001\nsecret = AQBa1Gxl2y6XIhAAzv1l0Jt3Uq9d0cJ+/hh0Nw==\n";

TEST(rbd_add_string_format)
{
	struct rbd_conf c;
	char err[128], line[512];
	CHECK_INT(rbd_conf_parse(good, &c, err, sizeof(err)), 0);
	int n = rbd_add_string(&c, line, sizeof(line));
	CHECK_STR(line, "10.0.0.5:6789,10.0.0.6:6789 name=hopeless-node-n001,secret=AQBa1Gxl2y6XIhAAzv1l0Jt3Uq9d0cJ+/hh0Nw==,"
			"exclusive rbd hopeless-state-n001 -");
	CHECK_INT(n, (int)strlen(line));
	CHECK_INT(rbd_add_string(&c, line, 40), -ENAMETOOLONG);
}

TEST(rbd_conf_spaces_and_unknown_keys)
{
	struct rbd_conf c;
	char err[128];
	CHECK_INT(rbd_conf_parse("mons=1.2.3.4:6789\r\n\tpool =  p \nimage=i\nuser=u\nsecret=QQ==\nfuture = x y\n", &c,
				 err, sizeof(err)),
		  0);
	CHECK_STR(c.mons, "1.2.3.4:6789");
	CHECK_STR(c.pool, "p");
	CHECK_STR(c.secret, "QQ==");
}

/* A value that would add a word or an option to the kernel's line is
 * refused: spaces, commas where they do not belong, '=' in names. */
TEST(rbd_conf_refuses_injection)
{
	struct rbd_conf c;
	char err[128];
	const char *bad[] = {
		"mons = 1.2.3.4:6789\npool = rbd other\nimage = i\nuser = u\nsecret = QQ==\n",
		"mons = 1.2.3.4:6789\npool = rbd\nimage = i\nuser = u,read_only\nsecret = QQ==\n",
		"mons = 1.2.3.4:6789\npool = rbd\nimage = i\nuser = u\nsecret = QQ==,noshare\n",
		"mons = 1.2.3.4:6789 name=admin\npool = rbd\nimage = i\nuser = u\nsecret = QQ==\n",
		"mons = 1.2.3.4:6789\npool = rbd\nimage = i\nuser = u=x\nsecret = QQ==\n",
		"mons = 1.2.3.4:6789\npool = rbd\nimage = \nuser = u\nsecret = QQ==\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(rbd_conf_parse(bad[i], &c, err, sizeof(err)), -EINVAL);
	CHECK_INT(rbd_conf_parse("mons = 1.2.3.4:6789\npool = rbd\nimage = i\nuser = u\n", &c, err, sizeof(err)),
		  -EINVAL);
	CHECK_STR(err, "no secret");
	CHECK_INT(rbd_conf_parse("mons 1.2.3.4\n", &c, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "line 1: want key = value");
}

TEST(cmdline_state_rbd)
{
	struct boot_config c;
	char err[160];
	cmdline_defaults(&c);
	CHECK_INT(cmdline_parse("hopeless.state=rbd", &c, err, sizeof(err)), 0);
	CHECK_INT(c.state, STATE_RBD);
}

/* hopeless.conf's state rbd settings: written only when set, read back. */
TEST(tree_conf_ceph_mons)
{
	struct tree_conf c, d;
	char err[256];
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(tree_conf_parse("server = 10.0.0.1\n", &c, err, sizeof(err)), 0);
	CHECK_STR(c.ceph_mons, "");
	CHECK_STR(c.ceph_rbd_pool, "rbd");
	CHECK_STR(c.ceph_admin, "admin");
	tree_conf_format(&c, &sb);
	CHECK(!strstr(sb_str(&sb), "ceph_"));
	sb_free(&sb);
	CHECK_INT(tree_conf_parse("ceph_mons = 10.0.0.5:6789,10.0.0.6:3300\nceph_rbd_pool = state\nceph_admin = hl\n", &c,
				  err, sizeof(err)),
		  0);
	tree_conf_format(&c, &sb);
	CHECK_INT(tree_conf_parse(sb_str(&sb), &d, err, sizeof(err)), 0);
	CHECK_STR(d.ceph_mons, "10.0.0.5:6789,10.0.0.6:3300");
	CHECK_STR(d.ceph_rbd_pool, "state");
	CHECK_STR(d.ceph_admin, "hl");
	sb_free(&sb);
	const char *bad[] = {"ceph_mons = 10.0.0.5\n", "ceph_mons = 10.0.0.5:0\n", "ceph_mons = 10.0.0.5:6789,\n",
			     "ceph_mons = ,10.0.0.5:6789\n", "ceph_mons = 10.0.0.5:6789,,10.0.0.6:6789\n",
			     "ceph_mons = 10.0.0.5:6789 name=admin\n", "ceph_mons = host:6789\n",
			     "ceph_rbd_pool = a b\n", "ceph_admin = x,y\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(tree_conf_parse(bad[i], &c, err, sizeof(err)) < 0);
}
