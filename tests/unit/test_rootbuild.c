/* Command lines of the root builders: what would run, checked exactly. */
#include "harness.h"
#include "rootbuild.h"
#include <errno.h>
#include <stdlib.h>

/* The argv joined with spaces, for one-line comparisons. */
static char *joined(const struct rootbuild_argv *a)
{
	static char buf[2048];
	buf[0] = '\0';
	for (size_t i = 0; i < a->n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, a->v[i]);
	}
	return buf;
}

TEST(rootbuild_tar)
{
	struct rootbuild_opts o = {.kind = ROOTBUILD_TAR, .source = "/x/root.tar.xz", .target = "/t/roots/.r.tmp"};
	struct rootbuild_argv a;
	CHECK_INT(rootbuild_argv(&o, &a), 0);
	CHECK_STR(joined(&a), "tar --numeric-owner --xattrs --xattrs-include=* --acls -xpf /x/root.tar.xz -C /t/roots/.r.tmp");
	CHECK(a.v[a.n] == NULL);
	rootbuild_argv_free(&a);
}

TEST(rootbuild_mmdebstrap)
{
	struct rootbuild_opts o = {.kind = ROOTBUILD_MMDEBSTRAP, .source = "bookworm", .target = "/t/r",
				   .variant = "minbase", .include = "systemd-sysv openssh-server,linux-image-amd64",
				   .mirror = "http://deb.debian.org/debian"};
	struct rootbuild_argv a;
	CHECK_INT(rootbuild_argv(&o, &a), 0);
	CHECK_STR(joined(&a), "mmdebstrap --variant=minbase --include=systemd-sysv,openssh-server,linux-image-amd64 "
			      "bookworm /t/r http://deb.debian.org/debian");
	rootbuild_argv_free(&a);
	struct rootbuild_opts d = {.kind = ROOTBUILD_DEBOOTSTRAP, .source = "bookworm", .target = "/t/r"};
	CHECK_INT(rootbuild_argv(&d, &a), 0);
	CHECK_STR(joined(&a), "debootstrap bookworm /t/r");
	rootbuild_argv_free(&a);
}

TEST(rootbuild_dnf)
{
	struct rootbuild_opts o = {.kind = ROOTBUILD_DNF, .source = "40", .target = "/t/r",
				   .include = "systemd,kernel dnf", .repo = "https://mirror.example/fedora/40/"};
	struct rootbuild_argv a;
	CHECK_INT(rootbuild_argv(&o, &a), 0);
	CHECK_STR(joined(&a), "dnf -y --installroot=/t/r --releasever=40 --setopt=install_weak_deps=False "
			      "--repofrompath=hopeless,https://mirror.example/fedora/40/ --repo=hopeless install "
			      "systemd kernel dnf");
	rootbuild_argv_free(&a);
	o.repo = NULL;
	CHECK_INT(rootbuild_argv(&o, &a), 0);
	CHECK_STR(joined(&a), "dnf -y --installroot=/t/r --releasever=40 --setopt=install_weak_deps=False install systemd kernel dnf");
	rootbuild_argv_free(&a);
}

TEST(rootbuild_rejects)
{
	struct rootbuild_argv a;
	struct rootbuild_opts nopk = {.kind = ROOTBUILD_DNF, .source = "40", .target = "/t/r"};
	CHECK_INT(rootbuild_argv(&nopk, &a), -EINVAL);
	rootbuild_argv_free(&a);
	struct rootbuild_opts emptypk = {.kind = ROOTBUILD_DNF, .source = "40", .target = "/t/r", .include = " , "};
	CHECK_INT(rootbuild_argv(&emptypk, &a), -EINVAL);
	rootbuild_argv_free(&a);
	struct rootbuild_opts optpk = {.kind = ROOTBUILD_DNF, .source = "40", .target = "/t/r", .include = "a,--nogpgcheck"};
	CHECK_INT(rootbuild_argv(&optpk, &a), -EINVAL);
	rootbuild_argv_free(&a);
	struct rootbuild_opts dash = {.kind = ROOTBUILD_MMDEBSTRAP, .source = "--help", .target = "/t/r"};
	CHECK_INT(rootbuild_argv(&dash, &a), -EINVAL);
	rootbuild_argv_free(&a);
	struct rootbuild_opts nl = {.kind = ROOTBUILD_MMDEBSTRAP, .source = "bookworm", .target = "/t/r", .mirror = "http://x\n"};
	CHECK_INT(rootbuild_argv(&nl, &a), -EINVAL);
	rootbuild_argv_free(&a);
	struct rootbuild_opts rel = {.kind = ROOTBUILD_TAR, .source = "x.tar", .target = "relative"};
	CHECK_INT(rootbuild_argv(&rel, &a), -EINVAL);
	rootbuild_argv_free(&a);
	/* more packages than argv slots */
	char many[4096] = "";
	for (int i = 0; i < 80; i++)
		strcat(many, "pkg,");
	struct rootbuild_opts big = {.kind = ROOTBUILD_DNF, .source = "40", .target = "/t/r", .include = many};
	CHECK_INT(rootbuild_argv(&big, &a), -E2BIG);
	rootbuild_argv_free(&a);
}

TEST(rootbuild_tools)
{
	char p[4096];
	CHECK_INT(rootbuild_find_tool("sh", p, sizeof(p)), 0);
	CHECK_CONTAINS(p, "/sh");
	CHECK_INT(rootbuild_find_tool("no-such-tool-hopeless", p, sizeof(p)), -ENOENT);
	CHECK_STR(rootbuild_tool(ROOTBUILD_DNF), "dnf");
}
