/*
 * The LLM judge (see judge.h): builds the rubric prompt and turns whatever
 * the model replied into a score, or into a clear PO_EEVAL when the reply
 * holds no usable score. A missing score is never replaced by a guess.
 */
#include "eval/judge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/project.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* Replies past this size are cut: a judge answer is a few KiB at most. */
#define JUDGE_MAX_REPLY ((size_t)1024 * 1024)
/* Bounds on the search for an embedded object, so hostile input stays cheap. */
#define JUDGE_MAX_CANDIDATES 256
#define JUDGE_MAX_SCAN ((size_t)4 * 1024 * 1024)

void po_judgement_release(struct po_judgement *j)
{
	if (!j)
		return;
	json_decref(j->criteria);
	json_decref(j->improvements);
	json_decref(j->reply);
	free(j->feedback);
	memset(j, 0, sizeof(*j));
}

const char *po_judge_system_prompt(void)
{
	return "You are an expert reviewer. You score documents strictly against the "
	       "rubric you are given, you justify every score with concrete observations, "
	       "and you answer with a single JSON object and nothing else.";
}

/* ---- the prompt ------------------------------------------------------- */

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_input_value(struct po_buf *out, const json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		po_buf_add(out, json_string_value(v), json_string_length(v));
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	po_buf_adds(out, s ? s : "null");
	free(s);
}

void po_judge_add_inputs(struct po_buf *out, const json_t *inputs)
{
	const char **keys;
	const char *key;
	json_t *v;
	size_t n = 0, i;

	po_buf_adds(out, "## Test case inputs\n");
	if (!json_is_object(inputs) || !json_object_size(inputs)) {
		po_buf_adds(out, "(none)\n\n");
		return;
	}
	/* Sorted, so the same test case always gives the same prompt (cache hits). */
	keys = po_xcalloc(json_object_size(inputs), sizeof(*keys));
	json_object_foreach((json_t *)inputs, key, v)
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), cmp_str_ptr);
	for (i = 0; i < n; i++) {
		po_buf_addf(out, "- %s: ", keys[i]);
		add_input_value(out, json_object_get(inputs, keys[i]));
		po_buf_addch(out, '\n');
	}
	po_buf_addch(out, '\n');
	free(keys);
}

static bool has_rubric(const struct po_rubric *r)
{
	return r && r->n && r->criteria;
}

static void add_rubric(struct po_buf *out, const struct po_rubric *r)
{
	size_t i;

	po_buf_adds(out, "## Rubric\n");
	if (!has_rubric(r)) {
		po_buf_adds(out, "No criteria are defined: judge the overall quality of the "
				 "document for its purpose.\n\n");
		return;
	}
	po_buf_adds(out, "Score each criterion from 0 (absent or unusable) to 5 (excellent).\n");
	for (i = 0; i < r->n; i++) {
		const struct po_criterion *c = &r->criteria[i];

		po_buf_addf(out, "- %s (%s, weight %.2f)", c->key ? c->key : "",
			    c->name && *c->name ? c->name : (c->key ? c->key : ""), c->weight);
		if (c->description && *c->description)
			po_buf_addf(out, ": %s", c->description);
		po_buf_addch(out, '\n');
	}
	po_buf_addch(out, '\n');
}

static void add_reply_shape(struct po_buf *out, const struct po_rubric *r)
{
	size_t i;

	po_buf_adds(out,
		    "## Reply\n"
		    "Reply with the JSON object only (no prose, no code fence), in exactly this shape:\n"
		    "{\n"
		    "  \"overall_score\": <number from 0 to 5>,\n"
		    "  \"criteria_scores\": {");
	if (has_rubric(r)) {
		for (i = 0; i < r->n; i++)
			po_buf_addf(out, "%s\n    \"%s\": <number from 0 to 5>", i ? "," : "",
				    r->criteria[i].key ? r->criteria[i].key : "");
		po_buf_adds(out, "\n  ");
	}
	po_buf_adds(out,
		    "},\n"
		    "  \"content_quality\": \"<one sentence on the overall quality>\",\n"
		    "  \"feedback\": \"<what most limits the score, in two or three sentences>\",\n"
		    "  \"strengths\": [\"<a strength>\", ...],\n"
		    "  \"improvements\": [\"<a concrete element that is missing or wrong>\", ...],\n"
		    "  \"evolutionary_strategy\": \"<how the prompt that produced this output "
		    "should change>\"\n"
		    "}\n"
		    "Each entry of \"improvements\" names one concrete missing element "
		    "(for example a section, a figure, a quote), not a general wish.\n");
}

/* The test case's inputs and the output under evaluation. */
static void add_case(struct po_buf *out, const json_t *test_case_inputs, const char *output)
{
	po_judge_add_inputs(out, test_case_inputs);
	po_buf_adds(out, "## Output to evaluate\n" PO_JUDGE_OUTPUT_BEGIN "\n");
	po_buf_adds(out, output ? output : "");
	if (output && *output && output[strlen(output) - 1] != '\n')
		po_buf_addch(out, '\n');
	po_buf_adds(out, PO_JUDGE_OUTPUT_END "\n\n");
}

void po_judge_build_prompt(struct po_buf *out, const struct po_rubric *rubric,
			   const char *project_description, const json_t *test_case_inputs,
			   const char *output)
{
	po_buf_adds(out,
		    "You are an expert reviewer of the documents this project produces. "
		    "Evaluate the output below, which a prompt generated for the test case "
		    "described here, against the rubric, and reply in JSON.\n\n");
	if (project_description && *project_description)
		po_buf_addf(out, "## Project\n%s\n\n", project_description);
	po_judge_add_inputs(out, test_case_inputs);
	add_rubric(out, rubric);
	po_buf_adds(out, "## Output to evaluate\n" PO_JUDGE_OUTPUT_BEGIN "\n");
	po_buf_adds(out, output ? output : "");
	if (output && *output && output[strlen(output) - 1] != '\n')
		po_buf_addch(out, '\n');
	po_buf_adds(out, PO_JUDGE_OUTPUT_END "\n\n");
	add_reply_shape(out, rubric);
}

size_t po_judge_build_prompt_shared_first(struct po_buf *out, const struct po_rubric *rubric,
					  const char *project_description,
					  const json_t *test_case_inputs, const char *output)
{
	size_t start = out->len, shared;

	po_buf_adds(out,
		    "You are an expert reviewer of the documents this project produces. "
		    "Evaluate the output at the end, which a prompt generated for the test case "
		    "described there, against the rubric, and reply in JSON.\n\n");
	if (project_description && *project_description)
		po_buf_addf(out, "## Project\n%s\n\n", project_description);
	add_rubric(out, rubric);
	add_reply_shape(out, rubric);
	po_buf_addch(out, '\n');
	shared = out->len - start;
	add_case(out, test_case_inputs, output);
	po_buf_adds(out, "Reply now with the JSON object described above.\n");
	return shared;
}

/* ---- the reply -------------------------------------------------------- */

/* A short, printable, quoted excerpt of untrusted text for error messages. */
static void quote_excerpt(char *dst, size_t size, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' ';
		if (ch < 0x20 || ch == 0x7f || ch >= 0x80 || ch == '"' || ch == '\\')
			dst[o++] = ch == '"' ? '\'' : '?';
		else
			dst[o++] = (char)ch;
	}
	if (i < len && o + 4 <= size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/*
 * The length of the balanced {...} starting at s[0] == '{', or 0
 * (po_json_object_span). *scanned grows by the bytes looked at, to bound
 * the total work.
 */
static size_t balanced_object(const char *s, size_t len, size_t *scanned)
{
	size_t n = po_json_object_span(s, len);

	*scanned += n ? n : len;
	return n;
}

static bool is_judge_object(const json_t *v)
{
	return json_is_object(v) &&
	       (json_object_get(v, "overall_score") || json_object_get(v, "criteria_scores"));
}

/* The first judge object in v, depth first in document order (new reference). */
static json_t *judge_object_in(json_t *v)
{
	const char *key;
	json_t *item, *found;
	size_t i;

	if (is_judge_object(v))
		return json_incref(v);
	if (json_is_object(v)) {
		json_object_foreach(v, key, item) {
			if ((found = judge_object_in(item)))
				return found;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if ((found = judge_object_in(item)))
				return found;
		}
	}
	return NULL;
}

/*
 * The first {...} in text that holds a judge object. A candidate that is
 * valid JSON is searched as a tree ({"result": {...}}) and then skipped
 * whole, so valid input is parsed once; after an invalid candidate the search
 * goes on from the next '{', since prose braces may precede the answer.
 */
static json_t *find_judge_object(const char *text, size_t len)
{
	size_t i, scanned = 0;
	int tries = 0;

	for (i = 0; i < len; i++) {
		size_t n;
		json_t *v, *found;

		if (text[i] != '{')
			continue;
		if (++tries > JUDGE_MAX_CANDIDATES || scanned > JUDGE_MAX_SCAN)
			break;
		n = balanced_object(text + i, len - i, &scanned);
		if (!n)
			continue;
		v = json_loadb(text + i, n, 0, NULL);
		if (!v)
			continue;
		found = judge_object_in(v);
		json_decref(v);
		if (found)
			return found;
		i += n - 1;
	}
	return NULL;
}

/*
 * A score from a JSON number or a numeric string ("4.5", " 4 "). Anything
 * else (booleans, "high", "nan", "4/5") is not a score. Clamped to 0-5.
 */
static bool score_value(const json_t *v, double *out)
{
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!(*s >= '0' && *s <= '9') && *s != '.' && *s != '+' && *s != '-')
			return false;
		/* 0x... is a C literal, not how anyone writes a score */
		if (strchr(s, 'x') || strchr(s, 'X'))
			return false;
		d = strtod(s, &end);
		if (end == s)
			return false;
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end || (size_t)(end - json_string_value(v)) != json_string_length(v))
			return false;
	} else {
		return false;
	}
	if (!isfinite(d))
		return false;
	*out = d < 0 ? 0 : d > 5 ? 5 : d;
	return true;
}

/*
 * The entry of criteria_scores for a rubric criterion: by key, then by key
 * or display name ignoring case, since models often echo the name they read.
 */
static const char *find_criterion(const json_t *scores, const struct po_criterion *c)
{
	const char *key;
	json_t *v;

	if (c->key && json_object_get(scores, c->key))
		return c->key;
	json_object_foreach((json_t *)scores, key, v) {
		if ((c->key && !strcasecmp(key, c->key)) || (c->name && !strcasecmp(key, c->name)))
			return key;
	}
	return NULL;
}

/*
 * Fills out->criteria and returns how many rubric criteria had a usable
 * score, with their weighted mean (0-5) in *mean. Without a rubric every
 * numeric criterion counts with the same weight.
 */
static size_t score_criteria(const json_t *scores, const struct po_rubric *r,
			     json_t *criteria, double *mean)
{
	double wsum = 0, sum = 0, plain = 0, d;
	size_t i, found = 0;
	const char *key;
	json_t *v;

	*mean = 0;
	if (!json_is_object(scores))
		return 0;
	if (has_rubric(r)) {
		for (i = 0; i < r->n; i++) {
			const struct po_criterion *c = &r->criteria[i];
			const char *k = find_criterion(scores, c);
			double w = c->weight > 0 && isfinite(c->weight) ? c->weight : 0;

			if (!k || !c->key || !score_value(json_object_get(scores, k), &d))
				continue;
			json_object_set_new(criteria, c->key, json_real(d));
			wsum += w;
			sum += w * d;
			plain += d;
			found++;
		}
		/* Weights are renormalised over the criteria present; all-zero weights
		 * leave nothing to weigh by, so those criteria count equally. */
		if (found)
			*mean = wsum > 0 ? sum / wsum : plain / (double)found;
	}
	/* Criteria outside the rubric are kept for the record but do not score. */
	json_object_foreach((json_t *)scores, key, v) {
		if (json_object_get(criteria, key) || !score_value(v, &d))
			continue;
		if (has_rubric(r)) {
			bool known = false;

			for (i = 0; i < r->n && !known; i++)
				known = (r->criteria[i].key && !strcasecmp(key, r->criteria[i].key)) ||
					(r->criteria[i].name && !strcasecmp(key, r->criteria[i].name));
			if (!known)
				json_object_set_new(criteria, key, json_real(d));
			continue;
		}
		json_object_set_new(criteria, key, json_real(d));
		plain += d;
		found++;
	}
	if (!has_rubric(r) && found)
		*mean = plain / (double)found;
	return found;
}

static json_t *collect_improvements(const json_t *v)
{
	json_t *arr = json_array(), *item;
	size_t i;

	if (json_is_string(v) && json_string_length(v)) {
		json_array_append(arr, (json_t *)v);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (json_is_string(item) && json_string_length(item))
				json_array_append(arr, item);
		}
	}
	return arr;
}

static int no_score_error(const json_t *obj, const struct po_rubric *r, struct po_err *err)
{
	const json_t *overall = json_object_get(obj, "overall_score");
	const json_t *scores = json_object_get(obj, "criteria_scores");
	char what[160], keys[384];
	size_t i, o = 0;

	if (!overall) {
		snprintf(what, sizeof(what), "\"overall_score\" is missing");
	} else {
		char *s = json_dumps(overall, JSON_COMPACT | JSON_ENCODE_ANY);
		char q[64];

		quote_excerpt(q, sizeof(q), s ? s : "", s ? strlen(s) : 0);
		snprintf(what, sizeof(what), "\"overall_score\" is not a number (%s)", q);
		free(s);
	}
	keys[0] = '\0';
	for (i = 0; has_rubric(r) && i < r->n && o + 1 < sizeof(keys); i++) {
		int n = snprintf(keys + o, sizeof(keys) - o, "%s%s", i ? ", " : "",
				 r->criteria[i].key ? r->criteria[i].key : "");
		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (!scores)
		return po_error(err, PO_EEVAL,
				"judge reply has no usable score: %s and \"criteria_scores\" is missing; "
				"the judge model must reply with the JSON shape of the judge prompt", what);
	if (!json_is_object(scores))
		return po_error(err, PO_EEVAL,
				"judge reply has no usable score: %s and \"criteria_scores\" is %s, not an "
				"object; the judge model must reply with the JSON shape of the judge prompt",
				what, po_json_type_name(scores));
	if (has_rubric(r))
		return po_error(err, PO_EEVAL,
				"judge reply has no usable score: %s and \"criteria_scores\" has no numeric "
				"score for the rubric criteria (%s); check the judge model's replies", what, keys);
	return po_error(err, PO_EEVAL,
			"judge reply has no usable score: %s and \"criteria_scores\" has no numeric "
			"score; check the judge model's replies", what);
}

int po_judge_parse(const char *reply, const struct po_rubric *rubric,
		   struct po_judgement *out, struct po_err *err)
{
	char excerpt[96];
	const json_t *v;
	json_t *obj;
	double crit_mean = 0, overall = 0;
	bool have_overall;
	size_t len, ncrit;

	memset(out, 0, sizeof(*out));
	if (!reply || !*reply)
		return po_error(err, PO_EEVAL,
				"judge reply is empty; check the judge model and its token limit");
	len = strnlen(reply, JUDGE_MAX_REPLY);
	obj = find_judge_object(reply, len);
	if (!obj) {
		quote_excerpt(excerpt, sizeof(excerpt), reply, len);
		return po_error(err, PO_EEVAL,
				"judge reply holds no JSON object with \"overall_score\" or "
				"\"criteria_scores\": \"%s\"; the judge model must reply with the JSON "
				"shape of the judge prompt", excerpt);
	}

	out->criteria = json_object();
	have_overall = score_value(json_object_get(obj, "overall_score"), &overall);
	ncrit = score_criteria(json_object_get(obj, "criteria_scores"), rubric, out->criteria,
			       &crit_mean);
	if (!ncrit && !have_overall) {
		int rc = no_score_error(obj, rubric, err);

		json_decref(obj);
		po_judgement_release(out);
		return rc;
	}
	/* Without a rubric, criteria are only a fallback for a missing overall. */
	if (ncrit && (has_rubric(rubric) || !have_overall))
		out->score = crit_mean * 20;
	else
		out->score = overall * 20;
	out->overall = have_overall ? overall : crit_mean;
	v = json_object_get(obj, "feedback");
	if (json_is_string(v))
		out->feedback = po_xstrndup(json_string_value(v), json_string_length(v));
	out->improvements = collect_improvements(json_object_get(obj, "improvements"));
	out->reply = obj;
	return 0;
}
