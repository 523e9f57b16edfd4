/* libFuzzer target for the init's DHCP parsers. The input is tried as a
 * whole Ethernet frame and as a bare DHCP message. The xid and MAC to match
 * are taken from the input itself (where a reply would carry them), so the
 * fuzzer reaches the option parser without guessing them; a fixed pair is
 * tried as well. Every accepted lease is checked for the promises the
 * parser makes to its callers. */
#include "dhcp.h"
#include "validate.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_lease(const struct dhcp_lease *l)
{
	if (memchr(l->hostname, '\0', sizeof(l->hostname)) == NULL ||
	    memchr(l->root_path, '\0', sizeof(l->root_path)) == NULL)
		abort();
	if (l->hostname[0] && validate_hostname(l->hostname, NULL) != 0)
		abort();
	for (const char *c = l->root_path; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f || *c == ',')
			abort();
	if (strstr(l->root_path, ".."))
		abort();
	if (l->n_dns < 0 || l->n_dns > 3)
		abort();
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void try_msg(const uint8_t *msg, size_t len, int frame)
{
	static const uint8_t fixed_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	struct dhcp_lease l;
	int r = frame ? dhcp_parse_frame(msg, len, 0x1234abcdu, fixed_mac, &l)
		      : dhcp_parse(msg, len, 0x1234abcdu, fixed_mac, &l);
	if (r == 0)
		check_lease(&l);
	else if (r != -EBADMSG && r != -ENOMSG)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_lease l;
	try_msg(data, size, 0);
	try_msg(data, size, 1);

	/* As a bare message with its own xid and chaddr. */
	if (size >= 34) {
		int r = dhcp_parse(data, size, be32(data + 4), data + 28, &l);
		if (r == 0)
			check_lease(&l);
	}
	/* As a frame, assuming a 20-byte IP header. */
	size_t off = 14 + 20 + 8;
	if (size >= off + 34) {
		int r = dhcp_parse_frame(data, size, be32(data + off + 4), data + off + 28, &l);
		if (r == 0)
			check_lease(&l);
	}

	/* The builders with a fuzzed host name must stay in bounds. */
	char name[300];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, n);
	name[n] = '\0';
	uint8_t buf[600], frame[700];
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	int m = dhcp_build_request(buf, sizeof(buf), 1, mac, 2, 3, name);
	if (m > 0 && dhcp_build_frame(frame, sizeof(frame), mac, buf, (size_t)m) < 0)
		abort();
	return 0;
}
