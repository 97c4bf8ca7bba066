/*
 * The mutate role: edits the template in a mutation request as an LLM would
 * (adds an instruction, preferring what the feedback names; removes or
 * rephrases one; sometimes adds a harmful one or drops a placeholder), or
 * merges two parents for a crossover, and answers in the reply format.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tags.h"
#include "sim/sim_internal.h"
#include "util/json.h"
#include "util/mem.h"

static bool in_feedback(const char *fb_lower, const struct feature *f)
{
	if (!fb_lower || !*fb_lower)
		return false;
	for (const char *const *k = f->fb; *k; k++)
		if (strstr(fb_lower, *k))
			return true;
	return false;
}

/* A lowercased copy of a template with its few-shot examples blanked out:
 * edits go to instructions, never into examples. */
static char *lower_instructions(const char *t)
{
	char *lower = po_sim_lower_dup(t, NULL, NULL);

	po_sim_demos_blank(lower);
	return lower;
}

/* Bounds [*b, *e) of the sentence of s around pos. */
static void sentence_bounds(const char *s, size_t pos, size_t *b, size_t *e)
{
	size_t i = pos, j = pos;

	while (i > 0 && !strchr(".!?\n", s[i - 1]))
		i--;
	while (s[i] == ' ')
		i++;
	while (s[j] && s[j] != '\n' && !(strchr(".!?", s[j]) && (s[j + 1] == ' ' ||
			s[j + 1] == '\n' || !s[j + 1])))
		j++;
	if (s[j] && s[j] != '\n')
		j++;
	*b = i;
	*e = j;
}

/* The removable sentence that asks for feature f, if any. */
static bool feature_sentence(const char *tmpl, const char *lower, const struct feature *f,
			     size_t *b, size_t *e)
{
	long pos = po_sim_find_ask(lower, f->asks);

	if (pos < 0)
		return false;
	sentence_bounds(tmpl, (size_t)pos, b, e);
	for (size_t i = *b; i < *e; i++)
		if (tmpl[i] == '{')
			return false;
	return *e > *b;
}

/* Replaces [b, e) of *tmpl with `with` (may be ""), tidying the spaces. */
static void splice(struct po_buf *t, size_t b, size_t e, const char *with)
{
	struct po_buf n = PO_BUF_INIT;

	if (!*with) {
		while (t->data[e] == ' ')
			e++;
		if (b > 0 && t->data[b - 1] == ' ' && (t->data[e] == '\n' || !t->data[e]))
			b--;
	}
	po_buf_add(&n, t->data, b);
	po_buf_adds(&n, with);
	po_buf_adds(&n, t->data + e);
	po_buf_release(t);
	*t = n;
}

static void append_instruction(struct po_buf *t, const char *sentence)
{
	while (t->len && (t->data[t->len - 1] == '\n' || t->data[t->len - 1] == ' '))
		po_buf_setlen(t, t->len - 1);
	if (t->len && strchr(".!?", t->data[t->len - 1]))
		po_buf_addch(t, ' ');
	else if (t->len)
		po_buf_adds(t, "\n\n");
	po_buf_adds(t, sentence);
	po_buf_addch(t, '\n');
}

/* Replaces every {name} of one placeholder with a generic phrase, as a model
 * "simplifying" a prompt sometimes does. False when there is none. */
static bool drop_placeholder(struct po_buf *t, struct po_rng *rng, char *name, size_t cap)
{
	const char *starts[64];
	size_t n = 0, len;
	const char *p, *q;
	struct po_buf out = PO_BUF_INIT;

	for (p = t->data; (p = strchr(p, '{')) && n < PO_ARRAY_SIZE(starts); p++) {
		if (p[1] == '{') {
			p++;
			continue;
		}
		for (q = p + 1; isalnum((unsigned char)*q) || *q == '_'; q++)
			;
		if (*q == '}' && q > p + 1)
			starts[n++] = p;
	}
	if (!n)
		return false;
	p = starts[po_rng_below(rng, n)];
	len = strcspn(p + 1, "}");
	snprintf(name, cap, "%.*s", (int)len, p + 1);
	for (p = t->data; *p;) {
		if (*p == '{' && !strncmp(p + 1, name, len) && p[1 + len] == '}') {
			po_buf_adds(&out, "the project");
			p += len + 2;
		} else {
			po_buf_addch(&out, *p++);
		}
	}
	po_buf_release(t);
	*t = out;
	return true;
}

/* The state of one mutation: the template being edited and what it asks. */
struct mut_ctx {
	const struct catalogue *c;
	struct po_rng *rng;
	struct po_buf t;          /* the template being edited */
	char *lower;              /* lowercased t, valid until the first edit */
	const char *fb_lower;     /* lowercased feedback, may be NULL */
	struct ask_state st;
	struct po_buf msg;        /* the sentence that explains the edit */
};

static bool sentence_of(struct mut_ctx *m, size_t f, size_t *b, size_t *e)
{
	return feature_sentence(m->t.data, m->lower, &m->c->f[f], b, e);
}

static void remove_feature(struct mut_ctx *m, size_t f, const char *why)
{
	size_t b, e;

	if (!sentence_of(m, f, &b, &e))
		return;
	splice(&m->t, b, e, "");
	po_buf_addf(&m->msg, "I removed the instruction about %s%s.", m->c->f[f].name, why);
}

static bool op_drop_placeholder(struct mut_ctx *m)
{
	char name[128];

	if (!drop_placeholder(&m->t, m->rng, name, sizeof(name)))
		return false;
	po_buf_addf(&m->msg, "I made the prompt more general by describing {%s} in plain words.",
		    name);
	return true;
}

static bool op_add_harmful(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0;
	const char *s;

	for (size_t i = 0; i < m->c->n; i++)
		if (m->c->f[i].harmful && !m->st.asked[i] && !po_sim_per_case(m->c, i))
			cand[nc++] = i;
	if (!nc)
		return false;
	s = po_sim_pick(m->rng, m->c->f[cand[po_rng_below(m->rng, nc)]].says);
	append_instruction(&m->t, s);
	po_buf_addf(&m->msg, "I added an instruction to make the output more engaging: \"%s\"", s);
	return true;
}

/* Simplify: cut a harmful instruction when there is one, else any. */
static bool op_remove(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0, b, e;

	for (int pass = 0; pass < 2 && !nc; pass++)
		for (size_t i = 0; i < m->c->n; i++)
			if (m->st.asked[i] && m->c->f[i].harmful == (pass == 0) &&
			    sentence_of(m, i, &b, &e))
				cand[nc++] = i;
	if (!nc)
		return false;
	remove_feature(m, cand[po_rng_below(m->rng, nc)], " to simplify the prompt");
	return true;
}

static bool op_rephrase(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0, b, e;
	const struct feature *f;
	const char *s;

	for (size_t i = 0; i < m->c->n; i++)
		if (m->st.asked[i] && !m->c->f[i].harmful && sentence_of(m, i, &b, &e))
			cand[nc++] = i;
	if (!nc)
		return false;
	f = &m->c->f[cand[po_rng_below(m->rng, nc)]];
	s = po_sim_pick(m->rng, f->says);
	feature_sentence(m->t.data, m->lower, f, &b, &e);
	if (strlen(s) == e - b && !strncmp(m->t.data + b, s, e - b))
		s = f->says[0] == s ? f->says[1] : f->says[0];
	splice(&m->t, b, e, s);
	po_buf_addf(&m->msg, "I rephrased the instruction about %s to be more direct.", f->name);
	return true;
}

/* Feedback that names a conflict between two asked instructions: drop one. */
static bool op_resolve_conflict(struct mut_ctx *m)
{
	size_t b, e;

	for (size_t j = 0; j < m->c->ninter; j++) {
		const struct interaction *x = &m->c->inter[j];
		size_t f;
		char *text;
		bool named;
		if (!x->improve || !m->fb_lower || !m->st.asked[x->a] || !m->st.asked[x->b])
			continue;
		text = po_sim_lower_dup(x->improve, NULL, NULL);
		named = strstr(m->fb_lower, text) != NULL;
		free(text);
		if (!named || po_rng_double(m->rng) >= 0.75)
			continue;
		f = po_rng_below(m->rng, 2) ? x->a : x->b;
		if (!sentence_of(m, f, &b, &e))
			f = f == x->a ? x->b : x->a;
		if (!sentence_of(m, f, &b, &e))
			continue;
		remove_feature(m, f, ", which conflicted with another instruction");
		return true;
	}
	return false;
}

/* Feedback that names a harmful instruction is usually obeyed. */
static bool op_obey_feedback(struct mut_ctx *m)
{
	size_t b, e;

	if (op_resolve_conflict(m))
		return true;

	for (size_t i = 0; i < m->c->n; i++) {
		if (m->c->f[i].harmful && m->st.asked[i] && in_feedback(m->fb_lower, &m->c->f[i]) &&
		    sentence_of(m, i, &b, &e) && po_rng_double(m->rng) < 0.75) {
			remove_feature(m, i, ", as the feedback suggested");
			return true;
		}
	}
	return false;
}

/* The common case: add what is missing, preferring what the feedback names,
 * and first clear a harmful instruction that would cancel it. */
static bool op_add_helpful(struct mut_ctx *m)
{
	const struct catalogue *c = m->c;
	size_t cand[MAX_FEATURES], pref[MAX_FEATURES], nc = 0, np = 0, f, b, e;

	for (size_t i = 0; i < c->n; i++) {
		if (c->f[i].harmful || m->st.asked[i] || po_sim_per_case(c, i))
			continue;
		cand[nc++] = i;
		if (in_feedback(m->fb_lower, &c->f[i]))
			pref[np++] = i;
	}
	if (!nc)
		return false;
	f = np && po_rng_double(m->rng) < 0.85 ? pref[po_rng_below(m->rng, np)]
					       : cand[po_rng_below(m->rng, nc)];
	for (size_t h = 0; h < c->n; h++) {
		if (c->f[h].harmful && m->st.asked[h] && (c->f[h].damp & BIT(f)) &&
		    sentence_of(m, h, &b, &e) && po_rng_double(m->rng) < 0.8) {
			remove_feature(m, h, ", which kept the output from including it");
			return true;
		}
	}
	append_instruction(&m->t, po_sim_pick(m->rng, c->f[f].says));
	po_buf_addf(&m->msg, "I added an instruction asking for %s.", c->f[f].name);
	return true;
}

/* After an edit: lower and st follow the template again, so that another
 * edit can find its sentences. */
static void refresh(struct mut_ctx *m)
{
	free(m->lower);
	m->lower = po_sim_lower_dup(m->t.data, NULL, NULL);
	po_sim_assess(m->c, m->lower, strlen(m->lower), &m->st);
}

/* Rewrite: cut one instruction that worked, as a rewrite sometimes does. */
static void rewrite_loses_one(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0, b, e;

	for (size_t i = 0; i < m->c->n; i++)
		if (m->st.asked[i] && !m->c->f[i].harmful && sentence_of(m, i, &b, &e))
			cand[nc++] = i;
	if (!nc)
		return;
	remove_feature(m, cand[po_rng_below(m->rng, nc)], " while rewriting");
	po_buf_addch(&m->msg, ' ');
	refresh(m);
}

/*
 * A rewrite asked for from several test cases' outputs and the judge's
 * feedback on each (a reflective request): a model shown the concrete
 * failures fixes several at once. Each harmful instruction the feedback
 * names is cut (0.75), a conflict it names is resolved, each missing
 * helpful feature it names is added (0.6 each, at most 3); a rewrite also
 * loses an instruction that worked (0.1) or adds a harmful one (0.08).
 */
static bool op_rewrite(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0, edits = 0, b, e;

	if (po_rng_double(m->rng) < 0.1)
		rewrite_loses_one(m);
	if (po_rng_double(m->rng) < 0.08 && op_add_harmful(m)) {
		po_buf_addch(&m->msg, ' ');
		refresh(m);
	}
	for (size_t i = 0; i < m->c->n; i++) {
		if (m->c->f[i].harmful && m->st.asked[i] && in_feedback(m->fb_lower, &m->c->f[i]) &&
		    sentence_of(m, i, &b, &e) && po_rng_double(m->rng) < 0.75) {
			remove_feature(m, i, ", as the feedback suggested");
			po_buf_addch(&m->msg, ' ');
			refresh(m);
			edits++;
		}
	}
	if (op_resolve_conflict(m)) {
		po_buf_addch(&m->msg, ' ');
		refresh(m);
		edits++;
	}
	for (size_t i = 0; i < m->c->n; i++)
		if (!m->c->f[i].harmful && !m->st.asked[i] && !po_sim_per_case(m->c, i) &&
		    in_feedback(m->fb_lower, &m->c->f[i]))
			cand[nc++] = i;
	for (size_t k = 0, added = 0; k < nc && added < 3; k++) {
		/* In a random order: which problems a rewrite takes on varies. */
		size_t j = k + po_rng_below(m->rng, nc - k), f = cand[j];
		cand[j] = cand[k];
		cand[k] = f;
		if (po_rng_double(m->rng) >= 0.6)
			continue;
		append_instruction(&m->t, po_sim_pick(m->rng, m->c->f[f].says));
		po_buf_addf(&m->msg, "I added an instruction asking for %s. ", m->c->f[f].name);
		refresh(m);
		added++;
		edits++;
	}
	return edits > 0;
}

/*
 * OPRO's request: the best earlier template (the last of the history) is
 * the base; the model sees which features the shown outputs lack and treats
 * them as feedback; with the second best it combines the two half the time.
 */
static char *opro_base(const char *prompt, char **second, struct po_rng *r)
{
	const char *h = strstr(prompt, PO_MUTATE_HISTORY_BEGIN), *p, *last = NULL, *prev = NULL;

	*second = NULL;
	for (p = h; p && (p = strstr(p, PO_MUTATE_PROMPT_BEGIN)); p += strlen(PO_MUTATE_PROMPT_BEGIN)) {
		prev = last;
		last = p;
	}
	if (!last)
		return NULL;
	if (prev && po_rng_double(r) < 0.5)
		*second = po_sim_between(prev, PO_MUTATE_PROMPT_BEGIN, PO_MUTATE_PROMPT_END);
	return po_sim_between(last, PO_MUTATE_PROMPT_BEGIN, PO_MUTATE_PROMPT_END);
}

/* What the outputs shown in a request lack, in the words of judge feedback
 * (a new string, lowercase), or NULL when it shows none. */
static char *missing_in_outputs(const struct catalogue *c, const char *prompt)
{
	char *traces = po_sim_between(prompt, PO_MUTATE_TRACES_BEGIN, PO_MUTATE_TRACES_END), *low;
	bool present[MAX_FEATURES];
	struct po_buf fb = PO_BUF_INIT;

	if (!traces)
		return NULL;
	low = po_sim_lower_dup(traces, NULL, "\n");
	po_sim_detect_output(c, low, present);
	for (size_t i = 0; i < c->n; i++)
		if (!c->f[i].harmful && !present[i] && c->f[i].fb[0])
			po_buf_addf(&fb, "%s\n", c->f[i].fb[0]);
	free(low);
	free(traces);
	return po_buf_detach(&fb);
}

/* The judge's improvement that names one test case (judge.c). */
#define TAILOR "Anchor it in "

/* How often an improvement that names one case is copied into the prompt,
 * by the number of cases the feedback came from (0: not said). */
static double overfit_rate(json_int_t cases)
{
	return cases <= 0 ? 0.08 : cases <= 1 ? 0.25 : cases <= 3 ? 0.15 : cases <= 8 ? 0.08 : 0.03;
}

/* Feedback that names one test case ("Anchor it in NAME: ...") is sometimes
 * turned into an instruction for that case alone: overfitting. r is a draw
 * stream of its own, so the other edits stay as they were. */
static bool op_overfit(struct mut_ctx *m, const char *fb, const json_t *meta, struct po_rng *r)
{
	const char *names[16];
	size_t lens[16], n = 0, k;
	char sentence[256], *low;
	bool have;

	for (const char *q = fb; q && n < PO_ARRAY_SIZE(names) && (q = strstr(q, TAILOR));) {
		size_t len;
		q += strlen(TAILOR);
		len = strcspn(q, ":\n");
		if (q[len] == ':' && len > 0 && len < 100) {
			names[n] = q;
			lens[n++] = len;
		}
		q += len;
	}
	if (!n || po_rng_double(r) >= overfit_rate(json_integer_value(
						json_object_get(meta, "feedback_cases"))))
		return false;
	k = po_rng_below(r, n);
	snprintf(sentence, sizeof(sentence), "%.*s", (int)lens[k], names[k]);
	low = po_sim_lower_dup(sentence, NULL, NULL);
	have = strstr(m->lower, low) != NULL;
	free(low);
	if (have)
		return false;
	snprintf(sentence, sizeof(sentence), "When writing about %.*s, lead with what sets it "
		 "apart for its own customers.", (int)lens[k], names[k]);
	append_instruction(&m->t, sentence);
	po_buf_addf(&m->msg, "I added an instruction for %.*s, which the feedback singled out.",
		    (int)lens[k], names[k]);
	return true;
}

/* Crossover: the first parent plus, for each helpful feature only the second
 * parent asks for, its sentence with probability one half. */
static bool op_crossover(struct mut_ctx *m, const char *other)
{
	char *olow = lower_instructions(other);
	struct ask_state ost;
	size_t b, e, taken = 0;

	po_sim_assess(m->c, olow, strlen(olow), &ost);
	for (size_t i = 0; i < m->c->n; i++) {
		if (m->c->f[i].harmful || m->st.asked[i] || !ost.asked[i] ||
		    !feature_sentence(other, olow, &m->c->f[i], &b, &e) ||
		    po_rng_double(m->rng) >= 0.5)
			continue;
		{
			char *s = po_xstrndup(other + b, e - b);
			append_instruction(&m->t, s);
			free(s);
			taken++;
		}
	}
	free(olow);
	po_buf_addf(&m->msg, "I combined the two prompts, taking %zu instruction%s from the "
		    "second.", taken, taken == 1 ? "" : "s");
	return true;
}

/* Everything helpful is asked for: clear a harmful instruction if one can
 * be found, else leave the prompt as it is. */
static void op_last_resort(struct mut_ctx *m)
{
	size_t b, e;

	for (size_t i = 0; i < m->c->n; i++) {
		if (m->c->f[i].harmful && m->st.asked[i] && sentence_of(m, i, &b, &e)) {
			remove_feature(m, i, "");
			return;
		}
	}
	po_buf_adds(&m->msg, "The prompt already covers what matters; I kept it as it is.");
}

/* What a mutation request holds: the template to edit, a second one (a
 * crossover, or OPRO's second best), the feedback, and its kind. */
struct request {
	char *tmpl, *second, *fb;
	bool opro, rewrite;
};

static void read_request(const struct catalogue *c, const char *prompt, struct po_rng *rng,
			 struct request *q)
{
	const char *after;

	memset(q, 0, sizeof(*q));
	prompt = prompt ? prompt : "";
	q->opro = strstr(prompt, PO_MUTATE_HISTORY_BEGIN) != NULL;
	q->rewrite = !q->opro && strstr(prompt, PO_MUTATE_TRACES_BEGIN);
	if (q->opro) {
		q->tmpl = opro_base(prompt, &q->second, rng);
		q->fb = missing_in_outputs(c, prompt);
	} else {
		q->tmpl = po_sim_between(prompt, PO_MUTATE_PROMPT_BEGIN, PO_MUTATE_PROMPT_END);
		if (q->tmpl && (after = strstr(strstr(prompt, PO_MUTATE_PROMPT_BEGIN),
					       PO_MUTATE_PROMPT_END)))
			q->second = po_sim_between(after, PO_MUTATE_PROMPT_BEGIN,
						   PO_MUTATE_PROMPT_END);
		q->fb = po_sim_between(prompt, PO_MUTATE_FEEDBACK_BEGIN, PO_MUTATE_FEEDBACK_END);
	}
	if (!q->tmpl)
		q->tmpl = po_xstrdup(prompt);
}

char *po_sim_mutate(const struct po_sim *sim, const struct po_llm_request *req)
{
	struct po_rng rng;
	struct mut_ctx m = { .c = sim->cat, .rng = &rng, .t = PO_BUF_INIT, .msg = PO_BUF_INIT };
	struct po_buf out = PO_BUF_INIT;
	char *tmpl, *fb, *fb_lower = NULL, *second;
	struct request q;
	double u;
	bool done = false;
	uint64_t h;

	h = po_sim_request_hash(sim, "mutate", req);
	po_rng_seed(&rng, h);
	read_request(m.c, req->prompt, &rng, &q);
	tmpl = q.tmpl;
	second = q.second;
	fb = q.fb;
	if (fb)
		fb_lower = po_sim_lower_dup(fb, NULL, NULL);
	m.fb_lower = fb_lower;
	po_buf_adds(&m.t, tmpl);
	m.lower = lower_instructions(tmpl);
	po_sim_assess(m.c, m.lower, strlen(m.lower), &m.st);

	/* Each operation edits the template at most once, so m.lower stays
	 * aligned with m.t for as long as it is used. */
	if (q.opro && second) {
		/* OPRO combines the two best, then makes its own edit. */
		op_crossover(&m, second);
		po_buf_addch(&m.msg, ' ');
		refresh(&m);
	}
	if (m.c->overfit && (!second || q.opro)) {
		struct po_rng orng;
		po_rng_seed(&orng, po_hash_u64(h, 0x0f));
		done = op_overfit(&m, fb, req->metadata, &orng);
	}
	u = po_rng_double(&rng);
	if (done) {
		/* the overfitting edit took this call's place */
	} else if (second && !q.opro)
		done = op_crossover(&m, second);
	else if (u < 0.03)
		done = op_drop_placeholder(&m);
	else if (q.rewrite)
		done = op_rewrite(&m);
	else if (u < 0.13)
		done = op_add_harmful(&m);
	else if (u < 0.25)
		done = op_remove(&m);
	else if (u < 0.35)
		done = op_rephrase(&m);
	if (!done)
		done = op_obey_feedback(&m);
	if (!done)
		done = op_add_helpful(&m);
	if (!done)
		op_last_resort(&m);
	while (m.t.len && (m.t.data[m.t.len - 1] == '\n' || m.t.data[m.t.len - 1] == ' '))
		po_buf_setlen(&m.t, m.t.len - 1);
	po_buf_add(&out, m.msg.data, m.msg.len);
	po_buf_adds(&out, "\n\n" PO_MUTATE_REPLY_BEGIN "\n");
	po_buf_add(&out, m.t.data, m.t.len);
	po_buf_adds(&out, "\n" PO_MUTATE_REPLY_END "\n");
	po_buf_release(&m.msg);
	po_buf_release(&m.t);
	free(m.lower);
	free(tmpl);
	free(second);
	free(fb);
	free(fb_lower);
	return po_buf_detach(&out);
}
