/* Many nodes at once: host-name ranges ("node[001-128]"), consecutive IPv4
 * addresses ("10.0.0.11+"), MAC files (one per line) and CSV files
 * ("hostname,mac,ip"). Parsing only: the results are checked with the
 * validate_* functions by the caller, which knows the context. Functions
 * return 0 or a negative errno and leave a short reason in err. */
#ifndef HOPELESS_NODESET_H
#define HOPELESS_NODESET_H
#include <stddef.h>

/* More would be a typo, not a cluster. */
#define NODESET_MAX 100000

struct nodeset_entry {
	char hostname[64];
	char ip[16];
	char mac[18];
};

/* True when spec holds a range "prefix[NNN-MMM]suffix". */
int nodeset_is_range(const char *spec);
/* Expand spec into hostnames of *out (malloc'ed, *count entries). A spec
 * without '[' gives itself. Zero padding follows the width of the first
 * number: node[001-128] -> node001 ... node128. */
int nodeset_expand(const char *spec, struct nodeset_entry **out, size_t *count, char *err,
		   size_t errlen);
/* Fill e[i].ip for i < count: "A.B.C.D+" gives consecutive addresses from
 * there; a plain address is accepted only for count == 1. */
int nodeset_fill_ips(const char *spec, struct nodeset_entry *e, size_t count, char *err,
		     size_t errlen);
/* Fill e[i].mac from text, one MAC per line (blank lines and '#' comments
 * skipped); the number of MACs must equal count. */
int nodeset_fill_macs(const char *text, struct nodeset_entry *e, size_t count, char *err,
		      size_t errlen);
/* Parse CSV lines "hostname,mac,ip" (blank lines and '#' comments skipped)
 * into *out (malloc'ed). */
int nodeset_parse_csv(const char *text, struct nodeset_entry **out, size_t *count, char *err,
		      size_t errlen);
#endif
