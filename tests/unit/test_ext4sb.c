/* The superblock UUID writer against e2fsprogs itself: after
 * ext4sb_set_uuid, e2fsck -fn must find the image clean, dumpe2fs must show
 * the new UUID in the primary superblock and in a backup, and what is not an
 * image it can handle must be refused untouched. */
#include "ext4sb.h"
#include "harness.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int mkfs(const char *img, const char *size, const char *features)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -f %s && truncate -s %s %s && mkfs.ext4 -q -F -O %s %s >/dev/null 2>&1", img,
		 size, img, features, img);
	return system(cmd);
}

/* dumpe2fs' "Filesystem UUID" of the superblock at block sb (0: primary). */
static int uuid_at(const char *img, int sb, char *out, size_t cap)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "dumpe2fs -h %s%d %s 2>/dev/null | awk '/^Filesystem UUID/{print $3}'",
		 sb ? "-o blocksize=4096 -o superblock=" : "-o superblock=", sb, img);
	if (!sb)
		snprintf(cmd, sizeof(cmd), "dumpe2fs -h %s 2>/dev/null | awk '/^Filesystem UUID/{print $3}'", img);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char *ok = fgets(out, (int)cap, p);
	pclose(p);
	if (!ok)
		return -1;
	out[strcspn(out, "\n")] = 0;
	return 0;
}

TEST(ext4sb_new_uuid_e2fsprogs_agrees)
{
	if (system("command -v mkfs.ext4 >/dev/null && command -v dumpe2fs >/dev/null") != 0)
		return;
	char img[] = "/tmp/hopeless-ext4sb-XXXXXX";
	int fd = mkstemp(img);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(mkfs(img, "1G", "metadata_csum_seed,^resize_inode"), 0);
	fd = open(img, O_RDWR);
	CHECK(fd >= 0);
	const uint8_t uuid[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
				  0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	CHECK_INT(ext4sb_set_uuid(fd, uuid, 1), 0);
	close(fd);
	char got[64] = "";
	CHECK_INT(uuid_at(img, 0, got, sizeof(got)), 0);
	CHECK_STR(got, "12345678-9abc-4def-8123-456789abcdef");
	/* Group 1's backup (32768 blocks of 4 KiB per group) and group 7's. */
	CHECK_INT(uuid_at(img, 32768, got, sizeof(got)), 0);
	CHECK_STR(got, "12345678-9abc-4def-8123-456789abcdef");
	CHECK_INT(uuid_at(img, 7 * 32768, got, sizeof(got)), 0);
	CHECK_STR(got, "12345678-9abc-4def-8123-456789abcdef");
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/dev/null 2>&1", img);
	CHECK_INT(system(cmd), 0);

	/* Primary only: the backups keep theirs, e2fsck -n finds it clean. */
	const uint8_t other[16] = {0xaa, 0xbb, 0xcc, 0xdd, 0, 1, 0x42, 3, 0x84, 5, 6, 7, 8, 9, 10, 11};
	fd = open(img, O_RDWR);
	CHECK_INT(ext4sb_set_uuid(fd, other, 0), 0);
	close(fd);
	CHECK_INT(uuid_at(img, 0, got, sizeof(got)), 0);
	CHECK_STR(got, "aabbccdd-0001-4203-8405-060708090a0b");
	CHECK_INT(uuid_at(img, 32768, got, sizeof(got)), 0);
	CHECK_STR(got, "12345678-9abc-4def-8123-456789abcdef");
	CHECK_INT(system(cmd), 0);

	/* A small image: mkfs makes 1 KiB blocks, the superblock is block 1
	 * and group 1's backup is at block 8193. */
	CHECK_INT(mkfs(img, "16M", "metadata_csum_seed"), 0);
	fd = open(img, O_RDWR);
	CHECK_INT(ext4sb_set_uuid(fd, uuid, 1), 0);
	close(fd);
	CHECK_INT(uuid_at(img, 0, got, sizeof(got)), 0);
	CHECK_STR(got, "12345678-9abc-4def-8123-456789abcdef");
	snprintf(cmd, sizeof(cmd),
		 "dumpe2fs -h -o blocksize=1024 -o superblock=8193 %s 2>/dev/null | grep -q 'UUID: *12345678-9abc'", img);
	CHECK_INT(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/dev/null 2>&1", img);
	CHECK_INT(system(cmd), 0);

	/* metadata_csum without the seed: refused, nothing written. */
	CHECK_INT(mkfs(img, "1G", "^metadata_csum_seed"), 0);
	snprintf(cmd, sizeof(cmd), "cp %s %s.before", img, img);
	CHECK_INT(system(cmd), 0);
	fd = open(img, O_RDWR);
	CHECK_INT(ext4sb_set_uuid(fd, uuid, 1), -22);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s.before", img, img);
	CHECK_INT(system(cmd), 0);
	/* Not a file system at all. */
	snprintf(cmd, sizeof(cmd), "rm -f %s.before && truncate -s 0 %s && truncate -s 1M %s", img, img, img);
	CHECK_INT(system(cmd), 0);
	fd = open(img, O_RDWR);
	CHECK_INT(ext4sb_set_uuid(fd, uuid, 1), -22);
	close(fd);
	unlink(img);
}

TEST(ext4sb_random_uuid_is_version_4)
{
	uint8_t a[16], b[16];
	CHECK_INT(ext4sb_random_uuid(a), 0);
	CHECK_INT(ext4sb_random_uuid(b), 0);
	CHECK_INT(a[6] >> 4, 4);
	CHECK_INT(a[8] >> 6, 2);
	CHECK(memcmp(a, b, 16) != 0);
}
