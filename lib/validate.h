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
#endif
