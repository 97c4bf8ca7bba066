/*
 * The plan of a batch: the experiments to run, each as a normalized config
 * object, from `--experiments N` or a JSON config file validated up front
 * with file:line:col messages. Running the plan is batch.c's job.
 */
#include "run/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/settings.h"
#include "core/srcpos.h"
#include "llm/provider.h"
#include "opt/strategy.h"
#include "run/project_files.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"
#include "util/rng.h"

#define DEFAULT_PROJECT "pr-faq-validator"

struct po_batch {
	json_t *configs;        /* array of normalized config objects */
	/* Per experiment: the plan names the provider or the model of every role
	 * (like run's --provider, --real-api, --model), so the project's "roles"
	 * do not apply. */
	unsigned char *all_roles;
	char fingerprint[17];
};

static const char *const top_keys[] = { "defaults", "description", "experiments", NULL };

void po_batch_defaults_init(struct po_batch_defaults *d)
{
	memset(d, 0, sizeof(*d));
	d->iterations = -1;
	d->seed = 42;
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
	if (d->split)
		json_object_set_new(o, "split", json_string(d->split));
	if (d->accept)
		json_object_set_new(o, "accept", json_string(d->accept));
	if (d->alpha > 0)
		json_object_set_new(o, "alpha", json_real(d->alpha));
	if (d->min_delta > 0)
		json_object_set_new(o, "min_delta", json_real(d->min_delta));
	if (d->race_rounds > 0)
		json_object_set_new(o, "race_rounds", json_integer(d->race_rounds));
	if (d->incumbent_samples > 0)
		json_object_set_new(o, "incumbent_samples", json_integer(d->incumbent_samples));
	if (d->pairwise_judge)
		json_object_set_new(o, "pairwise_judge", json_true());
	if (d->no_convergence)
		json_object_set_new(o, "enable_convergence", json_false());
	if (d->batch_api)
		json_object_set_new(o, "batch_api", json_true());
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
	if (d->seed > PO_SEED_MAX - (uint64_t)(n - 1))
		return po_error(err, PO_EUSAGE,
				"seeds %llu to %llu: the last is out of range; use a base seed up to %llu for %d experiments",
				(unsigned long long)d->seed, (unsigned long long)d->seed + (uint64_t)(n - 1),
				(unsigned long long)(PO_SEED_MAX - (uint64_t)(n - 1)), n);
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

static int parse_root(const struct po_src *s, const json_t *root, const json_t **dflt,
		      const json_t **exps, struct po_err *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(root))
		return po_src_fail(err, PO_EINPUT, s, "", false,
				   "expected an object like {\"experiments\": [...]}, found %s",
				   po_json_type_name(root));
	json_object_foreach((json_t *)root, key, v) {
		struct po_buf p = PO_BUF_INIT;
		bool known = false;
		int ret = 0;

		for (size_t i = 0; top_keys[i]; i++)
			known |= !strcmp(top_keys[i], key);
		po_jsonpos_path_key(&p, key);
		if (!known)
			ret = po_settings_unknown_key(err, s, p.data, key, top_keys, NULL,
						      "at the top level");
		po_buf_release(&p);
		if (ret)
			return ret;
	}
	*dflt = json_object_get(root, "defaults");
	*exps = json_object_get(root, "experiments");
	if (*dflt && !json_is_object(*dflt))
		return po_src_fail(err, PO_EINPUT, s, "defaults", false, "expected an object for \"defaults\", found %s",
				   po_json_type_name(*dflt));
	if (!*exps)
		return po_src_fail(err, PO_EINPUT, s, "", false,
				   "no \"experiments\" list; add \"experiments\": [{\"name\": \"...\", \"project\": \"...\", \"iterations\": 20}]");
	if (!json_is_array(*exps))
		return po_src_fail(err, PO_EINPUT, s, "experiments", false,
				   "expected an array for \"experiments\", found %s",
				   po_json_type_name(*exps));
	if (!json_array_size(*exps))
		return po_src_fail(err, PO_EINPUT, s, "experiments", false,
				   "\"experiments\" is empty; add at least one experiment");
	if (json_object_get(root, "description") &&
	    !json_is_string(json_object_get(root, "description")))
		return po_src_fail(err, PO_EINPUT, s, "description", false,
				   "expected a string for \"description\", found %s",
				   po_json_type_name(json_object_get(root, "description")));
	if (*dflt && json_object_get(*dflt, "name"))
		return po_src_fail(err, PO_EINPUT, s, "defaults/name", true,
				   "\"name\" cannot be a default; name each experiment");
	return 0;
}

int po_batch_plan_parse(struct po_batch **out, const char *name, const char *text, size_t len,
			const struct po_batch_defaults *d, struct po_err *err)
{
	struct po_src s = { name, text, len, NULL };
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
		ret = po_settings_check_batch(err, &s, "defaults", dflt, "in \"defaults\"",
					      po_project_known_names());
	json_array_foreach(exps, i, e) {
		char where[64];

		if (ret)
			break;
		snprintf(where, sizeof(where), "in experiment %zu", i + 1);
		po_buf_reset(&p);
		po_buf_adds(&p, "experiments");
		po_jsonpos_path_index(&p, i);
		if (!json_is_object(e)) {
			ret = po_src_fail(err, PO_EINPUT, &s, p.data, false,
					  "experiment %zu is %s; expected an object like {\"name\": \"...\", \"iterations\": 20}",
					  i + 1, po_json_type_name(e));
			break;
		}
		ret = po_settings_check_batch(err, &s, p.data, e, where, po_project_known_names());
		total += (size_t)po_json_int(e, "repeat", po_json_int(dflt, "repeat", 1));
		if (!ret && total > PO_BATCH_MAX_EXPERIMENTS)
			ret = po_src_fail(err, PO_EINPUT, &s, "experiments", false,
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
	const json_t *c = po_batch_config(b, i);
	const struct po_setting *st;

	po_run_options_init(o);
	/* The project's config supplies what the plan does not say; the seed
	 * is always the plan's. */
	o->from_config = PO_FROM_CONFIG_ALL & ~PO_FROM_CONFIG_SEED;
	if (b->all_roles[i])
		o->from_config &= ~PO_FROM_CONFIG_ROLES;
	/* A normalized config always holds project, provider, seed and
	 * enable_convergence; use_real_api is already in its provider, and
	 * whether the project's roles apply is all_roles' call. */
	for (st = po_settings; st->key; st++) {
		const json_t *v = st->batch ? json_object_get(c, st->batch) : NULL;

		if (v && !st->flag_const)
			po_setting_store_json(st, v, o, ~(unsigned)PO_FROM_CONFIG_ROLES);
	}
}
