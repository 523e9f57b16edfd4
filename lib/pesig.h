/* Whether a PE/COFF image (an EFI-stub kernel, a boot loader) carries an
 * Authenticode signature: the Certificate Table, data directory 4 of the
 * optional header, has a non-zero size. A check for presence only: nothing
 * is verified (shim and the firmware do that at boot), so a signature by an
 * unknown key passes here and fails at boot. */
#ifndef HOPELESS_PESIG_H
#define HOPELESS_PESIG_H
#include <stddef.h>
#include <stdint.h>

/* 1: a signature is attached; 0: none; -EINVAL: not a PE image, or its
 * headers or certificate table point past the end of buf. */
int pe_signature_present(const uint8_t *buf, size_t len);

#endif
