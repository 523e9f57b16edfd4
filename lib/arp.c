/* ARP probes and announcements (RFC 5227), on a packet socket since the
 * interface has no address yet (a node) or not this one (a takeover). */
#include "arp.h"
#include "clock.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ARPOP_REQ 1
#define ARPOP_REP 2

int arp_build_probe(uint8_t *f, size_t cap, const uint8_t mac[6], uint32_t ip)
{
	if (cap < ARP_FRAME_LEN)
		return -ENOSPC;
	memset(f, 0, ARP_FRAME_LEN);
	memset(f, 0xff, 6);             /* to everyone */
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;     /* ETH_P_ARP */
	f[14] = 0, f[15] = 1;           /* hardware: Ethernet */
	f[16] = 0x08, f[17] = 0x00;     /* protocol: IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = ARPOP_REQ;
	memcpy(f + 22, mac, 6);         /* sender MAC; sender IP stays 0.0.0.0 */
	memcpy(f + 38, &ip, 4);         /* target IP; target MAC stays zero */
	return ARP_FRAME_LEN;
}

int arp_build_announce(uint8_t *f, size_t cap, const uint8_t mac[6], uint32_t ip)
{
	int n = arp_build_probe(f, cap, mac, ip);
	if (n > 0)
		memcpy(f + 28, &ip, 4); /* sender IP = target IP: an announcement */
	return n;
}

/* A packet socket bound to ifindex for ARP, and sll set up to broadcast
 * on it: the fd or negative errno. */
static int arp_socket(int ifindex, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0)
		return -errno;
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ARP);
	sll->sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)sll, sizeof(*sll)) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	sll->sll_halen = 6;
	memset(sll->sll_addr, 0xff, 6);
	return fd;
}

int arp_announce(int ifindex, const uint8_t mac[6], uint32_t ip)
{
	struct sockaddr_ll sll;
	uint8_t frame[ARP_FRAME_LEN];
	int fd = arp_socket(ifindex, &sll);
	if (fd < 0)
		return fd;
	arp_build_announce(frame, sizeof(frame), mac, ip);
	int r = sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int arp_frame_conflicts(const uint8_t *f, size_t len, const uint8_t mac[6], uint32_t ip, uint8_t other[6])
{
	if (len < ARP_FRAME_LEN || f[12] != 0x08 || f[13] != 0x06)
		return 0;
	if (f[14] != 0 || f[15] != 1 || f[16] != 0x08 || f[17] != 0 || f[18] != 6 || f[19] != 4)
		return 0;
	if (f[20] != 0 || (f[21] != ARPOP_REQ && f[21] != ARPOP_REP))
		return 0;
	const uint8_t *sha = f + 22, *spa = f + 28, *tpa = f + 38;
	if (!memcmp(sha, mac, 6))
		return 0; /* our own probe, looped back */
	static const uint8_t zero[4];
	int sender_is_ip = !memcmp(spa, &ip, 4);
	int simultaneous_probe = f[21] == ARPOP_REQ && !memcmp(spa, zero, 4) && !memcmp(tpa, &ip, 4);
	if (!sender_is_ip && !simultaneous_probe)
		return 0;
	memcpy(other, sha, 6);
	return 1;
}

int arp_probe(int ifindex, const uint8_t mac[6], uint32_t ip, int probes, double wait_secs, uint8_t other[6])
{
	struct sockaddr_ll sll;
	int fd = arp_socket(ifindex, &sll);
	if (fd < 0)
		return fd;
	uint8_t probe[ARP_FRAME_LEN], buf[1600];
	arp_build_probe(probe, sizeof(probe), mac, ip);
	int r = 0, sent = 0;
	double start = clock_secs(), end = start + wait_secs;
	double step = probes > 0 ? wait_secs / probes : wait_secs;
	while (r == 0) {
		double t = clock_secs();
		if (t >= end)
			break;
		if (sent < probes && t >= start + sent * step) {
			if (sendto(fd, probe, sizeof(probe), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
				r = -errno;
				break;
			}
			sent++;
		}
		double next = sent < probes ? start + sent * step : end;
		int ms = (int)((next - t) * 1000) + 1;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, ms);
		if (n < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (n > 0) {
			ssize_t got = recv(fd, buf, sizeof(buf), 0);
			if (got > 0 && arp_frame_conflicts(buf, (size_t)got, mac, ip, other))
				r = 1;
		}
	}
	close(fd);
	return r;
}
