/* libFuzzer target for the init's kernel command line parser. Every value
 * an accepted command line leaves in boot_config must keep the promises the
 * rest of the init relies on: NUL-terminated, validated paths and names,
 * servers that are IPv4 addresses, numbers in range. */
#include "cmdline.h"
#include "validate.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

static void check_config(const struct boot_config *c)
{
	if (!TERMINATED(c->roots) || !TERMINATED(c->clients) || !TERMINATED(c->statedir) ||
	    !TERMINATED(c->nfsvers) || !TERMINATED(c->hostname) || !TERMINATED(c->bootif) || !TERMINATED(c->ip) ||
	    !TERMINATED(c->init) || !TERMINATED(c->events_ip))
		abort();
	if (c->n_servers < 0 || c->n_servers > CMDLINE_MAX_SERVERS)
		abort();
	for (int i = 0; i < c->n_servers; i++)
		if (!TERMINATED(c->servers[i]) || validate_ipv4(c->servers[i], NULL, NULL) != 0)
			abort();
	if (validate_export_path(c->roots, NULL) || validate_export_path(c->clients, NULL) ||
	    validate_export_path(c->statedir, NULL) || validate_export_path(c->init, NULL))
		abort();
	if (c->hostname[0] && validate_hostname(c->hostname, NULL))
		abort();
	if (c->events_ip[0] && validate_ipv4(c->events_ip, NULL, NULL))
		abort();
	if (c->timeout < 1 || c->timeout > 86400 || c->events_port < 1 || c->events_port > 65535)
		abort();
	if (c->state != STATE_IMAGE && c->state != STATE_TMPFS)
		abort();
	if (c->onfail != ONFAIL_REBOOT && c->onfail != ONFAIL_SHELL && c->onfail != ONFAIL_HALT)
		abort();
	if (strcmp(c->nfsvers, "3") && strcmp(c->nfsvers, "4") && strcmp(c->nfsvers, "4.0") &&
	    strcmp(c->nfsvers, "4.1") && strcmp(c->nfsvers, "4.2"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* /proc/cmdline is at most a page or so; read_cmdline reads 4095. */
	if (size > 8192)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct boot_config c;
	char err[160];
	cmdline_defaults(&c);
	int r = cmdline_parse(text, &c, err, sizeof(err));
	if (r == 0)
		check_config(&c);
	else if (r != -EINVAL || !memchr(err, '\0', sizeof(err)))
		abort();
	/* a tiny error buffer must stay in bounds too */
	char small[4];
	cmdline_defaults(&c);
	cmdline_parse(text, &c, small, sizeof(small));
	free(text);
	return 0;
}
