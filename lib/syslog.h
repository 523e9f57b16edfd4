/* RFC 5424 syslog messages: formatting (the node's boot events) and a strict
 * parser (the head node's receiver, and `hopeless status` reading a log).
 * Shared by hopeless-init and the hopeless command: libc only, no
 * allocation. Functions return a length or 0, or a negative errno. */
#ifndef HOPELESS_SYSLOG_H
#define HOPELESS_SYSLOG_H
#include <stddef.h>
#include <stdint.h>

/* RFC 5424 6.1: receivers SHOULD take 2048 octets; larger is refused. */
#define SYSLOG_MAX_LEN 2048
#define SYSLOG_HOSTNAME_MAX 255
#define SYSLOG_APPNAME_MAX 48
#define SYSLOG_PROCID_MAX 128
#define SYSLOG_MSGID_MAX 32
#define SYSLOG_SDNAME_MAX 32
#define SYSLOG_TIMESTAMP_MAX 32 /* 2024-05-01T12:00:00.123456+01:00 */
/* The SD-ID of hopeless's structured data (32473: the documentation PEN). */
#define SYSLOG_HOPELESS_SDID "hopeless@32473"

/* A validated message. Header fields hold "-" when the sender sent the
 * NILVALUE; sd holds the raw, validated STRUCTURED-DATA text ("-" when
 * none); msg is the MSG without a BOM ("" when absent). */
struct syslog_msg {
	int pri; /* facility * 8 + severity, 0..191 */
	char timestamp[SYSLOG_TIMESTAMP_MAX + 1];
	char hostname[SYSLOG_HOSTNAME_MAX + 1];
	char app_name[SYSLOG_APPNAME_MAX + 1];
	char procid[SYSLOG_PROCID_MAX + 1];
	char msgid[SYSLOG_MSGID_MAX + 1];
	char sd[SYSLOG_MAX_LEN];
	char msg[SYSLOG_MAX_LEN];
};

/* Format one message into buf (NUL-terminated; no trailing newline).
 * NULL or "" header fields become "-"; sd is NULL or validated
 * STRUCTURED-DATA (see syslog_sd_add); msg may be NULL. Returns the length,
 * -EINVAL for a field the parser would refuse, -ENOSPC when buf (or
 * SYSLOG_MAX_LEN) is too small. */
int syslog_format(char *buf, size_t cap, int pri, const char *timestamp, const char *hostname,
		  const char *app_name, const char *procid, const char *msgid, const char *sd,
		  const char *msg);
/* Append PARAM-NAME="value" (value escaped) to an SD element being built in
 * sd: the first call on an empty sd opens "[sd_id", later calls add params.
 * Close the element with syslog_sd_close. */
int syslog_sd_add(char *sd, size_t cap, const char *sd_id, const char *name, const char *value);
int syslog_sd_close(char *sd, size_t cap);
/* Format a time (seconds since the epoch, UTC) as an RFC 5424 TIMESTAMP
 * with milliseconds, e.g. 2024-05-01T12:00:00.123Z. */
int syslog_timestamp(double epoch, char *out, size_t cap);

/* Strict parse of one datagram (no trailing newline allowed). Returns 0, or
 * -EMSGSIZE when longer than SYSLOG_MAX_LEN, -EBADMSG when malformed. Beyond
 * the RFC, control characters are refused everywhere (an accepted event
 * becomes exactly one log line) and MSG must be UTF-8 with or without BOM. */
int syslog_parse(const uint8_t *data, size_t len, struct syslog_msg *m);
/* The unescaped value of param name in element sd_id of a parsed message:
 * 0, -ENOENT when absent, -ENOSPC when out is too small. */
int syslog_sd_get(const struct syslog_msg *m, const char *sd_id, const char *name, char *out,
		  size_t cap);
/* A TIMESTAMP (as syslog_parse accepts it) to seconds since the epoch. */
int syslog_time_parse(const char *ts, double *epoch);
/* 1 when a HOSTNAME a message claims is consistent with the node it came
 * from (registered name and address): the NILVALUE "-", the address, the
 * name in any case, or the name followed by a domain ("n1.cluster.lab").
 * Events are attributed by source address either way; a mismatch is only
 * counted. */
int syslog_hostname_is(const char *claim, const char *name, const char *ip);
/* One line of an events log: "<received> <source> <RFC 5424>" as hopeless
 * serve writes it (*when and src filled, line cut in place), or a bare RFC
 * 5424 message (src "", *when 0). *msg points at the message. -EBADMSG when
 * the prefix is malformed. */
int syslog_log_line_split(char *line, double *when, char src[16], const char **msg);
#endif
