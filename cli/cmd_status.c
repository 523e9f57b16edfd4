/* hopeless status: placeholder until implemented. */
#include "cli.h"

int cmd_status(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_error("status", "not implemented yet");
}
