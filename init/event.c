/* Boot events over UDP syslog (RFC 5424, RFC 5426). */
#include "clock.h"
#include "event.h"
#include "log.h"
#include "syslog.h"
#include "validate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FACILITY_DAEMON 3
#define SEV_ERR 3
#define SEV_WARNING 4
#define SEV_NOTICE 5

void event_sink_init(struct event_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static int severity(const char *phase)
{
	if (!strcmp(phase, "failure"))
		return SEV_ERR;
	if (!strcmp(phase, "retry"))
		return SEV_WARNING;
	return SEV_NOTICE;
}

int event_format(const struct event_sink *s, const struct event_item *e, char *buf, size_t cap)
{
	char ts[40] = "-", t[32], sd[512] = "";
	if (e->wall >= EVENT_SANE_EPOCH && syslog_timestamp(e->wall, ts, sizeof(ts)) < 0)
		snprintf(ts, sizeof(ts), "-");
	snprintf(t, sizeof(t), "%.3f", e->uptime);
	int r = syslog_sd_add(sd, sizeof(sd), SYSLOG_HOPELESS_SDID, "phase", e->phase);
	if (r == 0 && s->ip[0])
		r = syslog_sd_add(sd, sizeof(sd), SYSLOG_HOPELESS_SDID, "ip", s->ip);
	if (r == 0 && s->mac[0])
		r = syslog_sd_add(sd, sizeof(sd), SYSLOG_HOPELESS_SDID, "mac", s->mac);
	if (r == 0)
		r = syslog_sd_add(sd, sizeof(sd), SYSLOG_HOPELESS_SDID, "t", t);
	if (r == 0)
		r = syslog_sd_close(sd, sizeof(sd));
	if (r < 0)
		return r;
	/* HOSTNAME: the node's name, else its address, else the NILVALUE. */
	const char *host = s->hostname[0] ? s->hostname : s->ip[0] ? s->ip : "-";
	return syslog_format(buf, cap, FACILITY_DAEMON * 8 + severity(e->phase), ts, host, EVENT_APP_NAME, "1",
			     e->phase, sd, e->msg);
}

static void send_one(struct event_sink *s, const struct event_item *e)
{
	char buf[SYSLOG_MAX_LEN + 1];
	int n = event_format(s, e, buf, sizeof(buf));
	if (n < 0) {
		s->failed++;
		return;
	}
	/* No retry and no wait: a lost event costs a line in `hopeless status`,
	 * a blocked boot costs the node. */
	if (sendto(s->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&s->dst,
		   sizeof(s->dst)) == n)
		s->sent++;
	else
		s->failed++;
}

/* Keep msg to printable text: the parser on the other side refuses control
 * characters, and one bad byte would lose the whole event. */
static void copy_clean(char *dst, size_t cap, const char *src)
{
	size_t o = 0;
	for (; *src && o + 1 < cap; src++) {
		unsigned char ch = (unsigned char)*src;
		dst[o++] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
	}
	dst[o] = '\0';
}

void event_sink_add(struct event_sink *s, const char *phase, const char *msg, double uptime, double wall)
{
	if (s->off)
		return;
	struct event_item e;
	memset(&e, 0, sizeof(e));
	copy_clean(e.phase, sizeof(e.phase), phase);
	for (char *p = e.phase; *p; p++)
		if (*p == ' ')
			*p = '_';
	if (!e.phase[0])
		snprintf(e.phase, sizeof(e.phase), "-");
	copy_clean(e.msg, sizeof(e.msg), msg ? msg : "");
	e.uptime = uptime;
	e.wall = wall;
	if (s->fd >= 0) {
		send_one(s, &e);
		return;
	}
	if (s->nq == EVENT_QUEUE_MAX) {
		memmove(&s->queue[0], &s->queue[1], sizeof(s->queue[0]) * (EVENT_QUEUE_MAX - 1));
		s->nq--;
		s->dropped++;
	}
	s->queue[s->nq++] = e;
}

int event_sink_connect(struct event_sink *s, const char *dst_ip, int port, const char *hostname,
		       const char *ip, const char *mac)
{
	if (s->off)
		return 0;
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (port < 1 || port > 65535 || inet_pton(AF_INET, dst_ip, &dst.sin_addr) != 1)
		return -EINVAL;
	snprintf(s->hostname, sizeof(s->hostname), "%s",
		 hostname && validate_hostname(hostname, NULL) == 0 ? hostname : "");
	snprintf(s->ip, sizeof(s->ip), "%s", ip && validate_ipv4(ip, NULL, NULL) == 0 ? ip : "");
	snprintf(s->mac, sizeof(s->mac), "%s", mac && validate_mac(mac, NULL, NULL) == 0 ? mac : "");
	if (s->fd < 0) {
		/* CLOEXEC: the root's init must not inherit it. */
		s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			return -errno;
	}
	s->dst = dst;
	for (int i = 0; i < s->nq; i++)
		send_one(s, &s->queue[i]);
	s->nq = 0;
	return 0;
}

void event_sink_close(struct event_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* ---- the init's sink ---- */

static struct event_sink sink = {.fd = -1};

void event_setup(const struct boot_config *c)
{
	event_sink_init(&sink);
	sink.off = c->events_off;
}

static double wall_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	double w = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return w >= EVENT_SANE_EPOCH ? w : 0;
}

void event_emit(const char *phase, const char *fmt, ...)
{
	char msg[EVENT_MSG_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	event_sink_add(&sink, phase, msg, clock_secs(), wall_now());
}

void event_network_up(const struct boot_config *c, const char *ip, const char *mac)
{
	if (c->events_off)
		return;
	const char *dst = c->events_ip[0] ? c->events_ip : c->n_servers > 0 ? c->servers[0] : NULL;
	if (!dst) {
		log_info("events: no head node known yet; boot events stay queued");
		return;
	}
	char host[64];
	if (gethostname(host, sizeof(host)) != 0 || !strcmp(host, "(none)"))
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	const char *name = c->hostname[0] ? c->hostname : host;
	int r = event_sink_connect(&sink, dst, c->events_port, name, ip, mac);
	if (r < 0)
		log_error("events: cannot send boot events to %s:%d: %s", dst, c->events_port, strerror(-r));
	else if (c->debug)
		log_info("events: boot events go to %s:%d (%d sent, %d dropped)", dst, c->events_port, sink.sent,
			 sink.dropped);
}
