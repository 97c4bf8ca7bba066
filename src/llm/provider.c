/*
 * The provider table (see provider.h): the one place that lists the
 * providers, with what the rest of the program needs to know about each.
 */
#include "llm/provider.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bridge/bridge.h"
#include "llm/providers/anthropic.h"
#include "llm/providers/openai.h"
#include "sim/sim.h"
#include "util/buf.h"
#include "util/err.h"

struct provider_info {
	const char *name;
	struct po_provider *(*make)(const struct po_provider_spec *spec, struct po_sim **sim,
				    struct po_err *err);
	const char *key_env;       /* the API key's variable; NULL: needs none */
	const char *url_env;       /* the base URL's variable; NULL: none */
	/* The model named in every request when the run chooses none (so a new
	 * default in a later version is a new cache key and the results say
	 * which model answered); NULL: the peer's choice. */
	const char *default_model;
	/* Answers kept in the response cache: the simulator is deterministic
	 * and faster than an SQLite lookup; the bridge's responder decides (and
	 * caches, when it forwards to an API). */
	bool cacheable;
	/* Keeps a prompt cache for shared prefixes (provider.h). */
	bool prompt_cache;
};

static struct po_provider *make_sim(const struct po_provider_spec *spec, struct po_sim **simp,
				    struct po_err *err)
{
	struct po_sim_config cfg;
	struct po_sim *sim;

	po_sim_config_init(&cfg);
	cfg.seed = spec->seed;
	cfg.noise = spec->noise;
	cfg.verbosity_bias = spec->verbosity_bias;
	cfg.catalogue = spec->catalogue;
	sim = po_sim_new(&cfg, err);
	if (!sim)
		return NULL;
	if (simp)
		*simp = sim;
	return po_sim_provider_new(sim);
}

static struct po_provider *make_bridge(const struct po_provider_spec *spec,
				       struct po_sim **simp, struct po_err *err)
{
	struct po_provider *p = po_bridge_provider_new(spec, err);

	if (p && simp)
		*simp = po_bridge_provider_sim(p);
	return p;
}

static struct po_provider *make_anthropic(const struct po_provider_spec *spec,
					  struct po_sim **simp, struct po_err *err)
{
	return po_anthropic_provider_new(spec, err);
}

static struct po_provider *make_openai(const struct po_provider_spec *spec,
				       struct po_sim **simp, struct po_err *err)
{
	return po_openai_provider_new(spec, err);
}

static const struct provider_info table[] = {
	{ "sim", make_sim, NULL, NULL, "sim", false, false },
	{ "bridge", make_bridge, NULL, NULL, NULL, false, false },
	{ "anthropic", make_anthropic, PO_ANTHROPIC_KEY_ENV, PO_ANTHROPIC_URL_ENV,
	  PO_ANTHROPIC_DEFAULT_MODEL, true, true },
	{ "openai", make_openai, PO_OPENAI_KEY_ENV, PO_OPENAI_URL_ENV, PO_OPENAI_DEFAULT_MODEL,
	  true, true },
};

#define NPROVIDERS (sizeof(table) / sizeof(table[0]))

static const struct provider_info *info(const char *name)
{
	for (size_t i = 0; name && i < NPROVIDERS; i++)
		if (!strcmp(name, table[i].name))
			return &table[i];
	return NULL;
}

static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static char names_text[128];

static void make_names(void)
{
	struct po_buf b = PO_BUF_INIT;

	for (size_t i = 0; i < NPROVIDERS; i++)
		po_buf_addf(&b, "%s%s", i ? ", " : "", table[i].name);
	snprintf(names_text, sizeof(names_text), "%s", b.data);
	po_buf_release(&b);
}

const char *po_provider_names(void)
{
	pthread_once(&names_once, make_names);
	return names_text;
}

bool po_provider_known(const char *name)
{
	return info(name) != NULL;
}

const char *po_provider_default_model(const char *name)
{
	const struct provider_info *p = info(name);

	return p ? p->default_model : NULL;
}

const char *po_provider_url_env(const char *name)
{
	const struct provider_info *p = info(name);

	return p ? p->url_env : NULL;
}

bool po_provider_cacheable(const char *name)
{
	const struct provider_info *p = info(name);

	return name && (!p || p->cacheable);
}

bool po_provider_prompt_cache(const char *name)
{
	const struct provider_info *p = info(name);

	return p && p->prompt_cache;
}

struct po_provider *po_provider_new(const struct po_provider_spec *spec, struct po_sim **simp,
				    struct po_err *err)
{
	const struct provider_info *p = info(spec->name);

	if (simp)
		*simp = NULL;
	if (p)
		return p->make(spec, simp, err);
	po_error(err, PO_EUSAGE, "unknown provider '%s'; available: %s", spec->name,
		 po_provider_names());
	return NULL;
}

int po_provider_preflight(const struct po_provider_spec *spec, struct po_err *err)
{
	const struct provider_info *pi = info(spec->name);
	struct po_provider *p;

	/* What needs no key (the simulator, the bridge) needs nothing from
	 * outside to start. */
	if (pi && !pi->key_env)
		return 0;
	p = po_provider_new(spec, NULL, err);
	if (!p)
		return err ? err->code : PO_ELLM;
	p->ops->free(p);
	return 0;
}
