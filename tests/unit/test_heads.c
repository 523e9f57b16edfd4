/* Heads (lib/heads.c): the rendezvous assignment of nodes to heads, the
 * head file's parser, node set --head's name lists, the ceph_* settings,
 * and a head's ganesha.conf (lib/gen.c). */
#include "gen.h"
#include "harness.h"
#include "heads.h"
#include <errno.h>
#include <stdlib.h>

static void make_heads(struct head *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		snprintf(h[i].name, sizeof(h[i].name), "head%zu", i + 1);
		snprintf(h[i].ip, sizeof(h[i].ip), "10.5.0.%zu", i + 2);
	}
}

static void node_name(size_t i, char out[16])
{
	snprintf(out, 16, "n%05zu", i);
}

TEST(heads_weight_is_stable)
{
	/* Fixed values: a change of the hash moves every node of every cluster
	 * to another head at its next boot; it must be deliberate. */
	CHECK(heads_weight("n00001", "head1") == heads_weight("n00001", "head1"));
	CHECK(heads_weight("n00001", "head1") != heads_weight("n00001", "head2"));
	CHECK(heads_weight("ab", "c") != heads_weight("a", "bc"));
	CHECK(heads_weight("node1", "h1") == 0xc4ef1ce2b96e99e2ull);
	CHECK(heads_weight("n00042", "head3") == 0x3265a3cf7cf02569ull);
	struct head h[4];
	make_heads(h, 4);
	size_t a[HEADS_PER_NODE], b[HEADS_PER_NODE];
	/* The order of the heads array does not matter, only names. */
	struct head rev[4] = {h[3], h[2], h[1], h[0]};
	for (size_t i = 0; i < 200; i++) {
		char nn[16];
		node_name(i, nn);
		size_t ka = heads_assign(nn, h, 4, a), kb = heads_assign(nn, rev, 4, b);
		CHECK_INT(ka, 4);
		CHECK_INT(kb, 4);
		for (size_t k = 0; k < 4; k++)
			CHECK_STR(h[a[k]].name, rev[b[k]].name);
		for (size_t k = 1; k < 4; k++)
			CHECK(heads_weight(nn, h[a[k - 1]].name) >= heads_weight(nn, h[a[k]].name));
	}
}

TEST(heads_assignment_is_even)
{
	enum { N = 10000 };
	for (size_t nh = 2; nh <= 4; nh++) {
		struct head h[4];
		size_t count[4] = {0}, idx[HEADS_PER_NODE];
		make_heads(h, nh);
		for (size_t i = 0; i < N; i++) {
			char nn[16];
			node_name(i, nn);
			CHECK_INT(heads_assign(nn, h, nh, idx), nh);
			count[idx[0]]++;
		}
		/* within 4% of N/nh each */
		for (size_t k = 0; k < nh; k++) {
			double share = (double)count[k] * (double)nh / N;
			if (share < 0.96 || share > 1.04)
				fprintf(stderr, "  %zu heads: head%zu has %zu of %d nodes\n", nh, k + 1, count[k], N);
			CHECK(share >= 0.96 && share <= 1.04);
		}
	}
}

TEST(heads_adding_a_third_moves_a_third)
{
	enum { N = 10000 };
	struct head h[3];
	make_heads(h, 3);
	size_t moved = 0, between_old = 0, idx2[HEADS_PER_NODE], idx3[HEADS_PER_NODE];
	for (size_t i = 0; i < N; i++) {
		char nn[16];
		node_name(i, nn);
		heads_assign(nn, h, 2, idx2);
		heads_assign(nn, h, 3, idx3);
		if (idx2[0] != idx3[0]) {
			moved++;
			between_old += idx3[0] != 2; /* moved, but not to the new head */
		}
		/* A node that stays keeps its old fallback, or gets the new head as one. */
		if (idx2[0] == idx3[0] && idx3[1] != idx2[1])
			CHECK_INT(idx3[1], 2);
	}
	CHECK_INT(between_old, 0);
	CHECK(moved > N * 30 / 100 && moved < N * 37 / 100);
	/* Removing it puts every node back where it was. */
	for (size_t i = 0; i < N; i += 7) {
		char nn[16];
		node_name(i, nn);
		heads_assign(nn, h, 3, idx3);
		heads_assign(nn, h, 2, idx2);
		if (idx3[0] != 2)
			CHECK_INT(idx3[0], idx2[0]);
	}
}

TEST(heads_fallbacks_and_server_list)
{
	struct head h[6];
	make_heads(h, 6);
	size_t idx[HEADS_PER_NODE];
	CHECK_INT(heads_assign("n1", h, 6, idx), HEADS_PER_NODE);
	CHECK_INT(heads_assign("n1", h, 1, idx), 1);
	CHECK_INT(idx[0], 0);
	CHECK_INT(heads_assign("n1", h, 0, idx), 0);
	char list[64];
	CHECK_INT(heads_server_list("n1", h, 1, list, sizeof(list)), 0);
	CHECK_STR(list, "10.5.0.2");
	CHECK_INT(heads_server_list("n1", h, 0, list, sizeof(list)), -ENOENT);
	/* Four dotted quads of 15 characters fill the node's server field. */
	for (size_t i = 0; i < 6; i++)
		snprintf(h[i].ip, sizeof(h[i].ip), "192.168.100.%zu", 100 + i);
	CHECK_INT(heads_server_list("n1", h, 6, list, sizeof(((struct tree_node *)0)->server)), 0);
	CHECK_INT(strlen(list), 63);
	heads_assign("n1", h, 6, idx);
	char want[64];
	snprintf(want, sizeof(want), "%s,%s,%s,%s", h[idx[0]].ip, h[idx[1]].ip, h[idx[2]].ip, h[idx[3]].ip);
	CHECK_STR(list, want);
}

TEST(heads_resolve_names)
{
	struct head h[5];
	make_heads(h, 5);
	char out[64], err[256];
	CHECK_INT(heads_resolve("head2", h, 5, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "10.5.0.3");
	CHECK_INT(heads_resolve("head3,head1", h, 5, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "10.5.0.4,10.5.0.2");
	CHECK_INT(heads_resolve("head9", h, 5, out, sizeof(out), err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "head9: no such head");
	CHECK_INT(heads_resolve("head1,head1", h, 5, out, sizeof(out), err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "named twice");
	CHECK_INT(heads_resolve("head1,head2,head3,head4,head5", h, 5, out, sizeof(out), err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "at most 4");
	CHECK_INT(heads_resolve("", h, 5, out, sizeof(out), err, sizeof(err)), -EINVAL);
}

TEST(head_parse_and_format)
{
	struct head h, g;
	char err[256];
	CHECK_INT(head_parse("# a head\nname = h1\nip = 10.0.0.2\n", &h, err, sizeof(err)), 0);
	CHECK_STR(h.name, "h1");
	CHECK_STR(h.ip, "10.0.0.2");
	struct strbuf sb = STRBUF_INIT;
	CHECK_INT(head_format(&h, &sb), 0);
	CHECK_STR(sb_str(&sb), "name = h1\nip = 10.0.0.2\n");
	CHECK_INT(head_parse(sb_str(&sb), &g, err, sizeof(err)), 0);
	CHECK_STR(g.name, h.name);
	sb_free(&sb);
	const char *bad[] = {"name = h1\n", "name = h1\nip = 10.0.0.256\n", "name = h/1\nip = 10.0.0.2\n",
			     "name = h1\nip = 10.0.0.2\nport = 3\n", "ip = 10.0.0.2\n", "name h1\n", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(head_parse(bad[i], &g, err, sizeof(err)) < 0);
}

TEST(tree_conf_ceph_settings)
{
	struct tree_conf c, d;
	char err[256];
	struct strbuf sb = STRBUF_INIT;
	/* Defaults write nothing new: a tree's hopeless.conf stays as it was. */
	tree_conf_defaults(&c);
	tree_conf_format(&c, &sb);
	CHECK(strstr(sb_str(&sb), "ceph") == NULL);
	sb_reset(&sb);
	CHECK_INT(tree_conf_parse("ceph_conf = /etc/ceph/lab.conf\nceph_user = hl\nceph_fs = fs2\n"
				  "ceph_grace_pool = gp\nceph_grace_namespace = ns1\nceph_path = /trees/a\n",
				  &c, err, sizeof(err)), 0);
	CHECK_STR(c.ceph_conf, "/etc/ceph/lab.conf");
	CHECK_STR(c.ceph_path, "/trees/a");
	tree_conf_format(&c, &sb);
	CHECK_INT(tree_conf_parse(sb_str(&sb), &d, err, sizeof(err)), 0);
	CHECK_STR(d.ceph_user, "hl");
	CHECK_STR(d.ceph_fs, "fs2");
	CHECK_STR(d.ceph_grace_pool, "gp");
	CHECK_STR(d.ceph_grace_namespace, "ns1");
	sb_free(&sb);
	const char *bad[] = {"ceph_conf = etc/ceph.conf", "ceph_path = /a/../b", "ceph_path = /a b",
			     "ceph_user = client.x/y", "ceph_fs = ", "ceph_grace_pool = a\"b", "ceph_nothing = 1",
			     NULL};
	for (int i = 0; bad[i]; i++) {
		CHECK(tree_conf_parse(bad[i], &d, err, sizeof(err)) < 0);
		CHECK_CONTAINS(err, "line 1");
	}
}

static void two_nodes(struct tree *t, struct tree_node n[2])
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/srv/hopeless");
	tree_conf_defaults(&t->conf);
	snprintf(t->conf.server, sizeof(t->conf.server), "10.5.0.1");
	memset(n, 0, 2 * sizeof(*n));
	for (int i = 0; i < 2; i++) {
		snprintf(n[i].hostname, 64, "node%d", i + 1);
		snprintf(n[i].ip, 16, "10.5.0.1%d", i + 1);
		snprintf(n[i].mac, 18, "52:54:00:00:00:1%d", i + 1);
		snprintf(n[i].state, 8, "image");
		snprintf(n[i].boot, 12, "ipxe");
		snprintf(n[i].root, 64, "bookworm");
		snprintf(n[i].overlay, 64, "compute");
	}
}

TEST(gen_ganesha_head_ceph_exports)
{
	struct tree t;
	struct tree_node n[2];
	struct head h;
	two_nodes(&t, n);
	make_heads(&h, 1);
	snprintf(t.conf.ceph_path, sizeof(t.conf.ceph_path), "/hopeless/");
	struct strbuf sb = STRBUF_INIT, vfs = STRBUF_INIT;
	CHECK_INT(gen_ganesha_head(&t, &h, n, 2, &sb), 0);
	const char *s = sb_str(&sb);
	CHECK_CONTAINS(s, "Bind_addr = 10.5.0.2;");
	CHECK_CONTAINS(s, "RecoveryBackend = rados_cluster;");
	CHECK_CONTAINS(s, "RADOS_KV {\n\tCeph_Conf = \"/etc/ceph/ceph.conf\";\n\tUserId = \"ganesha\";\n"
			  "\tPool = \"nfs-ganesha\";\n\tNamespace = \"grace\";\n\tNodeId = \"head1\";\n}");
	CHECK_CONTAINS(s, "Path = \"/hopeless/roots/bookworm\";\n\tPseudo = \"/roots/bookworm\";");
	CHECK_CONTAINS(s, "Path = \"/hopeless/state/10.5.0.12\";");
	CHECK_CONTAINS(s, "Name = CEPH;\n\t\tUser_Id = \"ganesha\";\n\t\tFilesystem = \"cephfs\";");
	CHECK(strstr(s, "Name = VFS") == NULL);
	CHECK(strstr(s, "Graceless") == NULL);
	/* The same exports as the single head's ganesha.conf: ids, pseudo
	 * paths, clients and access, only the path prefix and FSAL differ. */
	CHECK_INT(gen_ganesha(&t, n, 2, &vfs), 0);
	const char *p = strstr(s, "EXPORT {"), *q = strstr(sb_str(&vfs), "EXPORT {");
	CHECK(p && q);
	int blocks = 0;
	while (p && q) {
		char a[64], b[64];
		CHECK(sscanf(p, "EXPORT {\n\tExport_Id = %63[^;]", a) == 1);
		CHECK(sscanf(q, "EXPORT {\n\tExport_Id = %63[^;]", b) == 1);
		CHECK_STR(a, b);
		const char *ca = strstr(p, "Clients = "), *cb = strstr(q, "Clients = ");
		CHECK(ca && cb && strcspn(ca, ";") == strcspn(cb, ";") && !strncmp(ca, cb, strcspn(ca, ";")));
		const char *ra = strstr(p, "\t\tAccess_Type = "), *rb = strstr(q, "\t\tAccess_Type = ");
		CHECK(ra && rb && !strncmp(ra, rb, 22));
		p = strstr(p + 1, "EXPORT {");
		q = strstr(q + 1, "EXPORT {");
		blocks++;
	}
	CHECK(!p && !q);
	CHECK_INT(blocks, 6); /* two layers; each node a host and a state export */
	/* ceph_path "/": paths from the root of the file system. */
	snprintf(t.conf.ceph_path, sizeof(t.conf.ceph_path), "/");
	sb_reset(&sb);
	CHECK_INT(gen_ganesha_head(&t, &h, n, 2, &sb), 0);
	CHECK_CONTAINS(sb_str(&sb), "Path = \"/clients/10.5.0.11\";");
	/* Unsafe values are refused, nothing written. */
	snprintf(h.name, sizeof(h.name), "h\"1");
	sb_reset(&sb);
	CHECK_INT(gen_ganesha_head(&t, &h, n, 2, &sb), -EINVAL);
	CHECK_CONTAINS(gen_error(), "head name");
	make_heads(&h, 1);
	snprintf(t.conf.ceph_conf, sizeof(t.conf.ceph_conf), "/etc/ceph/x\";y");
	CHECK_INT(gen_ganesha_head(&t, &h, n, 2, &sb), -EINVAL);
	sb_free(&sb);
	sb_free(&vfs);
}
