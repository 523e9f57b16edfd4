/* hopeless check: placeholder until implemented. */
#include "cli.h"

int cmd_check(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_error("check", "not implemented yet");
}
