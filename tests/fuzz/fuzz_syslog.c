/* libFuzzer target for the strict RFC 5424 parser (lib/syslog.c), which
 * reads datagrams from anyone on the cluster network. Accepted messages
 * must keep the parser's promises (bounded, printable header fields, no
 * control characters, structured data readable by syslog_sd_get), and
 * formatting them back must give a message the parser accepts again. */
#include "syslog.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_header(const char *f, size_t max)
{
	size_t n = strnlen(f, max + 1);
	if (n == 0 || n > max)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)f[i] < 33 || (unsigned char)f[i] > 126)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct syslog_msg m, m2;
	int r = syslog_parse(data, size, &m);
	if (r == -EBADMSG || r == -EMSGSIZE)
		return 0;
	if (r != 0 || size > SYSLOG_MAX_LEN || m.pri < 0 || m.pri > 191)
		abort();
	check_header(m.timestamp, SYSLOG_TIMESTAMP_MAX);
	check_header(m.hostname, SYSLOG_HOSTNAME_MAX);
	check_header(m.app_name, SYSLOG_APPNAME_MAX);
	check_header(m.procid, SYSLOG_PROCID_MAX);
	check_header(m.msgid, SYSLOG_MSGID_MAX);
	for (const char *p = m.msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	if (strcmp(m.timestamp, "-")) {
		double e;
		if (syslog_time_parse(m.timestamp, &e) != 0)
			abort();
	}
	char v[SYSLOG_MAX_LEN];
	syslog_sd_get(&m, SYSLOG_HOPELESS_SDID, "ip", v, sizeof(v));
	syslog_sd_get(&m, "a@1", "x", v, 3);
	/* round trip: format what was parsed, parse it again, same fields */
	char buf[SYSLOG_MAX_LEN + 1];
	int n = syslog_format(buf, sizeof(buf), m.pri, m.timestamp, m.hostname, m.app_name, m.procid, m.msgid,
			      m.sd, m.msg);
	if (n == -ENOSPC)
		return 0; /* a BOM removed can not make it longer; a big MSG may not fit buf's NUL */
	if (n < 0 || syslog_parse((const uint8_t *)buf, (size_t)n, &m2) != 0)
		abort();
	if (m2.pri != m.pri || strcmp(m2.hostname, m.hostname) || strcmp(m2.msgid, m.msgid) ||
	    strcmp(m2.sd, m.sd) || strcmp(m2.msg, m.msg))
		abort();
	return 0;
}
