/* hopeless shell: placeholder until implemented. */
#include "cli.h"

int cmd_shell(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_error("shell", "not implemented yet");
}
