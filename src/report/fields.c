/*
 * The run report's values: numbers, settings and strings of the final
 * results object, each "n/a" when missing, formatted the same in every
 * section.
 */
#include "report/fields.h"

#include <math.h>
#include <string.h>

#include "report/md.h"
#include "report/svg.h"
#include "util/json.h"

int po_field_get_num(const json_t *obj, const char *key, double *v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_number(j))
		return 0;
	*v = json_number_value(j);
	return isfinite(*v);
}

void po_field_num(struct po_buf *out, const json_t *obj, const char *key, int decimals)
{
	double v;

	if (po_field_get_num(obj, key, &v))
		po_svg_addnum(out, v, decimals);
	else
		po_buf_adds(out, "n/a");
}

void po_field_setting(struct po_buf *out, const json_t *obj, const char *key)
{
	size_t start = out->len;

	po_field_num(out, obj, key, 2);
	if (!memchr(out->data + start, '.', out->len - start))
		return;
	while (out->data[out->len - 1] == '0')
		po_buf_setlen(out, out->len - 1);
	if (out->data[out->len - 1] == '.')
		po_buf_setlen(out, out->len - 1);
}

void po_field_signed(struct po_buf *out, double v, int decimals)
{
	if (v > 0 && round(v * 100) != 0)
		po_buf_addch(out, '+');
	po_svg_addnum(out, v, decimals);
}

void po_field_int(struct po_buf *out, const json_t *obj, const char *key)
{
	double v;

	if (po_field_get_num(obj, key, &v))
		po_svg_addnum(out, v, 0);
	else
		po_buf_adds(out, "n/a");
}

void po_field_str(struct po_buf *out, const json_t *obj, const char *key)
{
	const char *s = po_json_str(obj, key, NULL);

	if (s && *s)
		po_md_text(out, s, PO_MD_LINE_START);
	else
		po_buf_adds(out, "n/a");
}

void po_field_yes_no(struct po_buf *out, const json_t *obj, const char *key)
{
	const json_t *j = json_object_get(obj, key);

	if (json_is_boolean(j))
		po_buf_adds(out, json_is_true(j) ? "Yes" : "No");
	else
		po_buf_adds(out, "n/a");
}

int po_field_true(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

json_t *po_field_history(const json_t *fr)
{
	const json_t *hist = json_object_get(fr, "iteration_history");
	const json_t *base = json_object_get(fr, "baseline");
	const json_t *first = json_array_get(hist, 0);
	json_t *all = json_array();

	if (json_is_object(base) &&
	    !(json_is_integer(json_object_get(first, "iteration")) &&
	      json_integer_value(json_object_get(first, "iteration")) == 0))
		json_array_append(all, (json_t *)base);
	if (json_is_array(hist))
		json_array_extend(all, (json_t *)hist);
	return all;
}
