/* See ext4sb.h. The on-disk superblock is little-endian and so is every
 * host hopeless runs on (x86-64, arm64); the layout and the checksum come
 * from libext2fs (struct ext2_super_block, ext2fs_crc32c_le). */
#include "ext4sb.h"
#include <endian.h>
#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#if __BYTE_ORDER != __LITTLE_ENDIAN
#error "ext4sb.c writes little-endian superblocks in host order"
#endif

enum { SB_OFFSET = 1024, SB_SIZE = 1024 };

/* Whether group g holds a backup superblock (sparse_super: 0, 1 and the
 * powers of 3, 5 and 7; without it, every group). */
static int has_backup(uint64_t g, int sparse)
{
	if (!sparse || g <= 1)
		return 1;
	for (uint64_t p = 3; p <= g; p *= 3)
		if (p == g)
			return 1;
	for (uint64_t p = 5; p <= g; p *= 5)
		if (p == g)
			return 1;
	for (uint64_t p = 7; p <= g; p *= 7)
		if (p == g)
			return 1;
	return 0;
}

static int read_sb(int fd, off_t off, struct ext2_super_block *sb)
{
	ssize_t n = pread(fd, sb, SB_SIZE, off);
	if (n < 0)
		return -errno;
	return n == SB_SIZE && sb->s_magic == EXT2_SUPER_MAGIC ? 0 : -EINVAL;
}

static int write_sb(int fd, off_t off, struct ext2_super_block *sb, const uint8_t uuid[16], int csum)
{
	memcpy(sb->s_uuid, uuid, 16);
	if (csum)
		sb->s_checksum = ext2fs_crc32c_le(~0U, (unsigned char *)sb, offsetof(struct ext2_super_block, s_checksum));
	ssize_t n = pwrite(fd, sb, SB_SIZE, off);
	return n == SB_SIZE ? 0 : n < 0 ? -errno : -EIO;
}

/* The byte offsets of the backups, checked (magic, group number) before
 * anything is written. Returns how many, or -EINVAL. */
static int backup_offsets(int fd, const struct ext2_super_block *sb, off_t *offs, int cap)
{
	uint64_t bsize = 1024ULL << sb->s_log_block_size;
	uint64_t blocks = sb->s_blocks_count | (uint64_t)sb->s_blocks_count_hi << 32;
	if (!(sb->s_feature_incompat & EXT4_FEATURE_INCOMPAT_64BIT))
		blocks = sb->s_blocks_count;
	uint64_t bpg = sb->s_blocks_per_group;
	if (bsize > 65536 || bpg == 0 || blocks <= sb->s_first_data_block)
		return -EINVAL;
	uint64_t groups = (blocks - sb->s_first_data_block + bpg - 1) / bpg;
	int sparse = !!(sb->s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER);
	int n = 0;
	for (uint64_t g = 1; g < groups; g++) {
		if (!has_backup(g, sparse))
			continue;
		struct ext2_super_block b;
		off_t off = (off_t)((g * bpg + sb->s_first_data_block) * bsize);
		if (n == cap || read_sb(fd, off, &b) < 0 || b.s_block_group_nr != g)
			return -EINVAL;
		offs[n++] = off;
	}
	return n;
}

int ext4sb_set_uuid(int fd, const uint8_t uuid[16], int backups)
{
	struct ext2_super_block sb;
	int r = read_sb(fd, SB_OFFSET, &sb);
	if (r < 0)
		return r;
	int csum = !!(sb.s_feature_ro_compat & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM);
	if (csum && !(sb.s_feature_incompat & EXT4_FEATURE_INCOMPAT_CSUM_SEED))
		return -EINVAL;
	if (sb.s_feature_compat & EXT4_FEATURE_COMPAT_SPARSE_SUPER2)
		return -EINVAL;
	off_t offs[64];
	int n = backups ? backup_offsets(fd, &sb, offs, 64) : 0;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct ext2_super_block b;
		if ((r = read_sb(fd, offs[i], &b)) < 0 || (r = write_sb(fd, offs[i], &b, uuid, csum)) < 0)
			return r;
	}
	/* The primary last: what mount and e2fsck read first. */
	return write_sb(fd, SB_OFFSET, &sb, uuid, csum);
}

int ext4sb_random_uuid(uint8_t uuid[16])
{
	if (getrandom(uuid, 16, 0) != 16)
		return -EIO;
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
	return 0;
}
