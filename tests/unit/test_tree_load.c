/* tree_nodes_load over more nodes than one worker takes (lib/tree.c loads
 * them in worker processes): every node once, sorted by address, its layer
 * pointers read, files that are not *.conf skipped; a bad node in the
 * second worker's range is reported by name and nothing is returned. */
#include "harness.h"
#include "tree.h"
#include "treefs.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

enum { NODES = 2600 };

static void put(struct tree *t, const char *rel, const char *text)
{
	if (tfs_write(t, rel, text, strlen(text), 0644, (uid_t)-1, (gid_t)-1, WRITE_NO_SYNC) < 0)
		fprintf(stderr, "could not write %s\n", rel);
}

static void make_nodes(struct tree *t)
{
	char rel[64], text[200], ip[16];
	tfs_mkdir_p(t, "nodes", 0755);
	/* Named so that name order is not address order. */
	for (int i = 0; i < NODES; i++) {
		snprintf(ip, sizeof(ip), "10.1.%d.%d", (NODES - 1 - i) / 250, (NODES - 1 - i) % 250 + 1);
		snprintf(rel, sizeof(rel), "nodes/n%d.conf", i);
		snprintf(text, sizeof(text), "hostname = n%d\nip = %s\nmac = 52:54:00:00:%02x:%02x\nstate = image\nboot = ipxe\n", i, ip,
			 i / 256, i % 256);
		put(t, rel, text);
		snprintf(rel, sizeof(rel), "clients/%s", ip);
		tfs_mkdir_p(t, rel, 0755);
		snprintf(rel, sizeof(rel), "clients/%s/hopeless.root", ip);
		put(t, rel, i % 2 ? "deb12\n" : "deb12@3\n");
	}
	put(t, "nodes/README", "not a node\n");
}

TEST(tree_nodes_load_in_workers)
{
	char dir[] = "/tmp/hopeless-load-XXXXXX", err[256] = "";
	struct tree t;
	memset(&t, 0, sizeof(t));
	CHECK(mkdtemp(dir) != NULL);
	snprintf(t.dir, sizeof(t.dir), "%s", dir);
	t.fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(t.fd >= 0);
	make_nodes(&t);
	struct tree_node *v = NULL;
	size_t n = 0;
	CHECK_INT(tree_nodes_load(&t, &v, &n, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK_INT((long)n, NODES);
	CHECK(v && !strcmp(v[0].ip, "10.1.0.1") && !strcmp(v[0].hostname, "n2599"));
	CHECK(v && !strcmp(v[n - 1].hostname, "n0") && !strcmp(v[n - 1].root, "deb12") && v[n - 1].root_pin == 3);
	int in_order = 1;
	for (size_t i = 1; v && i < n; i++)
		in_order &= ntohl(inet_addr(v[i - 1].ip)) < ntohl(inet_addr(v[i].ip));
	CHECK(in_order);
	free(v);
	/* n2000 sorts in the second half of the names: a worker's failure. */
	put(&t, "nodes/n2000.conf", "hostname = n2000\nip = 10.1.999.1\n");
	v = NULL;
	CHECK(tree_nodes_load(&t, &v, &n, err, sizeof(err)) < 0);
	CHECK(v == NULL);
	CHECK(strstr(err, "n2000") != NULL);
	close(t.fd);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}
