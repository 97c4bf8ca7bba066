/*
 * The pairwise judge (see pairwise.h): the prompt that shows one test case
 * and two outputs, the reply's schema and its parser, the order in which a
 * pair is shown, and the batch of calls with one retry of unusable replies.
 */
#include "eval/pairwise.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval/judge.h"
#include "llm/llm.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"

/* As the judge's: replies past this are cut, and the search for an object
 * in prose is bounded so that hostile input stays cheap. */
#define PAIR_MAX_REPLY ((size_t)1024 * 1024)
#define PAIR_MAX_CANDIDATES 256
#define PAIR_MAX_SCAN ((size_t)4 * 1024 * 1024)
/* The sample index step of the retry of an unusable reply (the judge's). */
#define RETRY_SAMPLE_STEP 7919u
/* The strength of a winner given without one: "clearly better". */
#define DEFAULT_STRENGTH 3.0

const char *po_pairwise_system_prompt(void)
{
	return "You are an expert reviewer. You compare two documents strictly against the "
	       "rubric you are given, never by their order or their length, and you answer "
	       "with a single JSON object and nothing else.";
}

/* ---- the prompt ------------------------------------------------------- */

static void add_rubric(struct po_buf *out, const struct po_rubric *r)
{
	po_buf_adds(out, "## Rubric\n");
	if (!r || !r->n || !r->criteria) {
		po_buf_adds(out, "No criteria are defined: compare the overall quality of the "
				 "documents for their purpose.\n\n");
		return;
	}
	po_buf_adds(out, "Weigh the differences by these criteria and their weights:\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct po_criterion *c = &r->criteria[i];
		const char *key = c->key ? c->key : "";

		po_buf_addf(out, "- %s (%s, weight %.2f)", key, c->name && *c->name ? c->name : key,
			    c->weight);
		if (c->description && *c->description)
			po_buf_addf(out, ": %s", c->description);
		po_buf_addch(out, '\n');
	}
	po_buf_addch(out, '\n');
}

static void add_output(struct po_buf *out, const char *title, const char *begin,
		       const char *text, const char *end)
{
	po_buf_addf(out, "## %s\n%s\n", title, begin);
	po_buf_adds(out, text ? text : "");
	if (text && *text && text[strlen(text) - 1] != '\n')
		po_buf_addch(out, '\n');
	po_buf_addf(out, "%s\n\n", end);
}

void po_pairwise_build_prompt(struct po_buf *out, const struct po_rubric *rubric,
			      const char *project_description, const json_t *test_case_inputs,
			      const char *a, const char *b)
{
	po_buf_adds(out,
		    "You are an expert reviewer of the documents this project produces. Two "
		    "outputs, A and B, were generated for the test case described here. Compare "
		    "them against the rubric, say which one is better and by how much, and "
		    "reply in JSON.\n\n");
	if (project_description && *project_description)
		po_buf_addf(out, "## Project\n%s\n\n", project_description);
	po_judge_add_inputs(out, test_case_inputs);
	add_rubric(out, rubric);
	add_output(out, "Output A", PO_PAIR_A_BEGIN, a, PO_PAIR_A_END);
	add_output(out, "Output B", PO_PAIR_B_BEGIN, b, PO_PAIR_B_END);
	po_buf_adds(out,
		    "## Reply\n"
		    "Reply with the JSON object only (no prose, no code fence), in exactly this shape:\n"
		    "{\n"
		    "  \"winner\": <\"A\", \"B\" or \"tie\">,\n"
		    "  \"strength\": <1 to 5: 1 slightly better, 3 clearly better, 5 far better>,\n"
		    "  \"reason\": \"<the differences that decided, in one or two sentences>\"\n"
		    "}\n"
		    "Which output came first, and which is longer, are not reasons.\n");
}

json_t *po_pairwise_schema(void)
{
	return json_pack("{s:s, s:{s:{s:s, s:[s, s, s]}, s:{s:s, s:i, s:i}, s:{s:s}},"
			 " s:[s, s, s]}",
			 "type", "object", "properties",
			 "winner", "type", "string", "enum", "A", "B", "tie",
			 "strength", "type", "integer", "minimum", 1, "maximum", 5,
			 "reason", "type", "string",
			 "required", "winner", "strength", "reason");
}

/* ---- the order -------------------------------------------------------- */

bool po_pairwise_nominee_first(uint64_t seed, const char *case_id, uint64_t nominee_hash,
			       uint64_t incumbent_hash)
{
	uint64_t h = po_hash_u64(seed, 0x9a1f);
	struct po_rng r;

	h = po_hash_str(case_id ? case_id : "", h);
	h = po_hash_u64(nominee_hash, h);
	h = po_hash_u64(incumbent_hash, h);
	/* Through the generator's seeding, which mixes every bit of h. */
	po_rng_seed(&r, h);
	return po_rng_next(&r) >> 63;
}

/* ---- the reply -------------------------------------------------------- */

/* A short, printable excerpt of untrusted text for messages. */
static void excerpt(char *dst, size_t size, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' ';
		dst[o++] = ch < 0x20 || ch >= 0x7f || ch == '\\' ? '?' : ch == '"' ? '\'' : (char)ch;
	}
	if (i < len) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static bool is_pair_object(const json_t *v)
{
	return json_is_object(v) &&
	       (json_object_get(v, "winner") || json_is_number(json_object_get(v, "preference")));
}

/* The first reply object in v, depth first (new reference). */
static json_t *pair_object_in(json_t *v, int depth)
{
	const char *key;
	json_t *item, *found;
	size_t i;

	if (is_pair_object(v))
		return json_incref(v);
	if (depth > 32)
		return NULL;
	if (json_is_object(v)) {
		json_object_foreach(v, key, item)
			if ((found = pair_object_in(item, depth + 1)))
				return found;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			if ((found = pair_object_in(item, depth + 1)))
				return found;
	}
	return NULL;
}

/* The first {...} of text that holds a reply object (see judge.c's search). */
static json_t *find_pair_object(const char *text, size_t len)
{
	size_t scanned = 0;
	int tries = 0;

	for (size_t i = 0; i < len; i++) {
		size_t n;
		json_t *v, *found;

		if (text[i] != '{')
			continue;
		if (++tries > PAIR_MAX_CANDIDATES || scanned > PAIR_MAX_SCAN)
			break;
		n = po_json_object_span(text + i, len - i);
		scanned += n ? n : len - i;
		if (!n || !(v = json_loadb(text + i, n, 0, NULL)))
			continue;
		found = pair_object_in(v, 0);
		json_decref(v);
		if (found)
			return found;
		i += n - 1;
	}
	return NULL;
}

/* +1 (A), -1 (B), 0 (a tie), or 2 for anything else. */
static int winner_sign(const char *s)
{
	static const char *const ties[] = { "tie", "draw", "equal", "neither", "both", "none",
					    "same", NULL };
	char w[32];
	size_t n = 0;

	while (*s && (isspace((unsigned char)*s) || *s == '\'' || *s == '"'))
		s++;
	if (!strncasecmp(s, "output", 6) || !strncasecmp(s, "answer", 6))
		s += 6;
	else if (!strncasecmp(s, "response", 8))
		s += 8;
	while (*s == ' ' || *s == '_' || *s == '-')
		s++;
	for (; *s && n + 1 < sizeof(w); s++)
		if (!isspace((unsigned char)*s) && *s != '.' && *s != '\'' && *s != '"')
			w[n++] = (char)tolower((unsigned char)*s);
	w[n] = '\0';
	if (*s)
		return 2;
	if (!strcmp(w, "a"))
		return 1;
	if (!strcmp(w, "b"))
		return -1;
	for (const char *const *t = ties; *t; t++)
		if (!strcmp(w, *t))
			return 0;
	return 2;
}

/* A number, or a string that is one ("4", " 2.5 "); false for anything else. */
static bool number_value(const json_t *v, double *out)
{
	const char *s;
	char *end;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return isfinite(*out);
	}
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	while (*s == ' ' || *s == '\t')
		s++;
	if (!(isdigit((unsigned char)*s) || *s == '.' || *s == '+' || *s == '-') ||
	    strpbrk(s, "xXpP"))
		return false;
	*out = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	return end != s && !*end &&
	       (size_t)(end - json_string_value(v)) == json_string_length(v) && isfinite(*out);
}

/* The preference of a reply object; 0 or PO_EEVAL. */
static int object_preference(const json_t *obj, double *pref, struct po_err *err)
{
	const json_t *w = json_object_get(obj, "winner"), *st = json_object_get(obj, "strength");
	double strength = DEFAULT_STRENGTH;
	char q[64];
	int sign;

	if (!w) {
		double p = json_number_value(json_object_get(obj, "preference"));
		if (!isfinite(p))
			return po_error(err, PO_EEVAL, "pairwise reply: \"preference\" is not a "
					"finite number; the judge model must reply with the JSON "
					"shape of the pairwise prompt");
		*pref = p < -1 ? -1 : p > 1 ? 1 : p;
		return 0;
	}
	if (!json_is_string(w))
		return po_error(err, PO_EEVAL, "pairwise reply: \"winner\" is %s, not \"A\", \"B\" "
				"or \"tie\"; the judge model must reply with the JSON shape of the "
				"pairwise prompt", po_json_type_name(w));
	sign = winner_sign(json_string_value(w));
	if (sign == 2) {
		excerpt(q, sizeof(q), json_string_value(w), json_string_length(w));
		return po_error(err, PO_EEVAL, "pairwise reply: \"winner\" is \"%s\", not \"A\", "
				"\"B\" or \"tie\"; the judge model must reply with the JSON shape of "
				"the pairwise prompt", q);
	}
	if (st && !json_is_null(st) && !number_value(st, &strength))
		return po_error(err, PO_EEVAL, "pairwise reply: \"strength\" is not a number from "
				"1 to 5; the judge model must reply with the JSON shape of the "
				"pairwise prompt");
	strength = strength < 1 ? 1 : strength > 5 ? 5 : strength;
	*pref = sign * strength / 5.0;
	return 0;
}

int po_pairwise_parse(const char *reply, double *pref, char **reason, struct po_err *err)
{
	char q[96];
	size_t len;
	json_t *obj;
	const json_t *r;
	int ret;

	*pref = 0;
	if (reason)
		*reason = NULL;
	if (!reply || !*reply)
		return po_error(err, PO_EEVAL, "pairwise reply is empty; check the judge model and "
				"its token limit");
	len = strnlen(reply, PAIR_MAX_REPLY);
	obj = find_pair_object(reply, len);
	if (!obj) {
		excerpt(q, sizeof(q), reply, len);
		return po_error(err, PO_EEVAL, "pairwise reply holds no JSON object with "
				"\"winner\": \"%s\"; the judge model must reply with the JSON shape "
				"of the pairwise prompt", q);
	}
	ret = object_preference(obj, pref, err);
	r = json_object_get(obj, "reason");
	if (!ret && reason && json_is_string(r) && json_string_length(r))
		*reason = po_xstrndup(json_string_value(r), json_string_length(r));
	json_decref(obj);
	return ret;
}

/* ---- the calls -------------------------------------------------------- */

void po_pairwise_item_release(struct po_pairwise_item *it)
{
	free(it->reason);
	free(it->error);
	it->reason = it->error = NULL;
}

static json_t *rubric_json(const struct po_rubric *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:f}", "key", r->criteria[i].key,
						   "weight", r->criteria[i].weight));
	return a;
}

/* Sets its verdict or its error from an answer. */
static void take_answer(struct po_pairwise_item *it, const struct po_llm_response *resp)
{
	struct po_err perr = { 0 };
	struct po_buf b = PO_BUF_INIT;

	it->attempts++;
	free(it->error);
	it->error = NULL;
	free(it->reason);
	it->reason = NULL;
	it->ok = resp->content &&
		 po_pairwise_parse(resp->content, &it->preference, &it->reason, &perr) == 0;
	if (it->ok)
		return;
	po_buf_addf(&b, "%s: %s", resp->content ? "pairwise reply unusable" :
						  "pairwise judge call failed",
		    resp->content ? perr.msg : resp->error ? resp->error : "no detail");
	it->error = po_buf_detach(&b);
}

/* One call per item of todo[0..n) (its request in tr[]) at sample; a
 * negative return is fatal. */
static int pair_round(struct po_engine *engine, struct po_pairwise_item **todo,
		      const struct po_llm_request *const *tr, size_t n, unsigned sample,
		      struct po_err *err)
{
	struct po_llm_request *reqs = po_xcalloc(n, sizeof(*reqs));
	struct po_llm_response *resps = po_xcalloc(n, sizeof(*resps));
	int fatal;

	for (size_t i = 0; i < n; i++) {
		reqs[i] = *tr[i];
		reqs[i].sample = sample;
	}
	fatal = po_engine_complete(engine, reqs, resps, n, err);
	for (size_t i = 0; !fatal && i < n; i++)
		take_answer(todo[i], &resps[i]);
	for (size_t i = 0; i < n; i++)
		po_llm_response_release(&resps[i]);
	free(reqs);
	free(resps);
	return fatal;
}

/* The request of an item; *prompt and *meta are new, req borrows them. */
static void item_request(const struct po_project *p, const struct po_eval_settings *st,
			 const struct po_pairwise_item *it, const json_t *schema, char **prompt,
			 json_t **meta, struct po_llm_request *req)
{
	struct po_buf b = PO_BUF_INIT;

	po_pairwise_build_prompt(&b, &p->rubric, p->description, it->tc->inputs, it->a, it->b);
	*prompt = po_buf_detach(&b);
	*meta = json_pack("{s:s, s:s, s:o, s:O}", "kind", PO_PAIRWISE_KIND, "test_case_id",
			  it->tc->id, "rubric", rubric_json(&p->rubric), "inputs", it->tc->inputs);
	*req = (struct po_llm_request){
		.role = PO_ROLE_JUDGE, .model = st->models[PO_ROLE_JUDGE],
		.temperature = st->temperature[PO_ROLE_JUDGE],
		.max_tokens = st->max_tokens[PO_ROLE_JUDGE], .system = po_pairwise_system_prompt(),
		.prompt = *prompt, .metadata = *meta, .schema = schema,
	};
}

int po_pairwise_judge(struct po_engine *engine, const struct po_project *p,
		      const struct po_eval_settings *settings, struct po_pairwise_item *items,
		      size_t n, unsigned sample, struct po_err *err)
{
	size_t m = n ? n : 1, left = n;
	struct po_pairwise_item **todo = po_xcalloc(m, sizeof(*todo));
	char **prompts = po_xcalloc(m, sizeof(*prompts));
	json_t **metas = po_xcalloc(m, sizeof(*metas));
	json_t *schema = p->judge_structured ? po_pairwise_schema() : NULL;
	struct po_llm_request *reqs = po_xcalloc(m, sizeof(*reqs));
	const struct po_llm_request **tr = po_xcalloc(m, sizeof(*tr));
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		item_request(p, settings, &items[i], schema, &prompts[i], &metas[i], &reqs[i]);
		todo[i] = &items[i];
		tr[i] = &reqs[i];
	}
	/* Judge, then once more for the replies that did not parse. */
	for (int attempt = 0; attempt < 2 && left && !ret; attempt++) {
		size_t again = 0;

		ret = pair_round(engine, todo, tr, left, sample + (unsigned)attempt * RETRY_SAMPLE_STEP,
				 err);
		for (size_t i = 0; i < left; i++) {
			if (todo[i]->ok)
				continue;
			todo[again] = todo[i];
			tr[again++] = tr[i];
		}
		left = again;
	}
	for (size_t i = 0; i < n; i++) {
		free(prompts[i]);
		json_decref(metas[i]);
	}
	json_decref(schema);
	free(todo);
	free(prompts);
	free(metas);
	free(reqs);
	free(tr);
	return ret;
}
