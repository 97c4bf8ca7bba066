/*
 * The provider table (see provider.h).
 */
#include "llm/provider.h"

#include <string.h>

#include "bridge/bridge.h"
#include "llm/providers/anthropic.h"
#include "llm/providers/openai.h"
#include "llm/sim.h"
#include "util/err.h"

static const char *const names[] = { "sim", "bridge", "anthropic", "openai" };

const char *po_provider_names(void)
{
	return "sim, bridge, anthropic, openai";
}

bool po_provider_known(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name && !strcmp(name, names[i]))
			return true;
	return false;
}

struct po_provider *po_provider_new(const struct po_provider_spec *spec, struct po_sim **simp,
				    struct po_err *err)
{
	if (simp)
		*simp = NULL;
	if (!strcmp(spec->name, "sim")) {
		struct po_sim_config cfg;
		struct po_sim *sim;

		po_sim_config_init(&cfg);
		cfg.seed = spec->seed;
		cfg.noise = spec->noise;
		cfg.catalogue = spec->catalogue;
		sim = po_sim_new(&cfg, err);
		if (!sim)
			return NULL;
		if (simp)
			*simp = sim;
		return po_sim_provider_new(sim);
	}
	if (!strcmp(spec->name, "bridge")) {
		struct po_provider *p = po_bridge_provider_new(spec, err);
		if (p && simp)
			*simp = po_bridge_provider_sim(p);
		return p;
	}
	if (!strcmp(spec->name, "anthropic"))
		return po_anthropic_provider_new(spec, err);
	if (!strcmp(spec->name, "openai"))
		return po_openai_provider_new(spec, err);
	po_error(err, PO_EUSAGE, "unknown provider '%s'; available: %s", spec->name,
		 po_provider_names());
	return NULL;
}

int po_provider_preflight(const struct po_provider_spec *spec, struct po_err *err)
{
	struct po_provider *p;

	/* The simulator and the bridge need nothing from outside to start. */
	if (!strcmp(spec->name, "sim") || !strcmp(spec->name, "bridge"))
		return 0;
	p = po_provider_new(spec, NULL, err);
	if (!p)
		return err ? err->code : PO_ELLM;
	p->ops->free(p);
	return 0;
}
