/*
 * The plan of a batch: the experiments to run, each as a normalized config
 * object, from `--experiments N` or a JSON config file validated up front
 * with file:line:col messages. Running the plan is batch.c's job.
 */
#include "run/batch.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/provider.h"
#include "opt/strategy.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"
#include "util/rng.h"

#define DEFAULT_PROJECT "pr-faq-validator"
/* Largest integer a JSON reader in any language keeps exactly. */
#define MAX_SEED 9007199254740991.0

struct po_batch {
	json_t *configs;        /* array of normalized config objects */
	/* Per experiment: the plan names the provider or the model of every role
	 * (like run's --provider, --real-api, --model), so the project's "roles"
	 * do not apply. */
	unsigned char *all_roles;
	char fingerprint[17];
};

enum ktype { K_STR, K_BOOL, K_INT, K_NUM };

struct key_spec {
	const char *name;
	enum ktype type;
	double min, max;
};

/* Every key an experiment (or "defaults") may hold, in name order: the
 * seed's five and the run options of `promptopt run`. */
static const struct key_spec keys[] = {
	{ "base_url", K_STR, 0, 0 },
	{ "bridge_dir", K_STR, 0, 0 },
	{ "budget_usd", K_NUM, 0.000001, 1e9 },
	{ "cache", K_BOOL, 0, 0 },
	{ "cache_path", K_STR, 0, 0 },
	{ "concurrency", K_INT, 1, 4096 },
	{ "enable_convergence", K_BOOL, 0, 0 },
	{ "generate_model", K_STR, 0, 0 },
	{ "generate_provider", K_STR, 0, 0 },
	{ "interval", K_NUM, 0.001, 3600 },
	{ "iterations", K_INT, 0, 100000 },
	{ "judge_model", K_STR, 0, 0 },
	{ "judge_provider", K_STR, 0, 0 },
	{ "max_attempts", K_INT, 1, 100 },
	{ "max_calls", K_INT, 1, 1e9 },
	{ "min_improvement", K_NUM, 0, 1000 },
	{ "model", K_STR, 0, 0 },
	{ "mutate_model", K_STR, 0, 0 },
	{ "mutate_provider", K_STR, 0, 0 },
	{ "name", K_STR, 0, 0 },
	{ "noise", K_NUM, 0, 100 },
	{ "patience", K_INT, 1, 100000 },
	{ "prices", K_STR, 0, 0 },
	{ "project", K_STR, 0, 0 },
	{ "provider", K_STR, 0, 0 },
	{ "repeat", K_INT, 1, 1000 },
	{ "seed", K_INT, 0, MAX_SEED },
	{ "strategy", K_STR, 0, 0 },
	{ "timeout", K_NUM, 0.001, 86400 },
	{ "use_real_api", K_BOOL, 0, 0 },
	{ NULL, K_STR, 0, 0 },
};

static const struct key_spec top_keys[] = {
	{ "defaults", K_STR, 0, 0 },
	{ "description", K_STR, 0, 0 },
	{ "experiments", K_STR, 0, 0 },
	{ NULL, K_STR, 0, 0 },
};

void po_batch_defaults_init(struct po_batch_defaults *d)
{
	memset(d, 0, sizeof(*d));
	d->iterations = -1;
	d->seed = 42;
}

/* ---- messages that point into the config file --------------------------- */

struct src {
	const char *name;
	const char *text;
	size_t len;
};

__attribute__((format(printf, 5, 6)))
static int fail_at(struct po_err *err, const struct src *s, const char *jpath, bool at_key,
		   const char *fmt, ...)
{
	struct po_jsonpos pos;
	char msg[sizeof(err->msg)];
	va_list ap;

	po_jsonpos_find(s->text, s->len, jpath, &pos);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return po_error(err, PO_EINPUT, "%s:%d:%d: %s", s->name, at_key ? pos.key_line : pos.line,
			at_key ? pos.key_col : pos.col, msg);
}


/* "unknown key" with a guess at the intended one and the list of known keys. */
static int unknown_key(struct po_err *err, const struct src *s, const char *jpath,
		       const char *key, const char *where, const struct key_spec *known)
{
	struct po_buf list = PO_BUF_INIT;
	const char *best = NULL;
	size_t i, bestd = 3;
	int ret;

	for (i = 0; known[i].name; i++) {
		size_t d = po_edit_distance(key, known[i].name);
		po_buf_addf(&list, "%s%s", i ? ", " : "", known[i].name);
		if (d < bestd) {
			bestd = d;
			best = known[i].name;
		}
	}
	if (best)
		ret = fail_at(err, s, jpath, true,
			      "unknown key \"%s\" %s; did you mean \"%s\"? (known: %s)", key, where,
			      best, list.data);
	else
		ret = fail_at(err, s, jpath, true, "unknown key \"%s\" %s; known keys: %s", key,
			      where, list.data);
	po_buf_release(&list);
	return ret;
}

static const char *type_word(enum ktype t)
{
	switch (t) {
	case K_STR: return "a string";
	case K_BOOL: return "true or false";
	case K_INT: return "a whole number";
	case K_NUM: return "a number";
	}
	return "a value";
}

static bool type_ok(enum ktype t, const json_t *v)
{
	switch (t) {
	case K_STR: return json_is_string(v);
	case K_BOOL: return json_is_boolean(v);
	case K_INT: return json_is_integer(v);
	case K_NUM: return json_is_number(v);
	}
	return false;
}

/* Checks one key's value: type, range, and names that must exist. */
static int check_value(struct po_err *err, const struct src *s, const char *jpath,
		       const struct key_spec *k, const json_t *v, const char *where)
{
	struct po_err nerr = { 0 };
	const char *str;
	double x;

	if (!type_ok(k->type, v))
		return fail_at(err, s, jpath, false, "expected %s for \"%s\" %s, found %s",
			       type_word(k->type), k->name, where, po_json_type_name(v));
	if (k->type == K_INT || k->type == K_NUM) {
		x = json_number_value(v);
		if (!(x >= k->min && x <= k->max))
			return fail_at(err, s, jpath, false,
				       "\"%s\" %s must be between %.16g and %.16g, not %.16g", k->name, where,
				       k->min, k->max, x);
		return 0;
	}
	if (k->type != K_STR)
		return 0;
	str = json_string_value(v);
	if (!strcmp(k->name, "project") && po_project_name_check(str, &nerr))
		return fail_at(err, s, jpath, false, "%s: %s", where, nerr.msg);
	if (!strcmp(k->name, "strategy") && !po_strategy_find(str))
		return fail_at(err, s, jpath, false, "unknown strategy '%s' %s; available: %s", str,
			       where, po_strategy_names());
	if (strstr(k->name, "provider") && !po_provider_known(str))
		return fail_at(err, s, jpath, false, "unknown provider '%s' %s; available: %s", str,
			       where, po_provider_names());
	if (!strcmp(k->name, "name") && !*str)
		return fail_at(err, s, jpath, false, "empty \"name\" %s; give the experiment a name",
			       where);
	return 0;
}

static const struct key_spec *find_key(const char *name)
{
	for (size_t i = 0; keys[i].name; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Validates the members of an experiment or of "defaults" at `prefix`. */
static int check_settings(struct po_err *err, const struct src *s, const char *prefix,
			  const json_t *obj, const char *where)
{
	struct po_buf p = PO_BUF_INIT;
	const char *key;
	json_t *v;
	int ret = 0;

	json_object_foreach((json_t *)obj, key, v) {
		const struct key_spec *k = find_key(key);

		po_buf_reset(&p);
		po_buf_adds(&p, prefix);
		po_jsonpos_path_key(&p, key);
		if (!k)
			ret = unknown_key(err, s, p.data, key, where, keys);
		else
			ret = check_value(err, s, p.data, k, v, where);
		if (ret)
			break;
	}
	po_buf_release(&p);
	return ret;
}

/* ---- building the plan -------------------------------------------------- */

static void set_fingerprint(struct po_batch *b)
{
	char *s = po_json_dumps_compact(b->configs);
	struct po_buf text = PO_BUF_INIT;
	uint64_t h;

	po_buf_adds(&text, s ? s : "");
	for (size_t i = 0; i < po_batch_size(b); i++)
		po_buf_addch(&text, b->all_roles[i] ? '1' : '0');
	h = po_hash_str(text.data, 0);
	po_buf_release(&text);
	free(s);
	snprintf(b->fingerprint, sizeof(b->fingerprint), "%016llx", (unsigned long long)h);
}

/* The command line's settings, the bottom layer of every config. */
static json_t *cli_layer(const struct po_batch_defaults *d)
{
	json_t *o = json_object();

	if (d->project)
		json_object_set_new(o, "project", json_string(d->project));
	if (d->iterations >= 0)
		json_object_set_new(o, "iterations", json_integer(d->iterations));
	if (d->strategy)
		json_object_set_new(o, "strategy", json_string(d->strategy));
	if (d->no_convergence)
		json_object_set_new(o, "enable_convergence", json_false());
	return o;
}

/*
 * The provider the config's layers choose, the experiment's before
 * "defaults": a layer's "provider", else its "use_real_api": true
 * (anthropic). "use_real_api": false chooses nothing but hides a true of
 * "defaults". NULL: the command line's (or sim).
 */
static const char *layer_provider(const json_t *entry, const json_t *dflt)
{
	const json_t *real = json_object_get(entry, "use_real_api");

	if (po_json_str(entry, "provider", NULL))
		return po_json_str(entry, "provider", NULL);
	if (json_is_true(real))
		return "anthropic";
	if (po_json_str(dflt, "provider", NULL))
		return po_json_str(dflt, "provider", NULL);
	if (!real && json_is_true(json_object_get(dflt, "use_real_api")))
		return "anthropic";
	return NULL;
}

/*
 * One normalized config: the layers merged (later wins), then the values a
 * plan always fixes: name, project, seed, provider, enable_convergence.
 * An explicit seed is the experiment's (plus the repeat number); otherwise
 * base seed + position in the plan, so a shard runs exactly what the whole
 * batch would.
 */
static json_t *normalize(const struct po_batch_defaults *d, const json_t *dflt,
			 const json_t *entry, size_t index, int rep, int nrep, unsigned char *all_roles)
{
	json_t *c = cli_layer(d);
	const json_t *seed = json_object_get(entry, "seed");
	uint64_t base = json_is_integer(json_object_get(dflt, "seed")) ?
		(uint64_t)json_integer_value(json_object_get(dflt, "seed")) : d->seed;
	const char *provider = layer_provider(entry, dflt);
	const char *name;
	char buf[256];

	if (dflt)
		json_object_update(c, (json_t *)dflt);
	if (entry)
		json_object_update(c, (json_t *)entry);
	json_object_del(c, "repeat");
	*all_roles = provider || d->provider || json_object_get(c, "model");
	if (!provider)
		provider = d->provider ? d->provider : "sim";
	json_object_set_new(c, "provider", json_string(provider));
	if (!json_object_get(c, "project"))
		json_object_set_new(c, "project", json_string(DEFAULT_PROJECT));
	if (!json_object_get(c, "enable_convergence"))
		json_object_set_new(c, "enable_convergence", json_true());
	if (json_is_integer(seed))
		json_object_set_new(c, "seed", json_integer(json_integer_value(seed) + rep));
	else
		json_object_set_new(c, "seed",
				    json_integer((json_int_t)((base + index) & INT64_MAX)));
	name = po_json_str(c, "name", NULL);
	if (!name)
		snprintf(buf, sizeof(buf), "Experiment %zu", index + 1);
	else if (nrep > 1)
		snprintf(buf, sizeof(buf), "%s #%d", name, rep + 1);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	json_object_set_new(c, "name", json_string(buf));
	return c;
}

/* The command line's defaults, checked whether or not an experiment uses
 * them: a bad flag is a mistake either way. */
static int check_defaults(const struct po_batch_defaults *d, struct po_err *err)
{
	struct po_err nerr = { 0 };

	if (d->project && po_project_name_check(d->project, &nerr))
		return po_error(err, nerr.code, "%s", nerr.msg);
	if (d->provider && !po_provider_known(d->provider))
		return po_error(err, PO_EUSAGE, "unknown provider '%s'; available: %s", d->provider,
				po_provider_names());
	if (d->strategy && !po_strategy_find(d->strategy))
		return po_error(err, PO_EUSAGE, "unknown strategy '%s'; available: %s", d->strategy,
				po_strategy_names());
	return 0;
}

int po_batch_plan_default(struct po_batch **out, int n, const struct po_batch_defaults *d,
			  struct po_err *err)
{
	struct po_batch *b;
	int ret;

	*out = NULL;
	if (n < 1 || n > PO_BATCH_MAX_EXPERIMENTS)
		return po_error(err, PO_EUSAGE, "a batch holds 1 to %d experiments, not %d",
				PO_BATCH_MAX_EXPERIMENTS, n);
	ret = check_defaults(d, err);
	if (ret)
		return ret;
	b = po_xcalloc(1, sizeof(*b));
	b->configs = json_array();
	b->all_roles = po_xcalloc((size_t)n, 1);
	for (int i = 0; i < n; i++)
		json_array_append_new(b->configs, normalize(d, NULL, NULL, (size_t)i, 0, 1,
							    &b->all_roles[i]));
	set_fingerprint(b);
	*out = b;
	return 0;
}

static int parse_root(const struct src *s, const json_t *root, const json_t **dflt,
		      const json_t **exps, struct po_err *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(root))
		return fail_at(err, s, "", false,
			       "expected an object like {\"experiments\": [...]}, found %s",
			       po_json_type_name(root));
	json_object_foreach((json_t *)root, key, v) {
		struct po_buf p = PO_BUF_INIT;
		bool known = false;
		int ret = 0;

		for (size_t i = 0; top_keys[i].name; i++)
			known |= !strcmp(top_keys[i].name, key);
		po_jsonpos_path_key(&p, key);
		if (!known)
			ret = unknown_key(err, s, p.data, key, "at the top level", top_keys);
		po_buf_release(&p);
		if (ret)
			return ret;
	}
	*dflt = json_object_get(root, "defaults");
	*exps = json_object_get(root, "experiments");
	if (*dflt && !json_is_object(*dflt))
		return fail_at(err, s, "defaults", false, "expected an object for \"defaults\", found %s",
			       po_json_type_name(*dflt));
	if (!*exps)
		return fail_at(err, s, "", false,
			       "no \"experiments\" list; add \"experiments\": [{\"name\": \"...\", \"project\": \"...\", \"iterations\": 20}]");
	if (!json_is_array(*exps))
		return fail_at(err, s, "experiments", false,
			       "expected an array for \"experiments\", found %s",
			       po_json_type_name(*exps));
	if (!json_array_size(*exps))
		return fail_at(err, s, "experiments", false,
			       "\"experiments\" is empty; add at least one experiment");
	if (json_object_get(root, "description") &&
	    !json_is_string(json_object_get(root, "description")))
		return fail_at(err, s, "description", false,
			       "expected a string for \"description\", found %s",
			       po_json_type_name(json_object_get(root, "description")));
	if (*dflt && json_object_get(*dflt, "name"))
		return fail_at(err, s, "defaults/name", true,
			       "\"name\" cannot be a default; name each experiment");
	return 0;
}

int po_batch_plan_parse(struct po_batch **out, const char *name, const char *text, size_t len,
			const struct po_batch_defaults *d, struct po_err *err)
{
	struct src s = { name, text, len };
	const json_t *dflt = NULL, *exps = NULL, *e;
	struct po_buf p = PO_BUF_INIT;
	struct po_batch *b = NULL;
	json_t *root = NULL;
	size_t i, total = 0;
	int ret;

	*out = NULL;
	ret = check_defaults(d, err);
	if (ret)
		return ret;
	ret = po_json_load_text(name, text, len, &root, err);
	if (ret)
		return ret;
	ret = parse_root(&s, root, &dflt, &exps, err);
	if (!ret && dflt)
		ret = check_settings(err, &s, "defaults", dflt, "in \"defaults\"");
	json_array_foreach(exps, i, e) {
		char where[64];

		if (ret)
			break;
		snprintf(where, sizeof(where), "in experiment %zu", i + 1);
		po_buf_reset(&p);
		po_buf_adds(&p, "experiments");
		po_jsonpos_path_index(&p, i);
		if (!json_is_object(e)) {
			ret = fail_at(err, &s, p.data, false,
				      "experiment %zu is %s; expected an object like {\"name\": \"...\", \"iterations\": 20}",
				      i + 1, po_json_type_name(e));
			break;
		}
		ret = check_settings(err, &s, p.data, e, where);
		total += (size_t)po_json_int(e, "repeat", po_json_int(dflt, "repeat", 1));
		if (!ret && total > PO_BATCH_MAX_EXPERIMENTS)
			ret = fail_at(err, &s, "experiments", false,
				      "the batch holds more than %d experiments (\"repeat\" included); split it",
				      PO_BATCH_MAX_EXPERIMENTS);
	}
	if (ret)
		goto out;
	b = po_xcalloc(1, sizeof(*b));
	b->configs = json_array();
	b->all_roles = po_xcalloc(total ? total : 1, 1);
	json_array_foreach(exps, i, e) {
		int nrep = (int)po_json_int(e, "repeat", po_json_int(dflt, "repeat", 1));

		for (int r = 0; r < nrep; r++) {
			size_t k = json_array_size(b->configs);
			json_array_append_new(b->configs, normalize(d, dflt, e, k, r, nrep,
								    &b->all_roles[k]));
		}
	}
	set_fingerprint(b);
	*out = b;
out:
	po_buf_release(&p);
	json_decref(root);
	return ret;
}

int po_batch_plan_load(struct po_batch **out, const char *path, const struct po_batch_defaults *d,
		       struct po_err *err)
{
	struct po_buf text = PO_BUF_INIT;
	int ret;

	*out = NULL;
	ret = po_fs_read_file(path, &text, err);
	if (ret == PO_ENOTFOUND)
		ret = po_error(err, PO_ENOTFOUND,
			       "batch config '%s' not found; see docs/batch.md for its schema", path);
	if (!ret)
		ret = po_batch_plan_parse(out, path, text.data, text.len, d, err);
	po_buf_release(&text);
	return ret;
}

void po_batch_free(struct po_batch *b)
{
	if (!b)
		return;
	json_decref(b->configs);
	free(b->all_roles);
	free(b);
}

size_t po_batch_size(const struct po_batch *b)
{
	return json_array_size(b->configs);
}

const json_t *po_batch_config(const struct po_batch *b, size_t i)
{
	return json_array_get(b->configs, i);
}

const char *po_batch_fingerprint(const struct po_batch *b)
{
	return b->fingerprint;
}

bool po_batch_in_shard(size_t i, int index, int count)
{
	if (count <= 0)
		return true;
	return i % (size_t)count == (size_t)(index - 1);
}

/* ---- run options from a config ----------------------------------------- */

void po_batch_options(const struct po_batch *b, size_t i, struct po_run_options *o)
{
	static const char *const role_keys[PO_ROLE_COUNT][2] = {
		{ "generate_provider", "generate_model" },
		{ "judge_provider", "judge_model" },
		{ "mutate_provider", "mutate_model" },
	};
	const json_t *c = po_batch_config(b, i);
	const json_t *v;

	po_run_options_init(o);
	/* The project's config supplies what the plan does not say; the seed
	 * is always the plan's. */
	o->from_config = PO_FROM_CONFIG_ALL & ~PO_FROM_CONFIG_SEED;
	if (b->all_roles[i])
		o->from_config &= ~PO_FROM_CONFIG_ROLES;
	o->project = po_json_str(c, "project", DEFAULT_PROJECT);
	o->provider = po_json_str(c, "provider", "sim");
	o->seed = (uint64_t)po_json_int(c, "seed", 42);
	o->enable_convergence = po_json_bool(c, "enable_convergence", 1);
	if ((v = json_object_get(c, "iterations"))) {
		o->max_iterations = (int)json_integer_value(v);
		o->from_config &= ~PO_FROM_CONFIG_ITERATIONS;
	}
	if ((v = json_object_get(c, "strategy"))) {
		o->strategy = json_string_value(v);
		o->from_config &= ~PO_FROM_CONFIG_STRATEGY;
	}
	if ((v = json_object_get(c, "patience"))) {
		o->convergence.no_improvement_threshold = (int)json_integer_value(v);
		o->from_config &= ~PO_FROM_CONFIG_PATIENCE;
	}
	if ((v = json_object_get(c, "min_improvement"))) {
		o->convergence.min_improvement_percent = json_number_value(v);
		o->from_config &= ~PO_FROM_CONFIG_MIN_IMPROVEMENT;
	}
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		o->role_provider[r] = po_json_str(c, role_keys[r][0], NULL);
		o->role_model[r] = po_json_str(c, role_keys[r][1], NULL);
	}
	o->model = po_json_str(c, "model", NULL);
	o->base_url = po_json_str(c, "base_url", NULL);
	o->concurrency = (int)po_json_int(c, "concurrency", o->concurrency);
	o->timeout_seconds = po_json_num(c, "timeout", o->timeout_seconds);
	o->max_attempts = (int)po_json_int(c, "max_attempts", o->max_attempts);
	o->use_cache = po_json_bool(c, "cache", o->use_cache);
	o->cache_path = po_json_str(c, "cache_path", NULL);
	o->prices_path = po_json_str(c, "prices", NULL);
	o->max_calls = (long)po_json_int(c, "max_calls", 0);
	o->budget_usd = po_json_num(c, "budget_usd", 0);
	o->sim_noise = po_json_num(c, "noise", o->sim_noise);
	o->bridge_dir = po_json_str(c, "bridge_dir", NULL);
	o->poll_interval = po_json_num(c, "interval", o->poll_interval);
}
