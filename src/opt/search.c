/*
 * The search context (see search.h): evaluations through the archive,
 * nominees, and the mutation call every LLM-driven strategy uses.
 */
#include "opt/search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/render.h"
#include "opt/mutate.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* The cases of `cases` that the entry has not been evaluated on. */
static void missing_cases(const struct po_archive_entry *e, const struct po_caseset *cases,
			  size_t ncases, struct po_caseset *out)
{
	struct po_caseset all = { 0 };
	const struct po_caseset *set = cases;

	if (!set) {
		po_caseset_all(&all, ncases);
		set = &all;
	}
	out->n = 0;
	out->idx = po_xcalloc(set->n ? set->n : 1, sizeof(*out->idx));
	for (size_t i = 0; i < set->n; i++)
		if (!e->cases[set->idx[i]].evaluated)
			out->idx[out->n++] = set->idx[i];
	po_caseset_release(&all);
}

/*
 * out: the fresh evaluation when it covers the whole request (the common
 * case, with outputs and judge feedback); else the requested cases, fresh
 * ones moved from `fresh`, the others from the archive.
 */
static void assemble(const struct po_search *s, const struct po_archive_entry *e,
		     const struct po_caseset *cases, struct po_evaluation *fresh,
		     struct po_evaluation *out)
{
	size_t n = cases ? cases->n : s->project->ncases;

	if (fresh->n == n || e->invalid) {
		*out = *fresh;
		memset(fresh, 0, sizeof(*fresh));
		if (e->invalid && !out->invalid)
			out->invalid = po_xstrdup(e->invalid);
		return;
	}
	memset(out, 0, sizeof(*out));
	out->n = n;
	out->cases = po_xcalloc(n ? n : 1, sizeof(*out->cases));
	for (size_t i = 0, f = 0; i < n; i++) {
		size_t idx = cases ? cases->idx[i] : i;
		if (f < fresh->n && fresh->cases[f].tc == &s->project->cases[idx]) {
			out->cases[i] = fresh->cases[f];
			memset(&fresh->cases[f++], 0, sizeof(fresh->cases[0]));
		} else {
			bool have = po_archive_case_result(e, s->project, idx, &out->cases[i]);
			/* Every case asked for is fresh or archived. */
			PO_ASSERT(have);
			(void)have;
		}
	}
	po_evaluation_aggregate(out);
}

static void log_evaluation(struct po_search *s, const struct po_archive_entry *e,
			   const struct po_evaluation *ev)
{
	char hash[17];
	json_t *row;

	if (!s->evaluated)
		s->evaluated = json_array();
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)e->hash);
	row = json_pack("{s:s, s:o, s:I, s:I, s:I, s:i, s:s}", "candidate", e->origin, "score",
			ev->n_ok ? json_real(ev->mean) : json_null(), "evaluated",
			(json_int_t)ev->n_ok, "failed", (json_int_t)(ev->n - ev->n_ok), "cases",
			(json_int_t)ev->n, "sample", (int)e->sample, "hash", hash);
	po_archive_lineage_json(s->archive, e->hash, row);
	json_object_set_new(row, "prompt_chars",
			    json_integer(po_prompt_chars(s->project, e->prompts)));
	json_array_append_new(s->evaluated, row);
}

void po_search_lineage(struct po_search *s, const json_t *prompts, const char *op,
		       const json_t *const *parents, size_t nparents)
{
	uint64_t h[PO_MAX_PARENTS];
	unsigned n = 0;

	for (size_t i = 0; i < nparents && n < PO_MAX_PARENTS; i++)
		h[n++] = po_archive_hash(parents[i]);
	po_archive_set_lineage(s->archive, po_archive_hash(prompts), op, h, n);
}

int po_search_evaluate(struct po_search *s, const json_t *const *prompts, size_t n,
		       const struct po_caseset *cases, unsigned sample, const char *const *origins,
		       struct po_evaluation *out, struct po_err *err)
{
	size_t m = n ? n : 1, njobs = 0;
	struct po_archive_entry **entries = po_xcalloc(m, sizeof(*entries));
	struct po_caseset *todo = po_xcalloc(m, sizeof(*todo));
	struct po_eval_job *jobs = po_xcalloc(m, sizeof(*jobs));
	struct po_evaluation *fresh = po_xcalloc(m, sizeof(*fresh)), *got;
	size_t *job_of = po_xcalloc(m, sizeof(*job_of));
	int ret;

	for (size_t i = 0; i < n; i++) {
		entries[i] = po_archive_add(s->archive, prompts[i], sample, s->iteration,
					    origins ? origins[i] : NULL);
		missing_cases(entries[i], cases, s->project->ncases, &todo[i]);
		job_of[i] = SIZE_MAX;
		if (todo[i].n && !entries[i]->invalid) {
			jobs[njobs] = (struct po_eval_job){ .prompts = prompts[i], .cases = &todo[i] };
			job_of[i] = njobs++;
		}
	}
	got = po_xcalloc(njobs ? njobs : 1, sizeof(*got));
	ret = po_evaluate_jobs(s->engine, s->project, s->settings, jobs, njobs, sample, got, err);
	for (size_t i = 0; i < n; i++) {
		if (job_of[i] != SIZE_MAX) {
			fresh[i] = got[job_of[i]];
			memset(&got[job_of[i]], 0, sizeof(got[0]));
			if (!ret)
				po_archive_record(s->archive, entries[i], s->project, &fresh[i]);
		}
		if (!ret) {
			assemble(s, entries[i], cases, &fresh[i], &out[i]);
			/* What the archive answered alone is not a new evaluation. */
			if (job_of[i] != SIZE_MAX)
				log_evaluation(s, entries[i], &out[i]);
		}
		po_evaluation_release(&fresh[i]);
		po_caseset_release(&todo[i]);
	}
	for (size_t j = 0; j < njobs; j++)
		po_evaluation_release(&got[j]);
	free(entries);
	free(todo);
	free(jobs);
	free(fresh);
	free(got);
	free(job_of);
	return ret;
}

void po_search_nominate(struct po_search *s, json_t *prompts, const char *origin,
			unsigned sample, struct po_evaluation *ev)
{
	struct po_nominee *nm;

	if (s->n_nominees == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 4;
		s->nominees = po_xrealloc(s->nominees, s->alloc * sizeof(*s->nominees));
	}
	nm = &s->nominees[s->n_nominees++];
	nm->prompts = prompts;
	nm->origin = po_xstrdup(origin ? origin : "");
	nm->sample = sample;
	nm->eval = *ev;
	memset(ev, 0, sizeof(*ev));
}

void po_search_clear(struct po_search *s)
{
	for (size_t i = 0; i < s->n_nominees; i++) {
		json_decref(s->nominees[i].prompts);
		free(s->nominees[i].origin);
		po_evaluation_release(&s->nominees[i].eval);
	}
	s->n_nominees = 0;
	json_decref(s->evaluated);
	s->evaluated = NULL;
}

const char *po_search_prompt_name(const struct po_search *s, size_t k)
{
	if (s->project->system_prompt && k % 2)
		return s->project->system_prompt;
	return s->project->main_prompt;
}

json_t *po_search_placeholders(const json_t *prompts, const char *name)
{
	json_t *placeholders = json_array();
	const char *tmpl = json_string_value(json_object_get(prompts, name));

	if (tmpl)
		po_template_placeholders(tmpl, placeholders);
	return placeholders;
}

int po_search_ask(const struct po_search *s, const json_t *prompts, const char *name,
		  const char *request, size_t feedback_cases, unsigned sample, json_t **out,
		  struct po_err *err)
{
	/* feedback_cases: how many cases the request's feedback came from (the
	 * simulator's mutate role overfits more often on few). */
	json_t *meta = json_pack("{s:s, s:i, s:I}", "prompt_name", name, "iteration", s->iteration,
				 "feedback_cases", (json_int_t)feedback_cases);
	struct po_llm_request req = {
		.role = PO_ROLE_MUTATE, .model = s->settings->models[PO_ROLE_MUTATE],
		.temperature = s->settings->temperature[PO_ROLE_MUTATE],
		.max_tokens = s->settings->max_tokens[PO_ROLE_MUTATE],
		.system = po_mutate_system_prompt(), .prompt = request, .metadata = meta,
		.sample = sample,
	};
	struct po_llm_response resp;
	char *tnew = NULL;
	int ret;

	*out = NULL;
	ret = po_engine_complete(s->engine, &req, &resp, 1, err);
	if (ret)
		goto out;
	if (!resp.content) {
		ret = po_error(err, PO_ELLM, "mutate call failed: %s",
			       resp.error ? resp.error : "no content");
		po_llm_response_release(&resp);
		goto out;
	}
	tnew = po_mutate_parse_reply(resp.content, err);
	if (!tnew)
		po_integrity_count_reply(s->integrity, resp.content);
	po_llm_response_release(&resp);
	if (!tnew) {
		ret = PO_EEVAL;
		goto out;
	}
	*out = json_deep_copy(prompts);
	json_object_set_new(*out, name, json_string(tnew));
	free(tnew);
	/* Before any generate call: a candidate that lost a placeholder never runs. */
	ret = po_integrity_check(s->integrity, s->project, s->archive, prompts, *out, err);
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
out:
	json_decref(meta);
	return ret;
}

int po_search_mutate(const struct po_search *s, const json_t *prompts, const char *name,
		     const json_t *feedback, unsigned sample, json_t **out, struct po_err *err)
{
	const char *tmpl = json_string_value(json_object_get(prompts, name));
	json_t *placeholders;
	struct po_buf prompt = PO_BUF_INIT;
	int ret;

	*out = NULL;
	if (!tmpl)
		return po_error(err, PO_EINPUT, "no prompt named '%s' to mutate", name);
	placeholders = po_search_placeholders(prompts, name);
	po_mutate_build_prompt(&prompt, name, tmpl, s->incumbent_score, feedback, placeholders);
	ret = po_search_ask(s, prompts, name, prompt.data,
			    s->incumbent_eval ? s->incumbent_eval->n_ok : 0, sample, out, err);
	json_decref(placeholders);
	po_buf_release(&prompt);
	return ret;
}
