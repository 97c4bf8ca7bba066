/*
 * Evaluation of candidates: render each template with each test case, run
 * the generate role, judge each output, and aggregate per-case scores.
 * All calls of a step go to the engine as one batch (all cases of all
 * candidates), so concurrent providers see the whole batch.
 *
 * Ownership: a struct po_evaluation owns its case results; release it with
 * po_evaluation_release(). Test cases are borrowed from the project.
 */
#ifndef PO_EVALUATE_H
#define PO_EVALUATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "llm/llm.h"
#include "core/project.h"
#include "eval/split.h"

struct po_case_result {
	const struct po_test_case *tc;
	bool ok;             /* false: failed evaluation, left out of the mean */
	double score;        /* 0-100 when ok */
	json_t *criteria;    /* object key -> 0-5, or NULL */
	char *output;        /* generated text, or NULL */
	char *error;         /* why the case failed, or NULL */
	char *feedback;      /* judge feedback, or NULL */
	json_t *improvements; /* array of strings, or NULL */
	int judge_attempts;
	bool passed;         /* a rule scorer's verdict (set with ok) */
	json_t *scorers;     /* per-scorer results [{name, score, passed, message}], or NULL */
	double gen_cost_usd; /* the generate call's cost at list price */
	double gen_latency_ms; /* and its latency */
};

struct po_evaluation {
	struct po_case_result *cases;
	size_t n;
	size_t n_ok;
	double mean;        /* mean of ok cases; NAN when none */
	double stddev;      /* sample sd of ok cases */
	char *invalid;      /* the candidate could not be run at all (e.g. bad placeholder) */
};

struct po_scorer_ops;

#define PO_MAX_SCORERS 16

struct po_eval_settings {
	const char *models[PO_ROLE_COUNT]; /* may be NULL: provider default */
	double temperature[PO_ROLE_COUNT];
	int max_tokens[PO_ROLE_COUNT];
	/* The scorers of a case and their weights (eval/scorer.h); none set:
	 * the LLM judge alone. A case's score is their weighted mean. */
	const struct po_scorer_ops *scorers[PO_MAX_SCORERS];
	double weights[PO_MAX_SCORERS];
	size_t nscorers;
};

void po_eval_settings_init(struct po_eval_settings *s);

/*
 * Evaluates n candidate prompt sets (objects name -> template) on all test
 * cases of the project; out[0..n-1] are filled. sample is the sample index of
 * the generate calls (vary it to draw new outputs for the same prompt).
 * Returns 0 (individual failures are in the results) or a negative status when
 * the provider itself failed.
 */
int po_evaluate(struct po_engine *engine, const struct po_project *p,
		const struct po_eval_settings *settings, const json_t *const *candidates,
		size_t n, unsigned sample, struct po_evaluation *out, struct po_err *err);

/* One candidate and the cases to evaluate it on. */
struct po_eval_job {
	const json_t *prompts;              /* object name -> template (borrowed) */
	const struct po_caseset *cases;     /* NULL: every test case */
};

/*
 * Evaluates n jobs, each a candidate on its own case set, in one batch of
 * calls (generate, then the scorers); out[i] holds the results of job i's
 * cases, in the set's order.
 */
int po_evaluate_jobs(struct po_engine *engine, const struct po_project *p,
		     const struct po_eval_settings *settings, const struct po_eval_job *jobs,
		     size_t n, unsigned sample, struct po_evaluation *out, struct po_err *err);

void po_evaluation_release(struct po_evaluation *ev);
/* Frees what a case result holds (not the test case) and zeroes it. */
void po_case_result_release(struct po_case_result *r);

/* Sets n_ok, mean (6 decimals) and stddev from the case results. */
void po_evaluation_aggregate(struct po_evaluation *ev);

/* Improvements named by the judge, most frequent first, at most max (new array). */
json_t *po_evaluation_feedback(const struct po_evaluation *ev, size_t max);

/* The evaluation as JSON for evaluation_iteration_NNN.json (new reference). */
json_t *po_evaluation_to_json(const struct po_evaluation *ev);

#endif
