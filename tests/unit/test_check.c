/* The lint rules of hopeless check, each on a scratch tree made in /tmp: a
 * clean tree first, then one problem at a time. */
#include "check.h"
#include "harness.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct scratch {
	char dir[64];
	struct tree t;
};

static void put(struct scratch *s, mode_t mode, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(struct scratch *s, mode_t mode, const char *text, const char *fmt, ...)
{
	char rel[512], p[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(p, sizeof(p), "%s/%s", s->dir, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	mkdir_p(p, 0755);
	*slash = '/';
	write_file_atomic(p, text, strlen(text), mode);
}

static void mkd(struct scratch *s, const char *rel)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", s->dir, rel);
	mkdir_p(p, 0755);
}

static void node(struct scratch *s, const char *host, const char *ip, const char *mac, const char *state)
{
	char conf[256];
	snprintf(conf, sizeof(conf), "hostname = %s\nip = %s\nmac = %s\nstate = %s\nboot = ipxe\nappend = \n", host,
		 ip, mac, state);
	put(s, 0644, conf, "nodes/%s.conf", host);
	put(s, 0644, "deb\n", "clients/%s/hopeless.root", ip);
	put(s, 0644, "compute\n", "clients/%s/hopeless.overlay", ip);
	put(s, 0644, host, "clients/%s/etc/hostname", ip);
	mkd(s, "state");
	char st[64];
	snprintf(st, sizeof(st), "state/%s", ip);
	mkd(s, st);
	if (!strcmp(state, "image"))
		put(s, 0600, "ext4", "state/%s/rw.img", ip);
}

/* A clean tree: root deb with a kernel and a built initramfs, overlay
 * compute, two nodes. */
static void scratch_make(struct scratch *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/hopeless-unit-check.XXXXXX");
	if (!mkdtemp(s->dir))
		abort();
	chmod(s->dir, 0755);
	put(s, 0644, "server = 10.5.0.1\n", "hopeless.conf");
	put(s, 0644, "root\n", "meta/deb");
	put(s, 0644, "overlay\n", "meta/compute");
	put(s, 0644, "KERNEL", "roots/deb/boot/vmlinuz-6.1.0-9");
	mkd(s, "roots/deb/lib/modules/6.1.0-9");
	put(s, 0644, "debian\n", "roots/deb/etc/hostname");
	put(s, 0644, "# sshd\n", "roots/deb/etc/ssh/sshd_config");
	put(s, 0600, "KEY", "roots/deb/etc/ssh/ssh_host_ed25519_key");
	put(s, 0640, "root:*:1::::::\n", "roots/deb/etc/shadow");
	put(s, 0644, "root:x:0:\nshadow:x:42:\n", "roots/deb/etc/group");
	put(s, 0644, "127.0.0.1 localhost\n", "roots/compute/etc/hosts");
	put(s, 0644, "KERNEL", "tftp/boot/deb/vmlinuz");
	put(s, 0644, "INITRD", "tftp/boot/deb/initrd.img");
	node(s, "n1", "10.5.0.11", "52:54:00:00:00:11", "image");
	node(s, "n2", "10.5.0.12", "52:54:00:00:00:12", "tmpfs");
	char err[256];
	if (tree_open(&s->t, s->dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
}

static void scratch_free(struct scratch *s)
{
	remove_tree(s->dir);
}

/* Run every rule; the report's text, malloc'ed, and its count in *count. */
static char *run_check(struct scratch *s, size_t *count)
{
	struct check_report rep = {STRBUF_INIT, 0};
	char err[256];
	if (check_tree(&s->t, &rep, err, sizeof(err)) < 0)
		fprintf(stderr, "check_tree: %s\n", err);
	char *out = strdup(sb_str(&rep.lines));
	*count = rep.count;
	check_report_free(&rep);
	return out;
}

static void path_of(struct scratch *s, char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", s->dir, rel);
}

TEST(check_clean_tree_passes)
{
	struct scratch s;
	scratch_make(&s);
	size_t n;
	char *out = run_check(&s, &n);
	CHECK_STR(out, "");
	CHECK_INT(n, 0);
	free(out);
	scratch_free(&s);
}

TEST(check_dangling_and_swapped_names)
{
	struct scratch s;
	scratch_make(&s);
	put(&s, 0644, "nope\n", "clients/10.5.0.11/hopeless.root");
	put(&s, 0644, "deb\n", "clients/10.5.0.12/hopeless.overlay");
	mkd(&s, "roots/stray");
	size_t n;
	char *out = run_check(&s, &n);
	CHECK_CONTAINS(out, "clients/10.5.0.11/hopeless.root: 'nope' is not a registered root");
	CHECK_CONTAINS(out, "clients/10.5.0.12/hopeless.overlay: 'deb' is a root, not an overlay");
	CHECK_CONTAINS(out, "roots/stray: not registered (no meta/stray)");
	CHECK_INT(n, 3);
	free(out);
	scratch_free(&s);
}

TEST(check_duplicate_ip_and_mac)
{
	struct scratch s;
	scratch_make(&s);
	struct tree_node v[3];
	memset(v, 0, sizeof(v));
	snprintf(v[0].hostname, 64, "a");
	snprintf(v[0].ip, 16, "10.5.0.11");
	snprintf(v[0].mac, 18, "52:54:00:00:00:11");
	v[1] = v[0];
	snprintf(v[1].hostname, 64, "b");
	snprintf(v[1].mac, 18, "52:54:00:00:00:12");
	v[2] = v[0];
	snprintf(v[2].hostname, 64, "c");
	snprintf(v[2].ip, 16, "10.5.0.13");
	snprintf(v[2].mac, 18, "52-54-00-00-00-12");
	struct check_report rep = {STRBUF_INIT, 0};
	CHECK_INT(check_duplicates(v, 3, &rep), 0);
	CHECK_CONTAINS(sb_str(&rep.lines), "nodes/b.conf: address 10.5.0.11 also used by node a\n");
	CHECK_CONTAINS(sb_str(&rep.lines), "nodes/c.conf: MAC 52-54-00-00-00-12 also used by node b\n");
	CHECK_INT(rep.count, 2);
	check_report_free(&rep);
	CHECK_INT(check_duplicates(v, 1, &rep), 0);
	CHECK_INT(rep.count, 0);
	check_report_free(&rep);
	scratch_free(&s);
}

TEST(check_node_addresses_found)
{
	struct scratch s;
	scratch_make(&s);
	/* Written by hand: node add refuses these. */
	node(&s, "bcast", "10.5.0.255", "52:54:00:00:00:13", "tmpfs");
	node(&s, "zero", "10.5.0.14", "00:00:00:00:00:00", "tmpfs");
	node(&s, "head", "10.5.0.1", "52:54:00:00:00:15", "tmpfs");
	size_t n;
	char *out = run_check(&s, &n);
	CHECK_CONTAINS(out, "nodes/bcast.conf: ip: 10.5.0.255 is the broadcast address of 10.5.0.0/24\n");
	CHECK_CONTAINS(out, "nodes/zero.conf: mac: 00:00:00:00:00:00 is the all-zero MAC address");
	CHECK_CONTAINS(out, "nodes/head.conf: ip: 10.5.0.1 is the head node's own address");
	CHECK_INT(n, 3);
	free(out);
	/* In memory (the node file parser already refuses multicast MACs). */
	struct tree_node v[2];
	memset(v, 0, sizeof(v));
	snprintf(v[0].hostname, 64, "a");
	snprintf(v[0].ip, 16, "127.0.0.1");
	snprintf(v[0].mac, 18, "01:00:5e:00:00:01");
	snprintf(v[1].hostname, 64, "b");
	snprintf(v[1].ip, 16, "10.5.0.20");
	snprintf(v[1].mac, 18, "52:54:00:00:00:20");
	struct check_report rep = {STRBUF_INIT, 0};
	CHECK_INT(check_node_addresses(&s.t, v, 2, &rep), 0);
	CHECK_STR(sb_str(&rep.lines), "nodes/a.conf: ip: 127.0.0.1 is a loopback address (127.0.0.0/8)\n"
				      "nodes/a.conf: mac: 01:00:5e:00:00:01 is a multicast MAC address "
				      "(lowest bit of the first octet set)\n");
	CHECK_INT(rep.count, 2);
	check_report_free(&rep);
	scratch_free(&s);
}

TEST(check_kernel_and_initramfs)
{
	struct scratch s;
	scratch_make(&s);
	char p[1024], q[1024];
	size_t n;
	/* stale: the root's kernel changed since the build */
	put(&s, 0644, "KERNEL2", "roots/deb/boot/vmlinuz-6.1.0-9");
	char *out = run_check(&s, &n);
	CHECK_CONTAINS(out, "tftp/boot/deb: initramfs older than the root's kernel 6.1.0-9");
	free(out);
	/* stale by time: same bytes, but the kernel is newer than the initrd */
	put(&s, 0644, "KERNEL2", "tftp/boot/deb/vmlinuz");
	path_of(&s, p, sizeof(p), "tftp/boot/deb/initrd.img");
	struct timespec old[2] = {{1000, 0}, {1000, 0}};
	utimensat(AT_FDCWD, p, old, 0);
	out = run_check(&s, &n);
	CHECK_CONTAINS(out, "initramfs older than the root's kernel");
	free(out);
	/* not built */
	unlink(p);
	out = run_check(&s, &n);
	CHECK_CONTAINS(out, "tftp/boot/deb: no initramfs built");
	CHECK_INT(n, 1);
	free(out);
	/* no kernel at all */
	path_of(&s, p, sizeof(p), "roots/deb/boot/vmlinuz-6.1.0-9");
	path_of(&s, q, sizeof(q), "roots/deb/boot/old-vmlinuz");
	rename(p, q);
	out = run_check(&s, &n);
	CHECK_CONTAINS(out, "roots/deb: no kernel (boot/vmlinuz-<version> with lib/modules/<version>) for 2 node(s)");
	CHECK_INT(n, 1);
	free(out);
	scratch_free(&s);
}

TEST(check_state_images_missing_and_shared)
{
	struct scratch s;
	scratch_make(&s);
	char a[1024], b[1024];
	size_t n;
	path_of(&s, a, sizeof(a), "state/10.5.0.11/rw.img");
	path_of(&s, b, sizeof(b), "state/10.5.0.12/rw.img");
	/* n2 turns to state=image sharing n1's image through a hard link */
	node(&s, "n2", "10.5.0.12", "52:54:00:00:00:12", "image");
	unlink(b);
	CHECK_INT(link(a, b), 0);
	char *out = run_check(&s, &n);
	CHECK_CONTAINS(out, "state/10.5.0.12/rw.img: the same image as state/10.5.0.11/rw.img");
	CHECK_CONTAINS(out, "state/10.5.0.11/rw.img: has 2 hard links");
	free(out);
	/* the same through a symbolic link */
	unlink(b);
	CHECK_INT(symlink(a, b), 0);
	out = run_check(&s, &n);
	CHECK_CONTAINS(out, "state/10.5.0.12/rw.img: a symbolic link");
	CHECK_CONTAINS(out, "the same image as state/10.5.0.11/rw.img");
	free(out);
	unlink(b);
	out = run_check(&s, &n);
	CHECK_CONTAINS(out, "state/10.5.0.12/rw.img: missing, and node n2 has state=image");
	CHECK_INT(n, 1);
	free(out);
	scratch_free(&s);
}

TEST(check_orphans_found)
{
	struct scratch s;
	scratch_make(&s);
	mkd(&s, "state/10.5.0.99");
	mkd(&s, "clients/10.5.0.98");
	size_t n;
	char *out = run_check(&s, &n);
	CHECK_CONTAINS(out, "state/10.5.0.99: orphan");
	CHECK_CONTAINS(out, "clients/10.5.0.98: orphan");
	CHECK_INT(n, 2);
	free(out);
	scratch_free(&s);
}

TEST(check_shadow_typos_only)
{
	struct scratch s;
	scratch_make(&s);
	size_t n;
	/* new files in existing directories are normal: no report */
	put(&s, 0644, "x", "clients/10.5.0.11/etc/cluster-motd");
	put(&s, 0644, "x", "roots/compute/etc/ssh/sshd_config.d-local");
	put(&s, 0644, "x", "clients/10.5.0.11/opt/app/conf");
	char *out = run_check(&s, &n);
	CHECK_STR(out, "");
	free(out);
	put(&s, 0644, "n1\n", "clients/10.5.0.11/etc/hostnme");
	put(&s, 0644, "x", "roots/compute/etc/ssh/sshd_cofnig");
	out = run_check(&s, &n);
	CHECK_CONTAINS(out, "clients/10.5.0.11/etc/hostnme: shadows nothing in the layers below: a typo of etc/hostname?");
	CHECK_CONTAINS(out, "roots/compute/etc/ssh/sshd_cofnig: shadows nothing in the layers below: a typo of etc/ssh/sshd_config?");
	CHECK_INT(n, 2);
	free(out);
	scratch_free(&s);
}

TEST(check_edit_distance_bounds)
{
	CHECK_INT(check_edit_distance("hostname", "hostname", 2), 0);
	CHECK_INT(check_edit_distance("hostnme", "hostname", 2), 1);
	CHECK_INT(check_edit_distance("hostnaem", "hostname", 2), 1);
	CHECK_INT(check_edit_distance("passwd", "group", 2), 3);
	CHECK_INT(check_edit_distance("a", "abcdef", 2), 3);
}

TEST(check_permissions_leaks)
{
	struct scratch s;
	scratch_make(&s);
	char p[1024];
	size_t n;
	/* the distribution's own modes pass: sticky tmp, shadow 0640 group shadow */
	mkd(&s, "roots/deb/tmp");
	path_of(&s, p, sizeof(p), "roots/deb/tmp");
	chmod(p, 01777);
	char *out = run_check(&s, &n);
	CHECK_STR(out, "");
	free(out);
	path_of(&s, p, sizeof(p), "roots/compute/etc/hosts");
	chmod(p, 0666);
	mkd(&s, "roots/compute/srv");
	path_of(&s, p, sizeof(p), "roots/compute/srv");
	chmod(p, 0777);
	path_of(&s, p, sizeof(p), "roots/deb/etc/ssh/ssh_host_ed25519_key");
	chmod(p, 0644);
	path_of(&s, p, sizeof(p), "roots/deb/etc/shadow");
	chmod(p, 0644);
	path_of(&s, p, sizeof(p), "state/10.5.0.11/rw.img");
	chmod(p, 0644);
	/* a symbolic link's mode means nothing */
	path_of(&s, p, sizeof(p), "roots/deb/etc/mtab");
	CHECK_INT(symlink("/proc/self/mounts", p), 0);
	out = run_check(&s, &n);
	CHECK_CONTAINS(out, "roots/compute/etc/hosts: world-writable (mode 0666)");
	CHECK_CONTAINS(out, "roots/compute/srv: world-writable directory without the sticky bit (mode 0777)");
	CHECK_CONTAINS(out, "roots/deb/etc/ssh/ssh_host_ed25519_key: private key readable by group or others (mode 0644)");
	CHECK_CONTAINS(out, "roots/deb/etc/shadow: password hashes readable beyond root and group shadow (mode 0644");
	CHECK_CONTAINS(out, "state/10.5.0.11/rw.img: a node's writable layer open to others (mode 0644)");
	CHECK_INT(n, 5);
	free(out);
	scratch_free(&s);
}
