/*
 * A run seen from outside while it goes: progress.json in the results
 * folder (run/progress_file.h) and, when asked, PO_EV_PROGRESS events for a
 * live display, both fed by the engine's batch progress and the run's own
 * events (baseline, iteration).
 */
#include <math.h>
#include <stdlib.h>

#include "run/experiment_internal.h"
#include "run/progress_file.h"
#include "util/mem.h"
#include "util/timeutil.h"

struct po_exp_live {
	struct po_progress_file file;
	struct po_progress_info info;
	int done;               /* iterations done */
	long step_calls0;       /* the run's calls when the step in flight began */
	double loop_t0_ms;      /* when the first iteration of this session began; 0: not yet */
	int loop_first;         /* iterations done at that time */
	const char *phase;      /* set by po_exp_live_phase, else derived */
};

/* The remaining time at the pace of this session's iterations so far. */
static double eta(const struct po_experiment *e, const struct po_exp_live *l, double now)
{
	double frac = 0, units;

	if (!l->loop_t0_ms || l->file.iteration <= 0)
		return NAN;
	if (l->info.step_total > 0)
		frac = fmin(1.0, (double)l->info.step_done / (double)l->info.step_total);
	units = (l->done - l->loop_first) + frac;
	if (units <= 0)
		return NAN;
	return (now - l->loop_t0_ms) / 1000.0 / units * (e->opts.max_iterations - l->done - frac);
}

/* Brings the record up to date with the experiment and the engine. */
static void refresh(const struct po_experiment *e, struct po_exp_live *l, long calls, double spent)
{
	double now = po_time_mono_ms();
	bool scored = e->best_prompts != NULL;

	if (e->iterations_run > l->done)
		l->done = e->iterations_run;
	l->file.iteration = scored ? l->done + 1 : 0;
	if (l->file.iteration > e->opts.max_iterations)
		l->file.iteration = e->opts.max_iterations;
	l->file.done = l->done;
	l->file.max_iterations = e->opts.max_iterations;
	l->file.baseline = scored ? e->baseline_score : NAN;
	l->file.best = scored ? e->best_score : NAN;
	/* Before begin() the run has no clock yet: it starts now. */
	l->file.started = e->started ? e->started : po_time_unix();
	if (scored && !l->loop_t0_ms) {
		l->loop_t0_ms = now;
		l->loop_first = l->done;
		l->step_calls0 = calls;
	}
	l->info.phase = l->phase ? l->phase : scored ? "iterating" : "baseline";
	l->info.calls = calls;
	l->info.step_done = calls - l->step_calls0;
	l->info.spent_usd = spent;
	l->info.max_calls = e->opts.max_calls;
	l->info.budget_usd = e->opts.budget_usd;
	l->info.elapsed_s = e->t0_ms > 0 ? (now - e->t0_ms) / 1000.0 : 0;
	l->info.eta_s = eta(e, l, now);
}

static void tell(const struct po_experiment *e, struct po_exp_live *l)
{
	struct po_event ev = {
		.kind = PO_EV_PROGRESS, .iteration = l->file.iteration,
		.max_iterations = l->file.max_iterations, .best = l->file.best,
		.score = l->file.baseline, .progress = &l->info,
	};

	if (e->opts.progress_events && e->opts.on_event)
		e->opts.on_event(&ev, e->opts.userdata);
}

static void on_engine(void *userdata, const struct po_engine_progress *p)
{
	const struct po_experiment *e = userdata;
	struct po_exp_live *l = e->live;

	refresh(e, l, p->calls, p->spent_usd);
	po_progress_write(e->results_dir, &l->file, &l->info, false);
	tell(e, l);
}

/* The strategy's estimate of a step's calls (0 when no strategy runs). */
static long step_estimate(const struct po_experiment *e)
{
	struct po_step_estimate est;
	double n = 0;

	if (!e->strategy)
		return 0;
	po_exp_step_estimate(e, &est);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		n += est.calls[r];
	return (long)lround(n);
}

void po_exp_live_start(struct po_experiment *e)
{
	struct po_exp_live *l = po_xcalloc(1, sizeof(*l));

	e->live = l;
	l->file.baseline = l->file.best = NAN;
	po_engine_set_progress(e->engine, on_engine, e);
	refresh(e, l, po_engine_total_calls(e->engine), po_engine_total_cost(e->engine));
	po_progress_write(e->results_dir, &l->file, &l->info, true);
}

void po_exp_live_event(const struct po_experiment *e, const struct po_event *ev)
{
	struct po_exp_live *l = e->live;
	long calls;

	if (!l || (ev->kind != PO_EV_BASELINE && ev->kind != PO_EV_ITERATION))
		return;
	if (ev->kind == PO_EV_ITERATION && ev->iteration > l->done)
		l->done = ev->iteration;
	calls = po_engine_total_calls(e->engine);
	/* A new step begins: its calls count from here. */
	l->step_calls0 = calls;
	l->info.step_total = step_estimate(e);
	refresh(e, l, calls, po_engine_total_cost(e->engine));
	/* Not forced: a fast run's iterations would each rewrite the file; the
	 * next step's calls, or the end, write it within the interval. */
	po_progress_write(e->results_dir, &l->file, &l->info, ev->kind == PO_EV_BASELINE);
	tell(e, l);
}

void po_exp_live_phase(const struct po_experiment *e, const char *phase)
{
	struct po_exp_live *l = e->live;

	if (!l)
		return;
	l->phase = phase;
	l->info.step_total = 0;
	l->step_calls0 = po_engine_total_calls(e->engine);
	refresh(e, l, l->step_calls0, po_engine_total_cost(e->engine));
	po_progress_write(e->results_dir, &l->file, &l->info, true);
	tell(e, l);
}

void po_exp_live_end(struct po_experiment *e, int status)
{
	struct po_exp_live *l = e->live;

	if (!l)
		return;
	l->phase = status == 0 ? "finished" : status == PO_EINTR ? "interrupted" :
		   status == PO_EBUDGET ? "stopped" : "failed";
	refresh(e, l, po_engine_total_calls(e->engine), po_engine_total_cost(e->engine));
	l->info.eta_s = NAN;
	po_progress_write(e->results_dir, &l->file, &l->info, true);
	po_engine_set_progress(e->engine, NULL, NULL);
	free(l);
	e->live = NULL;
}
