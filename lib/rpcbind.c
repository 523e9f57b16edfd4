/* Saving and restoring the local rpcbind's NFS registrations (rpcbind.h). */
#include "rpcbind.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rpc/rpc.h>
#include <rpc/rpcb_clnt.h>

int rpcbind_is_nfs_prog(uint32_t prog)
{
	return prog == 100003 || prog == 100005 || prog == 100021 || prog == 100011;
}

int rpcbind_parse_line(const char *line, struct rpcbind_reg *e)
{
	unsigned long prog, vers;
	int end = -1;
	memset(e, 0, sizeof(*e));
	if (sscanf(line, "%lu %lu %15s %63s %31s%n", &prog, &vers, e->netid, e->uaddr, e->owner, &end) != 5 ||
	    prog > UINT32_MAX || vers > UINT32_MAX || line[end] != '\0')
		return -EINVAL;
	e->prog = (uint32_t)prog;
	e->vers = (uint32_t)vers;
	return 0;
}

int rpcbind_format(const struct rpcbind_reg *e, struct strbuf *sb)
{
	return sb_printf(sb, "%" PRIu32 " %" PRIu32 " %s %s %s\n", e->prog, e->vers, e->netid, e->uaddr,
			 e->owner[0] ? e->owner : "unknown");
}

/* The local rpcbind's whole map (rpcbind v3/v4 DUMP over TCP to
 * localhost): the list, to be freed with free_maps, or NULL. */
static rpcblist *get_maps(void)
{
	struct netconfig *nc = getnetconfigent("tcp");
	if (!nc)
		return NULL;
	rpcblist *maps = rpcb_getmaps(nc, "localhost");
	freenetconfigent(nc);
	return maps;
}

static void free_maps(rpcblist *maps)
{
	if (maps)
		xdr_free((xdrproc_t)xdr_rpcblist_ptr, (char *)&maps);
}

/* rpcb_getmaps returns NULL both for an empty map and for no rpcbind:
 * an empty map is impossible (rpcbind registers itself). */
int rpcbind_save(struct strbuf *sb)
{
	rpcblist *maps = get_maps();
	if (!maps)
		return -ECONNREFUSED;
	int r = 0;
	for (rpcblist *m = maps; m && r == 0; m = m->rpcb_next) {
		struct rpcbind_reg e;
		memset(&e, 0, sizeof(e));
		if (!rpcbind_is_nfs_prog((uint32_t)m->rpcb_map.r_prog))
			continue;
		e.prog = (uint32_t)m->rpcb_map.r_prog;
		e.vers = (uint32_t)m->rpcb_map.r_vers;
		/* Fields with spaces or overlong ones would not read back. */
		if (snprintf(e.netid, sizeof(e.netid), "%s", m->rpcb_map.r_netid) >= (int)sizeof(e.netid) ||
		    snprintf(e.uaddr, sizeof(e.uaddr), "%s", m->rpcb_map.r_addr) >= (int)sizeof(e.uaddr) ||
		    strpbrk(e.netid, " \t\n") || strpbrk(e.uaddr, " \t\n"))
			continue;
		snprintf(e.owner, sizeof(e.owner), "%s", m->rpcb_map.r_owner ? m->rpcb_map.r_owner : "unknown");
		if (strpbrk(e.owner, " \t\n"))
			snprintf(e.owner, sizeof(e.owner), "unknown");
		r = rpcbind_format(&e, sb);
	}
	free_maps(maps);
	return r;
}

static int registered(const rpcblist *maps, const struct rpcbind_reg *e)
{
	for (const rpcblist *m = maps; m; m = m->rpcb_next)
		if (m->rpcb_map.r_prog == e->prog && m->rpcb_map.r_vers == e->vers &&
		    !strcmp(m->rpcb_map.r_netid, e->netid))
			return 1;
	return 0;
}

/* rpcb_set of one saved entry: 0, or -EINVAL/-EPERM. */
static int set_one(const struct rpcbind_reg *e)
{
	struct netconfig *nc = getnetconfigent(e->netid);
	if (!nc)
		return -EINVAL;
	struct netbuf *addr = uaddr2taddr(nc, e->uaddr);
	int r = -EINVAL;
	if (addr) {
		r = rpcb_set(e->prog, e->vers, nc, addr) ? 0 : -EPERM;
		free(addr->buf);
		free(addr);
	}
	freenetconfigent(nc);
	return r;
}

int rpcbind_restore(const char *saved, int *restored)
{
	*restored = 0;
	rpcblist *maps = get_maps();
	if (!maps)
		return -ECONNREFUSED;
	int r = 0;
	const char *p = saved;
	while (*p && r == 0) {
		size_t len = strcspn(p, "\n");
		char line[256];
		struct rpcbind_reg e;
		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (rpcbind_parse_line(line, &e) == 0 && rpcbind_is_nfs_prog(e.prog) && !registered(maps, &e)) {
				r = set_one(&e);
				if (r == 0)
					(*restored)++;
			}
		}
		p += len + (p[len] == '\n');
	}
	free_maps(maps);
	return r;
}
