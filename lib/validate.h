/* Validation of every value that becomes a path, a file name, a config line
 * or a mount option. Each returns 0 when the value is acceptable, or a
 * negative errno (-EINVAL) and leaves a short reason in *why when why != NULL. */
#ifndef HOPELESS_VALIDATE_H
#define HOPELESS_VALIDATE_H
#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN 63

/* Root, overlay and template names: [A-Za-z0-9][A-Za-z0-9._-]*, at most 63,
 * never ".", "..", never containing "/" or "..". */
int validate_name(const char *s, const char **why);
/* "name" or "name@N": *version gets N (0 without "@"). */
/* A version number as the tree writes it: 1 to 999999, digits only, no
 * leading zero. N, or -1. */
int validate_version(const char *s);
int validate_layer_ref(const char *s, char *name, size_t namelen, int *version, const char **why);
/* Host names: RFC 1123 labels, letters digits and '-', dots between labels,
 * at most 63 characters in all. */
int validate_hostname(const char *s, const char **why);
/* Dotted-quad IPv4, no leading zeros, no trailing junk. *out in network order. */
int validate_ipv4(const char *s, uint32_t *out, const char **why);
/* Six hex pairs separated by ':' or '-'; out gets the 6 bytes. */
int validate_mac(const char *s, uint8_t out[6], const char **why);
/* An absolute export path on the server: "/" then names separated by '/',
 * no "..", no ',' (mount options), no spaces, at most 255 characters. */
int validate_export_path(const char *s, const char **why);
/* Kernel module names: letters, digits, '_' and '-', 1 to maxlen characters. */
int validate_module_name(const char *s, size_t maxlen);

/* Addresses a node can really have; `node add`, `node set`, bulk add and
 * `hopeless check` ask these. Unlike the syntax checks above, *why may name
 * the value ("10.0.0.255 is the broadcast address of 10.0.0.0/24"): it then
 * points to static storage, valid until the next call of either function.
 *
 * validate_node_ip refuses, beyond a malformed address: 0.0.0.0/8 ("this
 * network"), 127.0.0.0/8 (loopback), 169.254.0.0/16 (link-local),
 * 224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved), 255.255.255.255; then
 * any address outside the cluster subnet (server & netmask), the subnet's
 * network and broadcast addresses (subnets up to /30), and the head node's
 * own address (server). server and netmask are the tree's (hopeless.conf);
 * -EINVAL with a reason also when they are malformed or the netmask is not
 * contiguous. */
int validate_node_ip(const char *ip, const char *server, const char *netmask, const char **why);
/* validate_node_mac refuses, beyond a malformed MAC: 00:00:00:00:00:00,
 * ff:ff:ff:ff:ff:ff and any multicast MAC (lowest bit of the first octet
 * set). Locally administered MACs (qemu's 52:54:00:..) are fine. */
int validate_node_mac(const char *mac, const char **why);
/* s without its leading blanks and trailing blanks and CR, in place: the
 * key = value parsers' (tree files, discovery windows, the init's rbd.conf). */
char *str_trim(char *s);
#endif
