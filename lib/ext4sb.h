/* A new file-system UUID for an ext4 image, written straight into its
 * superblocks. libext2fs' ext2fs_open2/ext2fs_close2 read every group
 * descriptor and fsync the image on close: per node, that was most of what a
 * state image cost in `node add` of 10,000 nodes. */
#ifndef HOPELESS_EXT4SB_H
#define HOPELESS_EXT4SB_H
#include <stdint.h>

/* Sets the UUID of the ext4 file system in the image fd (a regular file) to
 * uuid (16 bytes) in the primary superblock and, with backups set, in every
 * backup, each with its checksum recomputed. Backups left as they were are
 * fine for the kernel (it never reads them) and for e2fsck (-n finds the
 * file system clean; a repair run rewrites them): only a recovery from a
 * backup would bring the old UUID back, and with metadata_csum_seed no
 * checksum depends on it. Refuses (-EINVAL, nothing written) what is not
 * ext4 with 4 KiB... 64 KiB blocks, or has metadata_csum without
 * metadata_csum_seed (there every checksum derives from the UUID). Returns
 * 0, -EINVAL, or -errno of a failed read or write. No fsync: callers sync
 * once for a batch. */
int ext4sb_set_uuid(int fd, const uint8_t uuid[16], int backups);
/* A random version 4 UUID. Returns 0 or -EIO. */
int ext4sb_random_uuid(uint8_t uuid[16]);
#endif
