/* Tests of module resolution (lib/modres.c) and of the initramfs build
 * (lib/initramfs.c) against the Debian cloud kernel unpacked by `make deps`
 * at cache/kernels/cloud/root. Run from the top of the repository. */
#include "harness.h"
#include "initramfs.h"
#include "modres.h"
#include "modules.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLOUD_DIR "cache/kernels/cloud"
#define CLOUD_ROOT CLOUD_DIR "/root"

/* The cloud kernel's version, from cache/kernels/cloud/.done. Fails the
 * calling test (never passes silently) when the kernel is not there. */
static int cloud_kver(char *kver, size_t len, int *harness_failed)
{
	FILE *f = fopen(CLOUD_DIR "/.done", "r");
	if (!f || !fgets(kver, (int)len, f)) {
		fprintf(stderr, "  %s/.done missing: the Debian cloud kernel is not unpacked; "
				"run `make deps` (from the top of the repository)\n", CLOUD_DIR);
		(*harness_failed)++;
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	kver[strcspn(kver, "\n")] = '\0';
	return 0;
}

static long mod_index(const struct modres_result *r, const char *name)
{
	for (size_t i = 0; i < r->nmods; i++)
		if (strcmp(r->mods[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int has_dep(const struct modres_module *m, const char *dep)
{
	for (size_t i = 0; i < m->ndeps; i++)
		if (strcmp(m->deps[i], dep) == 0)
			return 1;
	return 0;
}

static const struct modres_skip *find_skip(const struct modres_result *r, const char *name)
{
	for (size_t i = 0; i < r->nskipped; i++)
		if (strcmp(r->skipped[i].name, name) == 0)
			return &r->skipped[i];
	return NULL;
}

static const char *const test_nic[] = {
	"virtio_pci", "virtio_net", "e1000", "vmxnet3", "no_such_module_zz", NULL,
};

TEST(modres_cloud_resolution)
{
	char kver[128], err[256];
	if (cloud_kver(kver, sizeof(kver), harness_failed) < 0)
		return;
	struct modres_result r;
	int rc = modres_resolve(CLOUD_ROOT, kver, initramfs_default_core, test_nic, &r, err,
				sizeof(err));
	CHECK_INT(rc, 0);
	if (rc) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	/* nfsv4 needs sunrpc, which comes first. */
	long nfsv4 = mod_index(&r, "nfsv4"), sunrpc = mod_index(&r, "sunrpc");
	CHECK(nfsv4 >= 0 && sunrpc >= 0);
	if (nfsv4 >= 0 && sunrpc >= 0) {
		CHECK(sunrpc < nfsv4);
		CHECK(has_dep(&r.mods[nfsv4], "sunrpc"));
		CHECK_INT(r.mods[nfsv4].kind, MODRES_CORE);
		CHECK_INT(r.mods[sunrpc].kind, MODRES_CORE);
		CHECK_CONTAINS(r.mods[nfsv4].archive_path, "/kernel/fs/nfs/nfsv4.ko");
	}
	/* Every dependency precedes its user; core modules come first. */
	int seen_noncore = 0;
	for (size_t i = 0; i < r.nmods; i++) {
		const struct modres_module *m = &r.mods[i];
		for (size_t d = 0; d < m->ndeps; d++) {
			long di = mod_index(&r, m->deps[d]);
			CHECK(di >= 0 && (size_t)di < i);
		}
		if (m->kind != MODRES_CORE)
			seen_noncore = 1;
		else
			CHECK(!seen_noncore);
		CHECK(strncmp(m->archive_path, "/lib/modules/", 13) == 0);
		CHECK(strstr(m->disk_path, CLOUD_ROOT) != NULL);
	}
	/* The NFS-root set of the cloud kernel. */
	static const char *const want[] = {
		"virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev",
		"virtio_pci", "failover", "net_failover", "virtio_net", "sunrpc", "grace",
		"lockd", "netfs", "fscache", "dns_resolver", "nfs", "nfsv4", "overlay", "loop",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(mod_index(&r, want[i]) >= 0);
	long vp = mod_index(&r, "virtio_pci"), vn = mod_index(&r, "virtio_net");
	long vr = mod_index(&r, "virtio_ring");
	CHECK(vp >= 0 && r.mods[vp].kind == MODRES_NIC);
	CHECK(vn >= 0 && r.mods[vn].kind == MODRES_NIC);
	CHECK(vr >= 0 && r.mods[vr].kind == MODRES_DEP);
	/* modules.dep of virtio_net does not name the PCI transport. */
	CHECK(vn >= 0 && !has_dep(&r.mods[vn], "virtio_pci"));
	int found = 0;
	for (size_t a = 0; vn >= 0 && a < r.mods[vn].naliases; a++)
		found |= strcmp(r.mods[vn].aliases[a], "virtio:d00000001v*") == 0;
	CHECK(found);
	CHECK_CONTAINS(r.conf, "\nalias virtio:d00000001v* virtio_net\n");
	CHECK_CONTAINS(r.conf, "\nalias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n");
	/* ext4 is built into the cloud kernel; e1000 and the made-up name are not
	 * in it at all. */
	const struct modres_skip *s = find_skip(&r, "ext4");
	CHECK(s && s->builtin);
	s = find_skip(&r, "e1000");
	CHECK(s && !s->builtin);
	s = find_skip(&r, "no_such_module_zz");
	CHECK(s && !s->builtin);
	CHECK(mod_index(&r, "ext4") < 0);
	s = find_skip(&r, "crc32c_generic");
	CHECK(s && s->builtin);
	CHECK_INT(r.nskipped, 4);
	modres_free(&r);
}

TEST(modres_conf_format_parsed_by_init)
{
	char kver[128], err[256], head[200];
	if (cloud_kver(kver, sizeof(kver), harness_failed) < 0)
		return;
	struct modres_result r;
	CHECK_INT(modres_resolve(CLOUD_ROOT, kver, initramfs_default_core, initramfs_default_nic,
				 &r, err, sizeof(err)), 0);
	if (!r.conf)
		return;
	snprintf(head, sizeof(head), "# hopeless module load list for %s\n", kver);
	CHECK(strncmp(r.conf, head, strlen(head)) == 0);
	char line[400];
	snprintf(line, sizeof(line), "\nmodule sunrpc /lib/modules/%s/kernel/net/sunrpc/sunrpc.ko - core\n",
		 kver);
	CHECK_CONTAINS(r.conf, line);
	snprintf(line, sizeof(line),
		 "\nmodule virtio_net /lib/modules/%s/kernel/drivers/net/virtio_net.ko "
		 "failover,net_failover,virtio_ring,virtio nic\n", kver);
	CHECK_CONTAINS(r.conf, line);
	CHECK_INT(strlen(r.conf), r.conflen);
	/* The init's strict parser takes it, in the same order. */
	static struct modlist l;
	CHECK_INT(modules_parse(r.conf, &l, err, sizeof(err)), 0);
	CHECK_INT(l.nmods, r.nmods);
	for (size_t i = 0; i < l.nmods && i < r.nmods; i++) {
		CHECK_STR(l.mods[i].name, r.mods[i].name);
		CHECK_STR(l.mods[i].path, r.mods[i].archive_path);
		CHECK_INT(l.mods[i].ndeps, r.mods[i].ndeps);
	}
	/* Same inputs, same text. */
	struct modres_result r2;
	CHECK_INT(modres_resolve(CLOUD_ROOT, kver, initramfs_default_core, initramfs_default_nic,
				 &r2, err, sizeof(err)), 0);
	CHECK_STR(r2.conf, r.conf);
	modres_free(&r2);
	modres_free(&r);
}

TEST(modres_rejects_bad_input)
{
	char kver[128], err[256];
	struct modres_result r;
	const char *const bad_name[] = {"nfs v4", NULL};
	CHECK_INT(modres_resolve("/nonexistent/root", "6.1.0", NULL, NULL, &r, err, sizeof(err)),
		  -ENOENT);
	CHECK_INT(modres_resolve(CLOUD_ROOT, "../../x", NULL, NULL, &r, err, sizeof(err)), -EINVAL);
	CHECK_INT(modres_resolve(CLOUD_ROOT, "0.0.0-none", NULL, NULL, &r, err, sizeof(err)),
		  -ENOENT);
	CHECK_CONTAINS(err, "no module directory");
	if (cloud_kver(kver, sizeof(kver), harness_failed) < 0)
		return;
	CHECK_INT(modres_resolve(CLOUD_ROOT, kver, bad_name, NULL, &r, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "invalid module name");
	CHECK_INT(r.nmods, 0);
	CHECK(r.conf == NULL);
}

static int run(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(modres_compressed_module_refused)
{
	char kver[128], err[256], cmd[1024];
	if (cloud_kver(kver, sizeof(kver), harness_failed) < 0)
		return;
	char tmp[] = "/tmp/hopeless-modres-XXXXXX";
	CHECK(mkdtemp(tmp) != NULL);
	snprintf(cmd, sizeof(cmd),
		 "set -e; d=%s/lib/modules/%s; mkdir -p $d/kernel/drivers/block; "
		 "xz -c %s/lib/modules/%s/kernel/drivers/block/loop.ko > $d/kernel/drivers/block/loop.ko.xz; "
		 "depmod -b %s %s 2>/dev/null",
		 tmp, kver, CLOUD_ROOT, kver, tmp, kver);
	int rc = run(cmd);
	if (rc != 0)
		fprintf(stderr, "  needs xz and depmod (kmod) installed\n");
	CHECK_INT(rc, 0);
	const char *const core[] = {"loop", NULL};
	struct modres_result r;
	CHECK_INT(modres_resolve(tmp, kver, core, NULL, &r, err, sizeof(err)), -ENOTSUP);
	CHECK_CONTAINS(err, "compressed");
	CHECK_CONTAINS(err, "loop");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	run(cmd);
}

/* A 100 KB stand-in for hopeless-init: not ELF, poorly compressible. */
static int write_dummy_init(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	uint32_t x = 12345;
	for (int i = 0; i < 100 * 1024; i++) {
		x = x * 1103515245u + 12345u;
		fputc((int)((x >> 16) & 0x3f), f);
	}
	return fclose(f);
}

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc(*len + 1);
	size_t got = *buf ? fread(*buf, 1, *len, f) : 0;
	fclose(f);
	return got == *len ? 0 : -1;
}

TEST(modres_initramfs_reproducible)
{
	char kver[128], err[256], cmd[1024];
	if (cloud_kver(kver, sizeof(kver), harness_failed) < 0)
		return;
	char tmp[] = "/tmp/hopeless-initramfs-XXXXXX";
	CHECK(mkdtemp(tmp) != NULL);
	char init[128], out1[128], out2[128], kern[128];
	snprintf(init, sizeof(init), "%s/init", tmp);
	snprintf(out1, sizeof(out1), "%s/initrd1.gz", tmp);
	snprintf(out2, sizeof(out2), "%s/initrd2.gz", tmp);
	snprintf(kern, sizeof(kern), "%s/vmlinuz", tmp);
	CHECK_INT(write_dummy_init(init), 0);
	struct initramfs_opts o = {
		.root = CLOUD_ROOT, .kver = NULL, .init_path = init,
		.out_initramfs = out1, .out_kernel = kern,
	};
	struct initramfs_report rep;
	int rc = initramfs_build(&o, &rep, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n", err);
	CHECK_STR(rep.kver, kver);
	/* The NFS-root set with virtio; of the default NIC families the cloud
	 * kernel has only virtio (its mlx4/mlx5 are not in the default list). */
	CHECK_INT(rep.nmodules, 19);
	CHECK(rep.compressed_size > 0 && rep.compressed_size < 4u * 1024 * 1024);
	CHECK(rep.uncompressed_size > rep.compressed_size);
	CHECK_CONTAINS(rep.skipped, "ext4 (built in)");
	CHECK_CONTAINS(rep.skipped, "e1000 (missing)");
	fprintf(stderr, "  initramfs: %zu modules, %zu bytes, %zu gzip'ed; skipped %s\n",
		rep.nmodules, rep.uncompressed_size, rep.compressed_size, rep.skipped);
	o.out_initramfs = out2;
	o.kver = kver;
	CHECK_INT(initramfs_build(&o, &rep, err, sizeof(err)), 0);
	uint8_t *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	CHECK_INT(read_all(out1, &a, &la), 0);
	CHECK_INT(read_all(out2, &b, &lb), 0);
	CHECK_INT(la, rep.compressed_size);
	CHECK(la == lb && a && b && memcmp(a, b, la) == 0);
	free(a);
	free(b);
	/* The kernel copy is the root's kernel. */
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s/boot/vmlinuz-%s", kern, CLOUD_ROOT, kver);
	CHECK_INT(run(cmd), 0);
	/* cpio(1) reads it and finds what the node needs. */
	snprintf(cmd, sizeof(cmd), "gzip -dc %s | cpio -it --quiet > %s/list", out1, tmp);
	CHECK_INT(run(cmd), 0);
	char listpath[160];
	snprintf(listpath, sizeof(listpath), "%s/list", tmp);
	uint8_t *list = NULL;
	size_t ll = 0;
	CHECK_INT(read_all(listpath, &list, &ll), 0);
	if (list) {
		list[ll] = '\0';
		char want[400];
		CHECK(strncmp((char *)list, "dev\ndev/console\netc\ninit\nlib\n", 29) == 0);
		CHECK_CONTAINS((char *)list, "\nlib/hopeless/modules.conf\n");
		CHECK_CONTAINS((char *)list, "\nnewroot\n");
		snprintf(want, sizeof(want), "\nlib/modules/%s/kernel/drivers/net/virtio_net.ko\n",
			 kver);
		CHECK_CONTAINS((char *)list, want);
		free(list);
	}
	/* A different SOURCE_DATE_EPOCH changes the bytes. */
	const char *old = getenv("SOURCE_DATE_EPOCH");
	char *saved = old ? strdup(old) : NULL;
	setenv("SOURCE_DATE_EPOCH", old && strcmp(old, "1700000000") == 0 ? "1" : "1700000000", 1);
	CHECK_INT(initramfs_build(&o, &rep, err, sizeof(err)), 0);
	if (saved)
		setenv("SOURCE_DATE_EPOCH", saved, 1);
	else
		unsetenv("SOURCE_DATE_EPOCH");
	free(saved);
	CHECK_INT(read_all(out1, &a, &la), 0);
	CHECK_INT(read_all(out2, &b, &lb), 0);
	CHECK(a && b && (la != lb || memcmp(a, b, la) != 0));
	free(a);
	free(b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	run(cmd);
}

TEST(modres_initramfs_errors)
{
	char err[256];
	char kver[128];
	if (cloud_kver(kver, sizeof(kver), harness_failed) < 0)
		return;
	struct initramfs_report rep;
	/* A dynamically linked init cannot run from the initramfs. */
	struct initramfs_opts o = {
		.root = CLOUD_ROOT, .init_path = "/bin/true",
		.out_initramfs = "/tmp/hopeless-never-written.gz",
	};
	CHECK_INT(initramfs_build(&o, &rep, err, sizeof(err)), -ENOEXEC);
	CHECK_CONTAINS(err, "static");
	CHECK(access("/tmp/hopeless-never-written.gz", F_OK) != 0);
	/* No kernel at all in the root. */
	o.root = "/nonexistent-root";
	CHECK_INT(initramfs_build(&o, &rep, err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "no kernel");
	/* A missing init. */
	o.root = CLOUD_ROOT;
	o.init_path = "/nonexistent/init";
	CHECK_INT(initramfs_build(&o, &rep, err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "/nonexistent/init");
}
