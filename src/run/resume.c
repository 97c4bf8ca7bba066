/*
 * What --resume needs: the experiment's state saved after the baseline and
 * each iteration (the checkpoint files of run/checkpoint.c), and restored
 * from them: the split, the archive, the strategy's state, the incumbent,
 * the history and the counters.
 */
#include <math.h>
#include <string.h>

#include "run/checkpoint.h"
#include "run/experiment_internal.h"
#include "util/err.h"
#include "util/json.h"
#include "util/timeutil.h"

/* After the baseline and each iteration: what --resume needs. */
int po_exp_save_checkpoint(struct po_experiment *e, int k, struct po_err *err)
{
	struct po_checkpoint ck = {
		.seed = e->opts.seed, .iteration = k, .started = e->started,
		.wall_seconds = e->prior_wall_s + (po_time_mono_ms() - e->t0_ms) / 1000.0,
		.baseline_score = e->baseline_score, .best_score = e->best_score,
		.best_sample = e->best_sample,
		.race = { e->race.saved_calls, e->race.dropped, e->race.accepted_early },
		.baseline_prompts = e->baseline_prompts, .best_prompts = e->best_prompts,
		.history = e->history, .files = e->files, .best_eval = e->best_eval,
		.stats = *po_engine_stats(e->engine), .archive_w = e->archive,
		.split = e->split_json,
		.strategy_state = e->strategy_ops->save ? e->strategy_ops->save(e->strategy) : NULL,
		.integrity = po_integrity_save(&e->integrity),
	};
	int ret;

	/* The split does not change during a run: built for the first save. */
	if (!ck.split)
		ck.split = e->split_json = po_split_to_json(&e->split, e->project);
	snprintf(ck.project, sizeof(ck.project), "%s", e->project_name);
	snprintf(ck.strategy, sizeof(ck.strategy), "%s", e->strategy_name);
	ret = po_checkpoint_write(e->results_dir, &ck, &e->ck_cursor, e->project, err);
	json_decref(ck.strategy_state);
	json_decref(ck.integrity);
	return ret;
}

/* The split, archive and strategy state of a checkpoint. */
static int restore_search(struct po_experiment *e, const struct po_checkpoint *ck,
			  struct po_err *err)
{
	size_t i;
	json_t *v;
	int ret;

	po_split_release(&e->split);
	ret = po_split_from_json(&e->split, ck->split, e->project, err);
	/* The run's split is the checkpoint's, whatever the flags say now. */
	if (!ret)
		e->split_cfg.enabled = !po_caseset_is_all(&e->split.test, e->project->ncases);
	json_array_foreach(ck->archive, i, v) {
		if (!ret)
			ret = po_archive_load_json(e->archive, v, e->project, err);
	}
	if (!ret && e->strategy_ops->restore)
		ret = e->strategy_ops->restore(e->strategy, ck->strategy_state, err);
	if (ret)
		po_error_prefix(err, "%s/%s", e->results_dir, PO_CHECKPOINT_FILE);
	return ret;
}

/*
 * Takes the state of an interrupted run from its checkpoint: *last is the
 * last iteration it finished. The convergence detector is fed the scores
 * again, which gives it the state it had.
 */
int po_exp_restore_checkpoint(struct po_experiment *e, int *last, struct po_err *err)
{
	struct po_checkpoint ck;
	size_t i;
	json_t *h;
	int ret = po_checkpoint_read(e->results_dir, e->project, &ck, err);

	if (ret)
		return ret;
	if (ck.seed != e->opts.seed || strcmp(ck.strategy, e->strategy_name)) {
		ret = po_error(err, PO_EUSAGE,
			       "the run in '%s' used seed %llu and strategy %s; resume it with --seed %llu --strategy %s, or start a new run without --resume",
			       e->results_dir, (unsigned long long)ck.seed, ck.strategy,
			       (unsigned long long)ck.seed, ck.strategy);
		po_checkpoint_release(&ck);
		return ret;
	}
	ret = restore_search(e, &ck, err);
	if (ret) {
		po_checkpoint_release(&ck);
		return ret;
	}
	*last = ck.iteration;
	e->ck_cursor = ck.cursor;
	e->started = ck.started;
	e->prior_wall_s = ck.wall_seconds;
	e->baseline_score = ck.baseline_score;
	e->best_score = ck.best_score;
	e->best_sample = ck.best_sample;
	e->race.saved_calls = ck.race[0];
	e->race.dropped = ck.race[1];
	e->race.accepted_early = ck.race[2];
	po_integrity_restore(&e->integrity, ck.integrity);
	e->baseline_prompts = json_incref(ck.baseline_prompts);
	e->best_prompts = json_incref(ck.best_prompts);
	json_decref(e->history);
	e->history = json_incref(ck.history);
	json_decref(e->files);
	e->files = json_incref(ck.files);
	e->best_eval = ck.best_eval;
	memset(&ck.best_eval, 0, sizeof(ck.best_eval));
	po_engine_restore_stats(e->engine, &ck.stats);
	/* The detector as the run fed it (experiment.c): every row but the
	 * steps whose strategy chose to nominate nothing (lost ones count); a
	 * candidate's score under the greedy rule, the incumbent's under a
	 * test. */
	json_array_foreach(e->history, i, h) {
		if (!po_exp_row_counted(h))
			po_convergence_skip(e->conv, (int)i);
		else
			po_convergence_update(e->conv, (int)i,
					      po_exp_detector_value(e, po_json_num(h, "score", NAN),
								    po_json_num(h, "best_score",
										e->best_score)));
	}
	e->iterations_run = ck.iteration;
	po_checkpoint_release(&ck);
	return 0;
}
