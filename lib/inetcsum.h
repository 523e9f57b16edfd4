/* The Internet checksum (RFC 1071) of IPv4 and UDP headers, shared by the
 * node's DHCP client (init/dhcp.c) and the head node's discovery listener
 * (lib/discover_frame.c). */
#ifndef HOPELESS_INETCSUM_H
#define HOPELESS_INETCSUM_H
#include <stddef.h>
#include <stdint.h>

/* Adds n bytes as big-endian 16-bit words (an odd last byte padded) to sum. */
uint32_t inet_csum_add(uint32_t sum, const uint8_t *p, size_t n);
/* Folds the carries into 16 bits: 0xffff over data with a valid checksum. */
uint16_t inet_csum_fold(uint32_t sum);
#endif
