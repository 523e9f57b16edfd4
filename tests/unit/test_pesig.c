/* pe_signature_present on crafted PE/COFF headers. */
#include "pesig.h"
#include "harness.h"
#include <errno.h>

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

enum { PE_AT = 0x80, IMG_LEN = 1024 };

/* An image with a PE32+ (or PE32) optional header of ndirs data
 * directories and a certificate table of cert_size bytes at cert_at. */
static void image(uint8_t *b, int pe32plus, uint32_t ndirs, uint32_t cert_at, uint32_t cert_size)
{
	memset(b, 0, IMG_LEN);
	b[0] = 'M';
	b[1] = 'Z';
	put32(b + 0x3c, PE_AT);
	memcpy(b + PE_AT, "PE\0\0", 4);
	uint32_t dirs = pe32plus ? 112 : 96;
	put16(b + PE_AT + 4 + 16, dirs + 16 * 8); /* SizeOfOptionalHeader */
	uint8_t *opt = b + PE_AT + 24;
	put16(opt, pe32plus ? 0x20b : 0x10b);
	put32(opt + dirs - 4, ndirs);
	put32(opt + dirs + 4 * 8, cert_at);
	put32(opt + dirs + 4 * 8 + 4, cert_size);
}

TEST(pesig_signed_and_unsigned)
{
	static uint8_t b[IMG_LEN];
	image(b, 1, 16, 768, 256);
	CHECK_INT(pe_signature_present(b, sizeof(b)), 1);
	image(b, 0, 16, 768, 256); /* PE32: the directories start earlier */
	CHECK_INT(pe_signature_present(b, sizeof(b)), 1);
	image(b, 1, 16, 0, 0); /* no certificate table */
	CHECK_INT(pe_signature_present(b, sizeof(b)), 0);
	image(b, 1, 4, 768, 256); /* too few directories to have one */
	CHECK_INT(pe_signature_present(b, sizeof(b)), 0);
}

TEST(pesig_refuses_what_is_not_pe)
{
	static uint8_t b[IMG_LEN];
	image(b, 1, 16, 768, 256);
	CHECK_INT(pe_signature_present(b, 0x3f), -EINVAL); /* shorter than the MZ header */
	CHECK_INT(pe_signature_present(b, PE_AT + 100), -EINVAL); /* optional header cut */
	image(b, 1, 16, 900, 256); /* certificate table past the end */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
	image(b, 1, 16, 0xffffff00u, 0x200); /* offset + size wraps 32 bits */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
	image(b, 1, 16, 768, 256);
	b[0] = 0x7f; /* an ELF, say */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
	image(b, 1, 16, 768, 256);
	put32(b + 0x3c, 0xfffffff0u); /* e_lfanew out of the file */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
	image(b, 1, 16, 768, 256);
	b[PE_AT + 2] = 'X'; /* no PE signature */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
	image(b, 1, 16, 768, 256);
	put16(b + PE_AT + 24, 0x107); /* a ROM image's magic */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
	image(b, 1, 16, 768, 256);
	put16(b + PE_AT + 4 + 16, 100); /* optional header shorter than its directories */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
	put16(b + PE_AT + 4 + 16, 112 + 4 * 8 + 4); /* ends inside the certificate entry */
	CHECK_INT(pe_signature_present(b, sizeof(b)), -EINVAL);
}
