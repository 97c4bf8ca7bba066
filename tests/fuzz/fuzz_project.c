/*
 * libFuzzer target for core/project validation: the bytes are, in turn, the
 * test cases file, the prompts file and the config file of a project whose
 * other two files are the scaffold's. Validation must never crash or leak,
 * must fail with a message that points into the file (file:line:col), and
 * a loaded project must hold what the contract promises. util/jsonpos must
 * find every value that jansson finds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/project.h"
#include "run/project_files.h"
#include "util/embedded.h"
#include "util/jsonpos.h"

static void check_loaded(const struct po_project *p)
{
	double sum = 0;
	size_t i;

	if (!p->ncases || !p->main_prompt || !p->rubric.n || !p->sim_catalogue || !p->description)
		abort();
	if (!json_is_string(json_object_get(p->prompts, p->main_prompt)))
		abort();
	for (i = 0; i < p->ncases; i++)
		if (!p->cases[i].id || !*p->cases[i].id || !p->cases[i].name ||
		    !json_is_object(p->cases[i].inputs))
			abort();
	for (i = 0; i < p->rubric.n; i++)
		sum += p->rubric.criteria[i].weight;
	if (sum < 0.999 || sum > 1.001)
		abort();
	json_decref(po_project_placeholders(p));
}

static void one(const char *texts[3], const size_t lens[3], const char *file)
{
	struct po_project *p = NULL;
	struct po_err err = { 0 };
	int ret;

	ret = po_project_parse(&p, "fz", "dir", texts[0], lens[0], texts[1], lens[1], texts[2],
			       lens[2], po_project_known_names(), &err);
	if (ret == 0) {
		check_loaded(p);
		po_project_free(p);
		return;
	}
	if (p || ret != err.code || !err.msg[0])
		abort();
	/* shape and syntax errors point into the file: "dir/<file>:L:C: " */
	if ((ret == PO_ESYNTAX || ret == PO_EINPUT) && strncmp(err.msg, "dir/", 4))
		abort();
	(void)file;
}

/* Every member and element jansson parsed, jsonpos finds (one level deep). */
static void check_positions(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
				  NULL);
	struct po_buf path = PO_BUF_INIT;
	struct po_jsonpos pos;
	const char *key;
	json_t *v;
	size_t i;

	if (!root)
		return;
	if (po_jsonpos_find((const char *)data, size, "", &pos) != 0)
		abort();
	json_object_foreach(root, key, v) {
		po_buf_reset(&path);
		po_jsonpos_path_key(&path, key);
		if (po_jsonpos_find((const char *)data, size, path.data, &pos) != 0)
			abort();
	}
	json_array_foreach(root, i, v) {
		po_buf_reset(&path);
		po_jsonpos_path_index(&path, i);
		if (po_jsonpos_find((const char *)data, size, path.data, &pos) != 0)
			abort();
	}
	po_buf_release(&path);
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[3] = { "scaffold/test_cases.json", "scaffold/prompts.json",
					      "scaffold/config.json" };
	const char *texts[3];
	size_t lens[3], i, k;
	struct po_test_case *cases;
	struct po_err err;
	size_t n;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < 3; i++) {
			const struct po_embedded_file *f = po_embedded_find(files[i]);
			texts[i] = f->data;
			lens[i] = f->len;
		}
		texts[k] = (const char *)data;
		lens[k] = size;
		one(texts, lens, files[k]);
	}
	if (po_project_parse_test_cases("t.json", (const char *)data, size, &cases, &n, &err) == 0)
		po_test_cases_free(cases, n);
	check_positions(data, size);
	return 0;
}
