/* hopeless head subcommands that live in files of their own. */
#ifndef HOPELESS_CLI_HEAD_H
#define HOPELESS_CLI_HEAD_H
#include "tree.h"

/* head takeover NAME [--force] [--wait SECS] (head_takeover.c) */
int head_takeover(struct tree *t, const char *name, int force, double wait);
/* head release NAME (head_takeover.c) */
int head_release(struct tree *t, const char *name);
#endif
