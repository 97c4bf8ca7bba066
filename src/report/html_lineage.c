/*
 * The run report's lineage: every evaluated candidate of the evaluation
 * files' "population" arrays as a node under the incumbent it was made
 * from (the last accepted candidate before its iteration), drawn as
 * nested lists; candidates rejected before evaluation are shown with
 * their reason but are not nodes.
 */
#include "report/html_report.h"

#include <math.h>

#include "report/html.h"
#include "util/json.h"

/* One node's label; open_children: the node is accepted and its <ul> of
 * children stays open (the later candidates are made from it). */
static void node(struct po_buf *out, const json_t *e, size_t it, long parent, int accepted,
		 int open_children)
{
	po_buf_addf(out, "<li class=\"node %s\" data-iteration=\"%zu\" data-parent=\"",
		    accepted ? "accepted" : "rejected", it);
	if (parent >= 0)
		po_buf_addf(out, "%ld", parent);
	po_buf_addf(out, "\"><span>#%zu ", it);
	po_html_escape(out, po_json_str(e, "candidate", it ? "candidate" : "baseline"));
	po_buf_adds(out, " \xc2\xb7 ");
	po_html_num(out, po_json_num(e, "score", NAN), 2);
	if (parent >= 0)
		po_buf_addf(out, " \xc2\xb7 parent #%ld", parent);
	if (it == 0)
		po_buf_adds(out, " \xc2\xb7 baseline");
	else if (accepted)
		po_buf_adds(out, " \xc2\xb7 accepted");
	else if (json_is_false(json_object_get(e, "nominated")))
		po_buf_adds(out, " \xc2\xb7 not nominated");
	else
		po_buf_adds(out, " \xc2\xb7 rejected");
	po_buf_adds(out, open_children ? "</span>\n<ul>\n" : "</span></li>\n");
}

/* The population of an evaluation, or the evaluation itself as its only
 * member (older files); NULL when it evaluated nothing. */
static const json_t *population(const json_t *ev, size_t i, json_t **alone)
{
	const json_t *pop = json_object_get(ev, "population");

	*alone = NULL;
	if (json_is_array(pop) && json_array_size(pop))
		return pop;
	if (!json_is_number(json_object_get(ev, "score")) && i > 0)
		return NULL;
	*alone = json_array();
	json_array_append(*alone, (json_t *)ev);
	return *alone;
}

static int is_accepted(const json_t *e, size_t i)
{
	return i == 0 || json_is_true(json_object_get(e, "accepted"));
}

/* The candidates of iteration i: the rejected first, then the accepted one,
 * whose list of children the later iterations go into. Returns the lists
 * opened. */
static size_t iteration_nodes(struct po_buf *out, const json_t *ev, size_t i, long *incumbent)
{
	json_t *alone;
	const json_t *pop = population(ev, i, &alone), *e;
	const char *invalid = po_json_str(ev, "invalid", NULL);
	size_t k, opened = 0;
	long parent = *incumbent;

	if (invalid) {
		po_buf_addf(out, "<li class=\"skipped\"><span>#%zu rejected before evaluation: ", i);
		po_html_escape(out, invalid);
		po_buf_adds(out, "</span></li>\n");
	}
	json_array_foreach(pop, k, e)
		if (!is_accepted(e, i))
			node(out, e, i, parent, 0, 0);
	json_array_foreach(pop, k, e) {
		if (!is_accepted(e, i) || opened)
			continue;
		node(out, e, i, parent, 1, 1);
		*incumbent = (long)i;
		opened = 1;
	}
	json_decref(alone);
	return opened;
}

void po_html_section_lineage(struct po_buf *out, const struct po_run_files *rf)
{
	size_t i, open = 0, nodes_before;
	long incumbent = -1;

	po_buf_adds(out, "<h2 id=\"lineage\">Lineage</h2>\n<p class=\"note\">Every evaluated"
		    " candidate under the candidate it was made from (the best so far at its"
		    " iteration): #iteration, origin, score. Accepted candidates are green and"
		    " hold their descendants.</p>\n<ul class=\"lineage\">\n");
	nodes_before = out->len;
	for (i = 0; i < rf->n; i++)
		if (rf->eval[i])
			open += iteration_nodes(out, rf->eval[i], i, &incumbent);
	while (open--)
		po_buf_adds(out, "</ul></li>\n");
	if (out->len == nodes_before)
		po_buf_adds(out, "<li>The evaluation files of this run are not available.</li>\n");
	po_buf_adds(out, "</ul>\n");
}
