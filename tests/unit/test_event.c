/* The init's boot events (init/event.c): format, queue, flush over UDP. */
#include "event.h"
#include "harness.h"
#include "syslog.h"
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

static struct syslog_msg m;

TEST(event_format_before_network)
{
	struct event_sink s;
	event_sink_init(&s);
	struct event_item e = {.phase = "modules", .msg = "kernel modules loaded", .uptime = 2.5, .wall = 0};
	char buf[SYSLOG_MAX_LEN + 1];
	int n = event_format(&s, &e, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_STR(buf, "<29>1 - - hopeless-init 1 modules [hopeless@32473 phase=\"modules\" t=\"2.500\"] "
		       "kernel modules loaded");
	CHECK_INT(syslog_parse((const uint8_t *)buf, (size_t)n, &m), 0);
}

TEST(event_format_after_network)
{
	struct event_sink s;
	event_sink_init(&s);
	snprintf(s.hostname, sizeof(s.hostname), "node1");
	snprintf(s.ip, sizeof(s.ip), "10.0.0.11");
	snprintf(s.mac, sizeof(s.mac), "52:54:00:12:34:56");
	struct event_item e = {.phase = "failure", .msg = "no NFS server", .uptime = 12.345, .wall = 1714557600.0};
	char buf[SYSLOG_MAX_LEN + 1];
	int n = event_format(&s, &e, buf, sizeof(buf));
	CHECK_INT(syslog_parse((const uint8_t *)buf, (size_t)n, &m), 0);
	CHECK_INT(m.pri, 3 * 8 + 3); /* daemon.err */
	CHECK_STR(m.timestamp, "2024-05-01T10:00:00.000Z");
	CHECK_STR(m.hostname, "node1");
	CHECK_STR(m.app_name, "hopeless-init");
	CHECK_STR(m.msgid, "failure");
	CHECK_STR(m.msg, "no NFS server");
	char v[64];
	CHECK_INT(syslog_sd_get(&m, SYSLOG_HOPELESS_SDID, "mac", v, sizeof(v)), 0);
	CHECK_STR(v, "52:54:00:12:34:56");
	CHECK_INT(syslog_sd_get(&m, SYSLOG_HOPELESS_SDID, "t", v, sizeof(v)), 0);
	CHECK_STR(v, "12.345");
	/* without a host name the address names the node */
	s.hostname[0] = '\0';
	n = event_format(&s, &e, buf, sizeof(buf));
	CHECK_INT(syslog_parse((const uint8_t *)buf, (size_t)n, &m), 0);
	CHECK_STR(m.hostname, "10.0.0.11");
}

TEST(event_queue_drops_oldest)
{
	struct event_sink s;
	event_sink_init(&s);
	for (int i = 0; i < EVENT_QUEUE_MAX + 3; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "n%d", i);
		event_sink_add(&s, "retry", msg, i, 0);
	}
	CHECK_INT(s.nq, EVENT_QUEUE_MAX);
	CHECK_INT(s.dropped, 3);
	CHECK_STR(s.queue[0].msg, "n3");
	CHECK_STR(s.queue[EVENT_QUEUE_MAX - 1].msg, "n18");
	/* control characters never reach the wire */
	event_sink_add(&s, "bad phase", "a\nb\x1b", 0, 0);
	CHECK_STR(s.queue[EVENT_QUEUE_MAX - 1].phase, "bad_phase");
	CHECK_STR(s.queue[EVENT_QUEUE_MAX - 1].msg, "a?b?");
	/* off: nothing is kept */
	struct event_sink off;
	event_sink_init(&off);
	off.off = 1;
	event_sink_add(&off, "modules", "x", 0, 0);
	CHECK_INT(off.nq, 0);
	CHECK_INT(event_sink_connect(&off, "127.0.0.1", 514, "n", NULL, NULL), 0);
	CHECK_INT(off.fd, -1);
}

static int recv_msg(int fd, char *buf, size_t cap)
{
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(fd, buf, cap - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

TEST(event_flush_over_udp)
{
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK_INT(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(rx, (struct sockaddr *)&a, &al);
	int port = ntohs(a.sin_port);

	struct event_sink s;
	event_sink_init(&s);
	event_sink_add(&s, "modules", "kernel modules loaded", 1.0, 0);
	event_sink_add(&s, "retry", "attempt 1 failed: No such device", 3.0, 0);
	CHECK_INT(event_sink_connect(&s, "10.0.0.300", port, "node1", NULL, NULL), -EINVAL);
	CHECK_INT(event_sink_connect(&s, "127.0.0.1", port, "node1", "10.0.0.11", "52:54:00:12:34:56"), 0);
	CHECK_INT(s.nq, 0);
	event_sink_add(&s, "dhcp", "address 10.0.0.11", 4.0, 0);
	CHECK_INT(s.sent, 3);
	char buf[SYSLOG_MAX_LEN + 1];
	const char *want[] = {"modules", "retry", "dhcp"};
	for (int i = 0; i < 3; i++) {
		int n = recv_msg(rx, buf, sizeof(buf));
		CHECK(n > 0);
		if (n <= 0)
			break;
		CHECK_INT(syslog_parse((const uint8_t *)buf, (size_t)n, &m), 0);
		CHECK_STR(m.msgid, want[i]);
		CHECK_STR(m.hostname, "node1"); /* queued events carry the name known at flush */
	}
	CHECK_STR(m.msg, "address 10.0.0.11");
	event_sink_close(&s);
	close(rx);
}

static int parse_cmdline(const char *s, struct boot_config *c)
{
	char err[160];
	cmdline_defaults(c);
	return cmdline_parse(s, c, err, sizeof(err));
}

TEST(event_cmdline_destination)
{
	struct boot_config c;
	CHECK_INT(parse_cmdline("console=ttyS0", &c), 0);
	CHECK_INT(c.events_off, 0);
	CHECK_STR(c.events_ip, "");
	CHECK_INT(c.events_port, 514);
	CHECK_INT(parse_cmdline("hopeless.events=10.0.0.5", &c), 0);
	CHECK_STR(c.events_ip, "10.0.0.5");
	CHECK_INT(c.events_port, 514);
	CHECK_INT(parse_cmdline("hopeless.events=10.0.0.5:5514", &c), 0);
	CHECK_INT(c.events_port, 5514);
	CHECK_INT(parse_cmdline("hopeless.events=off", &c), 0);
	CHECK_INT(c.events_off, 1);
	const char *bad[] = {"hopeless.events=", "hopeless.events=host", "hopeless.events=10.0.0.5:",
			     "hopeless.events=10.0.0.5:0", "hopeless.events=10.0.0.5:65536",
			     "hopeless.events=10.0.0.5:+1", "hopeless.events=10.0.0.5:1x",
			     "hopeless.events=10.0.0.256", "hopeless.events=10.0.0.5:514:1", "hopeless.events=OFF"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(parse_cmdline(bad[i], &c), -EINVAL);
}
