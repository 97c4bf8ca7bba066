/*
 * The responder's simulators (see sims.h): a short list searched in order,
 * since a folder rarely serves more than a couple of runs at once.
 */
#include "bridge/sims.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "util/mem.h"

#define MAX_SIMS 8

struct sim_slot {
	uint64_t seed;
	double noise, bias;
	char *catalogue;
	struct po_sim *sim;
};

struct po_bridge_sims {
	struct sim_slot v[MAX_SIMS];
	size_t n;
};

struct po_bridge_sims *po_bridge_sims_new(void)
{
	return po_xcalloc(1, sizeof(struct po_bridge_sims));
}

void po_bridge_sims_free(struct po_bridge_sims *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		po_sim_free(s->v[i].sim);
		free(s->v[i].catalogue);
	}
	free(s);
}

struct po_sim *po_bridge_sims_get(struct po_bridge_sims *s, uint64_t seed, double noise,
				  double verbosity_bias, const char *catalogue, struct po_err *err)
{
	struct po_sim_config cfg;
	struct po_sim *sim;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].seed == seed && s->v[i].noise == noise && s->v[i].bias == verbosity_bias &&
		    !strcmp(s->v[i].catalogue, catalogue))
			return s->v[i].sim;
	po_sim_config_init(&cfg);
	cfg.seed = seed;
	cfg.noise = noise;
	cfg.verbosity_bias = verbosity_bias;
	cfg.catalogue = catalogue;
	sim = po_sim_new(&cfg, err);
	if (!sim)
		return NULL;
	if (s->n == MAX_SIMS) {
		po_sim_free(s->v[0].sim);
		free(s->v[0].catalogue);
		memmove(s->v, s->v + 1, (MAX_SIMS - 1) * sizeof(s->v[0]));
		s->n--;
	}
	s->v[s->n++] = (struct sim_slot){ seed, noise, verbosity_bias, po_xstrdup(catalogue), sim };
	return sim;
}
