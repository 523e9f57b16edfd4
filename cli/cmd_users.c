/* hopeless users: placeholder until implemented. */
#include "cli.h"

int cmd_users(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_error("users", "not implemented yet");
}
