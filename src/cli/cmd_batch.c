/*
 * `promptopt batch` (being built: see the open issues).
 */
#include "cli/cli.h"

int cmd_batch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'batch' is not available in this build yet");
	return 2;
}
