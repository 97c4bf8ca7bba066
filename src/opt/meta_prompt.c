/*
 * The mutate role's requests of the strategies beyond hill-climbing: a
 * reflective rewrite from per-case traces (reflect), a merge of two
 * templates (reflect, ga), and OPRO's meta-prompt of earlier templates with
 * their scores. Layout and markers: core/tags.h; the reply is parsed by
 * po_mutate_parse_reply like any other.
 */
#include <string.h>

#include "opt/mutate.h"

/* An output shown to the mutate role is cut here: enough to see what it
 * does, not a whole document per case. */
#define TRACE_OUTPUT_MAX 1200

static void add_template(struct po_buf *out, const char *t)
{
	if (!t)
		t = "";
	po_buf_adds(out, PO_MUTATE_PROMPT_BEGIN "\n");
	po_buf_adds(out, t);
	if (*t && t[strlen(t) - 1] != '\n')
		po_buf_addch(out, '\n');
	po_buf_adds(out, PO_MUTATE_PROMPT_END "\n");
}

static void add_output(struct po_buf *out, const char *output)
{
	size_t len = output ? strlen(output) : 0;

	if (!len) {
		po_buf_adds(out, "(no output)\n");
		return;
	}
	if (len > TRACE_OUTPUT_MAX) {
		/* Cut at a UTF-8 boundary. */
		len = TRACE_OUTPUT_MAX;
		while (len && ((unsigned char)output[len] & 0xC0) == 0x80)
			len--;
	}
	po_buf_add(out, output, len);
	po_buf_adds(out, len < strlen(output) ? "\n[...]\n" : "\n");
}

static void add_traces(struct po_buf *out, const struct po_trace *t, size_t n, bool feedback)
{
	po_buf_adds(out, PO_MUTATE_TRACES_BEGIN "\n");
	for (size_t i = 0; i < n; i++) {
		po_buf_addf(out, "## Test case %s: score %.1f/100\nOutput:\n",
			    t[i].case_id ? t[i].case_id : "?", t[i].score);
		add_output(out, t[i].output);
		if (feedback && json_array_size(t[i].improvements)) {
			po_buf_adds(out, "Judge's feedback:\n");
			po_mutate_add_feedback(out, t[i].improvements);
		}
		po_buf_addch(out, '\n');
	}
	po_buf_adds(out, PO_MUTATE_TRACES_END "\n\n");
}

void po_mutate_build_reflective(struct po_buf *out, const char *prompt_name,
				const char *template, const struct po_trace *traces, size_t n,
				const json_t *placeholders)
{
	json_t *all = json_array();

	po_buf_addf(out,
		    "You are an expert prompt engineer. The prompt template named \"%s\" was run on "
		    "%zu test cases; below are its outputs, the worst first, with their scores and "
		    "what the judge found missing or wrong.\n\nThe current template:\n",
		    prompt_name ? prompt_name : "prompt", n);
	add_template(out, template);
	po_buf_addch(out, '\n');
	add_traces(out, traces, n, true);
	for (size_t i = 0; i < n; i++)
		if (json_is_array(traces[i].improvements))
			json_array_extend(all, (json_t *)traces[i].improvements);
	po_buf_adds(out, "Every problem the judge named, once:\n" PO_MUTATE_FEEDBACK_BEGIN "\n");
	po_mutate_add_feedback(out, all);
	po_buf_adds(out, PO_MUTATE_FEEDBACK_END "\n\n");
	json_decref(all);
	po_mutate_add_placeholders(out, placeholders);
	po_buf_adds(out,
		    "Instructions:\n"
		    "- Find what the weak outputs have in common and rewrite the template so that "
		    "it fixes those problems for every input, not only for these cases (do not name "
		    "them).\n"
		    "- Keep the instructions that the good outputs show are working.\n"
		    "- Reply with the full new template between " PO_MUTATE_REPLY_BEGIN " and "
		    PO_MUTATE_REPLY_END ", and nothing else.\n");
}

void po_mutate_build_merge(struct po_buf *out, const char *prompt_name, const char *a,
			   const char *b, const json_t *placeholders)
{
	po_buf_addf(out,
		    "You are an expert prompt engineer. Two versions of the prompt template named "
		    "\"%s\" each do well on different test cases.\n\nThe first:\n",
		    prompt_name ? prompt_name : "prompt");
	add_template(out, a);
	po_buf_adds(out, "\nThe second:\n");
	add_template(out, b);
	po_buf_addch(out, '\n');
	po_mutate_add_placeholders(out, placeholders);
	po_buf_adds(out,
		    "Instructions:\n"
		    "- Write one template that keeps the first and adds what the second does "
		    "better, without repeating an instruction.\n"
		    "- Reply with the full new template between " PO_MUTATE_REPLY_BEGIN " and "
		    PO_MUTATE_REPLY_END ", and nothing else.\n");
}

void po_mutate_build_opro(struct po_buf *out, const char *prompt_name,
			  const char *const *templates, const double *scores, size_t n,
			  const struct po_trace *traces, size_t ntraces,
			  const json_t *placeholders)
{
	po_buf_addf(out,
		    "You are an expert prompt engineer. Below are earlier versions of the prompt "
		    "template named \"%s\" with their scores (0-100, higher is better), in "
		    "ascending order of score.\n\n" PO_MUTATE_HISTORY_BEGIN "\n",
		    prompt_name ? prompt_name : "prompt");
	for (size_t i = 0; i < n; i++) {
		po_buf_addf(out, PO_MUTATE_SCORE_LINE "%.1f\n", scores[i]);
		add_template(out, templates[i]);
		po_buf_addch(out, '\n');
	}
	po_buf_adds(out, PO_MUTATE_HISTORY_END "\n\nOutputs of the best version on a few test "
			 "cases:\n");
	add_traces(out, traces, ntraces, false);
	po_mutate_add_placeholders(out, placeholders);
	po_buf_adds(out,
		    "Instructions:\n"
		    "- Write a new template, different from every one above, that will score "
		    "higher than all of them.\n"
		    "- Reply with the full new template between " PO_MUTATE_REPLY_BEGIN " and "
		    PO_MUTATE_REPLY_END ", and nothing else.\n");
}
