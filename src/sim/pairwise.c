/*
 * The pairwise judge role: which of two outputs for one test case is
 * better. The simulator sees what each output really shows (judge.c's view
 * without noise, its verbosity bias included), and prefers the better one
 * through one noise draw of the ordinary judge's size plus a small bias for
 * the output shown first; docs/simulator.md states the model.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/tags.h"
#include "sim/sim_internal.h"
#include "util/json.h"
#include "util/mem.h"

/* The bias for output A, as a share of the noise (points; 1 at noise 4). */
#define POSITION_BIAS 0.25
/* Differences smaller than this (points) are called a tie. */
#define TIE_BAND 1.0
/* Points per step of strength: 1 below 5 points, 2 below 10, ... 5 from 20. */
#define STRENGTH_STEP 5.0

bool po_sim_pairwise_request(const struct po_llm_request *req)
{
	const char *kind = po_json_str(req->metadata, "kind", NULL);

	if (kind)
		return !strcmp(kind, "pairwise");
	return req->prompt && strstr(req->prompt, PO_PAIR_A_BEGIN) &&
	       strstr(req->prompt, PO_PAIR_B_BEGIN);
}

static const char *why(double d, const char *winner)
{
	if (!strcmp(winner, "tie"))
		return "The two outputs show the same qualities; neither is better.";
	if (fabs(d) >= 3 * STRENGTH_STEP)
		return "One output covers clearly more of the rubric than the other.";
	return "One output covers a little more of the rubric than the other.";
}

char *po_sim_pairwise(const struct po_sim *sim, const struct po_llm_request *req)
{
	const json_t *inputs = json_object_get(req->metadata, "inputs");
	char *a = po_sim_between(req->prompt ? req->prompt : "", PO_PAIR_A_BEGIN, PO_PAIR_A_END);
	char *b = po_sim_between(req->prompt ? req->prompt : "", PO_PAIR_B_BEGIN, PO_PAIR_B_END);
	struct po_buf out = PO_BUF_INIT;
	const char *winner;
	struct po_rng rng;
	double d, u;
	int strength;

	po_rng_seed(&rng, po_sim_request_hash(sim, "pairwise", req));
	/* A request without both outputs gets what a model would say: a tie. */
	d = a && b ? po_sim_judge_seen(sim, a, inputs) - po_sim_judge_seen(sim, b, inputs) : 0;
	if (a && b)
		d += sim->cfg.noise * (POSITION_BIAS + po_rng_normal(&rng));
	free(a);
	free(b);
	winner = fabs(d) < TIE_BAND ? "tie" : d > 0 ? "A" : "B";
	strength = 1 + (int)(fabs(d) / STRENGTH_STEP);
	if (strength > 5)
		strength = 5;
	/* Real models sometimes wrap their JSON, as the ordinary judge does. */
	u = po_rng_double(&rng);
	if (u < 0.015)
		po_buf_adds(&out, "```json\n");
	po_buf_addf(&out, "{\"winner\": \"%s\", \"strength\": %d, \"reason\": ", winner, strength);
	po_json_escape(&out, why(d, winner));
	po_buf_adds(&out, "}");
	if (u < 0.015)
		po_buf_adds(&out, "\n```\n");
	return po_buf_detach(&out);
}
