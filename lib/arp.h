/* Address conflict detection (RFC 5227 probes) before a node takes its
 * address (two machines with one IP would share the node's NFS exports and,
 * worse, its state image) or a head takes over a dead head's; and the
 * announcement that moves the neighbours' entries to the new owner. */
#ifndef HOPELESS_ARP_H
#define HOPELESS_ARP_H
#include <stddef.h>
#include <stdint.h>

#define ARP_FRAME_LEN 42 /* Ethernet header + ARP for IPv4 over Ethernet */

/* An ARP probe frame: who-has ip, sender address 0.0.0.0 (RFC 5227 2.1.1),
 * broadcast. ip in network byte order. Returns ARP_FRAME_LEN or -ENOSPC. */
int arp_build_probe(uint8_t *frame, size_t cap, const uint8_t mac[6], uint32_t ip);
/* 1 when frame shows another machine using ip: a reply or request whose
 * sender address is ip, or a probe for ip from another MAC (both probing at
 * once); its MAC goes to other. 0 when the frame is irrelevant. */
int arp_frame_conflicts(const uint8_t *frame, size_t len, const uint8_t mac[6], uint32_t ip, uint8_t other[6]);
/* Probe ip on ifindex (up, no address needed): `probes` probes spaced over
 * wait_secs. 1 and other filled on conflict, 0 if nobody answered, negative
 * errno if the socket could not be used. */
/* An ARP announcement (RFC 5227 2.3): a broadcast request whose sender and
 * target address are both ip, from mac, so every neighbour updates its
 * entry for ip at once. Returns ARP_FRAME_LEN or -ENOSPC. */
int arp_build_announce(uint8_t *frame, size_t cap, const uint8_t mac[6], uint32_t ip);
/* Send one announcement of ip from mac on ifindex: 0 or negative errno. */
int arp_announce(int ifindex, const uint8_t mac[6], uint32_t ip);
int arp_probe(int ifindex, const uint8_t mac[6], uint32_t ip, int probes, double wait_secs, uint8_t other[6]);
#endif
