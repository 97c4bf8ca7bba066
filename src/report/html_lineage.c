/*
 * The run report's lineage: every evaluated candidate of the evaluation
 * files' "population" arrays as a node under the candidate it was made
 * from (its first recorded parent, else the incumbent of its iteration),
 * drawn as nested lists; candidates rejected before evaluation are shown
 * with their reason but are not nodes.
 */
#include "report/html_report.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "util/json.h"
#include "util/mem.h"

/* One evaluated candidate: its population row, iteration, and parent node. */
struct lnode {
	const json_t *row;
	size_t it;
	long parent;       /* index of the parent node, -1: a root */
	int accepted;
};

struct lineage {
	struct lnode *v;
	size_t n, alloc;
};

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

/* The first node before `before` whose prompts have this hash, or -1. */
static long node_of_hash(const struct lineage *l, const char *hash, size_t before)
{
	for (size_t j = 0; hash && j < before; j++)
		if (!strcmp(po_json_str(l->v[j].row, "hash", ""), hash))
			return (long)j;
	return -1;
}

/*
 * Every population row as a node. Its parent: the first node of the same
 * prompts (a re-evaluation), else the node of its first recorded parent
 * (the "parents" of its lineage), else the incumbent of its iteration (the last accepted node before it), as for the seed's
 * hill-climber, which records no lineage in older files.
 */
static void collect(struct lineage *l, const struct po_run_files *rf, json_t **keep)
{
	long incumbent = -1;

	for (size_t i = 0; i < rf->n; i++) {
		json_t *alone = NULL;
		const json_t *pop = rf->eval[i] ? population(rf->eval[i], i, &alone) : NULL, *e;
		size_t k;
		long accepted_here = -1;

		json_array_foreach(pop, k, e) {
			const char *ph = json_string_value(json_array_get(json_object_get(e, "parents"), 0));
			/* The same prompts evaluated again (other cases or sample) sit
			 * under their first evaluation. */
			long parent = node_of_hash(l, po_json_str(e, "hash", NULL), l->n);
			if (parent < 0)
				parent = node_of_hash(l, ph, l->n);
			if (l->n == l->alloc) {
				l->alloc = l->alloc ? l->alloc * 2 : 32;
				l->v = po_xrealloc(l->v, l->alloc * sizeof(*l->v));
			}
			l->v[l->n] = (struct lnode){ .row = e, .it = i,
						     .parent = parent >= 0 ? parent : incumbent,
						     .accepted = i == 0 ||
								 json_is_true(json_object_get(e, "accepted")) };
			if (l->v[l->n].accepted && accepted_here < 0)
				accepted_here = (long)l->n;
			l->n++;
		}
		if (accepted_here >= 0)
			incumbent = accepted_here;
		/* The rows of an older file's single evaluation live as long as rf. */
		if (alone)
			keep[i] = alone;
	}
}

static void node_label(struct po_buf *out, const struct lineage *l, size_t i)
{
	const struct lnode *nd = &l->v[i];
	const json_t *e = nd->row;
	const char *op = po_json_str(e, "operator", NULL);

	po_buf_addf(out, "<li class=\"node %s\" data-iteration=\"%zu\" data-parent=\"",
		    nd->accepted ? "accepted" : "rejected", nd->it);
	if (nd->parent >= 0)
		po_buf_addf(out, "%zu", l->v[nd->parent].it);
	po_buf_addf(out, "\"><span>#%zu ", nd->it);
	po_html_escape(out, po_json_str(e, "candidate", nd->it ? "candidate" : "baseline"));
	if (op) {
		po_buf_adds(out, " \xc2\xb7 ");
		po_html_escape(out, op);
	}
	po_buf_adds(out, " \xc2\xb7 ");
	po_html_num(out, po_json_num(e, "score", NAN), 2);
	if (nd->parent >= 0 && !strcmp(po_json_str(e, "hash", ""),
					po_json_str(l->v[nd->parent].row, "hash", "-")))
		po_buf_addf(out, " \xc2\xb7 #%zu evaluated again", l->v[nd->parent].it);
	else if (nd->parent >= 0)
		po_buf_addf(out, " \xc2\xb7 parent #%zu", l->v[nd->parent].it);
	if (json_array_size(json_object_get(e, "parents")) > 1)
		po_buf_addf(out, " (+%zu more)", json_array_size(json_object_get(e, "parents")) - 1);
	if (nd->it == 0)
		po_buf_adds(out, " \xc2\xb7 baseline");
	else if (nd->accepted)
		po_buf_adds(out, " \xc2\xb7 accepted");
	else if (json_is_false(json_object_get(e, "nominated")))
		po_buf_adds(out, " \xc2\xb7 not nominated");
	else
		po_buf_adds(out, " \xc2\xb7 rejected");
	po_buf_adds(out, "</span>");
}

/* Node i and its subtree (children in order, depth bounded by the node
 * count since a parent always comes before its children). */
static void render(struct po_buf *out, const struct lineage *l, size_t i)
{
	bool open = false;

	node_label(out, l, i);
	for (size_t j = i + 1; j < l->n; j++) {
		if (l->v[j].parent != (long)i)
			continue;
		if (!open)
			po_buf_adds(out, "\n<ul>\n");
		open = true;
		render(out, l, j);
	}
	po_buf_adds(out, open ? "</ul></li>\n" : "</li>\n");
}

/* The reasons a step's candidates were rejected before evaluation. */
static void skipped(struct po_buf *out, const struct po_run_files *rf)
{
	for (size_t i = 0; i < rf->n; i++) {
		const char *invalid = rf->eval[i] ? po_json_str(rf->eval[i], "invalid", NULL) : NULL;
		if (!invalid)
			continue;
		po_buf_addf(out, "<li class=\"skipped\"><span>#%zu rejected before evaluation: ", i);
		po_html_escape(out, invalid);
		po_buf_adds(out, "</span></li>\n");
	}
}

void po_html_section_lineage(struct po_buf *out, const struct po_run_files *rf)
{
	struct lineage l = { 0 };
	json_t **keep = po_xcalloc(rf->n ? rf->n : 1, sizeof(*keep));

	po_buf_adds(out, "<h2 id=\"lineage\">Lineage</h2>\n<p class=\"note\">Every evaluated"
		    " candidate under the candidate it was made from (its first parent when the"
		    " strategy recorded one, else the best so far at its iteration): #iteration,"
		    " origin, operator, score. Accepted candidates are green.</p>\n"
		    "<ul class=\"lineage\">\n");
	collect(&l, rf, keep);
	skipped(out, rf);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].parent < 0)
			render(out, &l, i);
	if (!l.n)
		po_buf_adds(out, "<li>The evaluation files of this run are not available.</li>\n");
	po_buf_adds(out, "</ul>\n");
	for (size_t i = 0; i < rf->n; i++)
		json_decref(keep[i]);
	free(keep);
	free(l.v);
}
