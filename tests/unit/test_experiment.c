/*
 * Tests of the public experiment API (promptopt.h) on the built-in
 * pr-faq-validator project with the simulator: option defaults and checks,
 * the events a caller sees, the results file, determinism, convergence on
 * and off, interruption and the report. Each test runs in its own mkdtemp
 * folder as the working directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "promptopt.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

#define PROJECT "pr-faq-validator"
#define PROJECT_DIR "prompt_tuning_results_" PROJECT
#define MAX_EVENTS 512

/* ---- fixture: a fresh working directory per test -------------------------- */

struct fixture {
	char old_cwd[PATH_MAX];
	char dir[64];
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_cwd(void **state)
{
	struct fixture *f = po_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/po_test_experiment_XXXXXX");
	if (!getcwd(f->old_cwd, sizeof(f->old_cwd)) || !mkdtemp(f->dir) || chdir(f->dir) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown_cwd(void **state)
{
	struct fixture *f = *state;
	int ret = chdir(f->old_cwd);

	if (!ret)
		ret = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return ret;
}

/* ---- recording what a run reports ----------------------------------------- */

struct ev_copy {
	enum po_event_kind kind;
	int iteration, max_iterations;
	double score, best, previous_best;
	bool improved;
};

struct recorder {
	struct ev_copy ev[MAX_EVENTS];
	int n;
	/* When > 0: set *interrupt once iteration `stop_after` is reported. */
	int stop_after;
	volatile int interrupt;
};

static void on_event(const struct po_event *ev, void *userdata)
{
	struct recorder *r = userdata;

	assert_true(r->n < MAX_EVENTS);
	if (ev->kind == PO_EV_INFO || ev->kind == PO_EV_WARNING)
		assert_non_null(ev->message);
	r->ev[r->n++] = (struct ev_copy){
		.kind = ev->kind, .iteration = ev->iteration,
		.max_iterations = ev->max_iterations, .score = ev->score, .best = ev->best,
		.previous_best = ev->previous_best, .improved = ev->improved,
	};
	if (r->stop_after > 0 && ev->kind == PO_EV_ITERATION && ev->iteration == r->stop_after)
		r->interrupt = 1;
}

static int count_kind(const struct recorder *r, enum po_event_kind kind)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += r->ev[i].kind == kind;
	return n;
}

static void options(struct po_run_options *o, int iterations, struct recorder *r)
{
	po_run_options_init(o);
	o->project = PROJECT;
	o->max_iterations = iterations;
	o->write_report = false;
	if (r) {
		memset(r, 0, sizeof(*r));
		o->on_event = on_event;
		o->userdata = r;
	}
}

/* new + run + summary + free; returns the status of the first failing step. */
static int run(const struct po_run_options *o, struct po_summary *s, struct po_err *err)
{
	struct po_experiment *e = NULL;
	int ret;

	memset(s, 0, sizeof(*s));
	memset(err, 0, sizeof(*err));
	ret = po_experiment_new(&e, o, err);
	if (!ret) {
		assert_non_null(e);
		ret = po_experiment_run(e, err);
		po_experiment_summary(e, s);
	}
	po_experiment_free(e);
	return ret;
}

static json_t *load_final(const char *results_dir)
{
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *j = NULL;

	po_fs_join(&p, results_dir, "optimization_final_results.json");
	if (po_json_load_file(p.data, &j, &err))
		fail_msg("%s", err.msg);
	assert_true(json_is_object(j));
	po_buf_release(&p);
	return j;
}

static char *history_text(const char *results_dir)
{
	json_t *j = load_final(results_dir);
	char *s = po_json_dumps_compact(json_object_get(j, "iteration_history"));

	assert_non_null(s);
	json_decref(j);
	return s;
}

static void assert_close(double a, double b)
{
	if (fabs(a - b) > 1e-6 * (1 + fabs(a)))
		fail_msg("%.12g != %.12g", a, b);
}

/* The summary read back from disk equals the one the run returned. */
static void assert_summary_on_disk(const struct po_summary *s)
{
	struct po_summary d;
	struct po_err err = { 0 };

	assert_int_equal(po_results_read_summary(s->results_dir, &d, &err), 0);
	assert_string_equal(d.project, s->project);
	assert_string_equal(d.strategy, s->strategy);
	assert_string_equal(d.provider, s->provider);
	assert_string_equal(d.results_dir, s->results_dir);
	assert_string_equal(d.report_path, s->report_path);
	assert_int_equal(d.seed, s->seed);
	assert_int_equal(d.max_iterations, s->max_iterations);
	assert_int_equal(d.iterations_run, s->iterations_run);
	assert_int_equal(d.converged, s->converged);
	assert_int_equal(d.convergence_iteration, s->convergence_iteration);
	assert_int_equal(d.wasted_iterations, s->wasted_iterations);
	assert_int_equal(d.no_improvement_count, s->no_improvement_count);
	assert_int_equal(d.calls, s->calls);
	assert_close(d.baseline_score, s->baseline_score);
	assert_close(d.final_score, s->final_score);
	assert_close(d.improvement, s->improvement);
	assert_close(d.improvement_percent, s->improvement_percent);
	assert_close(d.plateau_variance, s->plateau_variance);
	assert_close(d.plateau_average, s->plateau_average);
	assert_close(d.true_best_score, s->true_best_score);
	assert_close(d.true_baseline_score, s->true_baseline_score);
	assert_close(d.wall_seconds, s->wall_seconds);
}

/*
 * The events tell a consistent story: one BASELINE first, then ITERATION
 * 1..n in order, each improved exactly when its best rose, best never
 * falling, ending at the final score.
 */
static void assert_event_story(const struct recorder *r, const struct po_summary *s)
{
	int base = -1, k = 0;
	double best = NAN;

	assert_int_equal(count_kind(r, PO_EV_BASELINE), 1);
	assert_int_equal(count_kind(r, PO_EV_ITERATION), s->iterations_run);
	assert_true(count_kind(r, PO_EV_CONVERGED) <= 1);
	for (int i = 0; i < r->n; i++) {
		const struct ev_copy *ev = &r->ev[i];

		if (ev->kind == PO_EV_BASELINE) {
			base = i;
			best = ev->score;
			assert_close(ev->score, s->baseline_score);
			assert_int_equal(ev->max_iterations, s->max_iterations);
		}
		if (ev->kind != PO_EV_ITERATION)
			continue;
		assert_true(base >= 0 && base < i);
		assert_int_equal(ev->iteration, ++k);
		assert_int_equal(ev->max_iterations, s->max_iterations);
		assert_true(ev->previous_best == best);
		assert_int_equal(ev->improved, ev->best > ev->previous_best);
		assert_true(ev->best >= ev->previous_best);
		if (ev->improved)
			assert_true(ev->score == ev->best);
		else if (isfinite(ev->score))
			assert_true(ev->score <= ev->best);
		best = ev->best;
	}
	assert_int_equal(k, s->iterations_run);
	assert_close(best, s->final_score);
}

/* The history in the results file matches the events. */
static void assert_history_matches(const struct recorder *r, const struct po_summary *s)
{
	json_t *f = load_final(s->results_dir);
	const json_t *h = json_object_get(f, "iteration_history");
	size_t k = 0;

	/* As the seed's: iteration 1 first; the baseline has its own key. */
	assert_int_equal(json_array_size(h), (size_t)s->iterations_run);
	assert_int_equal(po_json_int(json_object_get(f, "baseline"), "iteration", -1), 0);
	assert_close(po_json_num(json_object_get(f, "baseline"), "score", NAN), s->baseline_score);
	for (int i = 0; i < r->n; i++) {
		const json_t *it;

		if (r->ev[i].kind != PO_EV_ITERATION)
			continue;
		it = json_array_get(h, k++);
		assert_int_equal(po_json_int(it, "iteration", -1), (long long)k);
		assert_true(json_is_boolean(json_object_get(
			json_object_get(f, "convergence"), "should_stop")));
		assert_int_equal(po_json_bool(it, "improved", -1), r->ev[i].improved);
		assert_close(po_json_num(it, "best_score", NAN), r->ev[i].best);
	}
	json_decref(f);
}

static int count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t sl = strlen(suffix);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		n += l >= sl && !strcmp(de->d_name + l - sl, suffix);
	}
	closedir(d);
	return n;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_options_defaults(void **state)
{
	struct po_convergence_config seed_defaults;
	struct po_run_options o;

	(void)state;
	memset(&o, 0x5a, sizeof(o)); /* init must set every field */
	po_run_options_init(&o);
	po_convergence_config_init(&seed_defaults);
	assert_null(o.project);
	assert_int_equal(o.max_iterations, 20);
	assert_string_equal(o.provider, "sim");
	assert_string_equal(o.strategy, "reflect");
	assert_int_equal(o.seed, 42);
	assert_true(o.enable_convergence);
	assert_int_equal(o.convergence.no_improvement_threshold, 5);
	assert_true(o.convergence.min_improvement_percent == 0.1);
	assert_true(o.convergence.enable_early_stop);
	assert_true(o.convergence.track_plateau_variance);
	assert_int_equal(o.convergence.no_improvement_threshold,
			 seed_defaults.no_improvement_threshold);
	assert_true(o.convergence.min_improvement_percent == seed_defaults.min_improvement_percent);
	assert_true(o.sim_noise < 0);
	assert_null(o.results_dir);
	assert_string_equal(o.docs_dir, "docs");
	assert_true(o.write_report);
	assert_null(o.on_event);
	assert_null(o.userdata);
	assert_null(o.interrupt);
}

static void test_run_ten_iterations(void **state)
{
	static struct recorder r;
	struct po_run_options o;
	struct po_summary s;
	struct po_err err;
	int ret;

	(void)state;
	options(&o, 10, &r);
	ret = run(&o, &s, &err);
	if (ret)
		fail_msg("run failed (%d): %s", ret, err.msg);

	assert_true(po_fs_is_dir(PROJECT_DIR));
	assert_string_equal(s.project, PROJECT);
	assert_string_equal(s.strategy, "reflect");
	assert_string_equal(s.provider, "sim");
	assert_string_equal(s.results_dir, PROJECT_DIR);
	assert_string_equal(s.report_path, "");
	assert_int_equal(s.seed, 42);
	assert_int_equal(s.max_iterations, 10);
	assert_true(s.iterations_run >= 1 && s.iterations_run <= 10);
	assert_true(s.baseline_score > 0 && s.baseline_score <= 100);
	assert_true(s.final_score >= s.baseline_score);
	assert_close(s.improvement, s.final_score - s.baseline_score);
	assert_true(s.calls > 0);
	assert_true(s.true_best_score > 0 && s.true_best_score <= 100);
	assert_true(s.true_baseline_score > 0 && s.true_baseline_score <= 100);
	assert_true(s.wall_seconds >= 0);
	if (s.iterations_run < 10)
		assert_true(s.converged);

	assert_summary_on_disk(&s);
	assert_event_story(&r, &s);
	assert_history_matches(&r, &s);
	/* No report was asked for. */
	assert_false(po_fs_exists("docs"));
}

static void test_same_seed_same_history(void **state)
{
	struct po_run_options o;
	struct po_summary s1, s2, s3;
	struct po_err err;
	char *h1, *h2, *h3;

	(void)state;
	options(&o, 8, NULL);
	o.results_dir = "run1";
	assert_int_equal(run(&o, &s1, &err), 0);
	o.results_dir = "run2";
	assert_int_equal(run(&o, &s2, &err), 0);
	o.results_dir = "run3";
	o.seed = 7;
	assert_int_equal(run(&o, &s3, &err), 0);

	assert_string_equal(s1.results_dir, "run1");
	assert_string_equal(s2.results_dir, "run2");
	h1 = history_text("run1");
	h2 = history_text("run2");
	h3 = history_text("run3");
	assert_string_equal(h1, h2);
	assert_true(s1.final_score == s2.final_score);
	assert_int_equal(s1.calls, s2.calls);
	/* And the seed matters. */
	assert_string_not_equal(h1, h3);
	assert_int_equal(s3.seed, 7);
	free(h1);
	free(h2);
	free(h3);
}

static void test_convergence_on_and_off(void **state)
{
	static struct recorder r;
	struct po_run_options o;
	struct po_summary s;
	struct po_err err;

	(void)state;
	/* Patience 1: with convergence on, the first flat iteration stops the run
	 * (hillclimb: every step nominates a candidate, and the detector counts
	 * candidates tested). */
	options(&o, 12, &r);
	o.strategy = "hillclimb";
	o.convergence.no_improvement_threshold = 1;
	o.results_dir = "on";
	assert_int_equal(run(&o, &s, &err), 0);
	assert_true(s.iterations_run < 12);
	assert_true(s.converged);
	assert_int_equal(count_kind(&r, PO_EV_CONVERGED), 1);
	assert_event_story(&r, &s);

	options(&o, 12, &r);
	o.convergence.no_improvement_threshold = 1;
	o.enable_convergence = false;
	o.results_dir = "off";
	assert_int_equal(run(&o, &s, &err), 0);
	assert_int_equal(s.iterations_run, 12);
	assert_int_equal(count_kind(&r, PO_EV_CONVERGED), 0);
	assert_event_story(&r, &s);
	assert_summary_on_disk(&s);
}

static void test_interrupt_after_three(void **state)
{
	static struct recorder r;
	struct po_run_options o;
	struct po_summary s, d;
	struct po_err err;
	json_t *f;

	(void)state;
	options(&o, 10, &r);
	o.enable_convergence = false;
	r.stop_after = 3;
	o.interrupt = &r.interrupt;
	assert_int_equal(run(&o, &s, &err), PO_EINTR);
	assert_int_equal(err.code, PO_EINTR);
	assert_non_null(strstr(err.msg, PROJECT_DIR));
	assert_int_equal(s.iterations_run, 3);
	assert_int_equal(count_kind(&r, PO_EV_ITERATION), 3);
	assert_event_story(&r, &s);

	assert_int_equal(po_results_read_summary(PROJECT_DIR, &d, &err), 0);
	assert_int_equal(d.iterations_run, 3);
	assert_int_equal(d.max_iterations, 10);
	assert_close(d.final_score, s.final_score);
	f = load_final(PROJECT_DIR);
	assert_true(json_is_true(json_object_get(f, "interrupted")));
	assert_int_equal(json_array_size(json_object_get(f, "iteration_history")), 3);
	json_decref(f);
}

/* Each bad option fails before anything is written in the working folder. */
static void expect_bad(const struct po_run_options *o, int code, const char *in_msg)
{
	struct po_experiment *e = NULL;
	struct po_err err = { 0 };
	int ret = po_experiment_new(&e, o, &err);

	if (ret != code)
		fail_msg("expected %d, got %d: %s", code, ret, err.msg);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, in_msg))
		fail_msg("'%s' not in message '%s'", in_msg, err.msg);
	po_experiment_free(e);
}

static void test_bad_options(void **state)
{
	const struct fixture *fx = *state;
	struct po_run_options o;

	options(&o, 5, NULL);
	o.strategy = "simulated-annealing";
	expect_bad(&o, PO_EUSAGE, "'simulated-annealing'");

	options(&o, 5, NULL);
	o.provider = "openai-but-misspelled";
	expect_bad(&o, PO_EUSAGE, "'openai-but-misspelled'");

	options(&o, 5, NULL);
	o.project = "../x";
	expect_bad(&o, PO_ENAME, "'../x'");

	options(&o, -1, NULL);
	expect_bad(&o, PO_EUSAGE, "-1");

	options(&o, 5, NULL);
	o.project = NULL;
	expect_bad(&o, PO_EUSAGE, "project");

	/* Only "." and ".." in the working folder: nothing was created. */
	assert_int_equal(count_files(fx->dir, ""), 2);
}

static void test_report_run(void **state)
{
	struct po_run_options o;
	struct po_summary s;
	struct po_err err;
	size_t dl = strlen("out/docs/");
	int ret;

	(void)state;
	options(&o, 3, NULL);
	o.write_report = true;
	o.docs_dir = "out/docs";
	ret = run(&o, &s, &err);
	if (ret)
		fail_msg("run failed (%d): %s", ret, err.msg);
	assert_int_equal(count_files("out/docs", ".md"), 1);
	assert_int_equal(count_files("out/docs", ".svg"), 1);
	assert_false(po_fs_exists("docs"));
	assert_true(strlen(s.report_path) > dl + 3);
	assert_memory_equal(s.report_path, "out/docs/", dl);
	assert_string_equal(s.report_path + strlen(s.report_path) - 3, ".md");
	assert_true(po_fs_exists(s.report_path));
	assert_non_null(strstr(s.report_path, PROJECT));
	assert_summary_on_disk(&s);
}

static void test_zero_iterations(void **state)
{
	static struct recorder r;
	struct po_run_options o;
	struct po_summary s;
	struct po_err err;
	json_t *f;

	(void)state;
	options(&o, 0, &r);
	assert_int_equal(run(&o, &s, &err), 0);
	assert_int_equal(s.iterations_run, 0);
	assert_int_equal(s.max_iterations, 0);
	assert_true(s.baseline_score > 0);
	assert_true(s.final_score == s.baseline_score);
	assert_true(s.improvement == 0);
	assert_true(s.calls > 0);
	assert_int_equal(count_kind(&r, PO_EV_BASELINE), 1);
	assert_int_equal(count_kind(&r, PO_EV_ITERATION), 0);
	assert_event_story(&r, &s);
	f = load_final(PROJECT_DIR);
	assert_int_equal(json_array_size(json_object_get(f, "iteration_history")), 0);
	assert_true(json_is_object(json_object_get(f, "baseline")));
	json_decref(f);
	assert_summary_on_disk(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test_setup_teardown(test_run_ten_iterations, setup_cwd, teardown_cwd),
		cmocka_unit_test_setup_teardown(test_same_seed_same_history, setup_cwd,
						teardown_cwd),
		cmocka_unit_test_setup_teardown(test_convergence_on_and_off, setup_cwd,
						teardown_cwd),
		cmocka_unit_test_setup_teardown(test_interrupt_after_three, setup_cwd,
						teardown_cwd),
		cmocka_unit_test_setup_teardown(test_bad_options, setup_cwd, teardown_cwd),
		cmocka_unit_test_setup_teardown(test_report_run, setup_cwd, teardown_cwd),
		cmocka_unit_test_setup_teardown(test_zero_iterations, setup_cwd, teardown_cwd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
