/*
 * Price table (see prices.h). Entries are kept flat: a table has a few dozen
 * models and a lookup is a linear scan, cheaper than any index would be.
 */
#include "llm/providers/prices.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/embedded.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"

/* Where the built-in table sits among the embedded files (meson.build). */
#define BUILTIN_PRICES "../data/prices.json"

struct entry {
	char *provider;
	char *model;     /* without the trailing '*' when prefix */
	bool prefix;
	int temperature; /* "temperature": 1 true, 0 false, -1 not said */
	struct po_price price;
};

struct po_prices {
	char *date, *source;
	struct entry *v;
	size_t n;
};

void po_prices_free(struct po_prices *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].provider);
		free(p->v[i].model);
	}
	free(p->v);
	free(p->date);
	free(p->source);
	free(p);
}

/* An error about the value at `path`, pointing at it in the text. */
static int shape_error(struct po_err *err, const char *name, const char *text, size_t len,
		       const char *path, const char *what)
{
	struct po_jsonpos pos;

	po_jsonpos_find(text, len, path, &pos);
	return po_error(err, PO_EINPUT, "%s:%d:%d: %s; see docs/costs-and-cache.md", name,
			pos.line, pos.col, what);
}

static int parse_price(const json_t *o, struct po_price *pr, int *temperature,
		       const char **bad)
{
	static const char *const keys[] = { "input", "output", "cache_read", "cache_write" };
	double *dst[] = { &pr->input, &pr->output, &pr->cache_read, &pr->cache_write };
	const char *k;
	json_t *v;

	*temperature = -1;
	json_object_foreach((json_t *)o, k, v) {
		size_t i;
		if (!strcmp(k, "temperature")) {
			if (!json_is_boolean(v)) {
				*bad = k;
				return -4;
			}
			*temperature = json_is_true(v);
			continue;
		}
		for (i = 0; i < 4; i++)
			if (!strcmp(k, keys[i]))
				break;
		if (i == 4) {
			*bad = k;
			return -1;
		}
		if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
		    json_number_value(v) < 0 || json_number_value(v) > 1e6) {
			*bad = k;
			return -2;
		}
		*dst[i] = json_number_value(v);
	}
	if (!json_object_get(o, "input")) {
		*bad = "input";
		return -3;
	}
	if (!json_object_get(o, "output")) {
		*bad = "output";
		return -3;
	}
	if (!json_object_get(o, "cache_read"))
		pr->cache_read = pr->input;
	if (!json_object_get(o, "cache_write"))
		pr->cache_write = pr->input;
	return 0;
}

static int parse_provider(struct po_prices *p, const char *prov, const json_t *models,
			  const char *name, const char *text, size_t len, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT, msg = PO_BUF_INIT;
	const char *model;
	json_t *v;
	int ret = 0;

	json_object_foreach((json_t *)models, model, v) {
		struct po_price pr = { 0 };
		const char *bad = NULL;
		size_t mlen = strlen(model);
		int r, temperature = -1;

		po_buf_reset(&path);
		po_buf_adds(&path, "providers");
		po_jsonpos_path_key(&path, prov);
		po_jsonpos_path_key(&path, model);
		po_buf_reset(&msg);
		if (!mlen) {
			po_buf_adds(&msg, "a model name is empty");
		} else if (!json_is_object(v)) {
			po_buf_addf(&msg, "the price of \"%s\" must be an object like {\"input\": 3, \"output\": 15}, not %s",
				    model, po_json_type_name(v));
		} else if ((r = parse_price(v, &pr, &temperature, &bad)) < 0) {
			if (r == -1)
				po_buf_addf(&msg, "unknown key \"%s\" in the price of \"%s\" (known: input, output, cache_read, cache_write, temperature)",
					    bad, model);
			else if (r == -4)
				po_buf_addf(&msg, "\"temperature\" of \"%s\" must be true or false (false: the model refuses a temperature, none is sent)",
					    model);
			else if (r == -2)
				po_buf_addf(&msg, "\"%s\" of \"%s\" must be a number of dollars per million tokens between 0 and 1000000",
					    bad, model);
			else
				po_buf_addf(&msg, "the price of \"%s\" has no \"%s\"", model, bad);
			if (r != -3)
				po_jsonpos_path_key(&path, bad);
		}
		if (msg.len) {
			ret = shape_error(err, name, text, len, path.data, msg.data);
			break;
		}
		p->v = po_xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
		struct entry *en = &p->v[p->n++];
		en->provider = po_xstrdup(prov);
		en->prefix = model[mlen - 1] == '*';
		en->model = po_xstrdup(model);
		if (en->prefix)
			en->model[mlen - 1] = '\0';
		en->price = pr;
		en->temperature = temperature;
	}
	po_buf_release(&path);
	po_buf_release(&msg);
	return ret;
}

int po_prices_parse(struct po_prices **out, const char *name, const char *text, size_t len,
		    struct po_err *err)
{
	struct po_prices *p;
	json_t *root = NULL, *provs;
	const char *prov;
	json_t *v;
	int ret;

	*out = NULL;
	ret = po_json_load_text(name, text, len, &root, err);
	if (ret)
		return ret;
	if (!json_is_object(root)) {
		ret = shape_error(err, name, text, len, "", "a price table must be a JSON object");
		goto out;
	}
	if (!json_is_string(json_object_get(root, "date"))) {
		ret = shape_error(err, name, text, len, "date",
				  "a price table needs \"date\": \"YYYY-MM-DD\" (when its prices were checked)");
		goto out;
	}
	provs = json_object_get(root, "providers");
	if (!json_is_object(provs)) {
		ret = shape_error(err, name, text, len, "providers",
				  "a price table needs \"providers\": {\"anthropic\": {MODEL: {\"input\": N, \"output\": N}}}");
		goto out;
	}
	p = po_xcalloc(1, sizeof(*p));
	p->date = po_xstrdup(json_string_value(json_object_get(root, "date")));
	p->source = po_xstrdup(po_json_str(root, "source", ""));
	json_object_foreach(provs, prov, v) {
		if (!json_is_object(v)) {
			struct po_buf path = PO_BUF_INIT, msg = PO_BUF_INIT;
			po_buf_adds(&path, "providers");
			po_jsonpos_path_key(&path, prov);
			po_buf_addf(&msg, "the models of provider \"%s\" must be an object, not %s",
				    prov, po_json_type_name(v));
			ret = shape_error(err, name, text, len, path.data, msg.data);
			po_buf_release(&path);
			po_buf_release(&msg);
		} else {
			ret = parse_provider(p, prov, v, name, text, len, err);
		}
		if (ret)
			break;
	}
	if (ret)
		po_prices_free(p);
	else
		*out = p;
out:
	json_decref(root);
	return ret;
}

int po_prices_load(struct po_prices **out, const char *path, struct po_err *err)
{
	struct po_buf text = PO_BUF_INIT;
	int ret;

	if (!path) {
		const struct po_embedded_file *f = po_embedded_find(BUILTIN_PRICES);
		if (!f)
			return po_error(err, PO_EFAIL, "the built-in price table is missing from this build");
		return po_prices_parse(out, "built-in prices.json", f->data, f->len, err);
	}
	*out = NULL;
	ret = po_fs_read_file(path, &text, err);
	if (!ret)
		ret = po_prices_parse(out, path, text.data, text.len, err);
	po_buf_release(&text);
	return ret;
}

const char *po_prices_date(const struct po_prices *p)
{
	return p->date;
}

const char *po_prices_source(const struct po_prices *p)
{
	return p->source;
}

size_t po_prices_count(const struct po_prices *p)
{
	return p->n;
}

/* The entry for a model: an exact one, else the longest prefix; only
 * entries with a temperature flag when `flagged`. */
static const struct entry *find(const struct po_prices *p, const char *provider,
				const char *model, bool flagged)
{
	const struct entry *best = NULL;
	size_t best_len = 0;

	if (!p || !provider)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		const struct entry *en = &p->v[i];
		size_t len = strlen(en->model);

		if (strcmp(en->provider, provider) || (flagged && en->temperature < 0))
			continue;
		if (!en->prefix) {
			if (model && !strcmp(en->model, model))
				return en;
			continue;
		}
		if ((len == 0 || (model && !strncmp(en->model, model, len))) &&
		    (!best || len >= best_len)) {
			best = en;
			best_len = len;
		}
	}
	return best;
}

bool po_prices_find(const struct po_prices *p, const char *provider, const char *model,
		    struct po_price *out)
{
	const struct entry *en = find(p, provider, model, false);

	memset(out, 0, sizeof(*out));
	if (!en)
		return false;
	*out = en->price;
	return true;
}

int po_prices_temperature(const struct po_prices *p, const char *provider, const char *model)
{
	const struct entry *en = find(p, provider, model, true);

	return en ? en->temperature : -1;
}
