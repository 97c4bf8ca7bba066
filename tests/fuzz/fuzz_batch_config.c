/*
 * libFuzzer target for the batch config parser (run/batch_plan.c) and for
 * the batch result builder and report fed with arbitrary experiment records
 * (what a merge reads from shard files written elsewhere). Parsing must
 * never crash or leak, must fail with a message pointing into the file, and
 * a plan must hold what the contract promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/batch_report.h"
#include "run/batch.h"
#include "util/json.h"

static void check_plan(const struct po_batch *b)
{
	size_t n = po_batch_size(b);

	if (!n || n > PO_BATCH_MAX_EXPERIMENTS || strlen(po_batch_fingerprint(b)) != 16)
		abort();
	for (size_t i = 0; i < n; i++) {
		const json_t *c = po_batch_config(b, i);
		struct po_run_options o;

		if (!json_is_string(json_object_get(c, "name")) ||
		    !json_is_string(json_object_get(c, "project")) ||
		    !json_is_string(json_object_get(c, "provider")) ||
		    !json_is_integer(json_object_get(c, "seed")) ||
		    !json_is_boolean(json_object_get(c, "enable_convergence")) ||
		    json_object_get(c, "repeat"))
			abort();
		po_batch_options(b, i, &o);
		if (!o.project || !o.provider || o.max_iterations < 0 ||
		    (o.from_config & PO_FROM_CONFIG_SEED))
			abort();
		/* the bridge folder is named exactly when a role uses the bridge */
		struct po_buf dir = PO_BUF_INIT;
		bool bridge = po_batch_bridge_dir(b, i, &dir, NULL);
		if (bridge != (dir.len > 0))
			abort();
		po_buf_release(&dir);
	}
}

/* Every interval of every group: low <= mean <= high, or no interval. */
static void check_groups(const json_t *res)
{
	const json_t *groups = json_object_get(json_object_get(res, "comparison"), "groups");
	const json_t *g, *v;
	const char *key;
	size_t i;

	json_array_foreach(groups, i, g)
		json_object_foreach((json_t *)g, key, v) {
			const json_t *lo = json_object_get(v, "low"), *hi = json_object_get(v, "high");
			double mean = json_number_value(json_object_get(v, "mean"));
			struct po_buf text = PO_BUF_INIT;

			if (!json_is_object(v))
				continue;
			if (json_is_number(lo) != json_is_number(hi))
				abort();
			if (json_is_number(lo) && json_is_number(json_object_get(v, "mean")) &&
			    !(json_number_value(lo) <= mean && mean <= json_number_value(hi)))
				abort();
			po_batch_ci_text(&text, v, 2);
			if (!text.len)
				abort();
			po_buf_release(&text);
		}
}

static void check_records(const uint8_t *data, size_t size)
{
	json_t *recs = json_loadb((const char *)data, size, 0, NULL), *res;
	struct po_buf md = PO_BUF_INIT, svg = PO_BUF_INIT;

	if (!json_is_array(recs) || json_array_size(recs) > 200) {
		json_decref(recs);
		return;
	}
	res = po_batch_result_build(recs, "fz", json_array_size(recs), "0", 0, 0);
	if ((size_t)json_integer_value(json_object_get(res, "total_experiments")) !=
	    json_array_size(recs))
		abort();
	check_groups(res);
	po_batch_report_markdown(&md, res, "c.svg");
	po_batch_report_chart(&svg, res);
	if (!strstr(svg.data, "</svg>"))
		abort();
	po_buf_release(&md);
	po_buf_release(&svg);
	json_decref(res);
	json_decref(recs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_batch_defaults d;
	struct po_batch *b = NULL;
	struct po_err err = { 0 };
	int ret;

	po_batch_defaults_init(&d);
	ret = po_batch_plan_parse(&b, "f.json", (const char *)data, size, &d, &err);
	if (ret == 0) {
		check_plan(b);
		po_batch_free(b);
	} else {
		if (b || ret != err.code || !err.msg[0])
			abort();
		if ((ret == PO_ESYNTAX || ret == PO_EINPUT) && strncmp(err.msg, "f.json:", 7))
			abort();
	}
	check_records(data, size);
	return 0;
}
