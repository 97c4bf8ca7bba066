/*
 * The run's console while it goes (see live.h). The status line is drawn on
 * the last line of the terminal and erased before any other line is
 * printed; a ticker thread redraws it so that the elapsed time and the ETA
 * move while a batch of calls is in flight. Everything it prints is under
 * one lock, shared with the event callback on the run's thread.
 */
#include "cli/live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/console.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define REDRAW_MS 100.0
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

int cli_progress_parse(const char *v, enum cli_progress_mode *out)
{
	static const char *const names[] = { "auto", "plain", "bar", "none" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(v, names[i])) {
			*out = (enum cli_progress_mode)i;
			return 0;
		}
	cli_error("--progress '%s': expected plain, bar or none", v);
	return -1;
}

/* "1:05", "1:02:03". */
static void add_clock(struct po_buf *b, double s)
{
	long t = s > 0 ? (long)s : 0;

	if (t >= 3600)
		po_buf_addf(b, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
	else
		po_buf_addf(b, "%ld:%02ld", t / 60, t % 60);
}

static int term_columns(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

/* The status line's text (ASCII, so that cutting it is safe). */
static void status_text(const struct cli_live *l, double now, struct po_buf *b)
{
	const struct po_progress_info *in = &l->info;
	double since = (now - l->at_ms) / 1000.0;

	if (l->iteration > 0 && !strcmp(in->phase, "iterating"))
		po_buf_addf(b, "iteration %d/%d", l->iteration, l->max_iterations);
	else
		po_buf_addf(b, "%s", !strcmp(in->phase, "final") ? "held-out and results" :
			    in->phase);
	po_buf_addf(b, " | calls %ld", in->step_done);
	/* The estimate, while the step is within it. */
	if (in->step_total > 0 && in->step_done <= in->step_total)
		po_buf_addf(b, "/~%ld", in->step_total);
	po_buf_addf(b, " (%ld in all)", in->calls);
	if (isfinite(l->best)) {
		bool up = l->best > l->baseline;

		po_buf_addf(b, " | best %s%.2f%s", l->color ? (up ? GREEN : YELLOW) : "", l->best,
			    l->color ? RESET : "");
	}
	po_buf_addf(b, " | $%.4f", in->spent_usd);
	if (in->budget_usd > 0)
		po_buf_addf(b, " of $%.2f", in->budget_usd);
	po_buf_addf(b, " | ");
	add_clock(b, in->elapsed_s + since);
	if (isfinite(in->eta_s)) {
		po_buf_addf(b, " | ETA ");
		add_clock(b, in->eta_s - since);
	}
}

/* Under the lock. */
static void draw(struct cli_live *l)
{
	struct po_buf b = PO_BUF_INIT;
	double now = po_time_mono_ms();
	size_t cols = (size_t)term_columns() - 1, vis = 0, i;

	status_text(l, now, &b);
	/* Cut to the terminal's width, not counting colour sequences. */
	for (i = 0; i < b.len && vis < cols; i++) {
		if (b.data[i] == '\033') {
			while (i < b.len && b.data[i] != 'm')
				i++;
			continue;
		}
		vis++;
	}
	fprintf(stdout, "\r\033[K%s%.*s%s", l->color ? DIM : "", (int)i, b.data,
		l->color ? RESET : "");
	fflush(stdout);
	l->shown = true;
	l->drawn_ms = now;
	po_buf_release(&b);
}

static void erase(struct cli_live *l)
{
	if (!l->shown)
		return;
	fputs("\r\033[K", stdout);
	fflush(stdout);
	l->shown = false;
}

static void *tick(void *arg)
{
	struct cli_live *l = arg;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(REDRAW_MS * 1e6) };

	for (;;) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&l->lock);
		if (l->stop) {
			pthread_mutex_unlock(&l->lock);
			return NULL;
		}
		if (l->have)
			draw(l);
		pthread_mutex_unlock(&l->lock);
	}
}

void cli_live_init(struct cli_live *l, enum cli_progress_mode mode)
{
	bool tty = isatty(STDOUT_FILENO);
	const char *nc = getenv("NO_COLOR");

	memset(l, 0, sizeof(*l));
	l->mode = mode != CLI_PROGRESS_AUTO ? mode : tty ? CLI_PROGRESS_BAR : CLI_PROGRESS_PLAIN;
	l->color = tty && l->mode != CLI_PROGRESS_NONE && !(nc && *nc);
	l->best = l->baseline = NAN;
	pthread_mutex_init(&l->lock, NULL);
	if (l->mode == CLI_PROGRESS_BAR)
		l->ticking = pthread_create(&l->ticker, NULL, tick, l) == 0;
}

bool cli_live_wants_progress(const struct cli_live *l)
{
	return l->mode == CLI_PROGRESS_BAR;
}

/* The plain lines of an event, the verdict of an iteration in colour. */
static void print_event(const struct cli_live *l, const struct po_event *ev)
{
	struct po_buf text = PO_BUF_INIT;

	po_console_event(&text, ev);
	if (l->color && ev->kind == PO_EV_ITERATION)
		fprintf(stdout, "%s%s%s", ev->improved ? GREEN : YELLOW, text.data, RESET);
	else
		fputs(text.data, stdout);
	fflush(stdout);
	po_buf_release(&text);
}

void cli_live_event(struct cli_live *l, const struct po_event *ev)
{
	double now = po_time_mono_ms();

	pthread_mutex_lock(&l->lock);
	if (ev->kind == PO_EV_PROGRESS) {
		if (ev->progress) {
			l->info = *ev->progress;
			l->iteration = ev->iteration;
			l->max_iterations = ev->max_iterations;
			l->best = ev->best;
			l->baseline = ev->score;
			l->at_ms = now;
			l->have = true;
		}
		if (l->mode == CLI_PROGRESS_BAR && now - l->drawn_ms >= REDRAW_MS)
			draw(l);
		pthread_mutex_unlock(&l->lock);
		return;
	}
	if (ev->kind == PO_EV_ITERATION && l->mode == CLI_PROGRESS_NONE) {
		pthread_mutex_unlock(&l->lock);
		return;
	}
	erase(l);
	if (ev->kind == PO_EV_WARNING)
		cli_warning("%s", ev->message);
	else
		print_event(l, ev);
	if (l->have && l->mode == CLI_PROGRESS_BAR)
		draw(l);
	pthread_mutex_unlock(&l->lock);
}

void cli_live_release(struct cli_live *l)
{
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	erase(l);
	l->have = false;
	pthread_mutex_unlock(&l->lock);
	if (l->ticking)
		pthread_join(l->ticker, NULL);
	l->ticking = false;
	pthread_mutex_destroy(&l->lock);
}
