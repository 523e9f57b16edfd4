/* The hopeless command: shared declarations of the subcommands. Each
 * cmd_<name>() returns the process exit status; only main() exits. */
#ifndef HOPELESS_CLI_H
#define HOPELESS_CLI_H
#include "tree.h"

struct cli_ctx {
	const char *tree_dir; /* -C DIR, $HOPELESS_DIR or the default */
	const char *argv0;
};

int cmd_init(int argc, char **argv, struct cli_ctx *ctx);
int cmd_root(int argc, char **argv, struct cli_ctx *ctx);
int cmd_overlay(int argc, char **argv, struct cli_ctx *ctx);
int cmd_node(int argc, char **argv, struct cli_ctx *ctx);
int cmd_head(int argc, char **argv, struct cli_ctx *ctx);
int cmd_initramfs(int argc, char **argv, struct cli_ctx *ctx);
int cmd_config(int argc, char **argv, struct cli_ctx *ctx);
int cmd_lab(int argc, char **argv, struct cli_ctx *ctx);
int cmd_shell(int argc, char **argv, struct cli_ctx *ctx);
int cmd_users(int argc, char **argv, struct cli_ctx *ctx);
int cmd_check(int argc, char **argv, struct cli_ctx *ctx);
int cmd_status(int argc, char **argv, struct cli_ctx *ctx);
int cmd_serve(int argc, char **argv, struct cli_ctx *ctx);
int cmd_power(int argc, char **argv, struct cli_ctx *ctx);
int cmd_console(int argc, char **argv, struct cli_ctx *ctx);
/* serve_console.c: the process that keeps a console recorder running for
 * every node with a BMC; its pid (or -1). */
#include <signal.h>
pid_t serve_console_start(struct tree *t, const sigset_t *orig);

/* Print "hopeless: <what>: <message>" on stderr; returns 1 (the exit status). */
int cli_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Open the tree and, when lock is set, take its lock; prints the error. */
int cli_open_tree(struct tree *t, struct cli_ctx *ctx, const char *what, int lock);
/* Path of a file installed beside the hopeless binary: build/<name> when run
 * from the build tree, else <prefix>/lib/hopeless/<name>. */
int cli_find_helper(const char *name, char *out, size_t outlen);
/* Directory of shipped data (e.g. "templates"): <srcdir>/<name> when run
 * from the build tree, else <prefix>/share/hopeless/<name>. */
int cli_find_data(const char *name, char *out, size_t outlen);
/* Regenerate every service config from the tree (the tree must be locked). */
int config_generate(struct tree *t, int verbose);
/* True when argv asks for help. */
int cli_wants_help(int argc, char **argv);
/* The pid in <tree>/run/<name>.pid when that process runs and is the named
 * program comm (a stale pid file may name a recycled pid); else 0.
 * (cmd_config.c) */
pid_t cli_service_pid(const struct tree *t, const char *name, const char *comm);
#endif
