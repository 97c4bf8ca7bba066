/*
 * The generic catalogue: features of a good prompt for any task (role, steps,
 * examples, format, audience, length, tone, use of the inputs; ignoring the
 * request and extreme length are harmful), and the writer of its outputs.
 */
#include <stdbool.h>

#include "sim/sim_internal.h"

enum {
	GF_ROLE, GF_STEPS, GF_EXAMPLES, GF_FORMAT, GF_AUDIENCE, GF_LENGTH, GF_TONE,
	GF_CONTEXT, GF_IGNORE, GF_LONG, GF_COUNT
};

static const struct feature generic_features[GF_COUNT] = {
	[GF_ROLE] = { "role", "a role statement", false,
		L("you are a", "you are an", "act as", "as an expert", "your role"),
		L("You are an expert in this subject.",
		  "Act as a seasoned specialist.",
		  "Your role is that of an experienced advisor."),
		L("role", "expert"),
		0.92, 0.30, { 0.8, 0.3, 0.2, 0.2 }, MARK_PRESENT, "as a specialist", 0,
		"Speaks with expertise", "Give the model a role (an expert persona)." },
	[GF_STEPS] = { "step_by_step", "step-by-step reasoning", false,
		L("step by step", "step-by-step", "numbered steps", "in steps"),
		L("Work through the answer step by step.",
		  "Lay out the answer in numbered steps.",
		  "Explain it step-by-step."),
		L("step"),
		0.90, 0.20, { 0.7, 0.9, 0.4, 0.8 }, MARK_PRESENT, "step 1:", 0,
		"Clear step-by-step reasoning", "Work through the answer step by step." },
	[GF_EXAMPLES] = { "examples", "a concrete example", false,
		L("example", "for instance"),
		L("Include a concrete example.",
		  "Illustrate the main point with an example.",
		  "Show one case from practice, for instance a typical user."),
		L("example"),
		0.90, 0.25, { 0.8, 0.8, 0.2, 0 }, MARK_PRESENT, "for example,", 0,
		"Concrete example", "Add a concrete example." },
	[GF_FORMAT] = { "output_format", "an explicit output format", false,
		L("output format", "format the answer", "use headings", "use markdown",
		  "bullet points", "with sections", "headings"),
		L("Format the answer with Markdown headings.",
		  "Use headings to structure the answer into sections.",
		  "Follow this output format: summary, details, next steps."),
		L("format", "headings", "structure"),
		0.92, 0.30, { 0, 0.3, 0.8, 1.6 }, MARK_COUNT, "\n## ", 2,
		"Well formatted", "Specify an output format with headings." },
	[GF_AUDIENCE] = { "audience", "the target audience", false,
		L("audience", "intended for", "written for", "for readers"),
		L("Write for a non-expert audience.",
		  "The answer is intended for busy decision makers.",
		  "Keep the target audience in mind."),
		L("audience", "reader"),
		0.85, 0.15, { 0.4, 0.4, 0.4, 0.2 }, MARK_PRESENT, "is written for", 0,
		"Pitched at the right audience", "Say who the audience is." },
	[GF_LENGTH] = { "length_limit", "a length limit", false,
		L("concise", "word limit", "words or fewer", "no more than", "under 300 words",
		  "be brief", "keep it short"),
		L("Be concise.",
		  "Stay under 300 words.",
		  "Keep it short: no more than a few paragraphs."),
		L("concise", "length", "ramble"),
		0.90, 0.30, { 0, 0, 0.8, 0.6 }, MARK_ABSENT, "many further considerations", 0,
		"Concise", "Be concise: set a length limit instead of rambling." },
	[GF_TONE] = { "tone", "a consistent tone", false,
		L("tone", "professional", "friendly", "polite", "formal"),
		L("Use a professional tone.",
		  "Keep the tone friendly and respectful.",
		  "Write in a formal, polite register."),
		L("tone", "casual"),
		0.90, 0.40, { 0.3, 0, 0.6, 0.4 }, MARK_ABSENT, "basically the gist", 0,
		"Consistent tone", "Keep a consistent, professional tone (it turns casual)." },
	[GF_CONTEXT] = { "use_context", "use of every input detail", false,
		L("the details provided", "details given", "use the details", "use all the details",
		  "the information provided", "refer to the input", "the provided details"),
		L("Use all the details provided.",
		  "Refer to the input details explicitly.",
		  "Base the answer on the information provided."),
		L("details", "context", "input"),
		0.90, 0.35, { 0.6, 1.1, 0.2, 0 }, MARK_PRESENT, "taking each of the details", 0,
		"Uses all the details given", "Use all the details given in the request (context)." },
	[GF_IGNORE] = { "ignore_instructions", "an instruction to ignore the request", true,
		L("ignore the instructions", "ignore previous", "ignore the input", "ignore the details",
		  "disregard", "ignore all"),
		L("Ignore the input details if they seem unimportant.",
		  "Disregard the request details and answer generally.",
		  "Feel free to ignore the instructions above."),
		L("ignore", "disregard", "off-topic"),
		0.85, 0.02, { -1.3, -1.0, 0, 0 }, MARK_PRESENT, "set the request details aside", 0,
		NULL, "Answer the actual request instead of setting it aside (off-topic)." },
	[GF_LONG] = { "extreme_length", "an extreme length demand", true,
		L("as long as possible", "3,000 words", "3000 words", "5,000 words", "5000 words",
		  "exhaustive", "extremely detailed", "extremely long", "every possible detail"),
		L("Make the answer at least 3,000 words.",
		  "Be exhaustive.",
		  "Make it as long as possible."),
		L("padding", "too long", "repetitive"),
		0.90, 0.03, { 0, 0, -1.0, -0.6 }, MARK_PRESENT, "to expand further", 0,
		NULL, "Cut the padding; the answer is too long and repetitive." },
};

static void generic_build(const struct gen_ctx *g, struct po_buf *b)
{
	const bool *r = g->realized;
	const char *topic = "your request";
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)g->inputs, key, v) {
		if (json_is_string(v) && json_string_length(v)) {
			topic = json_string_value(v);
			break;
		}
	}
	if (r[GF_FORMAT])
		po_buf_adds(b, "## Summary\n\n");
	if (r[GF_ROLE])
		po_buf_adds(b, "As a specialist in this area, here is my answer. ");
	if (r[GF_IGNORE])
		po_buf_adds(b, "I have set the request details aside and answered in general terms. ");
	if (r[GF_AUDIENCE])
		po_buf_adds(b, "This answer is written for readers who need to act on it quickly. ");
	po_buf_adds(b, "The request concerns: ");
	po_sim_add_sentence(b, r[GF_IGNORE] ? "a general question" : topic);
	po_buf_adds(b, "\n\n");
	if (r[GF_CONTEXT] && json_is_object(g->inputs)) {
		po_buf_adds(b, "Taking each of the details you provided into account:\n\n");
		json_object_foreach((json_t *)g->inputs, key, v) {
			if (!json_is_string(v))
				continue;
			po_buf_adds(b, "- ");
			po_sim_add_value(b, key, 60);
			po_buf_adds(b, ": ");
			po_sim_add_value(b, json_string_value(v), 300);
			po_buf_addch(b, '\n');
		}
		po_buf_addch(b, '\n');
	}
	if (r[GF_FORMAT])
		po_buf_adds(b, "## Details\n\n");
	if (r[GF_STEPS])
		po_buf_adds(b, "Step 1: Clarify the goal and the constraints.\n"
			       "Step 2: Compare the realistic options against them.\n"
			       "Step 3: Choose one, and decide how to check that it worked.\n\n");
	else
		po_buf_adds(b, "The best approach is to clarify the goal, weigh the options and "
			       "pick the one that fits the constraints.\n\n");
	if (r[GF_EXAMPLES])
		po_buf_adds(b, "For example, a small team with a fixed budget would start with the "
			       "cheapest option that meets the deadline and revisit it later.\n\n");
	if (!r[GF_LENGTH])
		po_buf_adds(b, "There are many further considerations that could matter here, "
			       "depending on circumstances, history, preferences and other factors "
			       "that may or may not apply in your case.\n\n");
	if (r[GF_LONG])
		po_buf_adds(b, "To expand further on each of the points above, it is worth "
			       "repeating that the goal matters, that the options matter, and that "
			       "the choice matters, because each of these matters for the outcome, "
			       "and the outcome is what matters most in the end.\n\n");
	if (r[GF_FORMAT])
		po_buf_adds(b, "## Next steps\n\n");
	po_buf_adds(b, "Start with the first step this week and review the result.");
	if (!r[GF_TONE])
		po_buf_adds(b, " Anyway, that's basically the gist of it.");
	po_buf_addch(b, '\n');
}

static void generic_offtopic(const struct gen_ctx *g, struct po_buf *b)
{
	po_buf_adds(b, "Since the request did not say which topic to cover, here is a general "
		       "answer. Most questions are best approached by gathering information, "
		       "considering the options and making a decision. Let me know the details "
		       "and I can be more specific.\n");
}

_Static_assert(GF_COUNT <= MAX_FEATURES, "MAX_FEATURES is too small for the generic catalogue");

const struct catalogue po_sim_catalogue_generic = {
	"generic", generic_features, GF_COUNT,
	{ "accuracy", "completeness", "clarity", "format" },
	{ 0.30, 0.30, 0.20, 0.20 },
	{ 1.4, 1.2, 1.4, 1.2 },
	{ 0.3, 0.2, 0.8, 0.5 },
	generic_build, generic_offtopic, NULL,
	NULL, NULL, 0, NULL, 0, NULL, 0, false, 0, 0 /* the same value on every case */
};
