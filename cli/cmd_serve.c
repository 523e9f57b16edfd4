/* hopeless serve: placeholder until implemented. */
#include "cli.h"

int cmd_serve(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_error("serve", "not implemented yet");
}
