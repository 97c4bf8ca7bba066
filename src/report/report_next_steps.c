/*
 * The run report's "Next Steps": shell commands to deploy the best prompts,
 * run again with another seed and check the results later, and advice on
 * the convergence thresholds and on noise, chosen from the run's figures.
 */
#include "report/report_sections.h"

#include <string.h>

#include "report/fields.h"
#include "report/md.h"
#include "report/svg.h"
#include "util/fs.h"
#include "util/json.h"

/* Appends s as one shell word: as is when plain, else single-quoted. */
static void sh_word(struct po_buf *out, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./:=+-@%,", *p))
			break;
	if (*s && !*p) {
		po_buf_adds(out, s);
		return;
	}
	po_buf_addch(out, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			po_buf_adds(out, "'\\''");
		else
			po_buf_addch(out, *p);
	}
	po_buf_addch(out, '\'');
}

static void next_step_thresholds(struct po_buf *out, const json_t *fr)
{
	const json_t *conv = json_object_get(fr, "convergence");
	const char *project = po_json_str(fr, "project", NULL);
	struct po_buf file = PO_BUF_INIT;
	double v, max_it, run;

	po_buf_adds(out, "**Adjust the thresholds** (`no_improvement_threshold` = ");
	po_field_setting(out, conv, "no_improvement_threshold");
	po_buf_adds(out, ", `min_improvement_percent` = ");
	po_field_setting(out, conv, "min_improvement_percent");
	if (project && *project) {
		po_buf_addf(&file, "config_%s.json", project);
		po_buf_adds(out, " in ");
		po_md_code(out, file.data, 0);
		po_buf_release(&file);
	}
	po_buf_adds(out, "):");
	if (json_is_false(json_object_get(conv, "converged")) &&
	    po_field_get_num(fr, "max_iterations", &max_it) &&
	    po_field_get_num(fr, "iterations_run", &run) && run >= max_it)
		po_buf_adds(out, " the run did not converge within its iterations; run longer"
			    " with more `--iterations`.");
	else if (po_field_get_num(conv, "wasted_iterations", &v) && v > 0)
		po_buf_adds(out, " iterations ran after convergence; enable early stopping.");
	else if (po_field_get_num(conv, "plateau_variance", &v) && v > 5)
		po_buf_adds(out, " the plateau is wide, so mutations may be too aggressive or"
			    " the judge too noisy; score more test cases or samples.");
	else
		po_buf_adds(out, " lower the threshold to stop sooner, raise it to search"
			    " longer.");
}

/* cp <results folder>/prompts_<project>.json path/to/your/prompts.json */
static void deploy_command(struct po_buf *cmd, const char *project, const char *dir)
{
	struct po_buf file = PO_BUF_INIT;

	po_buf_addf(&file, "prompts_%s.json", project);
	if (dir && *dir) {
		struct po_buf tmp = PO_BUF_INIT;

		po_fs_join(&tmp, dir, file.data);
		po_buf_reset(&file);
		po_buf_adds(&file, tmp.data);
		po_buf_release(&tmp);
	}
	po_buf_adds(cmd, "cp ");
	sh_word(cmd, file.data);
	po_buf_adds(cmd, " path/to/your/prompts.json");
	po_buf_release(&file);
}

/* Another seed shows whether the gain holds or was luck: the same run
 * with the next seed, into a folder of its own. */
static void rerun_command(struct po_buf *cmd, const json_t *fr, const char *project)
{
	struct po_buf dir = PO_BUF_INIT;
	double seed = 42, max_it;

	po_field_get_num(fr, "seed", &seed);
	po_buf_adds(cmd, "promptopt run --project ");
	sh_word(cmd, project);
	po_buf_adds(cmd, " --iterations ");
	if (po_field_get_num(fr, "max_iterations", &max_it) && max_it >= 1)
		po_svg_addnum(cmd, max_it, 0);
	else
		po_buf_adds(cmd, "20");
	po_buf_adds(cmd, " --seed ");
	po_svg_addnum(cmd, seed + 1, 0);
	po_buf_adds(cmd, " --results-dir ");
	po_buf_adds(&dir, "results-seed-");
	po_svg_addnum(&dir, seed + 1, 0);
	sh_word(cmd, dir.data);
	po_buf_release(&dir);
}

/* The winner's curse, when the simulator knows the truth: true, with the
 * points the reported improvement exceeds the true one in *excess, when
 * that is more than half a point. */
static int winners_curse(const json_t *fr, double *excess)
{
	const json_t *ts = json_object_get(fr, "true_score");
	double base, best, reported;

	if (!json_is_object(ts) || !po_field_get_num(ts, "baseline", &base) ||
	    !po_field_get_num(ts, "best", &best) ||
	    !po_field_get_num(fr, "improvement", &reported))
		return 0;
	*excess = reported - (best - base);
	return *excess > 0.5;
}

/* Item n of the list: lead, then cmd as code. */
static void command_item(struct po_buf *out, int n, const char *lead, const char *cmd)
{
	po_buf_addf(out, "%d. %s", n, lead);
	po_md_code(out, cmd, 0);
	po_buf_addch(out, '\n');
}

/* False when held-out cases were evaluated and show no improvement. */
static bool heldout_shown(const json_t *fr)
{
	const json_t *h = json_object_get(fr, "heldout");

	if (!json_is_object(h) || po_json_str(h, "skipped", NULL))
		return true;
	return po_json_bool(h, "shown", 0);
}

void po_report_section_next_steps(struct po_buf *out, const json_t *fr)
{
	const char *project = po_json_str(fr, "project", NULL);
	struct po_buf cmd = PO_BUF_INIT;
	double excess;
	int n = 0;

	po_buf_adds(out, "## Next Steps\n\n");
	if (project && *project && heldout_shown(fr)) {
		deploy_command(&cmd, project, po_json_str(fr, "results_dir", NULL));
		command_item(out, ++n, "**Deploy the best prompts:** ", cmd.data);
		po_buf_reset(&cmd);
	} else if (project && *project) {
		po_buf_addf(out, "%d. **Do not deploy yet:** the held-out test cases show no"
			    " improvement (its 95 %% interval includes zero); add test cases or run"
			    " longer.\n", ++n);
	}
	if (project && *project) {
		rerun_command(&cmd, fr, project);
		command_item(out, ++n,
			     "**Run again with another seed** to check that the gain holds: ",
			     cmd.data);
	}
	po_buf_addf(out, "%d. ", ++n);
	next_step_thresholds(out, fr);
	po_buf_addch(out, '\n');
	if (winners_curse(fr, &excess)) {
		po_buf_addf(out, "%d. **Mind the noise:** the reported improvement exceeds the"
			    " true one by ", ++n);
		po_svg_addnum(out, excess, 2);
		po_buf_adds(out, " points (the winner's curse); score more test cases before"
			    " trusting small gains.\n");
	}
	if (project && *project) {
		po_buf_reset(&cmd);
		po_buf_adds(&cmd, "promptopt status --project ");
		sh_word(&cmd, project);
		command_item(out, ++n, "**Check results later:** ", cmd.data);
	}
	po_buf_release(&cmd);
}
