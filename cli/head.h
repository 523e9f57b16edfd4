/* hopeless head subcommands that live in files of their own. */
#ifndef HOPELESS_CLI_HEAD_H
#define HOPELESS_CLI_HEAD_H
#include "heads.h"
#include "tree.h"
#include <stdint.h>

/* head takeover NAME [--force] [--wait SECS] (head_takeover.c) */
int head_takeover(struct tree *t, const char *name, int force, double wait);
/* head release NAME (head_takeover.c) */
int head_release(struct tree *t, const char *name);
/* head watch [--interval SECS] [--misses N] [--wait SECS] (head_watch.c) */
int head_watch(struct tree *t, double interval, int misses, double wait);

/* This machine and the heads (head_takeover.c): 1 when h's address is on
 * an interface here; 1 when name is taken over here (its records exist);
 * 1 when name was released here and has not answered since (clear: and
 * forget that, it answered). */
int head_address_here(const struct head *h);
int head_taken_over_here(const char *name);
int head_released_here(const char *name, int clear);
/* 1 when ip:port (network order) accepts a TCP connection within
 * timeout_ms, else 0 (head watch's probe, takeover's wait). */
int head_tcp_accepts(uint32_t ip, int port, int timeout_ms);
#endif
