/*
 * `promptopt respond` (being built: see the open issues).
 */
#include "cli/cli.h"

int cmd_respond(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'respond' is not available in this build yet");
	return 2;
}
