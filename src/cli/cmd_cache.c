/*
 * `promptopt cache` (being built: see the open issues).
 */
#include "cli/cli.h"

int cmd_cache(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'cache' is not available in this build yet");
	return 2;
}
