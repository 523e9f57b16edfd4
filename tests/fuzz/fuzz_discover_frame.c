/* libFuzzer target for the DHCPDISCOVER parser (lib/discover_frame.c),
 * which reads frames from anyone on the cluster segment while a discovery
 * window is open. An accepted frame must keep the parser's promises: a
 * unicast, non-zero MAC that is the frame's own source. */
#include "discover.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct discover_request r;
	for (int check = 0; check < 2; check++) {
		int rc = discover_parse_frame(data, size, check, &r);
		if (rc == -EBADMSG || rc == -ENOMSG)
			continue;
		static const uint8_t zero[6];
		if (rc != 0 || size < 14 || memcmp(r.mac, data + 6, 6) || (r.mac[0] & 1) || !memcmp(r.mac, zero, 6))
			abort();
	}
	return 0;
}
