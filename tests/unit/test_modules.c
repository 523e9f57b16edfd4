/* Tests of the init's module loading (init/modules.c): load-list parsing,
 * dependency walk and coldplug matching, with a fake loader. */
#include "harness.h"
#include "log.h"
#include "modules.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct modlist L; /* too big for the stack */

#define P "/lib/modules/6.1.0-x/kernel/"

static const char good[] =
	"# hopeless module load list for 6.1.0-x\n"
	"# skipped ext4: built into the kernel\n"
	"module sunrpc " P "net/sunrpc/sunrpc.ko - core\n"
	"module nfs " P "fs/nfs/nfs.ko sunrpc core\n"
	"module virtio_ring " P "drivers/virtio/virtio_ring.ko - dep\n"
	"module virtio " P "drivers/virtio/virtio.ko virtio_ring dep\n"
	"module failover " P "net/core/failover.ko - dep\n"
	"module net_failover " P "drivers/net/net_failover.ko failover dep\n"
	"module virtio_net " P "drivers/net/virtio_net.ko failover,net_failover,virtio_ring,virtio nic\n"
	"alias virtio:d00000001v* virtio_net\n"
	"module virtio_pci " P "drivers/virtio/virtio_pci.ko virtio_ring,virtio nic\n"
	"alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n";

TEST(modules_parse_good_list)
{
	char err[128];
	CHECK_INT(modules_parse(good, &L, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(L.nmods, 8);
	CHECK_INT(L.naliases, 2);
	CHECK_STR(L.mods[0].name, "sunrpc");
	CHECK_STR(L.mods[0].path, P "net/sunrpc/sunrpc.ko");
	CHECK_INT(L.mods[0].ndeps, 0);
	CHECK_INT(L.mods[0].kind, MODULES_CORE);
	CHECK_INT(L.mods[1].ndeps, 1);
	CHECK_INT(L.mods[1].deps[0], 0);
	CHECK_STR(L.mods[6].name, "virtio_net");
	CHECK_INT(L.mods[6].kind, MODULES_NIC);
	CHECK_INT(L.mods[6].ndeps, 4);
	CHECK_INT(L.mods[6].deps[3], 3);
	CHECK_INT(L.mods[2].kind, MODULES_DEP);
	CHECK_STR(L.aliases[0].pattern, "virtio:d00000001v*");
	CHECK_INT(L.aliases[0].mod, 6);
	CHECK_INT(L.aliases[1].mod, 7);
	CHECK_INT(L.mods[0].state, MODULES_PENDING);
	/* No final newline and an empty list are fine too. */
	CHECK_INT(modules_parse("module a /lib/modules/k/a.ko - core", &L, err, sizeof(err)), 0);
	CHECK_INT(L.nmods, 1);
	CHECK_INT(modules_parse("", &L, err, sizeof(err)), 0);
	CHECK_INT(L.nmods, 0);
}

TEST(modules_parse_rejects_bad_lines)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"modul a /lib/modules/k/a.ko - core\n", "unknown record"},
		{"module a /lib/modules/k/a.ko - core extra\n", "module needs"},
		{"module a /lib/modules/k/a.ko core\n", "module needs"},
		{"module a  /lib/modules/k/a.ko - core\n", "empty field"},
		{"module a /lib/modules/k/a.ko - core \n", "empty field"},
		{" module a /lib/modules/k/a.ko - core\n", "empty field"},
		{"\n", "empty field"},
		{"module a /lib/modules/k/a.ko - core\r\n", "control character"},
		{"module a\t/lib/modules/k/a.ko - core\n", "control character"},
		{"module a /usr/lib/modules/k/a.ko - core\n", "path must be"},
		{"module a /lib/modules/../../etc/a.ko - core\n", "path must be"},
		{"module a /lib/modules/k//a.ko - core\n", "path must be"},
		{"module a /lib/modules/k/a.ko.xz - core\n", "path must be"},
		{"module a/b /lib/modules/k/a.ko - core\n", "invalid module name"},
		{"module a /lib/modules/k/a.ko - builtin\n", "kind must be"},
		{"module a /lib/modules/k/a.ko b core\nmodule b /lib/modules/k/b.ko - core\n",
		 "not listed before"},
		{"module a /lib/modules/k/a.ko a core\n", "not listed before"},
		{"module a /lib/modules/k/a.ko - core\nmodule b /lib/modules/k/b.ko a,a core\n",
		 "listed twice"},
		{"module a /lib/modules/k/a.ko - core\nmodule a /lib/modules/k/b.ko - core\n",
		 "listed twice"},
		{"module a /lib/modules/k/a.ko - core\nmodule b /lib/modules/k/b.ko a, core\n",
		 "not listed before"},
		{"alias pci:* nosuch\n", "unlisted module"},
		{"module a /lib/modules/k/a.ko - nic\nalias pci:* a extra\n", "alias needs"},
	};
	char err[160];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = modules_parse(bad[i].text, &L, err, sizeof(err));
		if (r >= 0)
			fprintf(stderr, "  accepted: %s", bad[i].text);
		CHECK(r < 0);
		CHECK_CONTAINS(err, bad[i].why);
	}
	CHECK_INT(modules_parse("modul x\n", &L, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "line 1: unknown record \"modul\"");
	CHECK_INT(modules_parse("# c\nmodule a /lib/modules/k/a.ko - core\nbogus\n", &L, err,
				sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "line 3:");

	/* Over-long line, over-long pattern, too many modules. */
	static char big[MODULES_MAX * 64 + MODULES_LINE_LEN + 64];
	memset(big, 'a', MODULES_LINE_LEN + 10);
	memcpy(big, "# ", 2);
	strcpy(big + MODULES_LINE_LEN + 10, "\n");
	CHECK_INT(modules_parse(big, &L, err, sizeof(err)), -E2BIG);
	CHECK_CONTAINS(err, "line 1: line longer");
	snprintf(big, sizeof(big), "module a /lib/modules/k/a.ko - nic\nalias %0200d a\n", 0);
	CHECK_INT(modules_parse(big, &L, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "pattern too long");
	size_t off = 0;
	for (int i = 0; i <= MODULES_MAX; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off,
					"module m%d /lib/modules/k/m%d.ko - dep\n", i, i);
	CHECK_INT(modules_parse(big, &L, err, sizeof(err)), -E2BIG);
	CHECK_CONTAINS(err, "more than 512 modules");
}

/* A fake loader: records the order, fails or reports EEXIST on request. */
struct fake {
	char order[1024];
	const char *fail;   /* module whose load fails with -ENOEXEC */
	const char *exists; /* module that is already loaded: -EEXIST */
	const char *spawn;  /* when this one loads, a virtio device appears */
	const char *sysdir;
	int calls;
};

static int fake_load(const struct modentry *m, void *ctx)
{
	struct fake *f = ctx;
	size_t l = strlen(f->order);
	snprintf(f->order + l, sizeof(f->order) - l, "%s%s", l ? " " : "", m->name);
	f->calls++;
	if (f->fail && strcmp(m->name, f->fail) == 0)
		return -ENOEXEC;
	if (f->exists && strcmp(m->name, f->exists) == 0)
		return -EEXIST;
	if (f->spawn && strcmp(m->name, f->spawn) == 0) {
		char path[256];
		snprintf(path, sizeof(path), "%s/virtio/devices/virtio0", f->sysdir);
		mkdir(path, 0755);
		strncat(path, "/modalias", sizeof(path) - strlen(path) - 1);
		FILE *fp = fopen(path, "w");
		if (fp) {
			fputs("virtio:d00000001v00001AF4\n", fp);
			fclose(fp);
		}
	}
	return 0;
}

static long idx(const char *name)
{
	for (size_t i = 0; i < L.nmods; i++)
		if (strcmp(L.mods[i].name, name) == 0)
			return (long)i;
	return -1;
}

TEST(modules_dependency_walk_order)
{
	char err[128];
	log_set_quiet(1);
	CHECK_INT(modules_parse(good, &L, err, sizeof(err)), 0);
	struct fake f = {.exists = "failover"};
	/* Every dependency first, each once, in the order of the deps field. */
	CHECK_INT(modules_load_one(&L, (size_t)idx("virtio_net"), fake_load, &f), 5);
	CHECK_STR(f.order, "failover net_failover virtio_ring virtio virtio_net");
	CHECK_INT(L.mods[idx("failover")].state, MODULES_LOADED);
	/* Already loaded: nothing more. */
	CHECK_INT(modules_load_one(&L, (size_t)idx("virtio_net"), fake_load, &f), 0);
	CHECK_INT(modules_load_one(&L, (size_t)idx("virtio_pci"), fake_load, &f), 1);
	CHECK_STR(f.order, "failover net_failover virtio_ring virtio virtio_net virtio_pci");
	CHECK_INT(f.calls, 6);
	CHECK_INT(modules_load_one(&L, 999, fake_load, &f), -EINVAL);

	/* A failing dependency fails its users, and is not retried. */
	CHECK_INT(modules_parse(good, &L, err, sizeof(err)), 0);
	struct fake g = {.fail = "sunrpc"};
	CHECK_INT(modules_load_one(&L, (size_t)idx("nfs"), fake_load, &g), -ENOEXEC);
	CHECK_INT(L.mods[idx("nfs")].state, MODULES_FAILED);
	CHECK_INT(L.mods[idx("sunrpc")].state, MODULES_FAILED);
	CHECK_INT(modules_load_one(&L, (size_t)idx("nfs"), fake_load, &g), -ENOEXEC);
	CHECK_STR(g.order, "sunrpc");
	log_set_quiet(0);
}

TEST(modules_coldplug_rescans)
{
	char err[128], dir[] = "/tmp/hopeless-sysbus-XXXXXX", path[256];
	log_set_quiet(1);
	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(modules_parse(good, &L, err, sizeof(err)), 0);
	/* A virtio-net PCI device, an unrelated device and an empty bus. */
	snprintf(path, sizeof(path), "%s/pci", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/pci/devices", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/pci/devices/0000:00:03.0", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/pci/devices/0000:00:03.0/modalias", dir);
	FILE *fp = fopen(path, "w");
	if (fp) {
		fputs("pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00\n", fp);
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/pci/devices/0000:00:01.0", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/pci/devices/0000:00:01.0/modalias", dir);
	fp = fopen(path, "w");
	if (fp) {
		fputs("pci:v00008086d00007000sv00000000sd00000000bc06sc01i00\n", fp);
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/virtio", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/virtio/devices", dir);
	mkdir(path, 0755);

	struct fake f = {.spawn = "virtio_pci", .sysdir = dir};
	/* Pass 1: virtio_pci (and its deps) for the PCI device, which makes a
	 * virtio device appear; pass 2: virtio_net for it; pass 3: nothing. */
	CHECK_INT(modules_coldplug(&L, dir, fake_load, &f), 6);
	CHECK_STR(f.order, "virtio_ring virtio virtio_pci failover net_failover virtio_net");
	CHECK_INT(L.mods[idx("virtio_net")].state, MODULES_LOADED);
	/* Core modules are not touched by coldplug. */
	CHECK_INT(L.mods[idx("sunrpc")].state, MODULES_PENDING);
	/* Matching directly. */
	CHECK_INT(modules_match(&L, "virtio:d00000001v00001AF4", fake_load, &f), 0);
	CHECK_INT(modules_coldplug(&L, "/nonexistent/sys/bus", fake_load, &f), -ENOENT);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK_INT(system(path), 0);
	log_set_quiet(0);
}

TEST(modules_read_missing_list)
{
	/* No list, no loading: an error the caller reports. */
	static struct modlist l;
	CHECK_INT(modules_read("/nonexistent/modules.conf", &l), -ENOENT);
}

TEST(modules_finit_counts_cost)
{
	/* A module that cannot be opened costs nothing and counts nothing. */
	struct modules_cost c = {0};
	struct modentry m;
	memset(&m, 0, sizeof(m));
	snprintf(m.path, sizeof(m.path), "/nonexistent/lib/modules/x.ko");
	CHECK_INT(modules_finit(&m, &c), -ENOENT);
	CHECK_INT(c.loaded, 0);
	CHECK(c.cpu_secs == 0);
}
