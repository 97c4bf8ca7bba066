/*
 * Tests of run/batch (plans, options, shards, the batch result, running,
 * merging) and report/batch_report, on the built-in pr-faq-validator
 * project with the simulator. Tests that run experiments work in their own
 * mkdtemp folder as the working directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/stats.h"
#include "llm/providers/shared.h"
#include "promptopt.h"
#include "report/batch_report.h"
#include "run/batch.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

/* The seed's example config, as its guide shows it. */
static const char seed_config[] =
	"{\n"
	"  \"experiments\": [\n"
	"    {\n"
	"      \"name\": \"Baseline - No Convergence Detection\",\n"
	"      \"project\": \"pr-faq-validator\",\n"
	"      \"iterations\": 20,\n"
	"      \"use_real_api\": false,\n"
	"      \"enable_convergence\": false\n"
	"    },\n"
	"    {\n"
	"      \"name\": \"With Convergence Detection\",\n"
	"      \"project\": \"pr-faq-validator\",\n"
	"      \"iterations\": 20,\n"
	"      \"use_real_api\": false,\n"
	"      \"enable_convergence\": true\n"
	"    },\n"
	"    {\n"
	"      \"name\": \"Real API Test\",\n"
	"      \"project\": \"pr-faq-validator\",\n"
	"      \"iterations\": 10,\n"
	"      \"use_real_api\": true,\n"
	"      \"enable_convergence\": true\n"
	"    }\n"
	"  ]\n"
	"}\n";

/* ---- fixture: a fresh working directory ------------------------------------ */

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

	snprintf(f->dir, sizeof(f->dir), "/tmp/po_test_batch_XXXXXX");
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

static struct po_batch *parse_ok(const char *text)
{
	struct po_batch_defaults d;
	struct po_batch *b = NULL;
	struct po_err err = { 0 };

	po_batch_defaults_init(&d);
	if (po_batch_plan_parse(&b, "b.json", text, strlen(text), &d, &err))
		fail_msg("%s", err.msg);
	assert_non_null(b);
	return b;
}

static void parse_fails(const char *text, int code, const char *msg)
{
	struct po_batch_defaults d;
	struct po_batch *b = NULL;
	struct po_err err = { 0 };

	po_batch_defaults_init(&d);
	assert_int_equal(po_batch_plan_parse(&b, "b.json", text, strlen(text), &d, &err), code);
	assert_null(b);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, msg);
}

static const char *cfg_str(const struct po_batch *b, size_t i, const char *key)
{
	return po_json_str(po_batch_config(b, i), key, NULL);
}

static long long cfg_int(const struct po_batch *b, size_t i, const char *key)
{
	return po_json_int(po_batch_config(b, i), key, -1);
}

/* ---- plans -------------------------------------------------------------- */

static void test_plan_default(void **state)
{
	struct po_batch_defaults d;
	struct po_batch *b = NULL, *b2 = NULL;
	struct po_err err = { 0 };

	(void)state;
	po_batch_defaults_init(&d);
	d.iterations = 7;
	assert_int_equal(po_batch_plan_default(&b, 3, &d, &err), 0);
	assert_int_equal(po_batch_size(b), 3);
	for (size_t i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "Experiment %zu", i + 1);
		assert_string_equal(cfg_str(b, i, "name"), name);
		assert_string_equal(cfg_str(b, i, "project"), "pr-faq-validator");
		assert_string_equal(cfg_str(b, i, "provider"), "sim");
		assert_int_equal(cfg_int(b, i, "seed"), 42 + (long long)i);
		assert_int_equal(cfg_int(b, i, "iterations"), 7);
		assert_true(po_json_bool(po_batch_config(b, i), "enable_convergence", 0));
	}
	assert_int_equal(strlen(po_batch_fingerprint(b)), 16);

	/* another base seed: another plan, another fingerprint */
	d.seed = 100;
	assert_int_equal(po_batch_plan_default(&b2, 3, &d, &err), 0);
	assert_int_equal(cfg_int(b2, 2, "seed"), 102);
	assert_string_not_equal(po_batch_fingerprint(b), po_batch_fingerprint(b2));
	po_batch_free(b2);
	b2 = NULL;
	d.seed = 42;
	assert_int_equal(po_batch_plan_default(&b2, 3, &d, &err), 0);
	assert_string_equal(po_batch_fingerprint(b), po_batch_fingerprint(b2));
	po_batch_free(b2);
	po_batch_free(b);

	assert_int_equal(po_batch_plan_default(&b, 0, &d, &err), PO_EUSAGE);
	assert_string_equal(err.msg, "a batch holds 1 to 10000 experiments, not 0");
	d.provider = "nope";
	assert_int_equal(po_batch_plan_default(&b, 2, &d, &err), PO_EUSAGE);
	assert_non_null(strstr(err.msg, "unknown provider 'nope'"));
	d.provider = NULL;
	d.project = "../up";
	assert_int_equal(po_batch_plan_default(&b, 2, &d, &err), PO_ENAME);
}

static void test_plan_seed_schema(void **state)
{
	struct po_batch *b = parse_ok(seed_config);

	(void)state;
	assert_int_equal(po_batch_size(b), 3);
	assert_string_equal(cfg_str(b, 0, "name"), "Baseline - No Convergence Detection");
	assert_false(po_json_bool(po_batch_config(b, 0), "enable_convergence", 1));
	assert_string_equal(cfg_str(b, 0, "provider"), "sim");
	assert_string_equal(cfg_str(b, 2, "provider"), "anthropic");
	assert_int_equal(cfg_int(b, 2, "iterations"), 10);
	/* no seed given: base 42 + position */
	assert_int_equal(cfg_int(b, 0, "seed"), 42);
	assert_int_equal(cfg_int(b, 2, "seed"), 44);
	po_batch_free(b);
}

static void test_plan_layers_and_repeat(void **state)
{
	struct po_batch_defaults d;
	struct po_batch *b = NULL;
	struct po_err err = { 0 };
	static const char text[] =
		"{\"description\": \"patience sweep\",\n"
		" \"defaults\": {\"iterations\": 5, \"noise\": 2, \"seed\": 1000},\n"
		" \"experiments\": [\n"
		"  {\"name\": \"p2\", \"patience\": 2, \"repeat\": 3},\n"
		"  {\"name\": \"p9\", \"patience\": 9, \"seed\": 7, \"repeat\": 2, \"iterations\": 6},\n"
		"  {\"provider\": \"openai\", \"use_real_api\": true}\n"
		" ]}";

	(void)state;
	po_batch_defaults_init(&d);
	d.project = "other";
	d.iterations = 50;    /* the config's defaults beat the command line's */
	d.strategy = "hillclimb";
	assert_int_equal(po_batch_plan_parse(&b, "b.json", text, strlen(text), &d, &err), 0);
	assert_int_equal(po_batch_size(b), 6);
	assert_string_equal(cfg_str(b, 0, "name"), "p2 #1");
	assert_string_equal(cfg_str(b, 2, "name"), "p2 #3");
	assert_string_equal(cfg_str(b, 3, "name"), "p9 #1");
	assert_string_equal(cfg_str(b, 5, "name"), "Experiment 6");
	/* seeds: the defaults' base + position, or the experiment's own + repeat */
	assert_int_equal(cfg_int(b, 0, "seed"), 1000);
	assert_int_equal(cfg_int(b, 2, "seed"), 1002);
	assert_int_equal(cfg_int(b, 3, "seed"), 7);
	assert_int_equal(cfg_int(b, 4, "seed"), 8);
	assert_int_equal(cfg_int(b, 5, "seed"), 1005);
	assert_int_equal(cfg_int(b, 0, "iterations"), 5);
	assert_int_equal(cfg_int(b, 3, "iterations"), 6);
	assert_string_equal(cfg_str(b, 0, "project"), "other");
	assert_string_equal(cfg_str(b, 0, "strategy"), "hillclimb");
	assert_null(json_object_get(po_batch_config(b, 0), "repeat"));
	/* an explicit provider beats use_real_api */
	assert_string_equal(cfg_str(b, 5, "provider"), "openai");

	struct po_run_options o;
	po_batch_options(b, 3, &o);
	assert_string_equal(o.project, "other");
	assert_int_equal(o.seed, 7);
	assert_int_equal(o.max_iterations, 6);
	assert_int_equal(o.convergence.no_improvement_threshold, 9);
	assert_true(fabs(o.sim_noise - 2) < 1e-12);
	assert_string_equal(o.strategy, "hillclimb");
	/* settings given are not taken from the project's config; the seed never is */
	assert_int_equal(o.from_config & (PO_FROM_CONFIG_ITERATIONS | PO_FROM_CONFIG_SEED |
					  PO_FROM_CONFIG_PATIENCE | PO_FROM_CONFIG_STRATEGY), 0);
	assert_true(o.from_config & PO_FROM_CONFIG_MIN_IMPROVEMENT);
	po_batch_free(b);
}

static void test_plan_options_all_keys(void **state)
{
	static const char text[] =
		"{\"experiments\": [{\"name\": \"x\", \"model\": \"m\", \"judge_model\": \"jm\","
		" \"generate_provider\": \"sim\", \"base_url\": \"http://127.0.0.1:9\","
		" \"concurrency\": 3, \"timeout\": 2.5, \"max_attempts\": 4, \"cache\": false,"
		" \"cache_path\": \"c.sqlite\", \"prices\": \"p.json\", \"max_calls\": 99,"
		" \"budget_usd\": 1.5, \"min_improvement\": 0.5, \"bridge_dir\": \"bd\","
		" \"interval\": 0.3, \"enable_convergence\": false, \"strategy\": \"hillclimb\"}]}";
	struct po_batch *b = parse_ok(text);
	struct po_run_options o;

	(void)state;
	po_batch_options(b, 0, &o);
	assert_string_equal(o.model, "m");
	assert_string_equal(o.role_model[PO_ROLE_JUDGE], "jm");
	assert_null(o.role_model[PO_ROLE_GENERATE]);
	assert_string_equal(o.role_provider[PO_ROLE_GENERATE], "sim");
	assert_string_equal(o.base_url, "http://127.0.0.1:9");
	assert_int_equal(o.concurrency, 3);
	assert_true(fabs(o.timeout_seconds - 2.5) < 1e-12);
	assert_int_equal(o.max_attempts, 4);
	assert_false(o.use_cache);
	assert_string_equal(o.cache_path, "c.sqlite");
	assert_string_equal(o.prices_path, "p.json");
	assert_int_equal(o.max_calls, 99);
	assert_true(fabs(o.budget_usd - 1.5) < 1e-12);
	assert_true(fabs(o.convergence.min_improvement_percent - 0.5) < 1e-12);
	assert_string_equal(o.bridge_dir, "bd");
	assert_true(fabs(o.poll_interval - 0.3) < 1e-12);
	assert_false(o.enable_convergence);
	po_batch_free(b);
}

static void test_plan_errors(void **state)
{
	(void)state;
	parse_fails("{\"experiments\": [\n  {\"name\": \"a\"},\n  \"oops\"\n]}", PO_EINPUT,
		    "b.json:3:3: experiment 2 is a string; expected an object like {\"name\": \"...\", \"iterations\": 20}");
	parse_fails("{\"experiments\": [\n  {\"name\": \"a\", \"iteration\": 2}\n]}", PO_EINPUT,
		    "b.json:2:17: unknown key \"iteration\" in experiment 1; did you mean \"iterations\"? (known: accept, alpha, base_url, batch_api, bridge_dir, budget_usd, cache, cache_path, concurrency, enable_convergence, generate_model, generate_provider, incumbent_samples, interval, iterations, judge_model, judge_provider, length_penalty, max_attempts, max_calls, max_prompt_chars, min_delta, min_improvement, model, mutate_model, mutate_provider, name, noise, pairwise_judge, patience, prices, project, provider, race_rounds, repeat, seed, split, strategy, timeout, use_real_api)");
	parse_fails("{\"experiments\": [{\"iterations\": -2}]}", PO_EINPUT,
		    "b.json:1:33: \"iterations\" in experiment 1 must be between 0 and 100000, not -2");
	parse_fails("{\"experiments\": [{\"iterations\": 2.5}]}", PO_EINPUT,
		    "b.json:1:33: expected a whole number for \"iterations\" in experiment 1, found a number");
	parse_fails("{\"experiments\": [{\"use_real_api\": \"yes\"}]}", PO_EINPUT,
		    "b.json:1:35: expected true or false for \"use_real_api\" in experiment 1, found a string");
	parse_fails("{\"experiments\": [{\"strategy\": \"annealing\"}]}", PO_EINPUT,
		    "b.json:1:31: unknown strategy 'annealing' in experiment 1; available: hillclimb, reflect, opro, ga, demos");
	parse_fails("{\"experiments\": [{\"name\": \"\"}]}", PO_EINPUT,
		    "b.json:1:27: empty \"name\" in experiment 1; give the experiment a name");
	parse_fails("{\"experiment\": []}", PO_EINPUT,
		    "b.json:1:2: unknown key \"experiment\" at the top level; did you mean \"experiments\"? (known: defaults, description, experiments)");
	parse_fails("{}", PO_EINPUT,
		    "b.json:1:1: no \"experiments\" list; add \"experiments\": [{\"name\": \"...\", \"project\": \"...\", \"iterations\": 20}]");
	parse_fails("{\"experiments\": []}", PO_EINPUT,
		    "b.json:1:17: \"experiments\" is empty; add at least one experiment");
	parse_fails("{\"experiments\": {}}", PO_EINPUT,
		    "b.json:1:17: expected an array for \"experiments\", found an object");
	parse_fails("[1]", PO_EINPUT,
		    "b.json:1:1: expected an object like {\"experiments\": [...]}, found an array");
	parse_fails("{\"defaults\": {\"name\": \"x\"}, \"experiments\": [{}]}", PO_EINPUT,
		    "b.json:1:15: \"name\" cannot be a default; name each experiment");
	parse_fails("{\"defaults\": {\"seed\": -1}, \"experiments\": [{}]}", PO_EINPUT,
		    "b.json:1:23: \"seed\" in \"defaults\" must be between 0 and 9007199254740991, not -1");
	parse_fails("{\"experiments\": [{\"repeat\": 1000}, {\"repeat\": 1000}, {\"repeat\": 1000},"
		    " {\"repeat\": 1000}, {\"repeat\": 1000}, {\"repeat\": 1000}, {\"repeat\": 1000},"
		    " {\"repeat\": 1000}, {\"repeat\": 1000}, {\"repeat\": 1000}, {\"repeat\": 1}]}",
		    PO_EINPUT,
		    "b.json:1:17: the batch holds more than 10000 experiments (\"repeat\" included); split it");
	parse_fails("{\"experiments\": [{\"name\": \"a\",}]}", PO_ESYNTAX,
		    "b.json:1:31: invalid JSON: string or '}' expected near '}'");
}

/* The command line's defaults are checked with a config too, before the
 * file is read, with the codes of --experiments (docs/batch.md). */
static void test_plan_bad_cli_defaults(void **state)
{
	static const char text[] = "{\"experiments\": [{\"strategy\": \"hillclimb\", "
				   "\"provider\": \"sim\", \"project\": \"p\"}]}";
	struct po_batch_defaults d;
	struct po_batch *b = NULL;
	struct po_err err = { 0 };

	(void)state;
	po_batch_defaults_init(&d);
	d.strategy = "foo";
	assert_int_equal(po_batch_plan_parse(&b, "b.json", text, strlen(text), &d, &err),
			 PO_EUSAGE);
	assert_string_equal(err.msg, "unknown strategy 'foo'; available: hillclimb, reflect, opro, ga, demos");
	d.strategy = NULL;
	d.provider = "foo";
	assert_int_equal(po_batch_plan_parse(&b, "b.json", text, strlen(text), &d, &err),
			 PO_EUSAGE);
	assert_string_equal(err.msg, "unknown provider 'foo'; available: sim, bridge, anthropic, openai");
	d.provider = NULL;
	d.project = "../x";
	assert_int_equal(po_batch_plan_parse(&b, "b.json", text, strlen(text), &d, &err), PO_ENAME);
	assert_non_null(strstr(err.msg, "invalid project name '../x'"));
	assert_null(b);
}

/* The experiment's own key beats "defaults", which beats the command line;
 * within a layer "provider" beats "use_real_api". */
static void test_plan_provider_precedence(void **state)
{
	static const char text[] =
		"{\"defaults\": {\"provider\": \"openai\"},\n"
		" \"experiments\": [\n"
		"  {\"use_real_api\": true},\n"
		"  {},\n"
		"  {\"use_real_api\": false},\n"
		"  {\"use_real_api\": true, \"provider\": \"bridge\"}\n"
		" ]}";
	static const char text2[] =
		"{\"defaults\": {\"use_real_api\": true},\n"
		" \"experiments\": [{}, {\"use_real_api\": false}, {\"provider\": \"sim\"}]}";
	struct po_batch_defaults d;
	struct po_batch *b = NULL;
	struct po_err err = { 0 };

	(void)state;
	po_batch_defaults_init(&d);
	d.provider = "bridge";
	assert_int_equal(po_batch_plan_parse(&b, "b.json", text, strlen(text), &d, &err), 0);
	assert_string_equal(cfg_str(b, 0, "provider"), "anthropic");
	assert_string_equal(cfg_str(b, 1, "provider"), "openai");
	assert_string_equal(cfg_str(b, 2, "provider"), "openai");
	assert_string_equal(cfg_str(b, 3, "provider"), "bridge");
	po_batch_free(b);
	assert_int_equal(po_batch_plan_parse(&b, "b.json", text2, strlen(text2), &d, &err), 0);
	assert_string_equal(cfg_str(b, 0, "provider"), "anthropic");
	/* false hides the defaults' true: the command line's provider */
	assert_string_equal(cfg_str(b, 1, "provider"), "bridge");
	assert_string_equal(cfg_str(b, 2, "provider"), "sim");
	po_batch_free(b);
}

/* ---- the shared pool ------------------------------------------------------ */

struct taker {
	struct po_shared *s;
	double est;
	int ret;
	volatile int done;
	struct po_err err;
};

static void *take_thread(void *arg)
{
	struct taker *t = arg;

	t->ret = po_shared_take(t->s, 1, t->est, &t->err);
	t->done = 1;
	po_shared_thread_done(t->s);
	return NULL;
}

/* Dollars reserved for calls in flight count against the budget: a second
 * experiment waits for them to settle instead of overshooting. */
static void test_shared_pending(void **state)
{
	struct po_shared *s = po_shared_new(0, 1.0), *c = po_shared_new(5, 0);
	struct taker t = { .s = s, .est = 0.5 };
	struct po_err err = { 0 };
	pthread_t th;
	double usd;

	(void)state;
	assert_true(po_shared_reserve_est(s, 2, 0.6));
	assert_true(fabs(po_shared_pending(s) - 0.6) < 1e-12);
	assert_int_equal(pthread_create(&th, NULL, take_thread, &t), 0);
	usleep(50 * 1000);
	assert_false(t.done);   /* 0 spent + 0.6 pending + 0.5 > 1: it waits */
	po_shared_add_cost(s, 0.1);
	assert_true(fabs(po_shared_pending(s) - 0.3) < 1e-12);
	po_shared_add_cost(s, 0.1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.ret, 0);   /* 0.2 spent + 0.5 fits */
	po_shared_totals(s, NULL, &usd);
	assert_true(fabs(usd - 0.2) < 1e-12);
	assert_true(fabs(po_shared_pending(s)) < 1e-12);
	/* more than the budget left, pending or not: refused at once */
	assert_int_equal(po_shared_take(s, 1, 0.9, &err), PO_EBUDGET);
	assert_string_equal(err.msg, "shared budget reached: $0.2000 of --budget-usd 1.0000 spent by all experiments, the next batch would cost about $0.9000");
	/* a batch that failed leaves its reservation; the next one ends it */
	assert_true(po_shared_reserve_est(s, 3, 0.7));
	assert_true(po_shared_reserve_est(s, 1, 0.7));
	assert_true(fabs(po_shared_pending(s) - 0.7) < 1e-12);
	po_shared_release(s, 1);
	assert_true(fabs(po_shared_pending(s)) < 1e-12);
	assert_true(po_shared_reserve_est(s, 1, 0.4));
	po_shared_thread_done(s);
	assert_true(fabs(po_shared_pending(s)) < 1e-12);

	/* only the limit that is set is named */
	assert_int_equal(po_shared_take(c, 3, 0, &err), 0);
	assert_int_equal(po_shared_take(c, 3, 0, &err), PO_EBUDGET);
	assert_string_equal(err.msg, "shared call limit reached: 3 of --max-calls 5 made by all experiments, the next batch needs 3 more");
	po_shared_free(c);
	po_shared_free(s);
}

/* Gates: one per endpoint for every transport of the process; a cap on the
 * calls in flight and one rate-limit state. */
static void test_shared_gates(void **state)
{
	struct po_shared *s = po_shared_new(0, 0);
	struct po_shared_gate *a = po_shared_gate(s, "anthropic", "http://h/v1/messages", 2);
	struct po_shared_gate *b = po_shared_gate(s, "anthropic", "http://h/v1/messages", 3);
	struct po_shared_gate *o = po_shared_gate(s, "openai", "http://h/v1/messages", 1);
	double retry = 0;
	int in, most, cap;

	(void)state;
	assert_ptr_equal(a, b);          /* one endpoint, one gate: the largest cap */
	assert_ptr_not_equal(a, o);
	for (int i = 0; i < 3; i++)
		assert_true(po_shared_gate_enter(a, 1000, &retry));
	assert_false(po_shared_gate_enter(b, 1000, &retry));
	assert_true(retry > 1000 && retry <= 1010);
	assert_true(po_shared_gate_enter(o, 1000, &retry));   /* another endpoint */
	po_shared_gate_leave(a);
	assert_true(po_shared_gate_enter(b, 1001, &retry));
	po_shared_gate_stats(a, &in, &most, &cap);
	assert_int_equal(in, 3);
	assert_int_equal(most, 3);
	assert_int_equal(cap, 3);
	for (int i = 0; i < 3; i++)
		po_shared_gate_leave(a);
	/* a 429 seen by one transport holds every transport's next start */
	po_shared_gate_pause(a, 2000, 500);
	assert_false(po_shared_gate_enter(b, 2100, &retry));
	assert_true(fabs(retry - 2500) < 1e-9);
	assert_true(po_shared_gate_enter(b, 2501, &retry));
	assert_true(po_shared_gate_header(a, "retry-after", "1", 2501, 0) == false);
	assert_true(po_shared_gate_header(a, "anthropic-ratelimit-requests-remaining", "0",
					  2501, 0));
	po_shared_free(s);
}

static void test_shards_partition(void **state)
{
	(void)state;
	for (int count = 1; count <= 5; count++)
		for (size_t i = 0; i < 23; i++) {
			int owners = 0;
			for (int k = 1; k <= count; k++)
				owners += po_batch_in_shard(i, k, count);
			assert_int_equal(owners, 1);
		}
	assert_true(po_batch_in_shard(7, 0, 0));
	assert_true(po_batch_in_shard(4, 2, 3));
	assert_false(po_batch_in_shard(4, 1, 3));
}

/* ---- the batch result ------------------------------------------------------ */

static json_t *fake_record(int index, const char *status, bool conv, double base, double fin,
			   double cost)
{
	json_t *r = json_pack("{s:i, s:s, s:s, s:b, s:f, s:{s:s, s:b, s:i}}", "index", index,
			      "name", "e", "status", status, "success", !strcmp(status, "ok"),
			      "elapsed_seconds", 1.0, "config", "project", "p",
			      "enable_convergence", conv, "seed", 42 + index);

	if (!strcmp(status, "ok"))
		json_object_set_new(r, "results",
				    json_pack("{s:f, s:f, s:f, s:f, s:i, s:i, s:i, s:i, s:o, s:f, s:b}",
					      "baseline_score", base, "final_score", fin,
					      "improvement", fin - base, "improvement_percent",
					      (fin - base) / base * 100, "iterations_run", 10,
					      "max_iterations", 20,
					      "iterations_saved", conv ? 10 : 0, "calls", 100,
					      "cost_usd", isfinite(cost) ? json_real(cost) : json_null(),
					      "wall_seconds", 0.5, "converged", conv));
	else
		json_object_set_new(r, "error", json_string("boom"));
	return r;
}

static void test_result_build(void **state)
{
	json_t *recs = json_array(), *res, *groups, *g;
	double fin_true[] = { 70, 74, 78 };
	struct po_ci ci = po_stats_mean_ci(fin_true, 3, 0.95);

	(void)state;
	/* out of order on purpose: the result sorts by index */
	json_array_append_new(recs, fake_record(3, "failed", false, 0, 0, 0));
	json_array_append_new(recs, fake_record(1, "ok", true, 60, 74, 0));
	json_array_append_new(recs, fake_record(0, "ok", true, 60, 70, 0));
	json_array_append_new(recs, fake_record(2, "ok", true, 60, 78, 0));
	json_array_append_new(recs, fake_record(4, "ok", false, 50, 55, NAN));
	res = po_batch_result_build(recs, "t", 5, "ff", 1700000000, 2.0);

	assert_int_equal(po_json_int(res, "total_experiments", 0), 5);
	assert_int_equal(po_json_int(res, "successful", 0), 4);
	assert_int_equal(po_json_int(res, "failed", 0), 1);
	assert_string_equal(po_json_str(res, "timestamp", ""), "2023-11-14T22:13:20Z");
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(po_json_int(json_array_get(json_object_get(res, "experiments"), i),
					     "index", -1), (long long)i);
	assert_int_equal(json_array_size(json_object_get(json_object_get(res, "comparison"),
							 "experiments")), 4);
	groups = json_object_get(json_object_get(res, "comparison"), "groups");
	/* all, enable_convergence=true, enable_convergence=false (project is the same) */
	assert_int_equal(json_array_size(groups), 3);
	g = json_array_get(groups, 1);
	assert_string_equal(po_json_str(g, "setting", ""), "enable_convergence");
	assert_true(json_is_true(json_object_get(g, "value")));
	assert_int_equal(po_json_int(g, "successful", 0), 3);
	assert_int_equal(po_json_int(g, "converged", 0), 3);
	const json_t *f = json_object_get(g, "final_score");
	assert_true(fabs(po_json_num(f, "mean", 0) - ci.mean) < 1e-9);
	assert_true(fabs(po_json_num(f, "low", 0) - ci.low) < 1e-9);
	assert_true(fabs(po_json_num(f, "high", 0) - ci.high) < 1e-9);
	assert_true(fabs(po_json_num(json_object_get(g, "iterations_saved"), "mean", 0) - 10) <
		    1e-12);
	/* one successful member: a mean, no interval */
	f = json_object_get(json_array_get(groups, 2), "final_score");
	assert_true(fabs(po_json_num(f, "mean", 0) - 55) < 1e-12);
	assert_true(json_is_null(json_object_get(f, "low")));
	assert_true(json_is_null(json_object_get(f, "high")));
	/* intervals of counts stay within what the counts can be */
	f = json_object_get(json_array_get(groups, 0), "iterations_saved");
	assert_true(po_json_num(f, "low", -1) == 0);
	assert_true(po_json_num(f, "high", -1) <= 20);
	assert_true(po_json_num(f, "mean", -1) - po_json_num(f, "low", -1) <
		    po_json_num(f, "high", -1) - po_json_num(f, "mean", -1));
	struct po_buf txt = PO_BUF_INIT;
	po_batch_ci_text(&txt, f, 1);
	assert_string_equal(txt.data, "7.5 [0.0, 15.5]");
	po_buf_reset(&txt);
	po_batch_ci_text(&txt, json_object_get(json_array_get(groups, 2), "final_score"), 2);
	assert_string_equal(txt.data, "55.00 ± n/a");
	po_buf_release(&txt);
	/* a member with an unknown cost makes the group's cost unknown */
	assert_true(json_is_null(json_object_get(json_array_get(groups, 2), "cost_usd")));
	assert_true(json_is_object(json_object_get(g, "cost_usd")));

	struct po_buf label = PO_BUF_INIT;
	po_batch_group_label(&label, json_array_get(groups, 2));
	assert_string_equal(label.data, "enable_convergence=false");
	po_buf_release(&label);

	/* the report shows the figures and the failure */
	struct po_buf md = PO_BUF_INIT;
	po_batch_report_markdown(&md, res, "chart.svg");
	assert_non_null(strstr(md.data, "| enable\\_convergence=true | 3 | 3 | 60.00 ± 0.00 | 74.00 ± "));
	/* one member: no interval; counts cut at what they can be */
	assert_non_null(strstr(md.data, "| enable\\_convergence=false | 2 | 1 | 50.00 ± n/a | 55.00 ± n/a |"));
	assert_non_null(strstr(md.data, "![Score curves](chart.svg)"));
	assert_non_null(strstr(md.data, "- (4) **e** (failed): boom"));
	po_buf_release(&md);
	json_decref(res);
	json_decref(recs);
}

static void test_chart(void **state)
{
	json_t *res = json_pack("{s:s, s:[{s:s, s:{s:[f, f, f]}}, {s:s, s:{s:[f, n, f]}},"
				" {s:s, s:n}]}", "batch_id", "c", "experiments", "name", "a <1>",
				"results", "best_scores", 50.0, 55.0, 55.0, "name", "b", "results",
				"best_scores", 40.0, 60.0, "name", "failed", "results");
	struct po_buf svg = PO_BUF_INIT;

	(void)state;
	po_batch_report_chart(&svg, res);
	assert_non_null(strstr(svg.data, "<svg "));
	assert_non_null(strstr(svg.data, "a &lt;1&gt;"));
	assert_non_null(strstr(svg.data, "#1f77b4"));
	assert_non_null(strstr(svg.data, "#ff7f0e"));
	assert_non_null(strstr(svg.data, "</svg>"));
	po_buf_release(&svg);
	json_decref(res);
}

/* ---- running and merging --------------------------------------------------- */

struct events {
	int start, done;
};

static void count_events(const struct po_batch_event *ev, void *ud)
{
	struct events *c = ud;

	if (ev->kind == PO_BATCH_EV_START)
		c->start++;
	else
		c->done++;
	assert_true(ev->done <= ev->total);
}

/* The result without its timings (and the report paths, which hold times). */
static char *untimed(const json_t *res)
{
	json_t *c = json_deep_copy(res);
	const json_t *e;
	size_t i;
	char *s;

	json_object_del(c, "timestamp");
	json_object_del(c, "unixtime");
	json_object_del(c, "elapsed_seconds");
	json_array_foreach(json_object_get(c, "experiments"), i, e) {
		json_object_del((json_t *)e, "elapsed_seconds");
		/* The whole final results and the console text hold times too. */
		json_object_del((json_t *)e, "results");
		json_object_del((json_t *)e, "stdout");
		json_object_del((json_t *)e, "stderr");
		json_object_del(json_object_get(e, "summary"), "wall_seconds");
		json_object_del(json_object_get(e, "summary"), "report");
	}
	json_array_foreach(json_object_get(json_object_get(c, "comparison"), "experiments"), i, e) {
		json_object_del((json_t *)e, "wall_seconds");
		json_object_del((json_t *)e, "elapsed_seconds");
	}
	json_array_foreach(json_object_get(json_object_get(c, "comparison"), "groups"), i, e) {
		json_object_del((json_t *)e, "wall_seconds");
		json_object_del((json_t *)e, "elapsed_seconds");
	}
	s = po_json_dumps_compact(c);
	json_decref(c);
	return s;
}

static json_t *run_batch(struct po_batch *b, const char *root, int jobs, int shard, int count,
			 int expect)
{
	struct po_batch_run_options o;
	struct po_buf path = PO_BUF_INIT;
	struct po_err err = { 0 };
	struct events ev = { 0 };
	json_t *res = NULL;
	int ret;

	po_batch_run_options_init(&o);
	o.results_root = root;
	o.batch_id = "t1";
	o.jobs = jobs;
	o.shard_index = shard;
	o.shard_count = count;
	o.write_report = false;
	o.on_event = count_events;
	o.userdata = &ev;
	ret = po_batch_run(b, &o, &res, &path, &err);
	if (ret != expect)
		fail_msg("batch returned %d (%s), expected %d", ret, err.msg, expect);
	assert_non_null(res);
	assert_true(po_fs_exists(path.data));
	assert_int_equal(ev.start, ev.done);
	po_buf_release(&path);
	return res;
}

static struct po_batch *small_plan(void)
{
	return parse_ok("{\"defaults\": {\"iterations\": 3},"
			" \"experiments\": [{\"name\": \"On\", \"repeat\": 2},"
			" {\"name\": \"Off\", \"enable_convergence\": false, \"repeat\": 2},"
			" {\"name\": \"Broken\", \"project\": \"broken\"}]}");
}

/* A project whose test cases file is not JSON: its experiment fails. */
static void make_broken_project(void)
{
	struct po_err err = { 0 };

	assert_int_equal(po_fs_mkdirs("prompt_tuning_results_broken", &err), 0);
	assert_int_equal(po_fs_replace("prompt_tuning_results_broken/prompts_broken.json",
				       "{\"main\": \"{input}\"}", 18, false, &err), 0);
	assert_int_equal(po_fs_replace("prompt_tuning_results_broken/test_cases_broken.json", "{",
				       1, false, &err), 0);
}

static void test_run_merge(void **state)
{
	struct po_batch *b = small_plan();
	json_t *full, *par, *s1, *s2, *merged = NULL;
	struct po_buf path = PO_BUF_INIT;
	struct po_err err = { 0 };
	const char *dirs[] = { "shards" };
	char *a, *c;

	(void)state;
	make_broken_project();
	full = run_batch(b, "full", 1, 0, 0, 0);
	assert_int_equal(po_json_int(full, "total_experiments", 0), 5);
	assert_int_equal(po_json_int(full, "successful", 0), 4);
	assert_int_equal(po_json_int(full, "failed", 0), 1);
	const json_t *broken = json_array_get(json_object_get(full, "experiments"), 4);
	assert_string_equal(po_json_str(broken, "status", ""), "failed");
	/* it never made its folder: no link to one */
	assert_null(json_object_get(broken, "results_dir"));
	assert_string_equal(po_json_str(broken, "error", ""),
			    "prompt_tuning_results_broken/test_cases_broken.json:1:1: invalid JSON: string or '}' expected near end of file");
	/* every experiment in its own folder */
	assert_string_equal(po_json_str(json_array_get(json_object_get(full, "experiments"), 0),
					"results_dir", ""), "full/t1/01-on-1");
	assert_true(po_fs_exists("full/t1/01-on-1/optimization_final_results.json"));
	assert_true(po_fs_exists("full/t1/04-off-2/optimization_final_results.json"));
	assert_true(po_fs_exists("full/batch_results_t1.json"));
	/* the project's own prompts are not touched by batch runs */
	assert_false(po_fs_exists("prompt_tuning_results_pr-faq-validator/optimization_final_results.json"));

	/* two jobs: the same result */
	par = run_batch(b, "full", 2, 0, 0, 0);
	a = untimed(full);
	c = untimed(par);
	assert_string_equal(a, c);
	free(c);

	/* two shards merged: the same result */
	s1 = run_batch(b, "shards", 1, 1, 2, 0);
	s2 = run_batch(b, "shards", 2, 2, 2, 0);
	assert_int_equal(po_json_int(s1, "total_experiments", 0), 3);
	assert_int_equal(po_json_int(s2, "total_experiments", 0), 2);
	assert_true(po_fs_exists("shards/batch_results_t1.shard-1-of-2.json"));
	assert_int_equal(po_batch_merge(dirs, 1, "merged", false, &merged, &path, &err), 0);
	assert_string_equal(path.data, "merged/batch_results_t1.json");
	/* the same experiments, results and comparison; only the root differs */
	c = untimed(merged);
	struct po_buf want = PO_BUF_INIT;
	for (const char *p = a; *p; p++) {
		if (!strncmp(p, "full/", 5)) {
			po_buf_adds(&want, "shards/");
			p += 4;
		} else {
			po_buf_addch(&want, *p);
		}
	}
	assert_string_equal(want.data, c);
	po_buf_release(&want);
	free(a);
	free(c);
	json_decref(merged);

	/* a missing shard */
	assert_int_equal(remove("shards/batch_results_t1.shard-2-of-2.json"), 0);
	assert_int_equal(po_batch_merge(dirs, 1, "merged", false, NULL, NULL, &err), PO_ENOTFOUND);
	assert_string_equal(err.msg, "shard 2/2 is missing; run 'promptopt batch ... --shard 2/2' and merge again");
	/* a shard given twice */
	assert_int_equal(po_fs_mkdirs("again", &err), 0);
	json_t *again = run_batch(b, "again", 1, 1, 2, 0);
	const char *two[] = { "shards", "again" };
	assert_int_equal(po_batch_merge(two, 2, "merged", false, NULL, NULL, &err), PO_EINPUT);
	assert_string_equal(err.msg, "shard 1/2 is given twice: 'shards/batch_results_t1.shard-1-of-2.json' and 'again/batch_results_t1.shard-1-of-2.json'; keep one of them");
	/* shards of another plan */
	struct po_batch *other = parse_ok("{\"experiments\": [{\"iterations\": 1}, {\"iterations\": 1}]}");
	json_t *o2 = run_batch(other, "mixed", 1, 2, 2, 0);
	assert_int_equal(rename("mixed/batch_results_t1.shard-2-of-2.json",
				"shards/batch_results_t1.shard-2-of-2.json"), 0);
	assert_int_equal(po_batch_merge(dirs, 1, "merged", false, NULL, NULL, &err), PO_EINPUT);
	assert_non_null(strstr(err.msg, "are shards of batch t1 but of different plans (fingerprints "));
	assert_non_null(strstr(err.msg, "their configs or flags differ; run every shard with the same config and flags"));

	json_decref(o2);
	json_decref(again);
	po_batch_free(other);
	po_buf_release(&path);
	json_decref(s1);
	json_decref(s2);
	json_decref(par);
	json_decref(full);
	po_batch_free(b);
}

/* The project's config "roles" apply unless the plan names a provider or a
 * model for every role, as with `run`; the preflight and the bridge see them. */
static void test_project_roles(void **state)
{
	static const char text[] =
		"{\"experiments\": [{\"project\": \"p\"}, {\"project\": \"p\", \"provider\": \"sim\"},"
		" {\"project\": \"p\", \"model\": \"m\"}, {\"project\": \"p\", \"judge_provider\": \"sim\"}]}";
	struct po_batch *b;
	struct po_buf dir = PO_BUF_INIT;
	struct po_err err = { 0 };
	struct po_run_options o;
	json_t *blocked;
	char *p;

	(void)state;
	unsetenv("ANTHROPIC_API_KEY");
	assert_int_equal(po_fs_mkdirs("prompt_tuning_results_p", &err), 0);
	static const char cfg[] =
		"{\"roles\": {\"judge\": \"anthropic\", \"mutate\": {\"provider\": \"bridge\"}}}";
	assert_int_equal(po_fs_replace("prompt_tuning_results_p/config_p.json", cfg, strlen(cfg),
				       false, &err), 0);
	b = parse_ok(text);
	p = po_batch_role_provider(b, 0, PO_ROLE_JUDGE);
	assert_string_equal(p, "anthropic");
	free(p);
	p = po_batch_role_provider(b, 0, PO_ROLE_GENERATE);
	assert_string_equal(p, "sim");
	free(p);
	assert_true(po_batch_bridge_dir(b, 0, &dir, NULL));
	assert_string_equal(dir.data, ".p");
	/* a provider or model for every role: the project's roles are not used */
	for (size_t i = 1; i <= 2; i++) {
		po_batch_options(b, i, &o);
		assert_false(o.from_config & PO_FROM_CONFIG_ROLES);
		p = po_batch_role_provider(b, i, PO_ROLE_JUDGE);
		assert_string_equal(p, "sim");
		free(p);
	}
	po_batch_options(b, 3, &o);
	assert_true(o.from_config & PO_FROM_CONFIG_ROLES);
	assert_int_equal(po_batch_preflight(b, 0, 0, &err), PO_ELLM);
	assert_string_equal(err.msg, "anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim (needed by experiment 1 \"Experiment 1\"); nothing was run");
	/* per experiment: only the first cannot run, and it says why */
	blocked = po_batch_blocked(b, 0, 0);
	assert_int_equal(json_array_size(blocked), 4);
	assert_int_equal(po_batch_blocked_count(blocked), 1);
	assert_string_equal(json_string_value(json_array_get(blocked, 0)),
			    "anthropic: ANTHROPIC_API_KEY is not set; export it (or put it in .env), or use --provider sim");
	json_decref(blocked);
	/* only shard 2/2 (experiments 2 and 4): nothing needs a key */
	assert_int_equal(po_batch_preflight(b, 2, 2, &err), 0);
	blocked = po_batch_blocked(b, 2, 2);
	assert_int_equal(po_batch_blocked_count(blocked), 0);
	json_decref(blocked);
	po_buf_release(&dir);
	po_batch_free(b);
}

static void test_run_interrupted(void **state)
{
	struct po_batch *b = small_plan();
	struct po_batch_run_options o;
	struct po_err err = { 0 };
	volatile int stop = 1;
	json_t *res = NULL;

	(void)state;
	po_batch_run_options_init(&o);
	o.batch_id = "i";
	o.interrupt = &stop;
	assert_int_equal(po_batch_run(b, &o, &res, NULL, &err), PO_EINTR);
	assert_string_equal(err.msg, "interrupted: 0 of 5 experiments finished; results so far saved in batch_results/batch_results_i.json");
	assert_int_equal(po_json_int(res, "not_run", 0), 5);
	assert_int_equal(po_json_int(res, "successful", 0), 0);
	assert_true(po_fs_exists("batch_results/batch_results_i.json"));
	assert_true(po_fs_exists("batch_results/batch_results_i.md"));
	assert_true(po_fs_exists("batch_results/batch_results_i.svg"));
	json_decref(res);

	/* a bad batch id, a bad shard */
	o.interrupt = NULL;
	o.batch_id = "../x";
	assert_int_equal(po_batch_run(b, &o, NULL, NULL, &err), PO_EUSAGE);
	o.batch_id = NULL;
	o.shard_index = 3;
	o.shard_count = 2;
	assert_int_equal(po_batch_run(b, &o, NULL, NULL, &err), PO_EUSAGE);
	po_batch_free(b);
}

/* Default batch ids never reuse a folder: two batches in one second differ. */
static void test_unique_ids(void **state)
{
	struct po_batch_defaults d;
	struct po_batch *b = NULL;
	struct po_batch_run_options o;
	struct po_err err = { 0 };
	json_t *r1 = NULL, *r2 = NULL;

	(void)state;
	po_batch_defaults_init(&d);
	d.iterations = 0;
	assert_int_equal(po_batch_plan_default(&b, 1, &d, &err), 0);
	po_batch_run_options_init(&o);
	o.write_report = false;
	assert_int_equal(po_batch_run(b, &o, &r1, NULL, &err), 0);
	assert_int_equal(po_batch_run(b, &o, &r2, NULL, &err), 0);
	assert_string_not_equal(po_json_str(r1, "batch_id", ""), po_json_str(r2, "batch_id", ""));
	assert_string_not_equal(po_json_str(json_array_get(json_object_get(r1, "experiments"), 0),
					    "results_dir", ""),
				po_json_str(json_array_get(json_object_get(r2, "experiments"), 0),
					    "results_dir", ""));
	json_decref(r1);
	json_decref(r2);
	po_batch_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_default),
		cmocka_unit_test(test_plan_seed_schema),
		cmocka_unit_test(test_plan_layers_and_repeat),
		cmocka_unit_test(test_plan_options_all_keys),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_plan_bad_cli_defaults),
		cmocka_unit_test(test_plan_provider_precedence),
		cmocka_unit_test(test_shared_pending),
		cmocka_unit_test(test_shared_gates),
		cmocka_unit_test(test_shards_partition),
		cmocka_unit_test(test_result_build),
		cmocka_unit_test(test_chart),
		cmocka_unit_test_setup_teardown(test_run_merge, setup_cwd, teardown_cwd),
		cmocka_unit_test_setup_teardown(test_project_roles, setup_cwd, teardown_cwd),
		cmocka_unit_test_setup_teardown(test_run_interrupted, setup_cwd, teardown_cwd),
		cmocka_unit_test_setup_teardown(test_unique_ids, setup_cwd, teardown_cwd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
