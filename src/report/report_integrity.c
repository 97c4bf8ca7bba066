/*
 * The reports' section on mutation integrity: the candidates rejected
 * before evaluation, per reason, those repaired, and the prompt length
 * (opt/integrity.h writes the figures into the final results). Markdown
 * for the run report, HTML for its page.
 */
#include "report/html.h"
#include "report/html_report.h"
#include "report/report_sections.h"

#include "report/fields.h"
#include "report/md.h"
#include "report/svg.h"
#include "util/json.h"
#include "util/mem.h"

static const struct {
	const char *key, *label;
} reasons[] = {
	{ "lost_placeholder", "lost a placeholder the test cases provide" },
	{ "unknown_placeholder", "used a placeholder no test case provides" },
	{ "empty", "empty template" },
	{ "duplicate", "a prompt set this run had evaluated already" },
	{ "too_long", "longer than max_prompt_chars" },
	{ "unusable_reply", "mutate reply without a usable template" },
};

/* "baseline 385 characters, best 512; no cap; no length penalty." */
static void length_line(struct po_buf *out, const json_t *len)
{
	double pen = po_json_num(len, "length_penalty", 0);

	po_buf_adds(out, "Prompt length: baseline ");
	po_field_int(out, len, "baseline_chars");
	po_buf_adds(out, " characters, best ");
	po_field_int(out, len, "best_chars");
	po_buf_adds(out, "; ");
	if (json_is_integer(json_object_get(len, "max_prompt_chars"))) {
		po_buf_adds(out, "cap ");
		po_field_int(out, len, "max_prompt_chars");
		po_buf_adds(out, " characters; ");
	} else {
		po_buf_adds(out, "no cap; ");
	}
	if (pen > 0) {
		po_svg_addnum(out, pen, 2);
		po_buf_adds(out, " points off per 1000 characters over the baseline in acceptance.");
	} else {
		po_buf_adds(out, "no length penalty.");
	}
}

static void intro(struct po_buf *out, const json_t *fr)
{
	const json_t *rej = json_object_get(fr, "candidates_rejected");

	po_field_int(out, rej, "total");
	po_buf_adds(out, " candidates were rejected before evaluation (no generate call was"
		    " made for them); ");
	po_field_int(out, fr, "candidates_repaired");
	po_buf_adds(out, " had a lost placeholder put back (then evaluated, unless"
		    " rejected for another reason).");
}

void po_report_section_integrity(struct po_buf *out, const json_t *fr)
{
	const json_t *rej = json_object_get(fr, "candidates_rejected");

	if (!json_is_object(rej))
		return;
	po_buf_adds(out, "## Candidates Rejected\n\n");
	intro(out, fr);
	po_buf_adds(out, "\n\n| Reason | Candidates |\n|---|---:|\n");
	for (size_t i = 0; i < PO_ARRAY_SIZE(reasons); i++) {
		po_buf_addf(out, "| %s (`%s`) | ", reasons[i].label, reasons[i].key);
		po_field_int(out, rej, reasons[i].key);
		po_buf_adds(out, " |\n");
	}
	po_buf_adds(out, "| Total | ");
	po_field_int(out, rej, "total");
	po_buf_adds(out, " |\n\n");
	if (json_is_object(json_object_get(fr, "prompt_length"))) {
		length_line(out, json_object_get(fr, "prompt_length"));
		po_buf_adds(out, "\n\n");
	}
}

void po_html_section_integrity(struct po_buf *out, const json_t *fr)
{
	const json_t *rej = json_object_get(fr, "candidates_rejected");
	struct po_buf t = PO_BUF_INIT;

	if (!json_is_object(rej))
		return;
	po_buf_adds(out, "<h2 id=\"rejected\">Candidates rejected</h2>\n<p>");
	intro(&t, fr);
	po_html_escape(out, t.data);
	po_buf_adds(out, "</p>\n<table>\n");
	for (size_t i = 0; i < PO_ARRAY_SIZE(reasons); i++) {
		po_buf_adds(out, "<tr><th>");
		po_html_escape(out, reasons[i].label);
		po_buf_addf(out, " (<code>%s</code>)</th><td>", reasons[i].key);
		po_field_int(out, rej, reasons[i].key);
		po_buf_adds(out, "</td></tr>\n");
	}
	po_buf_adds(out, "<tr><th>Total</th><td>");
	po_field_int(out, rej, "total");
	po_buf_adds(out, "</td></tr>\n</table>\n");
	if (json_is_object(json_object_get(fr, "prompt_length"))) {
		po_buf_reset(&t);
		length_line(&t, json_object_get(fr, "prompt_length"));
		po_html_elem(out, "p", NULL, t.data);
	}
	po_buf_release(&t);
}
