/*
 * The managed auto-responder of `run`: a `promptopt respond --continuous`
 * child process serving the run's bridge folder, started with a readiness
 * handshake, watched while the run waits (restarted if it dies), stopped at
 * the end. Logs go to <dir>/auto_responder_stdout.log and _stderr.log.
 */
#ifndef PO_CLI_AUTORESPONDER_H
#define PO_CLI_AUTORESPONDER_H

#include <stdbool.h>
#include <sys/types.h>

#include "promptopt.h"

#define CLI_AUTORESPONDER_MAX_RESTARTS 3

struct cli_autoresponder {
	char *dir;         /* the bridge folder */
	double interval;   /* its polling fallback */
	bool quiet;
	pid_t pid;         /* 0: not running */
	int status_fd;     /* read end of the child's handshake pipe, or -1 */
	int restarts;
	long answered, errors, reclaimed;
	int lost;          /* responders that died without their totals */
};

/* Starts the responder; returns once it is watching the folder (PO_ELLM
 * with the reason when it could not start). */
int cli_autoresponder_start(struct cli_autoresponder *ar, const char *dir, double interval,
			    bool quiet, struct po_err *err);
/* peer_alive callback of the bridge: 1 while a responder runs (one that
 * died is restarted, at most CLI_AUTORESPONDER_MAX_RESTARTS times), else 0. */
int cli_autoresponder_alive(void *userdata);
/* Stops it (SIGTERM, then SIGKILL after 3 s), prints what it did and
 * releases ar. Safe on a responder never started. */
void cli_autoresponder_stop(struct cli_autoresponder *ar);

#endif
