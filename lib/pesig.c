/* PE/COFF: is an Authenticode signature attached? (see pesig.h) */
#include "pesig.h"
#include <errno.h>

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

/* Offsets in the PE format (Microsoft's "PE Format" specification):
 * e_lfanew at 0x3c in the MZ header; "PE\0\0", then the 20-byte COFF
 * header whose SizeOfOptionalHeader is at 16; the optional header's
 * NumberOfRvaAndSizes at 92 (PE32) or 108 (PE32+), the data directories
 * (8 bytes each: address, size) right after it. For the Certificate Table
 * the address is a file offset, not an RVA. */
#define PE_CERT_DIR 4

int pe_signature_present(const uint8_t *buf, size_t len)
{
	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return -EINVAL;
	uint64_t pe = le32(buf + 0x3c);
	if (pe + 24 > len || buf[pe] != 'P' || buf[pe + 1] != 'E' || buf[pe + 2] || buf[pe + 3])
		return -EINVAL;
	uint64_t opt = pe + 24, optlen = le16(buf + pe + 4 + 16);
	if (optlen < 2 || opt + optlen > len)
		return -EINVAL;
	uint32_t magic = le16(buf + opt);
	uint64_t dirs = magic == 0x10b ? 96 : magic == 0x20b ? 112 : 0;
	if (!dirs || optlen < dirs)
		return -EINVAL;
	uint32_t ndirs = le32(buf + opt + dirs - 4);
	if (ndirs <= PE_CERT_DIR)
		return 0;
	uint64_t entry = dirs + 8 * PE_CERT_DIR;
	if (entry + 8 > optlen)
		return -EINVAL;
	uint64_t at = le32(buf + opt + entry), size = le32(buf + opt + entry + 4);
	if (size == 0)
		return 0;
	return at + size > len ? -EINVAL : 1;
}
