/* RFC 5424 formatting and the strict parser (lib/syslog.c). */
#include "harness.h"
#include "syslog.h"
#include <errno.h>
#include <stdlib.h>

static struct syslog_msg m;

static int parse(const char *s)
{
	return syslog_parse((const uint8_t *)s, strlen(s), &m);
}

TEST(syslog_parse_full)
{
	CHECK_INT(parse("<29>1 2024-05-01T12:00:00.123Z node1 hopeless-init 1 dhcp "
			"[hopeless@32473 phase=\"dhcp\" ip=\"10.0.0.11\"] address 10.0.0.11"), 0);
	CHECK_INT(m.pri, 29);
	CHECK_STR(m.timestamp, "2024-05-01T12:00:00.123Z");
	CHECK_STR(m.hostname, "node1");
	CHECK_STR(m.app_name, "hopeless-init");
	CHECK_STR(m.procid, "1");
	CHECK_STR(m.msgid, "dhcp");
	CHECK_STR(m.msg, "address 10.0.0.11");
	char v[64];
	CHECK_INT(syslog_sd_get(&m, SYSLOG_HOPELESS_SDID, "ip", v, sizeof(v)), 0);
	CHECK_STR(v, "10.0.0.11");
	CHECK_INT(syslog_sd_get(&m, SYSLOG_HOPELESS_SDID, "mac", v, sizeof(v)), -ENOENT);
	CHECK_INT(syslog_sd_get(&m, "other@1", "ip", v, sizeof(v)), -ENOENT);
	CHECK_INT(syslog_sd_get(&m, SYSLOG_HOPELESS_SDID, "ip", v, 4), -ENOSPC);
}

TEST(syslog_parse_nil_and_no_msg)
{
	CHECK_INT(parse("<0>1 - - - - - -"), 0);
	CHECK_INT(m.pri, 0);
	CHECK_STR(m.hostname, "-");
	CHECK_STR(m.sd, "-");
	CHECK_STR(m.msg, "");
	CHECK_INT(parse("<191>1 - h a p m - "), 0); /* SP then an empty MSG */
	CHECK_INT(m.pri, 191);
}

TEST(syslog_parse_pri_and_version)
{
	CHECK_INT(parse("<192>1 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("<01>1 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("<>1 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("<1000>1 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("<-1>1 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("13>1 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("<13>2 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("<13>10 - - - - - -"), -EBADMSG);
	CHECK_INT(parse("<13> - - - - - -"), -EBADMSG);
	/* RFC 3164 style is not RFC 5424 */
	CHECK_INT(parse("<13>May  1 12:00:00 node1 init: hello"), -EBADMSG);
}

TEST(syslog_parse_timestamps)
{
	CHECK_INT(parse("<13>1 2024-02-29T23:59:59+01:00 h a p m -"), 0);
	CHECK_INT(parse("<13>1 2024-05-01T12:00:00.123456-05:30 h a p m -"), 0);
	CHECK_INT(parse("<13>1 2023-02-29T00:00:00Z h a p m -"), -EBADMSG);   /* not a leap year */
	CHECK_INT(parse("<13>1 2024-13-01T00:00:00Z h a p m -"), -EBADMSG);
	CHECK_INT(parse("<13>1 2024-05-01T24:00:00Z h a p m -"), -EBADMSG);
	CHECK_INT(parse("<13>1 2024-05-01T12:00:60Z h a p m -"), -EBADMSG);   /* no leap seconds */
	CHECK_INT(parse("<13>1 2024-05-01T12:00:00.1234567Z h a p m -"), -EBADMSG);
	CHECK_INT(parse("<13>1 2024-05-01T12:00:00. h a p m -"), -EBADMSG);
	CHECK_INT(parse("<13>1 2024-05-01t12:00:00Z h a p m -"), -EBADMSG);
	CHECK_INT(parse("<13>1 2024-05-01T12:00:00 h a p m -"), -EBADMSG);    /* no offset */
	CHECK_INT(parse("<13>1 2024-5-01T12:00:00Z h a p m -"), -EBADMSG);
	double e = 0;
	CHECK_INT(syslog_time_parse("1970-01-01T00:00:00Z", &e), 0);
	CHECK(e == 0);
	CHECK_INT(syslog_time_parse("2024-05-01T12:00:00+02:00", &e), 0);
	CHECK(e == 1714557600.0);
	char ts[40];
	CHECK(syslog_timestamp(1714557600.25, ts, sizeof(ts)) > 0);
	CHECK_STR(ts, "2024-05-01T10:00:00.250Z");
	CHECK_INT(syslog_time_parse(ts, &e), 0);
	CHECK(e == 1714557600.25);
}

static void field(char *buf, size_t len, char c)
{
	memset(buf, c, len);
	buf[len] = '\0';
}

TEST(syslog_parse_field_lengths)
{
	char f[300], line[600];
	field(f, 255, 'h');
	snprintf(line, sizeof(line), "<13>1 - %s a p m -", f);
	CHECK_INT(parse(line), 0);
	field(f, 256, 'h');
	snprintf(line, sizeof(line), "<13>1 - %s a p m -", f);
	CHECK_INT(parse(line), -EBADMSG);
	field(f, 48, 'a');
	snprintf(line, sizeof(line), "<13>1 - h %s p m -", f);
	CHECK_INT(parse(line), 0);
	field(f, 49, 'a');
	snprintf(line, sizeof(line), "<13>1 - h %s p m -", f);
	CHECK_INT(parse(line), -EBADMSG);
	field(f, 128, 'p');
	snprintf(line, sizeof(line), "<13>1 - h a %s m -", f);
	CHECK_INT(parse(line), 0);
	field(f, 129, 'p');
	snprintf(line, sizeof(line), "<13>1 - h a %s m -", f);
	CHECK_INT(parse(line), -EBADMSG);
	field(f, 32, 'm');
	snprintf(line, sizeof(line), "<13>1 - h a p %s -", f);
	CHECK_INT(parse(line), 0);
	field(f, 33, 'm');
	snprintf(line, sizeof(line), "<13>1 - h a p %s -", f);
	CHECK_INT(parse(line), -EBADMSG);
	/* SD-NAME at most 32 */
	field(f, 33, 'x');
	snprintf(line, sizeof(line), "<13>1 - h a p m [a@1 %s=\"v\"]", f);
	CHECK_INT(parse(line), -EBADMSG);
}

TEST(syslog_parse_header_charset)
{
	CHECK_INT(parse("<13>1 - no\tde a p m -"), -EBADMSG);
	CHECK_INT(parse("<13>1 - n\x7f" "de a p m -"), -EBADMSG);
	CHECK_INT(parse("<13>1 - n\xc3\xa9 a p m -"), -EBADMSG); /* not US-ASCII */
	CHECK_INT(parse("<13>1 -  h a p m -"), -EBADMSG);        /* empty field */
	CHECK_INT(parse("<13>1 - h a p m"), -EBADMSG);           /* no SD */
	CHECK_INT(parse("<13>1 - h a p m  msg"), -EBADMSG);
	CHECK_INT(syslog_parse((const uint8_t *)"<13>1 - h\0 a p m -", 18, &m), -EBADMSG);
}

TEST(syslog_parse_structured_data)
{
	CHECK_INT(parse("<13>1 - h a p m [a@1 x=\"q\\\"uote \\\\ \\] back\\slash\"][b@2][timeQuality tzKnown=\"0\"] m"), 0);
	char v[64];
	CHECK_INT(syslog_sd_get(&m, "a@1", "x", v, sizeof(v)), 0);
	CHECK_STR(v, "q\"uote \\ ] back\\slash");
	CHECK_INT(syslog_sd_get(&m, "timeQuality", "tzKnown", v, sizeof(v)), 0);
	CHECK_STR(v, "0");
	CHECK_INT(parse("<13>1 - h a p m [a@1 x=\"]\"]"), -EBADMSG);      /* ] must be escaped */
	CHECK_INT(parse("<13>1 - h a p m [a@1 x=\"v]"), -EBADMSG);       /* unterminated */
	CHECK_INT(parse("<13>1 - h a p m [a@1 x=v]"), -EBADMSG);         /* unquoted */
	CHECK_INT(parse("<13>1 - h a p m [a@1][a@1]"), -EBADMSG);        /* duplicate SD-ID */
	CHECK_INT(parse("<13>1 - h a p m [unregistered]"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@]"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@1..2]"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@1.2]"), 0);
	CHECK_INT(parse("<13>1 - h a p m [a@1 =\"v\"]"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@1  x=\"v\"]"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@1 x=\"a\nb\"]"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@1 x=\"\xff\"]"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@1 x=\"\\"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m [a@1]x"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m -x"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m ["), -EBADMSG);
}

TEST(syslog_parse_msg_utf8)
{
	CHECK_INT(parse("<13>1 - h a p m - \xef\xbb\xbf" "caf\xc3\xa9"), 0);
	CHECK_STR(m.msg, "caf\xc3\xa9"); /* BOM removed */
	CHECK_INT(parse("<13>1 - h a p m - caf\xc3\xa9 \xf0\x9f\x98\x80"), 0);
	CHECK_INT(parse("<13>1 - h a p m - \xc3"), -EBADMSG);             /* truncated */
	CHECK_INT(parse("<13>1 - h a p m - \xc0\xaf"), -EBADMSG);         /* overlong */
	CHECK_INT(parse("<13>1 - h a p m - \xed\xa0\x80"), -EBADMSG);     /* surrogate */
	CHECK_INT(parse("<13>1 - h a p m - \xf4\x90\x80\x80"), -EBADMSG); /* > U+10FFFF */
	CHECK_INT(parse("<13>1 - h a p m - two\nlines"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m - trailing newline\n"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m - \x1b[31mred"), -EBADMSG);
	CHECK_INT(parse("<13>1 - h a p m - \xc2\x9b" "31m"), -EBADMSG);   /* C1 CSI */
}

TEST(syslog_parse_sizes)
{
	char *big = malloc(SYSLOG_MAX_LEN + 2);
	const char *head = "<13>1 - h a p m - ";
	size_t hl = strlen(head);
	memcpy(big, head, hl);
	memset(big + hl, 'x', SYSLOG_MAX_LEN + 1 - hl);
	CHECK_INT(syslog_parse((const uint8_t *)big, SYSLOG_MAX_LEN, &m), 0);
	CHECK_INT(syslog_parse((const uint8_t *)big, SYSLOG_MAX_LEN + 1, &m), -EMSGSIZE);
	CHECK_INT(syslog_parse((const uint8_t *)big, 0, &m), -EBADMSG);
	for (size_t n = 1; n + 1 < hl; n++) /* every truncation before the SD is refused */
		CHECK_INT(syslog_parse((const uint8_t *)head, n, &m), -EBADMSG);
	free(big);
}

TEST(syslog_format_round_trip)
{
	char sd[256] = "", buf[SYSLOG_MAX_LEN + 1];
	CHECK_INT(syslog_sd_add(sd, sizeof(sd), SYSLOG_HOPELESS_SDID, "phase", "failure"), 0);
	CHECK_INT(syslog_sd_add(sd, sizeof(sd), SYSLOG_HOPELESS_SDID, "why", "a \"b\" ]c\\"), 0);
	CHECK_INT(syslog_sd_close(sd, sizeof(sd)), 0);
	CHECK_STR(sd, "[hopeless@32473 phase=\"failure\" why=\"a \\\"b\\\" \\]c\\\\\"]");
	int n = syslog_format(buf, sizeof(buf), 27, "2024-05-01T12:00:00.000Z", "node1", "hopeless-init", "1",
			      "failure", sd, "no NFS server");
	CHECK(n > 0);
	CHECK_STR(buf, "<27>1 2024-05-01T12:00:00.000Z node1 hopeless-init 1 failure "
		       "[hopeless@32473 phase=\"failure\" why=\"a \\\"b\\\" \\]c\\\\\"] no NFS server");
	CHECK_INT(syslog_parse((const uint8_t *)buf, (size_t)n, &m), 0);
	char v[64];
	CHECK_INT(syslog_sd_get(&m, SYSLOG_HOPELESS_SDID, "why", v, sizeof(v)), 0);
	CHECK_STR(v, "a \"b\" ]c\\");
	n = syslog_format(buf, sizeof(buf), 13, NULL, "", NULL, NULL, NULL, NULL, NULL);
	CHECK_STR(buf, "<13>1 - - - - - -");
	/* what the parser refuses, the formatter refuses */
	CHECK_INT(syslog_format(buf, sizeof(buf), 192, NULL, NULL, NULL, NULL, NULL, NULL, NULL), -EINVAL);
	CHECK_INT(syslog_format(buf, sizeof(buf), 13, "yesterday", NULL, NULL, NULL, NULL, NULL, NULL), -EINVAL);
	CHECK_INT(syslog_format(buf, sizeof(buf), 13, NULL, "a b", NULL, NULL, NULL, NULL, NULL), -EINVAL);
	CHECK_INT(syslog_format(buf, sizeof(buf), 13, NULL, NULL, NULL, NULL, "0123456789012345678901234567890123",
				NULL, NULL), -EINVAL);
	CHECK_INT(syslog_format(buf, sizeof(buf), 13, NULL, NULL, NULL, NULL, NULL, "[bad", NULL), -EINVAL);
	CHECK_INT(syslog_format(buf, sizeof(buf), 13, NULL, NULL, NULL, NULL, NULL, NULL, "a\nb"), -EINVAL);
	CHECK_INT(syslog_format(buf, 10, 13, NULL, NULL, NULL, NULL, NULL, NULL, "long enough"), -ENOSPC);
	char small[20] = "";
	CHECK_INT(syslog_sd_add(small, sizeof(small), SYSLOG_HOPELESS_SDID, "x", "y"), -ENOSPC);
}

TEST(syslog_hostname_claims)
{
	CHECK_INT(syslog_hostname_is("n1", "n1", "10.0.0.11"), 1);
	CHECK_INT(syslog_hostname_is("N1", "n1", "10.0.0.11"), 1);
	CHECK_INT(syslog_hostname_is("n1.cluster.lab", "n1", "10.0.0.11"), 1);
	CHECK_INT(syslog_hostname_is("10.0.0.11", "n1", "10.0.0.11"), 1);
	CHECK_INT(syslog_hostname_is("-", "n1", "10.0.0.11"), 1);
	CHECK_INT(syslog_hostname_is("n2", "n1", "10.0.0.11"), 0);
	CHECK_INT(syslog_hostname_is("n10", "n1", "10.0.0.11"), 0);
	CHECK_INT(syslog_hostname_is("n1x.lab", "n1", "10.0.0.11"), 0);
	CHECK_INT(syslog_hostname_is("10.0.0.12", "n1", "10.0.0.11"), 0);
	CHECK_INT(syslog_hostname_is("", "n1", "10.0.0.11"), 0);
}
