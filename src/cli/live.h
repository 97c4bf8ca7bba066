/*
 * What `promptopt run` shows while it goes: the plain lines of each event
 * (the seed's iteration lines, in colour on a terminal), and with the bar
 * a status line redrawn in place, at most ten times a second, while calls
 * are in flight (iteration, calls of the step, best, spend, elapsed, ETA).
 *
 * Ownership: struct cli_live is the caller's; _release stops its ticker
 * thread and clears the status line.
 */
#ifndef PO_CLI_LIVE_H
#define PO_CLI_LIVE_H

#include <pthread.h>
#include <stdbool.h>

#include "promptopt.h"

enum cli_progress_mode { CLI_PROGRESS_AUTO, CLI_PROGRESS_PLAIN, CLI_PROGRESS_BAR,
			 CLI_PROGRESS_NONE };

/* "plain", "bar", "none" (or "auto"); -1 after printing an error. */
int cli_progress_parse(const char *v, enum cli_progress_mode *out);

struct cli_live {
	enum cli_progress_mode mode; /* resolved: PLAIN, BAR or NONE */
	bool color;
	pthread_mutex_t lock;
	pthread_t ticker;
	bool ticking, stop;
	bool shown;                  /* a status line is on the screen */
	bool have;                   /* a progress event was heard */
	int iteration, max_iterations;
	double best, baseline;
	struct po_progress_info info;
	double at_ms;                /* when info was heard */
	double drawn_ms;             /* when the status line was last drawn */
};

/* AUTO: the bar on a terminal, else plain lines. Colour on a terminal
 * unless NO_COLOR is set. */
void cli_live_init(struct cli_live *l, enum cli_progress_mode mode);
/* Whether the run should send PO_EV_PROGRESS events (the bar is on). */
bool cli_live_wants_progress(const struct cli_live *l);
/* Shows one event (an on_event callback's body). */
void cli_live_event(struct cli_live *l, const struct po_event *ev);
void cli_live_release(struct cli_live *l);

#endif
